"""The shell's commands: one line in, one reply (a dict) out, and the events of the processes
it spawned. No IO here: `service` reads the lines and prints what `emit` is given.

A bad command or argument answers ok=false with a message and changes nothing.

Any peer with the cookie can send the shell's processes any term, so nothing a process
receives may stop it: a tuple is a notification only when its ref is one this shell holds,
everything else is reported as a `message` event (rendered by the bounded `to_jsonable`), and
the human output escapes control characters in every value, so one event is one line.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from typing import Any

from ..errors import PgvizError
from ..model.recording import Recorder
from ..net import registry
from ..net.discovery import Discovery
from ..node import Node
from ..pg.scope import Scope
from ..runtime.process import Process
from ..trace import to_jsonable
from ..wire.terms import Pid, Ref
from .network import NETWORK_ARGUMENTS, NETWORK_COMMANDS, NetworkCommands

__all__ = ["Shell", "COMMANDS", "CommandError", "help_epilog"]

COMMANDS = {
    "connect": "connect ADDR            connect to the node at host:port",
    "nodes": "nodes                   list connected nodes",
    "spawn": "spawn [NAME]            start a process that prints what it receives",
    "join": "join GROUP PID|NAME     join a local process to GROUP",
    "leave": "leave GROUP PID|NAME    leave GROUP (not_joined if it was not a member)",
    "members": "members GROUP           every member of GROUP, across the cluster",
    "local": "local GROUP             the members of GROUP on this node",
    "groups": "groups                  every group with members",
    "monitor": "monitor [GROUP]         report joins and leaves of GROUP (or of the scope)",
    "broadcast": "broadcast GROUP TEXT    send TEXT to every member of GROUP",
    "send": "send PID|NAME TEXT      send TEXT to one process",
    "kill": "kill PID|NAME           kill a process",
    "disconnect": "disconnect NODE         drop the link to NODE (no automatic redial)",
    "scope": "scope [NAME]            show or switch the scope (started if needed)",
    "record": "record FILE | record stop  write the cluster's events to FILE (JSON Lines)",
    "discovered": "discovered              the nodes announced on the LAN (mDNS)",
    **NETWORK_COMMANDS,
    "help": "help                    this list",
    "quit": "quit                    stop the node and exit",
}


# What each command's arguments are, for completion in the terminal: "group", "process" (a
# registered name or a pid), "node", "address", "scope", or a literal word.
ARGUMENTS: dict[str, tuple[str, ...]] = {
    "connect": ("address",),
    "spawn": (),
    "join": ("group", "process"),
    "leave": ("group", "process"),
    "members": ("group",),
    "local": ("group",),
    "monitor": ("group",),
    "broadcast": ("group",),
    "send": ("process",),
    "kill": ("process",),
    "disconnect": ("node",),
    "scope": ("scope",),
    "record": ("stop",),
    **NETWORK_ARGUMENTS,
}


class CommandError(Exception):
    """A command line that cannot be carried out (its reply has ok=false)."""


class Shell:
    def __init__(self, node: Node, emit: Callable[[dict[str, Any]], None]) -> None:
        self.node = node
        self.emit = emit
        self.scope_name = "pg"
        self.shell_pid: Pid | None = None
        self._shell_proc: Process | None = None
        self._subs: dict[Ref, str] = {}  # group or scope monitor ref -> its scope's name
        self._watching: dict[Ref, Pid] = {}  # monitor ref -> the spawned process it watches
        self.quitting = asyncio.Event()
        self._recording: tuple[Recorder, Callable[[], None]] | None = None
        self._network = NetworkCommands(node)
        self.discovery: Discovery | None = None  # set when the node is announced on a LAN

    @property
    def scope(self) -> Scope:
        return self.node.scope(self.scope_name)

    def start(self) -> None:
        self.shell_pid = self.node.spawn(self._shell_process, name="shell")
        self._shell_proc = self.node.process(self.shell_pid)
        assert self._shell_proc is not None
        self._shell_proc.system = True  # a peer's exit signal must not silence the shell
        self.node.add_node_callback(self._node_event)
        self.node.on_network_change(self._network_event)

    def _network_event(self, kind: str, fields: dict[str, Any]) -> None:
        self.emit({"event": kind, **fields})

    def _node_event(self, kind: str, peer: str, reason: str) -> None:
        ev: dict[str, Any] = {"event": kind, "node": peer}
        if kind == "nodedown":
            ev["reason"] = reason
        self.emit(ev)

    async def _shell_process(self, proc: Process) -> None:
        # Receives monitor notifications, DOWN of spawned processes, and anything anyone sends.
        while True:
            msg = await proc.receive()
            if not self._notification(msg):
                self._report_message(proc.pid, msg)

    def _notification(self, msg: Any) -> bool:
        """Report `msg` and answer True if it is a notification meant for this shell.

        A peer can send "shell" a tuple of the same shape as a notification, so the shape is
        not enough: the ref must be one this shell holds. A forgery with a guessed ref and a
        wrong shape is reported as a message; a DOWN whose ref none of our monitors made is
        a plain message too, never an exit."""
        if type(msg) is not tuple:
            return False
        if len(msg) == 4 and (scope := _held(self._subs, msg[0])) is not None:
            _, kind, group, pids = msg
            if type(kind) is not str or kind not in ("join", "leave") or type(pids) is not list \
                    or not all(type(p) is Pid for p in pids):
                return False
            self.emit({"event": kind, "scope": scope, "group": to_jsonable(group),
                       "members": [str(p) for p in pids]})
            return True
        if len(msg) == 5 and msg[0] == "DOWN" \
                and (pid := _held(self._watching, msg[1])) is not None:
            del self._watching[msg[1]]  # a monitor fires once
            self.emit({"event": "exit", "pid": str(pid), "reason": to_jsonable(msg[4])})
            return True
        return False

    def _report_message(self, pid: Pid, msg: Any) -> None:
        if type(msg) is tuple and len(msg) == 3 and msg[0] == "msg" and type(msg[1]) is Pid:
            sender, data = str(msg[1]), to_jsonable(msg[2])
        else:
            sender, data = None, to_jsonable(msg)
        self.emit({"event": "message", "pid": str(pid), "from": sender, "data": data})

    async def _member(self, proc: Process) -> None:
        while True:
            self._report_message(proc.pid, await proc.receive())

    def spawn_member(self, name: str | None = None) -> Pid:
        pid = self.node.spawn(self._member, name=name)
        assert self._shell_proc is not None
        self._watching[self._shell_proc.monitor(pid)] = pid
        return pid

    # -- commands -----------------------------------------------------------------------------
    async def execute(self, line: str) -> dict[str, Any] | None:
        line = line.strip()
        if not line or line.startswith("#"):
            return None
        cmd, _, rest = line.partition(" ")
        cmd = cmd.lower()
        handler = getattr(self, f"cmd_{cmd}", None) or getattr(self._network, f"cmd_{cmd}", None)
        if handler is None:
            return {"reply": cmd, "ok": False,
                    "error": f"unknown command {cmd!r}; commands: {', '.join(COMMANDS)}"}
        try:
            result = handler(rest.strip())
            if asyncio.iscoroutine(result):
                result = await result
        except (CommandError, PgvizError, ValueError, TypeError) as exc:
            return {"reply": cmd, "ok": False, "error": str(exc)}
        return {"reply": cmd, "ok": True, **(result or {})}

    def _args(self, rest: str, low: int, high: int, usage: str) -> list[str]:
        try:
            parts = shlex.split(rest) if rest else []
        except ValueError as exc:
            raise CommandError(f"{exc}; usage: {usage}") from None
        if not low <= len(parts) <= high:
            raise CommandError(f"usage: {usage}")
        return parts

    def _head_text(self, rest: str, usage: str) -> tuple[str, str]:
        head, _, text = rest.partition(" ")
        if not head or not text.strip():
            raise CommandError(f"usage: {usage}")
        return head, text.strip()

    def _pid(self, text: str, *, local: bool = False) -> Pid:
        if text.startswith("<"):
            pid = self.node.parse_pid(text)
        else:
            found = self.node.whereis(text)
            if found is None:
                raise CommandError(f"no process is registered as {text!r} on this node")
            pid = found
        if local and pid.node != self.node.name:
            raise CommandError(f"{pid} is not a process of this node")
        return pid

    async def cmd_connect(self, rest: str) -> dict[str, Any]:
        (addr,) = self._args(rest, 1, 1, "connect HOST:PORT")
        return {"node": await self.node.connect(addr)}

    def cmd_nodes(self, rest: str) -> dict[str, Any]:
        self._args(rest, 0, 0, "nodes")
        return {"nodes": self.node.nodes()}

    def cmd_spawn(self, rest: str) -> dict[str, Any]:
        args = self._args(rest, 0, 1, "spawn [NAME]")
        if args and args[0].startswith("<"):
            raise CommandError("a process name cannot start with '<'")
        return {"pid": str(self.spawn_member(args[0] if args else None))}

    def cmd_join(self, rest: str) -> dict[str, Any]:
        group, who = self._args(rest, 2, 2, "join GROUP PID|NAME")
        pid = self._pid(who, local=True)
        if not self.node.is_alive(pid):
            raise CommandError(f"{pid} is not alive")
        self.scope.join(group, pid)
        return {"group": group, "pid": str(pid)}

    def cmd_leave(self, rest: str) -> dict[str, Any]:
        group, who = self._args(rest, 2, 2, "leave GROUP PID|NAME")
        pid = self._pid(who, local=True)
        return {"group": group, "pid": str(pid),
                "result": "ok" if self.scope.leave(group, pid) else "not_joined"}

    def cmd_members(self, rest: str) -> dict[str, Any]:
        (group,) = self._args(rest, 1, 1, "members GROUP")
        return {"group": group, "members": [str(p) for p in self.scope.get_members(group)]}

    def cmd_local(self, rest: str) -> dict[str, Any]:
        (group,) = self._args(rest, 1, 1, "local GROUP")
        return {"group": group,
                "members": [str(p) for p in self.scope.get_local_members(group)]}

    def cmd_groups(self, rest: str) -> dict[str, Any]:
        self._args(rest, 0, 0, "groups")
        return {"groups": [to_jsonable(g) for g in self.scope.which_groups()]}

    def cmd_monitor(self, rest: str) -> dict[str, Any]:
        args = self._args(rest, 0, 1, "monitor [GROUP]")
        assert self.shell_pid is not None
        if args:
            ref, pids = self.scope.monitor(args[0], self.shell_pid)
            self._subs[ref] = self.scope_name
            return {"group": args[0], "members": [str(p) for p in pids]}
        ref, groups = self.scope.monitor_scope(self.shell_pid)
        self._subs[ref] = self.scope_name
        return {"scope": self.scope_name,
                "groups": {str(to_jsonable(g)): [str(p) for p in ps] for g, ps in groups.items()}}

    def cmd_broadcast(self, rest: str) -> dict[str, Any]:
        group, text = self._head_text(rest, "broadcast GROUP TEXT")
        return {"group": group, "sent": self.scope.broadcast(group, ("msg", self.shell_pid, text))}

    def cmd_send(self, rest: str) -> dict[str, Any]:
        who, text = self._head_text(rest, "send PID|NAME TEXT")
        pid = self._pid(who)
        self.node.send(pid, ("msg", self.shell_pid, text))
        return {"pid": str(pid)}

    def cmd_kill(self, rest: str) -> dict[str, Any]:
        (who,) = self._args(rest, 1, 1, "kill PID|NAME")
        pid = self._pid(who)
        if pid == self.shell_pid or any(pid == self.node.whereis(s) for s in self.node.scopes()):
            raise CommandError(f"{pid} is part of the shell or a scope; refusing to kill it")
        self.node.exit(pid, "kill")
        return {"pid": str(pid)}

    async def cmd_disconnect(self, rest: str) -> dict[str, Any]:
        (name,) = self._args(rest, 1, 1, "disconnect NODE")
        if "@" not in name:
            matches = [n for n in self.node.nodes() if n.split("@")[0] == name]
            name = matches[0] if len(matches) == 1 else name
        return {"node": name, "disconnected": await self.node.disconnect(name)}

    async def cmd_scope(self, rest: str) -> dict[str, Any]:
        args = self._args(rest, 0, 1, "scope [NAME]")
        if args:
            await self.node.start_scope(args[0])
            self.scope_name = args[0]
        return {"scope": self.scope_name, "scopes": self.node.scopes()}

    def cmd_record(self, rest: str) -> dict[str, Any]:
        if not rest:
            raise CommandError("usage: record FILE | record stop")
        if rest == "stop":
            if self._recording is None:
                raise CommandError("not recording")
            recorder, unsubscribe = self._recording
            unsubscribe()
            recorder.close()
            self._recording = None
            return {"file": str(recorder.path), "events": recorder.count}
        if self._recording is not None:
            raise CommandError(f"already recording to {self._recording[0].path}; "
                               "record stop first")
        try:
            recorder = Recorder(rest, nodes=[self.node.name, *self.node.nodes()])
        except OSError as exc:
            raise CommandError(f"cannot write {rest}: {exc.strerror or exc}") from None
        # What is true now, then whatever happens anywhere in the cluster from now on.
        for ev in self.node.state_events():
            recorder(ev)
        self._recording = (recorder, self.node.add_listener(recorder, cluster=True))
        return {"file": str(recorder.path)}

    def stop_recording(self) -> None:
        if self._recording is not None:
            self.cmd_record("stop")

    def cmd_discovered(self, rest: str) -> dict[str, Any]:
        self._args(rest, 0, 0, "discovered")
        if self.discovery is None:
            raise CommandError("LAN discovery is off (the node listens on loopback only, or "
                               "--no-discovery)")
        return {"nodes": [{"node": f.name, "address": f.address, "tls": f.tls}
                          for f in self.discovery.found()]}

    def cmd_help(self, rest: str) -> dict[str, Any]:
        return {"commands": list(COMMANDS.values())}

    def cmd_quit(self, rest: str) -> dict[str, Any]:
        self.quitting.set()
        return {}

    # -- completion -----------------------------------------------------------------------------
    def candidates(self, command: str, position: int) -> list[str]:
        """The words that may stand at argument `position` (0-based) of `command`, as of now:
        the node's groups, registered processes and spawned pids, peers, scopes."""
        kinds = ARGUMENTS.get(command, ())
        if position >= len(kinds):
            return []
        kind = kinds[position]
        if kind == "group":
            return sorted({str(g) for g in self.scope.which_groups() if isinstance(g, str)})
        if kind == "process":
            hidden = {"shell", *self.node.scopes()}
            names = [n for n in self.node.registered() if n not in hidden]
            pids = [str(p) for p in self._watching.values() if self.node.is_alive(p)]
            return sorted(names) + pids
        if kind == "node":
            peers = self.node.nodes()
            short = [p.split("@")[0] for p in peers]
            return sorted({*peers, *(s for s in short if short.count(s) == 1)})
        if kind == "address":
            return sorted(e.address for e in registry.list_nodes() if e.name != self.node.name)
        if kind == "scope":
            return sorted(self.node.scopes())
        return [kind]


def _held(table: dict[Ref, Any], ref: Any) -> Any:
    """table[ref] if `ref` is a Ref in `table`, else None. Only a Ref is looked up: hashing a
    peer's tuple raises when a dict is inside, and no other term can equal a Ref anyway."""
    if type(ref) is not Ref:
        return None
    try:
        return table.get(ref)
    except TypeError:  # a Ref built in-process around an unhashable field
        return None


def help_epilog() -> str:
    """`pgviz node --help`'s list of the shell's commands and how stdin is read."""
    lines = ["shell commands (one per line on stdin; `help` lists them too):"]
    lines += [f"  {usage}" for usage in COMMANDS.values()]
    lines += ["",
              "stdin: in a terminal the shell has line editing, history (Up/Down) and Tab",
              "completion of commands, groups, processes and nodes; from a pipe or a file it",
              "reads one command per line, and the end of input does not stop the node",
              "(--exit-on-eof does). --no-shell reads nothing. SIGTERM or SIGINT stops the",
              "node cleanly (peers are told goodbye), exit status 0."]
    return "\n".join(lines)
