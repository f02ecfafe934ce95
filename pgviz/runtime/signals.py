"""Monitors, links and exit signals, local and across nodes (Erlang's semantics).

Remote bookkeeping is indexed by peer node so that a dropped connection fires every
("DOWN", ref, "process", pid, "noconnection") and every link's exit signal at once, before the
nodedown event (as ERTS orders them: pg relies on it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..events import Exit
from ..ratelog import RateLimitedLog
from ..wire.render import safe_repr
from ..wire.terms import Pid, Ref
from .hub import EventHub

if TYPE_CHECKING:
    from .process import Process

log = logging.getLogger(__name__)

__all__ = ["SignalsMixin", "MAX_NAME"]

MAX_NAME = 255  # characters of a registered name a peer may refer to


class SignalsMixin:
    name: str
    creation: int
    _procs: dict[int, Process]
    # remote peer -> {ref: (local watcher, remote target)}
    _out_monitors: dict[str, dict[Ref, tuple[Pid, Any]]]
    # remote peer -> {ref: (remote watcher, local target)}
    _in_monitors: dict[str, dict[Ref, tuple[Pid, Pid]]]
    # remote peer -> {(local pid, remote pid)}
    _remote_links: dict[str, set[tuple[Pid, Pid]]]
    _local_refs: Callable[[int], int]
    _peer_faults: RateLimitedLog
    _hub: EventHub

    if TYPE_CHECKING:  # provided by RuntimeNode / RoutingMixin; stubs here would shadow them
        def _local(self, pid: Pid) -> Process | None: ...
        def _resolve_name(self, name: str) -> Pid | None: ...
        def _dist_send(self, peer: str, term: list[Any]) -> bool: ...
        def _new_ref(self) -> Ref: ...
        def _deliver_local(self, pid: Pid, msg: Any) -> None: ...
        def _forget_process(self, proc: Process) -> None: ...

    # -- monitors ---------------------------------------------------------------------------------
    def _monitor(self, watcher: Pid, target: Pid | str | tuple[str, str]) -> Ref:
        ref = self._new_ref()
        if type(target) is tuple:
            name, node = target
            if node == self.name:
                target = name
            else:
                return self._monitor_remote(watcher, node, name, ref)
        if isinstance(target, str):
            pid = self._resolve_name(target)
            if pid is None:
                self._deliver_local(watcher, ("DOWN", ref, "process", target, "noproc"))
                return ref
            target = pid
        if not isinstance(target, Pid):
            raise TypeError(f"cannot monitor {target!r}: not a pid or a registered name")
        if target.node != self.name:
            return self._monitor_remote(watcher, target.node, target, ref)
        return self._monitor_local(watcher, target, ref)

    def _monitor_local(self, watcher: Pid, target: Pid, ref: Any = None) -> Any:
        """Monitor a pid of this node. Without `ref` (system processes: the pg join hot path)
        the ref is a plain random int: unique like a Ref, never seen outside this node, not
        guessable from outside (a forged DOWN must not match it), and not an object the
        garbage collector has to track."""
        if ref is None:
            ref = self._local_refs(62)
        proc = self._local(target)
        if proc is None or not proc.alive:
            self._deliver_local(watcher, ("DOWN", ref, "process", target, "noproc"))
            return ref
        proc.monitored_by[ref] = watcher
        w = self._local(watcher)
        if w is not None:
            w.monitors[ref] = target
        return ref

    def _monitor_remote(self, watcher: Pid, node: str, target: Any, ref: Ref) -> Ref:
        if not self._dist_send(node, ["MONITOR_P", watcher, target, ref]):
            self._deliver_local(watcher, ("DOWN", ref, "process", target, "noconnection"))
            return ref
        self._out_monitors.setdefault(node, {})[ref] = (watcher, target)
        w = self._local(watcher)
        if w is not None:
            w.monitors[ref] = target if isinstance(target, Pid) else Pid(node, -1)
        return ref

    def _demonitor(self, watcher: Pid, ref: Ref) -> bool:
        w = self._local(watcher)
        target = w.monitors.pop(ref, None) if w is not None else None
        for node, table in self._out_monitors.items():
            entry = table.pop(ref, None)
            if entry is not None:
                self._dist_send(node, ["DEMONITOR_P", watcher, entry[1], ref])
                return True
        if isinstance(target, Pid):
            proc = self._local(target)
            if proc is not None:
                return proc.monitored_by.pop(ref, None) is not None
        return target is not None

    # -- links -------------------------------------------------------------------------------------
    def _link(self, a: Pid, b: Pid) -> None:
        pa = self._local(a)
        if pa is None:
            return
        if b.node != self.name:
            if b in pa.links:
                return
            pa.links[b] = None
            if not self._dist_send(b.node, ["LINK", a, b]):
                pa.links.pop(b, None)
                self._exit_signal(a, b, "noconnection", linked=True)
                return
            self._remote_links.setdefault(b.node, set()).add((a, b))
            return
        pb = self._local(b)
        if pb is None or not pb.alive:
            self._exit_signal(a, b, "noproc", linked=True)
            return
        pa.links[b] = None
        pb.links[a] = None

    def _unlink(self, a: Pid, b: Pid) -> None:
        pa = self._local(a)
        if pa is not None:
            pa.links.pop(b, None)
        if b.node != self.name:
            self._remote_links.get(b.node, set()).discard((a, b))
            self._dist_send(b.node, ["UNLINK", a, b])
        else:
            pb = self._local(b)
            if pb is not None:
                pb.links.pop(a, None)

    # -- exits ----------------------------------------------------------------------------------------
    def _exit_signal(self, target: Pid, sender: Pid | None, reason: Any, *,
                     linked: bool = False) -> None:
        """Deliver an exit signal to a local process, as erlang:exit/2 or a dying link does."""
        proc = self._local(target)
        if proc is None or not proc.alive:
            return
        if reason == "kill" and not linked:
            self._terminate(proc, "killed")
        elif proc.trap_exit:
            proc._deliver(("EXIT", sender, reason))
        elif reason == "normal" and sender != target:
            return
        else:
            self._terminate(proc, reason)

    def _terminate(self, proc: Process, reason: Any) -> None:
        """Kill a local process now: its task is cancelled, its monitors and links fire."""
        if not proc.alive:
            return
        proc._kill_reason = reason
        self._process_exited(proc, reason)
        task = proc._task
        if task is not None and not task.done():
            task.cancel()

    def _process_exited(self, proc: Process, reason: Any) -> None:
        if not proc.alive:
            return
        proc.alive = False
        proc.exit_reason = reason
        pid = proc.pid
        self._forget_process(proc)
        if self._hub.active:
            self._hub.emit(Exit, pid=pid, reason=_reason_text(reason))
        for ref, watcher in proc.monitored_by.items():
            if watcher.node == self.name:
                w = self._local(watcher)
                if w is not None:
                    w.monitors.pop(ref, None)  # a monitor is gone once its DOWN is sent
                self._deliver_local(watcher, ("DOWN", ref, "process", pid, reason))
            else:
                self._in_monitors.get(watcher.node, {}).pop(ref, None)
                self._dist_send(watcher.node, ["MONITOR_P_EXIT", pid, watcher, ref, reason])
        proc.monitored_by.clear()
        for ref, target in proc.monitors.items():
            if isinstance(target, Pid) and target.node == self.name:
                t = self._local(target)
                if t is not None:
                    t.monitored_by.pop(ref, None)
            else:
                for node, table in self._out_monitors.items():
                    if table.pop(ref, None) is not None:
                        self._dist_send(node, ["DEMONITOR_P", pid, target, ref])
                        break
        proc.monitors.clear()
        link_reason = "killed" if reason == "killed" else reason
        for other in list(proc.links):
            if other.node == self.name:
                o = self._local(other)
                if o is not None:
                    o.links.pop(pid, None)
                self._exit_signal(other, pid, link_reason, linked=True)
            else:
                self._remote_links.get(other.node, set()).discard((pid, other))
                self._dist_send(other.node, ["EXIT", pid, other, link_reason])
        proc.links.clear()

    # -- control messages from peers ----------------------------------------------------------------------
    def _ctrl_monitor(self, peer: str, watcher: Pid, target: Any, ref: Ref) -> None:
        if not _from_peer(watcher, peer) or type(ref) is not Ref:
            raise ValueError("MONITOR_P with a watcher or ref that is not the peer's")
        if not (type(target) is Pid or (type(target) is str and len(target) <= MAX_NAME)):
            # The reply echoes the target: it must be small, whatever the peer sent.
            raise ValueError("MONITOR_P of something that is not a pid or a name")
        pid = self._resolve_name(target) if isinstance(target, str) else target
        proc = self._local(pid) if isinstance(pid, Pid) else None
        if proc is None or not proc.alive:
            self._dist_send(peer, ["MONITOR_P_EXIT", target, watcher, ref, "noproc"])
            return
        proc.monitored_by[ref] = watcher
        self._in_monitors.setdefault(peer, {})[ref] = (watcher, proc.pid)

    def _ctrl_demonitor(self, peer: str, ref: Ref) -> None:
        entry = self._in_monitors.get(peer, {}).pop(ref, None)
        if entry is not None:
            proc = self._local(entry[1])
            if proc is not None:
                proc.monitored_by.pop(ref, None)

    def _ctrl_monitor_exit(self, peer: str, target: Any, watcher: Pid, ref: Ref,
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
        w = self._local(watcher)
        if w is not None:
            w.monitors.pop(ref, None)
        self._deliver_local(watcher, ("DOWN", ref, "process", target, reason))

    def _ctrl_link(self, peer: str, sender: Pid, target: Pid) -> None:
        if not _from_peer(sender, peer) or type(target) is not Pid:
            raise ValueError("LINK from a pid that is not the peer's")
        proc = self._local(target)
        if proc is None or not proc.alive:
            self._dist_send(peer, ["EXIT", target, sender, "noproc"])
            return
        if proc.system:
            # A link is a way to send an exit signal later (or a "noconnection" one by just
            # leaving): a system process takes none from peers.
            self._ignored_exit(peer, target, "link")
            return
        proc.links[sender] = None
        self._remote_links.setdefault(peer, set()).add((target, sender))

    def _ctrl_unlink(self, peer: str, sender: Pid, target: Pid) -> None:
        proc = self._local(target)
        if proc is not None:
            proc.links.pop(sender, None)
        self._remote_links.get(peer, set()).discard((target, sender))

    def _ctrl_exit(self, peer: str, sender: Pid, target: Pid, reason: Any) -> None:
        if not _from_peer(sender, peer) or type(target) is not Pid:
            raise ValueError("EXIT from a pid that is not the peer's")
        proc = self._local(target)
        if proc is not None:
            self._remote_links.get(peer, set()).discard((target, sender))
            if sender not in proc.links:
                return  # unlinked meanwhile: a link's exit has no effect after unlink()
            proc.links.pop(sender, None)
            if proc.system:
                self._ignored_exit(peer, target, reason)
                return
            self._exit_signal(target, sender, reason, linked=True)

    def _ctrl_exit2(self, peer: str, sender: Any, target: Any, reason: Any) -> None:
        """erlang:exit/2 from a process of `peer` (or from the peer node itself: None)."""
        if (sender is not None and not _from_peer(sender, peer)) or type(target) is not Pid:
            raise ValueError("EXIT2 from a pid that is not the peer's")
        proc = self._local(target)
        if proc is not None and proc.system:
            self._ignored_exit(peer, target, reason)
            return
        self._exit_signal(target, sender, reason)

    def _ignored_exit(self, peer: str, target: Pid, reason: Any) -> None:
        self._peer_faults.log(logging.WARNING, "exit signal to a system process",
                              "%s: exit signal from %s to system process %s ignored",
                              self.name, peer, target)

    def _peer_lost(self, peer: str) -> None:
        """The connection to `peer` dropped: fire DOWN noconnection and link exits first."""
        for ref, (watcher, target) in self._out_monitors.pop(peer, {}).items():
            w = self._local(watcher)
            if w is not None:
                w.monitors.pop(ref, None)
            self._deliver_local(watcher, ("DOWN", ref, "process", target, "noconnection"))
        for ref, (_, target) in self._in_monitors.pop(peer, {}).items():
            proc = self._local(target)
            if proc is not None:
                proc.monitored_by.pop(ref, None)
        for local, remote in self._remote_links.pop(peer, set()):
            proc = self._local(local)
            if proc is not None and remote in proc.links:
                proc.links.pop(remote, None)
                if not proc.system:
                    self._exit_signal(local, remote, "noconnection", linked=True)


def _from_peer(pid: Any, peer: str) -> bool:
    """A pid a peer may speak for: one of its own."""
    return type(pid) is Pid and pid.node == peer


def _reason_text(reason: Any) -> str:
    return reason if type(reason) is str else safe_repr(reason)
