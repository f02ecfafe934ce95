"""ClusterModel: the cluster as the events tell it, folded into immutable snapshots.

No Qt and no node here: the model is fed events (`feed(ev)`), live from a node's listener,
from a recording, or from a lesson, and the views draw its `snapshot()`. Membership is kept
*as each node sees it*: during a partition two nodes hold two different truths, and the model
shows both. A frame is "in flight" from its `send` until the model knows how it ended
(ledger.py): its `deliver`, a later frame on its link delivered (FIFO), its link down, or the
node that would report it out of sight; `fate(id)` says which, and no deliver is made up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..events import (
    Clock,
    Deliver,
    Event,
    Exit,
    Fault,
    Join,
    Leave,
    NodeDown,
    NodeUp,
    Overflow,
    Received,
    ScopeView,
    Send,
    Spawn,
    Unwatched,
)
from ..wire.terms import Pid
from .ledger import FATES, FrameLedger, InFlight

__all__ = ["ClusterModel", "Snapshot", "InFlight", "GroupKey"]

GroupKey = tuple[str, Any]  # (scope, group)


@dataclass(frozen=True)
class Snapshot:
    """What the views draw. Every mapping is read-only; a new fold makes a new snapshot."""
    version: int = 0
    t: float = 0.0
    nodes: tuple[str, ...] = ()
    links: frozenset[frozenset[str]] = frozenset()
    # node -> (scope, group) -> members as that node sees them (newest first, duplicates kept)
    views: Mapping[str, Mapping[GroupKey, tuple[Pid, ...]]] = field(
        default_factory=lambda: MappingProxyType({}))
    processes: Mapping[str, frozenset[Pid]] = field(default_factory=lambda: MappingProxyType({}))
    in_flight: tuple[InFlight, ...] = ()
    faults: tuple[Fault, ...] = ()
    clock: Clock | None = None
    # the stretches the network clock was paused, (start, end or None while paused), wall t
    pauses: tuple[tuple[float, float | None], ...] = ()
    dropped: int = 0  # events a slow listener lost (overflow)
    # frames ended so far by fate: "delivered", "arrived" (its deliver unheard), "lost",
    # "unknown" (see ledger.py)
    fates: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(dict.fromkeys(FATES, 0)))
    selected: str | None = None

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def network_elapsed(self, since: float, now: float) -> float:
        """Seconds from `since` to `now` (wall clock) that the network clock ran."""
        stopped = 0.0
        for start, end in self.pauses:
            lo, hi = max(start, since), min(end if end is not None else now, now)
            if hi > lo:
                stopped += hi - lo
        return max(0.0, now - since - stopped)

    def progress(self, frame: InFlight, now: float) -> float | None:
        """How far along its link a frame is at wall time `now`, 0..1 (it waits at 1 when
        frames ahead of it hold it back); None for a frame sent live (no travel time)."""
        if frame.travel <= 0:
            return None
        return min(1.0, self.network_elapsed(frame.sent_t, now) / frame.travel)

    def truth(self, scope: str, group: Any) -> frozenset[Pid]:
        """The members as their own nodes know them: each node is the authority on its own
        processes' memberships."""
        return frozenset(p for n, view in self.views.items()
                         for p in view.get((scope, group), ()) if p.node == n)

    def unseen(self, node: str, scope: str, group: Any) -> frozenset[Pid]:
        """Members `node` does not show yet (or cannot see, across a partition)."""
        return self.truth(scope, group) - set(self.members(node, scope, group))

    def stale(self, node: str, scope: str, group: Any) -> frozenset[Pid]:
        """Members `node` still shows after they left (or their node went away). Only a node
        whose own view is known can contradict it: a BEAM node (the Erlang bridge) reports
        no events, and its members are not stale for that."""
        truth = self.truth(scope, group)
        return frozenset(p for p in self.members(node, scope, group)
                         if p not in truth and p.node in self.views)

    def members(self, node: str, scope: str, group: Any) -> tuple[Pid, ...]:
        return self.views.get(node, {}).get((scope, group), ())

    def groups(self, node: str, scope: str | None = None) -> list[GroupKey]:
        return [k for k in self.views.get(node, {}) if scope is None or k[0] == scope]

    def agreed(self, scope: str, group: Any) -> bool:
        """Every node with a view of the group sees the same multiset of members."""
        seen = {tuple(sorted(v.get((scope, group), ()))) for v in self.views.values()}
        return len(seen) <= 1


class ClusterModel:
    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._version = 0
        self._t = 0.0
        self._nodes: dict[str, None] = {}
        self._up: dict[tuple[str, str], bool] = {}  # (reporter, peer) -> link up as it says
        self._views: dict[str, dict[GroupKey, list[Pid]]] = {}
        self._processes: dict[str, set[Pid]] = {}
        self._frames = FrameLedger()
        self._faults: dict[tuple[str, str, str], Fault] = {}
        self._clock: Clock | None = None
        self._pauses: list[tuple[float, float | None]] = []
        self._dropped = 0
        self._selected: str | None = None
        self._snapshot: Snapshot | None = Snapshot()
        self._traffic: Snapshot | None = None  # what moving dots read (see traffic())
        self.events = 0
        for ev in events:
            self.feed(ev)

    # -- folding ---------------------------------------------------------------------------------
    def feed(self, ev: Event) -> None:
        """Fold one event (any order between nodes; per node, the order they happened)."""
        self.events += 1
        self._version += 1
        self._snapshot = None
        if ev.t > self._t:
            self._t = ev.t
        node = ev.node
        self._nodes.setdefault(node)
        handler = _FOLD.get(type(ev))
        if handler is not None:
            handler(self, ev)

    def _nodeup(self, ev: NodeUp) -> None:
        self._nodes.setdefault(ev.peer)
        self._up[(ev.node, ev.peer)] = True

    def _nodedown(self, ev: NodeDown) -> None:
        self._nodes.setdefault(ev.peer)
        # Both directions: a stopped or killed node cannot report its own side going down.
        self._up[(ev.node, ev.peer)] = False
        self._up[(ev.peer, ev.node)] = False
        # Frames still on that link will never arrive (either way: the link is gone).
        self._traffic = None
        self._frames.link_down(ev.node, ev.peer, ev.t)

    def _join(self, ev: Join) -> None:
        row = self._views.setdefault(ev.node, {}).setdefault((ev.scope, ev.group), [])
        row[:0] = ev.pids

    def _leave(self, ev: Leave) -> None:
        view = self._views.get(ev.node)
        row = view.get((ev.scope, ev.group)) if view is not None else None
        if row is None:
            return
        for pid in ev.pids:
            try:
                row.remove(pid)
            except ValueError:
                pass
        if not row:
            del view[(ev.scope, ev.group)]  # type: ignore[union-attr]

    def _scope_view(self, ev: ScopeView) -> None:
        view = self._views.setdefault(ev.node, {})
        for key in [k for k in view if k[0] == ev.scope]:
            del view[key]
        for group, pids in ev.groups:
            view[(ev.scope, group)] = list(pids)

    def _spawn(self, ev: Spawn) -> None:
        self._processes.setdefault(ev.node, set()).add(ev.pid)

    def _exit(self, ev: Exit) -> None:
        self._processes.get(ev.node, set()).discard(ev.pid)

    def _send(self, ev: Send) -> None:
        self._nodes.setdefault(ev.dst)
        self._traffic = None
        self._frames.send(ev)

    def _deliver(self, ev: Deliver) -> None:
        self._traffic = None
        self._frames.deliver(ev)

    def _received(self, ev: Received) -> None:
        self._traffic = None
        self._frames.received(ev)

    def _unwatched(self, ev: Unwatched) -> None:
        self._traffic = None
        self._frames.unwatched(ev.node, ev.peer, ev.t)

    def _fault(self, ev: Fault) -> None:
        key = (ev.src, ev.dst, ev.what if ev.what in ("delay", "hold") else "cut")
        if ev.what in ("heal", "release"):
            for k in [k for k in self._faults if k[:2] == (ev.src, ev.dst)]:
                del self._faults[k]
        elif ev.what == "delay" and ev.detail.startswith("0 "):
            self._faults.pop(key, None)  # latency set back to nothing
        else:
            self._faults[key] = ev

    def _clock_changed(self, ev: Clock) -> None:
        # Every node reports the cluster's clock: the first report of a change is the one.
        self._traffic = None
        pauses = self._pauses
        paused = bool(pauses) and pauses[-1][1] is None
        if ev.mode == "pause" and not paused:
            pauses.append((ev.t, None))
            if len(pauses) > 1000:  # old stretches matter only to frames sent before them
                del pauses[0]
        elif ev.mode != "pause" and paused:
            pauses[-1] = (pauses[-1][0], ev.t)
        self._clock = ev

    def _overflow(self, ev: Overflow) -> None:
        self._dropped += ev.dropped

    def copy(self) -> ClusterModel:
        """An independent model in the same state (replay checkpoints)."""
        other = ClusterModel()
        other._version, other._t, other.events = self._version, self._t, self.events
        other._nodes = dict(self._nodes)
        other._up = dict(self._up)
        other._views = {n: {k: list(v) for k, v in view.items()}
                        for n, view in self._views.items()}
        other._processes = {n: set(p) for n, p in self._processes.items()}
        other._frames = self._frames.copy()
        other._faults = dict(self._faults)
        other._clock, other._dropped, other._selected = self._clock, self._dropped, self._selected
        other._pauses = list(self._pauses)
        other._snapshot = self._snapshot
        other._traffic = self._traffic
        return other

    # -- selection (view state that lives once, here) ---------------------------------------------
    def select(self, item: str | None) -> None:
        """Select a thing the views show (a pid's text, a frame id, a node name) or None."""
        if item != self._selected:
            self._selected = item
            self._version += 1
            self._snapshot = None

    # -- reading -----------------------------------------------------------------------------------
    def fate(self, frame_id: str) -> str | None:
        """How a frame ended: "delivered", "arrived" (a later frame on its link was
        delivered, its own deliver never heard), "lost" (its link went down with it),
        "unknown" (the node that would report it went out of sight); None while in flight
        or unknown here."""
        return self._frames.fate(frame_id)

    def snapshot(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            links = frozenset(frozenset(pair) for pair, up in self._up.items()
                              if up and pair[0] != pair[1])
            snap = Snapshot(
                version=self._version,
                t=self._t,
                nodes=tuple(sorted(self._nodes)),
                links=links,
                views=MappingProxyType({
                    n: MappingProxyType({k: tuple(v) for k, v in view.items()})
                    for n, view in self._views.items()}),
                processes=MappingProxyType({n: frozenset(p) for n, p in self._processes.items()}),
                in_flight=tuple(sorted(self._frames.in_flight.values(),
                                       key=lambda m: m.sent_lc)),
                faults=tuple(self._faults.values()),
                clock=self._clock,
                pauses=tuple(self._pauses),
                dropped=self._dropped,
                fates=MappingProxyType(dict(self._frames.counts)),
                selected=self._selected,
            )
            self._snapshot = snap
        return snap


    def traffic(self) -> Snapshot:
        """A light snapshot holding only what moving dots need (`in_flight`, `pauses`,
        `clock`; `progress` works on it): an animation frame reads it without rebuilding every
        node's view of the members, which `snapshot()` does after each join or leave."""
        traffic = self._traffic
        if traffic is None:
            traffic = Snapshot(
                version=self._version, t=self._t,
                in_flight=tuple(sorted(self._frames.in_flight.values(),
                                       key=lambda m: m.sent_lc)),
                clock=self._clock, pauses=tuple(self._pauses))
            self._traffic = traffic
        return traffic


_FOLD: dict[type[Event], Any] = {
    NodeUp: ClusterModel._nodeup,
    NodeDown: ClusterModel._nodedown,
    Join: ClusterModel._join,
    Leave: ClusterModel._leave,
    ScopeView: ClusterModel._scope_view,
    Spawn: ClusterModel._spawn,
    Exit: ClusterModel._exit,
    Send: ClusterModel._send,
    Deliver: ClusterModel._deliver,
    Fault: ClusterModel._fault,
    Clock: ClusterModel._clock_changed,
    Overflow: ClusterModel._overflow,
    Received: ClusterModel._received,
    Unwatched: ClusterModel._unwatched,
}
