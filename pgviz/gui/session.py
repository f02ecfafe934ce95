"""NodeSession: what one window does with its node, without Qt.

It owns the member processes this window spawns (each keeps an inbox of what it received), a
"console" process that sends the window's messages and subscribes to pg monitors, and the
window's choice of scope. Views listen with `session.listen(cb)`: cb(kind, payload) with kind
"inbox" (pid), "log" (text), "members" (None) or "error" (text).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..node import DEFAULT_SCOPE, Node
from ..runtime import Pid, Process, Ref
from ..wire.terms import short_node

__all__ = ["NodeSession", "InboxEntry", "Member", "format_message"]

log = logging.getLogger(__name__)

Listener = Callable[[str, Any], None]
INBOX_LIMIT = 500


@dataclass(frozen=True)
class InboxEntry:
    t: float
    text: str


@dataclass(frozen=True)
class Member:
    """One member as the view shows it: a pid of some node and the groups it is in."""
    pid: Pid
    node: str
    groups: tuple[Any, ...]
    local: bool


def format_message(msg: Any) -> str:
    if type(msg) is tuple and len(msg) == 3 and msg[0] == "msg":
        return f"from {msg[1]}: {msg[2]}"
    return repr(msg) if not isinstance(msg, str) else msg


def group_text(group: Any) -> str:
    return group if isinstance(group, str) else repr(group)


class NodeSession:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.scope_name = DEFAULT_SCOPE
        self.inboxes: dict[Pid, list[InboxEntry]] = {}
        self.spawned: list[Pid] = []
        self.monitors: dict[Ref, tuple[str, Any]] = {}   # ref -> (scope, group or None)
        self.console: Pid | None = None
        self._listeners: list[Listener] = []

    # -- plumbing -----------------------------------------------------------------------------
    def listen(self, cb: Listener) -> None:
        self._listeners.append(cb)

    def _emit(self, kind: str, payload: Any = None) -> None:
        for cb in list(self._listeners):
            try:
                cb(kind, payload)
            except Exception:
                log.exception("session listener failed")

    async def start(self) -> None:
        await self.node.start()
        self.console = self.node.spawn(self._console_loop)
        self.node.add_node_callback(self._on_node_event)

    async def stop(self) -> None:
        await self.node.stop()

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def short_name(self) -> str:
        return short_node(self.node.name)

    @property
    def scope(self):
        return self.node.scope(self.scope_name)

    # -- processes -------------------------------------------------------------------------------
    async def _member_loop(self, proc: Process) -> None:
        box = self.inboxes.setdefault(proc.pid, [])
        while True:
            msg = await proc.receive()
            box.append(InboxEntry(time.time(), format_message(msg)))
            if len(box) > INBOX_LIMIT:
                del box[: len(box) - INBOX_LIMIT]
            self._emit("inbox", proc.pid)

    async def _console_loop(self, proc: Process) -> None:
        while True:
            msg = await proc.receive()
            if type(msg) is tuple and len(msg) == 4 and msg[0] in self.monitors:
                ref, kind, group, pids = msg
                scope, watched = self.monitors[ref]
                what = "scope " + scope if watched is None else "group " + group_text(watched)
                self._emit("log", f"[monitor {what}] {kind} {group_text(group)}: "
                                  + ", ".join(map(str, pids)))
            elif type(msg) is tuple and len(msg) == 3 and msg[0] == "msg":
                self._emit("log", f"console got {format_message(msg)}")

    def spawn_member(self) -> Pid:
        pid = self.node.spawn(self._member_loop)
        self.inboxes.setdefault(pid, [])
        self.spawned.append(pid)
        self._emit("log", f"spawned {pid}")
        self._emit("members")
        return pid

    def kill(self, pid: Pid) -> None:
        self.node.exit(pid, "kill")
        self._emit("log", f"kill {pid}")

    def _on_node_event(self, event: str, peer: str, reason: str) -> None:
        text = f"{event} {short_node(peer)}" + (f" ({reason})" if reason else "")
        log.info("%s: %s", self.node.name, text)
        self._emit("log", text)
        self._emit("members")

    def forget_dead(self) -> None:
        alive = [p for p in self.spawned if self.node.is_alive(p)]
        for p in self.spawned:
            if p not in alive:
                self.inboxes.pop(p, None)
        self.spawned = alive

    # -- groups ----------------------------------------------------------------------------------
    def join(self, group: Any, pids: list[Pid]) -> None:
        self.scope.join(group, list(pids))
        self._emit("log", f"join {group_text(group)}: " + ", ".join(map(str, pids)))

    def leave(self, group: Any, pids: list[Pid]) -> bool:
        ok = self.scope.leave(group, list(pids))
        self._emit("log", f"leave {group_text(group)}: " + ", ".join(map(str, pids))
                   + ("" if ok else " (not joined)"))
        return ok

    def monitor_group(self, group: Any) -> list[Pid]:
        assert self.console is not None
        ref, pids = self.scope.monitor(group, self.console)
        self.monitors[ref] = (self.scope_name, group)
        self._emit("log", f"monitoring group {group_text(group)} in scope {self.scope_name}: "
                          f"{len(pids)} members now")
        return pids

    def monitor_scope(self) -> dict[Any, list[Pid]]:
        assert self.console is not None
        ref, groups = self.scope.monitor_scope(self.console)
        self.monitors[ref] = (self.scope_name, None)
        self._emit("log", f"monitoring scope {self.scope_name}: {len(groups)} groups now")
        return groups

    def broadcast(self, group: Any, text: str, remote_only: bool = False) -> int:
        n = self.scope.broadcast(group, ("msg", self.console, text), exclude_local=remote_only)
        self._emit("log", f"broadcast to {group_text(group)}"
                          f"{' (remote only)' if remote_only else ''}: {text!r} -> {n} members")
        return n

    def send(self, pid: Pid, text: str) -> None:
        self.node.send(pid, ("msg", self.console, text))
        self._emit("log", f"send to {pid}: {text!r}")

    # -- cluster ---------------------------------------------------------------------------------
    async def connect(self, address: str) -> str:
        name = await self.node.connect(address)
        return name

    async def disconnect(self, name: str) -> bool:
        ok = await self.node.disconnect(name)
        self._emit("log", f"disconnect {short_node(name)}" + ("" if ok else " (not connected)"))
        self._emit("members")
        return ok

    # -- what the views show --------------------------------------------------------------------
    def members(self) -> list[Member]:
        """Every member of the current scope plus this window's spawned processes, ordered by
        node then pid; each with its distinct groups."""
        try:
            rows = self.scope.rows
        except Exception:
            rows = {}
        groups_of: dict[Pid, list[Any]] = {}
        for group, row in rows.items():
            for pid in row[0]:
                gs = groups_of.setdefault(pid, [])
                if group not in gs:
                    gs.append(group)
        me = self.node.name
        for pid in self.spawned:
            if pid not in groups_of and self.node.is_alive(pid):
                groups_of[pid] = []
        out = [Member(pid, pid.node, tuple(gs), pid.node == me) for pid, gs in groups_of.items()]
        out.sort(key=lambda m: (m.node != me, m.node, m.pid.id))
        return out

    def groups(self) -> list[tuple[Any, int, int]]:
        """(group, members, local members) of the current scope."""
        try:
            rows = self.scope.rows
        except Exception:
            return []
        return sorted(((g, len(set(r[0])), len(set(r[1]))) for g, r in rows.items()),
                      key=lambda t: group_text(t[0]))
