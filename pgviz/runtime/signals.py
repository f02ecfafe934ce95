"""Monitors, links and exit signals, local and across nodes (Erlang's semantics).

Remote bookkeeping is indexed by peer node so that a dropped connection fires every
("DOWN", ref, "process", pid, "noconnection") and every link's exit signal at once, before the
nodedown event (as ERTS orders them: pg relies on it).
"""

from __future__ import annotations

import logging
import os
import random
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..events import Exit
from ..ratelog import RateLimitedLog
from ..wire.render import safe_repr
from ..wire.terms import Pid, Ref
from .hub import EventHub

if TYPE_CHECKING:
    from .process import Process
    from .table import ProcessTable

log = logging.getLogger(__name__)

__all__ = ["Signals", "MAX_NAME"]

MAX_NAME = 255  # characters of a registered name a peer may refer to


class Signals:
    """Monitors, links and exit signals of the processes in `table`. `send_ctrl(peer, term)`
    sends a control message to a peer (False when not connected); `forget(proc)` removes a
    dead process from everything the node keeps about it."""

    def __init__(self, table: ProcessTable, send_ctrl: Callable[[str, list[Any]], bool],
                 forget: Callable[[Process], None], hub: EventHub,
                 peer_faults: RateLimitedLog) -> None:
        self._table = table
        self._send_ctrl = send_ctrl
        self._forget = forget
        self._hub = hub
        self._peer_faults = peer_faults
        # remote peer -> {ref: (local watcher, remote target)}
        self._out_monitors: dict[str, dict[Ref, tuple[Pid, Any]]] = {}
        # remote peer -> {ref: (remote watcher, local target)}
        self._in_monitors: dict[str, dict[Ref, tuple[Pid, Pid]]] = {}
        # remote peer -> {(local pid, remote pid)}
        self._remote_links: dict[str, set[tuple[Pid, Pid]]] = {}
        # Refs are random: a peer that sees some of them cannot guess the others (a DOWN or a
        # notification is recognised by its ref). Refs sent to peers come from the OS; the
        # int refs of local system monitors, never sent anywhere, from a private generator.
        self._local_refs = random.Random(os.urandom(32)).getrandbits

    def new_ref(self) -> Ref:
        return Ref(self._table.name, secrets.randbits(63), self._table.creation)

    # -- monitors ---------------------------------------------------------------------------------
    def monitor(self, watcher: Pid, target: Pid | str | tuple[str, str]) -> Ref:
        ref = self.new_ref()
        if type(target) is tuple:
            name, node = target
            if node == self._table.name:
                target = name
            else:
                return self._monitor_remote(watcher, node, name, ref)
        if isinstance(target, str):
            pid = self._table.resolve(target)
            if pid is None:
                self._table.deliver(watcher, ("DOWN", ref, "process", target, "noproc"))
                return ref
            target = pid
        if not isinstance(target, Pid):
            raise TypeError(f"cannot monitor {target!r}: not a pid or a registered name")
        if target.node != self._table.name:
            return self._monitor_remote(watcher, target.node, target, ref)
        return self.monitor_local(watcher, target, ref)

    def monitor_local(self, watcher: Pid, target: Pid, ref: Any = None) -> Any:
        """Monitor a pid of this node. Without `ref` (system processes: the pg join hot path)
        the ref is a plain random int: unique like a Ref, never seen outside this node, not
        guessable from outside (a forged DOWN must not match it), and not an object the
        garbage collector has to track."""
        if ref is None:
            ref = self._local_refs(62)
        proc = self._table.local(target)
        if proc is None or not proc.alive:
            self._table.deliver(watcher, ("DOWN", ref, "process", target, "noproc"))
            return ref
        proc.monitored_by[ref] = watcher
        w = self._table.local(watcher)
        if w is not None:
            w.monitors[ref] = target
        return ref

    def _monitor_remote(self, watcher: Pid, node: str, target: Any, ref: Ref) -> Ref:
        if not self._send_ctrl(node, ["MONITOR_P", watcher, target, ref]):
            self._table.deliver(watcher, ("DOWN", ref, "process", target, "noconnection"))
            return ref
        self._out_monitors.setdefault(node, {})[ref] = (watcher, target)
        w = self._table.local(watcher)
        if w is not None:
            w.monitors[ref] = target if isinstance(target, Pid) else Pid(node, -1)
        return ref

    def demonitor(self, watcher: Pid, ref: Ref) -> bool:
        w = self._table.local(watcher)
        target = w.monitors.pop(ref, None) if w is not None else None
        for node, table in self._out_monitors.items():
            entry = table.pop(ref, None)
            if entry is not None:
                self._send_ctrl(node, ["DEMONITOR_P", watcher, entry[1], ref])
                return True
        if isinstance(target, Pid):
            proc = self._table.local(target)
            if proc is not None:
                return proc.monitored_by.pop(ref, None) is not None
        return target is not None

    # -- links -------------------------------------------------------------------------------------
    def link(self, a: Pid, b: Pid) -> None:
        pa = self._table.local(a)
        if pa is None:
            return
        if b.node != self._table.name:
            if b in pa.links:
                return
            pa.links[b] = None
            if not self._send_ctrl(b.node, ["LINK", a, b]):
                pa.links.pop(b, None)
                self.exit_signal(a, b, "noconnection", linked=True)
                return
            self._remote_links.setdefault(b.node, set()).add((a, b))
            return
        pb = self._table.local(b)
        if pb is None or not pb.alive:
            self.exit_signal(a, b, "noproc", linked=True)
            return
        pa.links[b] = None
        pb.links[a] = None

    def unlink(self, a: Pid, b: Pid) -> None:
        pa = self._table.local(a)
        if pa is not None:
            pa.links.pop(b, None)
        if b.node != self._table.name:
            self._remote_links.get(b.node, set()).discard((a, b))
            self._send_ctrl(b.node, ["UNLINK", a, b])
        else:
            pb = self._table.local(b)
            if pb is not None:
                pb.links.pop(a, None)

    # -- exits ----------------------------------------------------------------------------------------
    def exit_signal(self, target: Pid, sender: Pid | None, reason: Any, *,
                     linked: bool = False) -> None:
        """Deliver an exit signal to a local process, as erlang:exit/2 or a dying link does."""
        proc = self._table.local(target)
        if proc is None or not proc.alive:
            return
        if reason == "kill" and not linked:
            self.terminate(proc, "killed")
        elif proc.trap_exit:
            proc._deliver(("EXIT", sender, reason))
        elif reason == "normal" and sender != target:
            return
        else:
            self.terminate(proc, reason)

    def terminate(self, proc: Process, reason: Any) -> None:
        """Kill a local process now: its task is cancelled, its monitors and links fire."""
        if not proc.alive:
            return
        proc._kill_reason = reason
        self.process_exited(proc, reason)
        task = proc._task
        if task is not None and not task.done():
            task.cancel()

    def process_exited(self, proc: Process, reason: Any) -> None:
        if not proc.alive:
            return
        proc.alive = False
        proc.exit_reason = reason
        pid = proc.pid
        self._forget(proc)
        if self._hub.active:
            self._hub.emit(Exit, pid=pid, reason=_reason_text(reason))
        for ref, watcher in proc.monitored_by.items():
            if watcher.node == self._table.name:
                w = self._table.local(watcher)
                if w is not None:
                    w.monitors.pop(ref, None)  # a monitor is gone once its DOWN is sent
                self._table.deliver(watcher, ("DOWN", ref, "process", pid, reason))
            else:
                self._in_monitors.get(watcher.node, {}).pop(ref, None)
                self._send_ctrl(watcher.node, ["MONITOR_P_EXIT", pid, watcher, ref, reason])
        proc.monitored_by.clear()
        for ref, target in proc.monitors.items():
            if isinstance(target, Pid) and target.node == self._table.name:
                t = self._table.local(target)
                if t is not None:
                    t.monitored_by.pop(ref, None)
            else:
                for node, table in self._out_monitors.items():
                    if table.pop(ref, None) is not None:
                        self._send_ctrl(node, ["DEMONITOR_P", pid, target, ref])
                        break
        proc.monitors.clear()
        link_reason = "killed" if reason == "killed" else reason
        for other in list(proc.links):
            if other.node == self._table.name:
                o = self._table.local(other)
                if o is not None:
                    o.links.pop(pid, None)
                self.exit_signal(other, pid, link_reason, linked=True)
            else:
                self._remote_links.get(other.node, set()).discard((pid, other))
                self._send_ctrl(other.node, ["EXIT", pid, other, link_reason])
        proc.links.clear()

    # -- control messages from peers ----------------------------------------------------------------------
    def ctrl_monitor(self, peer: str, watcher: Pid, target: Any, ref: Ref) -> None:
        if not _from_peer(watcher, peer) or type(ref) is not Ref:
            raise ValueError("MONITOR_P with a watcher or ref that is not the peer's")
        if not (type(target) is Pid or (type(target) is str and len(target) <= MAX_NAME)):
            # The reply echoes the target: it must be small, whatever the peer sent.
            raise ValueError("MONITOR_P of something that is not a pid or a name")
        pid = self._table.resolve(target) if isinstance(target, str) else target
        proc = self._table.local(pid) if isinstance(pid, Pid) else None
        if proc is None or not proc.alive:
            self._send_ctrl(peer, ["MONITOR_P_EXIT", target, watcher, ref, "noproc"])
            return
        proc.monitored_by[ref] = watcher
        self._in_monitors.setdefault(peer, {})[ref] = (watcher, proc.pid)

    def ctrl_demonitor(self, peer: str, ref: Ref) -> None:
        entry = self._in_monitors.get(peer, {}).pop(ref, None)
        if entry is not None:
            proc = self._table.local(entry[1])
            if proc is not None:
                proc.monitored_by.pop(ref, None)

    def ctrl_monitor_exit(self, peer: str, target: Any, watcher: Pid, ref: Ref,
                           reason: Any) -> None:
        # Honoured only for a monitor this node set on `peer` itself (the table is per
        # peer), and reported with what this node asked for, not what the message claims.
        table = self._out_monitors.get(peer, {})
        entry = table.get(ref) if type(ref) is Ref else None
        if entry is None:
            return  # demonitored meanwhile, or never ours
        if entry[0] != watcher:
            raise ValueError("MONITOR_P_EXIT naming another watcher")
        del table[ref]
        watcher, target = entry
        w = self._table.local(watcher)
        if w is not None:
            w.monitors.pop(ref, None)
        self._table.deliver(watcher, ("DOWN", ref, "process", target, reason))

    def ctrl_link(self, peer: str, sender: Pid, target: Pid) -> None:
        if not _from_peer(sender, peer) or type(target) is not Pid:
            raise ValueError("LINK from a pid that is not the peer's")
        proc = self._table.local(target)
        if proc is None or not proc.alive:
            self._send_ctrl(peer, ["EXIT", target, sender, "noproc"])
            return
        if proc.system:
            # A link is a way to send an exit signal later (or a "noconnection" one by just
            # leaving): a system process takes none from peers.
            self._ignored_exit(peer, target, "link")
            return
        proc.links[sender] = None
        self._remote_links.setdefault(peer, set()).add((target, sender))

    def ctrl_unlink(self, peer: str, sender: Pid, target: Pid) -> None:
        proc = self._table.local(target)
        if proc is not None:
            proc.links.pop(sender, None)
        self._remote_links.get(peer, set()).discard((target, sender))

    def ctrl_exit(self, peer: str, sender: Pid, target: Pid, reason: Any) -> None:
        if not _from_peer(sender, peer) or type(target) is not Pid:
            raise ValueError("EXIT from a pid that is not the peer's")
        proc = self._table.local(target)
        if proc is not None:
            self._remote_links.get(peer, set()).discard((target, sender))
            if sender not in proc.links:
                return  # unlinked meanwhile: a link's exit has no effect after unlink()
            proc.links.pop(sender, None)
            if proc.system:
                self._ignored_exit(peer, target, reason)
                return
            self.exit_signal(target, sender, reason, linked=True)

    def ctrl_exit2(self, peer: str, sender: Any, target: Any, reason: Any) -> None:
        """erlang:exit/2 from a process of `peer` (or from the peer node itself: None)."""
        if (sender is not None and not _from_peer(sender, peer)) or type(target) is not Pid:
            raise ValueError("EXIT2 from a pid that is not the peer's")
        proc = self._table.local(target)
        if proc is not None and proc.system:
            self._ignored_exit(peer, target, reason)
            return
        self.exit_signal(target, sender, reason)

    def _ignored_exit(self, peer: str, target: Pid, reason: Any) -> None:
        self._peer_faults.log(logging.WARNING, "exit signal to a system process",
                              "%s: exit signal from %s to system process %s ignored",
                              self._table.name, peer, target)

    def peer_lost(self, peer: str) -> None:
        """The connection to `peer` dropped: fire DOWN noconnection and link exits first."""
        for ref, (watcher, target) in self._out_monitors.pop(peer, {}).items():
            w = self._table.local(watcher)
            if w is not None:
                w.monitors.pop(ref, None)
            self._table.deliver(watcher, ("DOWN", ref, "process", target, "noconnection"))
        for ref, (_, target) in self._in_monitors.pop(peer, {}).items():
            proc = self._table.local(target)
            if proc is not None:
                proc.monitored_by.pop(ref, None)
        for local, remote in self._remote_links.pop(peer, set()):
            proc = self._table.local(local)
            if proc is not None and remote in proc.links:
                proc.links.pop(remote, None)
                if not proc.system:
                    self.exit_signal(local, remote, "noconnection", linked=True)


def _from_peer(pid: Any, peer: str) -> bool:
    """A pid a peer may speak for: one of its own."""
    return type(pid) is Pid and pid.node == peer


def _reason_text(reason: Any) -> str:
    return reason if type(reason) is str else safe_repr(reason)
