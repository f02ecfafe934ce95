"""NodeSession: what one window does with its node, without Qt.

It owns the window's ClusterModel: seeded with `node.state_events()` when the node starts, then
fed by one cluster-wide listener (`node.add_listener(..., cluster=True)`), so it holds every
connected node's events (peers send their state when the subscription reaches them, and again
after a reconnect: nothing is re-seeded here). Views render the model's snapshots and nothing
else; selection lives in the model too (`model.select`).

It also owns the member processes this window spawns (each keeps an inbox of what it received),
a "console" process that sends the window's messages and subscribes to pg monitors, the
window's choice of scope, and the recording in progress.

Two ways to hear from it: `session.watch(cb)`, cb(event) after the model has folded each event,
and `session.listen(cb)`, cb(kind, payload) with kind "inbox" (pid), "log" (text) or "error"
(text).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..events import Event, Exit, NodeDown, NodeUp
from ..model import ClusterModel, Recorder
from ..net.discovery import Discovery, reaches_lan
from ..node import DEFAULT_SCOPE, Node
from ..pg import Scope
from ..runtime import Pid, Process, Ref
from ..wire.handshake import PROTOCOL_VERSION
from ..wire.terms import short_node
from .event_fixes import mirrored
from .picture import group_text
from .recordings import default_recording_path, state_preamble

__all__ = ["NodeSession", "InboxEntry", "format_message"]

log = logging.getLogger(__name__)

Listener = Callable[[str, Any], None]
Watcher = Callable[[Event], None]
INBOX_LIMIT = 500
#: events kept for File ▸ Export (the cluster's events since the window opened, newest last)
JOURNAL_LIMIT = 50_000


@dataclass(frozen=True)
class InboxEntry:
    t: float
    text: str


def format_message(msg: Any) -> str:
    if type(msg) is tuple and len(msg) == 3 and msg[0] == "msg":
        return f"from {msg[1]}: {msg[2]}"
    return repr(msg) if not isinstance(msg, str) else msg


class NodeSession:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.model = ClusterModel()
        self.scope_name = DEFAULT_SCOPE
        self.inboxes: dict[Pid, list[InboxEntry]] = {}
        self.spawned: list[Pid] = []
        self.monitors: dict[Ref, tuple[str, Any]] = {}   # ref -> (scope, group or None)
        self.console: Pid | None = None
        self.recorder: Recorder | None = None
        #: what File ▸ Export writes: this node's state when it started, then every cluster
        #: event (bounded; the oldest go first), whether or not Record is on
        self.journal: deque[Event] = deque(maxlen=JOURNAL_LIMIT)
        self._listeners: list[Listener] = []
        self._watchers: list[Watcher] = []
        self._unsubscribe: Callable[[], None] | None = None
        self.discovery: Discovery | None = None  # the LAN's nodes, when announced there

    # -- plumbing -----------------------------------------------------------------------------
    def listen(self, cb: Listener) -> None:
        self._listeners.append(cb)

    def watch(self, cb: Watcher) -> Callable[[], None]:
        """cb(event) for every cluster event, once the model has folded it."""
        self._watchers.append(cb)
        return lambda: self._watchers.remove(cb) if cb in self._watchers else None

    def _emit(self, kind: str, payload: Any = None) -> None:
        for cb in list(self._listeners):
            try:
                cb(kind, payload)
            except Exception:
                log.exception("session listener failed")

    async def start(self) -> None:
        await self.node.start()
        # spawned before anyone listens: the console is no member and not in the model
        self.console = self.node.spawn(self._console_loop)
        for ev in self.node.state_events():
            self._fold(ev)
            self.journal.append(ev)
        self._unsubscribe = self.node.add_listener(self.feed, cluster=True)

    async def start_discovery(self) -> bool:
        """Announce this node on the LAN and list the others (when it listens beyond this
        machine); "lan" is emitted whenever the list changes. False when it does not run."""
        if not reaches_lan(self.node.address):
            return False
        discovery = Discovery(self.node.name, self.node.address, proto=str(PROTOCOL_VERSION),
                              tls=self.node.tls is not None, on_change=lambda kind, found: self._emit("lan", found))
        try:
            await discovery.start()
        except OSError as exc:
            self._emit("log", f"LAN discovery is off: {exc}")
            return False
        self.discovery = discovery
        return True

    async def stop(self) -> None:
        if self.discovery is not None:
            await self.discovery.stop()  # a goodbye on the LAN
            self.discovery = None
        self.stop_recording()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.node.stop()

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def short_name(self) -> str:
        return short_node(self.node.name)

    @property
    def scope(self) -> Scope:
        return self.node.scope(self.scope_name)

    # -- the event stream ---------------------------------------------------------------------------
    def _fold(self, ev: Event) -> None:
        self.model.feed(ev)
        mirror = mirrored(ev)
        if mirror is not None:
            self.model.feed(mirror)

    def feed(self, ev: Event) -> None:
        """One cluster event in: the node's listener (and tests, with made-up events).
        Called synchronously by the node for each event: it never raises (the node would
        drop the listener) and stays quick."""
        try:
            self._fold(ev)
            self.journal.append(ev)
            if self.recorder is not None:
                self._record(ev)
            if ev.node == self.node.name:
                self._note(ev)
            for cb in tuple(self._watchers):
                cb(ev)
        except Exception:
            log.exception("%s: event %s not shown", self.node.name, ev.event)

    def _note(self, ev: Event) -> None:
        """What the log says about this node's own events."""
        if isinstance(ev, NodeUp | NodeDown):
            text = f"{ev.event} {short_node(ev.peer)}"
            if isinstance(ev, NodeDown) and ev.reason:
                text += f" ({ev.reason})"
            log.info("%s: %s", self.node.name, text)
            self._emit("log", text)
        elif isinstance(ev, Exit) and ev.pid in self.inboxes:
            # this window's process died (killed here or from another window): say so
            self.spawned = [p for p in self.spawned if p != ev.pid]
            del self.inboxes[ev.pid]
            self._emit("log", f"{ev.pid} exited ({ev.reason})")

    # -- recording -----------------------------------------------------------------------------------
    def start_recording(self, path: str | Path | None = None) -> Path:
        """Write the cluster's events to `path` (default: ~/pgviz-recordings/NAME-TIME.jsonl),
        starting with the cluster's current state as the model holds it (this node's part
        came from `node.state_events()`). OSError if the file cannot be written."""
        if self.recorder is not None:
            raise RuntimeError(f"already recording to {self.recorder.path}")
        target = Path(path) if path is not None else default_recording_path(self.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        snap = self.model.snapshot()
        me = self.name
        recorder = Recorder(target, nodes=[me, *(n for n in snap.nodes if n != me)])
        try:
            for ev in state_preamble(snap):
                recorder(ev)
        except OSError:
            recorder.close()
            raise
        self.recorder = recorder
        self._emit("log", f"recording to {target}")
        return target

    def stop_recording(self) -> Recorder | None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        try:
            recorder.close()
        except OSError as exc:
            self._emit("error", f"recording to {recorder.path} failed: {exc}")
        self._emit("log", f"recorded {recorder.count} events to {recorder.path}")
        return recorder

    def _record(self, ev: Event) -> None:
        assert self.recorder is not None
        try:
            self.recorder(ev)
        except (OSError, ValueError) as exc:  # disk full, file gone: stop, say so, go on
            recorder, self.recorder = self.recorder, None
            try:
                recorder.close()
            except (OSError, ValueError):
                pass
            self._emit("error", f"recording to {recorder.path} stopped: {exc}")

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
        return pid

    def kill(self, pid: Pid) -> None:
        self.node.exit(pid, "kill")
        self._emit("log", f"kill {pid}")

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
        return await self.node.connect(address)

    async def disconnect(self, name: str) -> bool:
        ok = await self.node.disconnect(name)
        self._emit("log", f"disconnect {short_node(name)}" + ("" if ok else " (not connected)"))
        return ok
