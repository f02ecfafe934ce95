"""Who carries out a lesson's actions on one node, and measures what that node sees.

A `LocalPlayer` is a node in this process. A `RemotePlayer` is a node anywhere else (another
window of `pgviz demo`, a student's laptop): it asks that node's lesson agent (agent.py), which
runs a LocalPlayer there. Both answer the same operations with the same checks and errors, so
a lesson behaves alike on loopback and across a classroom:

    spawn NAME -> pid     join/leave/monitor GROUP NAME     broadcast GROUP TEXT REMOTE
    kill NAME             crash                            reset -> [pid text] killed
    members GROUP [NODE...] -> [pid text] of those nodes (a class's other laptops, the
                      teacher's window are not in the lesson)
    peers -> [node]       received NAME -> count          sees [PID...] -> those still in a group
    held [NODE...] -> [[frame id, destination, sent, first on its link]] for frames waiting to
                      go to those nodes

What one player can do is bounded: MAX_PROCESSES processes, each in at most MAX_JOINS
memberships and MAX_MONITORS monitors, texts of at most 10,000 characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..node import Node
from ..runtime import Pid, Process

__all__ = ["Player", "LocalPlayer", "ActionError", "OPERATIONS", "MAX_PROCESSES", "MAX_JOINS",
           "MAX_MONITORS", "check_reply"]

# Per lesson and node: an agent serves a teacher, not a load test (nor someone who would grow
# every node's pg table through it).
MAX_PROCESSES = 1000
MAX_JOINS = 100  # memberships of one process (a pid may join a group more than once)
MAX_MONITORS = 16
_MAX_NAME = 100
_MAX_TEXT = 10_000

class ActionError(RuntimeError):
    """An action the cluster refused (a node that crashed, a step with nothing to release)."""


#: operation -> the types of its arguments
OPERATIONS: dict[str, tuple[type, ...]] = {
    "hello": (), "spawn": (str,), "join": (str, str), "leave": (str, str),
    "monitor": (str, str), "broadcast": (str, str, bool), "kill": (str,), "crash": (),
    "reset": (), "members": (str, list), "peers": (), "received": (str,), "held": (list,),
    "sees": (list,),
}

_STR_LIST = "a list of names"
#: operation -> what its reply must be (a conductor checks: an agent may be older, or altered)
_REPLIES: dict[str, Any] = {
    "hello": list, "spawn": Pid, "join": None, "leave": None, "monitor": None,
    "broadcast": None, "kill": None, "crash": None, "reset": _STR_LIST, "members": _STR_LIST,
    "peers": _STR_LIST, "received": int, "held": "frames", "sees": _STR_LIST,
}


class Player(Protocol):
    @property
    def name(self) -> str:
        """The node's full name."""
        ...

    def reachable(self) -> bool:
        """Can the node be asked now (running here; connected, for a remote one)?"""
        ...

    async def do(self, op: str, *args: Any) -> Any:
        """Run operation `op`; raises ActionError with the node's reason when refused."""
        ...


@dataclass
class _Kept:
    pid: Pid
    received: int = 0
    joins: int = 0
    monitors: int = 0


def check_reply(op: str, value: Any) -> Any:
    """`value` if it is what operation `op` answers, else ActionError."""
    want = _REPLIES[op]
    ok = (value is None if want is None
          else type(value) is list and all(type(x) is str for x in value) if want == _STR_LIST
          else type(value) is list and all(
              type(f) is list and len(f) == 4 and type(f[0]) is str and type(f[1]) is str
              and type(f[2]) in (int, float) and type(f[3]) is bool for f in value)
          if want == "frames"
          else type(value) is want)
    if not ok:
        raise ActionError(f"{op}: the node's answer makes no sense ({str(value)[:60]!r}); "
                          "is it another version of pgviz?")
    return value


def check_request(op: Any, args: Any) -> tuple[str, list[Any]]:
    """The operation and its arguments, or ActionError saying what is wrong with them."""
    if type(op) is not str or op not in OPERATIONS:
        raise ActionError(f"unknown operation {str(op)[:40]!r}")
    if type(args) not in (list, tuple):
        raise ActionError(f"{op}: arguments are a list")
    want = OPERATIONS[op]
    if len(args) != len(want) or any(type(a) is not t for a, t in zip(args, want, strict=True)):
        names = ", ".join(t.__name__ for t in want) or "none"
        raise ActionError(f"{op}: takes ({names})")
    for a in args:
        if type(a) is str and len(a) > _MAX_TEXT:
            raise ActionError(f"{op}: an argument longer than {_MAX_TEXT} characters")
        if type(a) is list and (len(a) > MAX_PROCESSES or any(type(x) is not str for x in a)):
            raise ActionError(f"{op}: a list of at most {MAX_PROCESSES} names")
    return op, list(args)


class LocalPlayer:
    def __init__(self, node: Node) -> None:
        self.node = node
        self._kept: dict[str, _Kept] = {}

    @property
    def name(self) -> str:
        return self.node.name

    def reachable(self) -> bool:
        return self.node.running

    async def do(self, op: str, *args: Any) -> Any:
        return self.run(op, list(args))

    def run(self, op: Any, args: Any) -> Any:
        """Operation `op` now (every operation is synchronous); ActionError if refused."""
        op, checked = check_request(op, args)
        if op not in ("hello", "members", "peers", "received", "held", "sees", "reset") \
                and not self.node.running:
            raise ActionError(f"node {self.node.short_name} is not running")
        return getattr(self, f"_{op}")(*checked)

    # -- actions ----------------------------------------------------------------------------------
    def _hello(self) -> list[Any]:
        return [self.node.name, len(self._kept)]

    def _spawn(self, name: str) -> Pid:
        if not name or len(name) > _MAX_NAME:
            raise ActionError(f"a process name has 1 to {_MAX_NAME} characters")
        if name in self._kept and self.node.is_alive(self._kept[name].pid):
            raise ActionError(f"{name} is already running on {self.node.short_name}")
        if len(self._kept) >= MAX_PROCESSES:
            raise ActionError(f"{self.node.short_name} already runs {MAX_PROCESSES} "
                              "processes for lessons")

        async def keep(proc: Process) -> None:
            while True:
                await proc.receive()
                kept.received += 1

        kept = _Kept(Pid(self.node.name, 0, 0, 0))
        kept.pid = self.node.spawn(keep)
        self._kept[name] = kept
        return kept.pid

    def _pid(self, name: str) -> Pid:
        kept = self._kept.get(name)
        if kept is None:
            raise ActionError(f"no process {name[:_MAX_NAME]!r} on {self.node.short_name}")
        return kept.pid

    def _join(self, group: str, name: str) -> None:
        kept = self._kept.get(name)
        if kept is not None and kept.joins >= MAX_JOINS:
            raise ActionError(f"{name} is already in {MAX_JOINS} groups")
        self.node.pg.join(group, self._pid(name))
        if kept is not None:
            kept.joins += 1

    def _leave(self, group: str, name: str) -> None:
        kept = self._kept.get(name)
        self.node.pg.leave(group, self._pid(name))
        if kept is not None and kept.joins:
            kept.joins -= 1

    def _monitor(self, group: str, name: str) -> None:
        kept = self._kept.get(name)
        if kept is not None and kept.monitors >= MAX_MONITORS:
            raise ActionError(f"{name} already monitors {MAX_MONITORS} groups")
        self.node.pg.monitor(group, self._pid(name))
        if kept is not None:
            kept.monitors += 1

    def _broadcast(self, group: str, text: str, remote: bool) -> None:
        self.node.pg.broadcast(group, text, exclude_local=remote)

    def _kill(self, name: str) -> None:
        self.node.exit(self._pid(name), "kill")

    def _crash(self) -> None:
        self.node.crash()

    def _reset(self) -> list[str]:
        """Kill every process a lesson spawned here (their memberships go with them)."""
        kept, self._kept = self._kept, {}
        alive = [k.pid for k in kept.values() if self.node.running and self.node.is_alive(k.pid)]
        for pid in alive:
            self.node.exit(pid, "kill")
        return [str(p) for p in alive]

    # -- measures ---------------------------------------------------------------------------------
    def _members(self, group: str, nodes: list[str]) -> list[str]:
        if not self.node.running:
            return []
        cast = set(nodes)
        return sorted(str(p) for p in self.node.pg.get_members(group) if p.node in cast)

    def _sees(self, pids: list[str]) -> list[str]:
        if not self.node.running:
            return []
        wanted = set(pids)
        pg = self.node.pg
        return sorted({str(p) for g in pg.which_groups() for p in pg.get_members(g)} & wanted)

    def _peers(self) -> list[str]:
        return sorted(self.node.nodes()) if self.node.running else []

    def _received(self, name: str) -> int:
        kept = self._kept.get(name)
        return kept.received if kept is not None else 0

    def _held(self, to: list[str]) -> list[list[Any]]:
        if not self.node.running:
            return []
        wanted = set(to)
        return [[f.id, f.dst, f.sent, f.first] for f in self.node.net.held() if f.dst in wanted]
