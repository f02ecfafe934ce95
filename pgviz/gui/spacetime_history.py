"""What the space-time diagram draws, folded from the cluster's events (Qt-free).

The ClusterModel keeps the present (what is in flight now); a space-time diagram needs the
past too: every frame from its send to its deliver, every membership change, every partition
and pause. `SpaceTimeHistory.feed(ev)` keeps that, bounded (`limit` arrows; the oldest go
first), for a live window, a replay (feed the recording's events up to the scrubber) or a
lesson alike.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

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
    Received,
    Send,
    Unwatched,
)
from ..export.filters import category
from ..export.labels import group_text
from ..model import FrameLedger, InFlight, Snapshot

__all__ = ["SpaceTimeHistory", "Arrow", "Mark", "Band"]

LIMIT = 20_000


@dataclass(slots=True)
class Arrow:
    """One frame: from (sent, src) to (delivered, dst); delivered None while in flight.
    `fate` says how it ended (model/ledger.py): "delivered", "arrived" (its own deliver was
    never heard: `delivered` is when that became known, an upper bound, and it is drawn
    faint, without a head), "lost" (at `lost`), "unknown" (at `unknown`: its receiver went
    out of sight)."""
    id: str
    src: str
    dst: str
    kind: str
    category: str  # "user", "pg", "distribution", "tick"
    summary: str
    sent: float
    travel: float = 0.0
    delivered: float | None = None
    lost: float | None = None  # when its link went down with it on board
    unknown: float | None = None  # when its receiver went out of sight
    fate: str | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """Something that happened on one lane: "join"/"leave" (text: the group), "nodeup",
    "nodedown", "cut", "heal", "exit"."""
    t: float
    node: str
    kind: str
    text: str
    detail: str = ""


@dataclass(slots=True)
class Band:
    """A stretch of time: "pause" (the network clock stopped) or "partition"."""
    kind: str
    start: float
    end: float | None = None
    text: str = ""


class SpaceTimeHistory:
    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.lanes: list[str] = []
        self.arrows: list[Arrow] = []  # in order of `sent`
        self.marks: list[Mark] = []  # in order of `t`
        # grows when marks are not only appended (one inserted before the last, old ones
        # trimmed): a drawing that went by index into `marks` must start again
        self.marks_epoch = 0
        self.bands: list[Band] = []
        self.start: float | None = None
        self.end = 0.0
        self.version = 0  # grows with every event fed
        self._lane_set: set[str] = set()
        self._by_id: dict[str, Arrow] = {}
        self.in_flight: dict[str, Arrow] = {}  # sent, neither delivered nor lost (yet)
        self._frames = FrameLedger(self._ended)  # the model's rules for how a frame ends
        self._cuts: set[tuple[str, str]] = set()
        self._paused = False

    # -- feeding --------------------------------------------------------------------------------
    def feed_many(self, events: Iterable[Event]) -> None:
        for ev in events:
            self.feed(ev)

    def feed(self, ev: Event) -> None:
        self.version += 1
        if self.start is None or ev.t < self.start:
            self.start = ev.t
        if ev.t > self.end:
            self.end = ev.t
        self._lane(ev.node)
        if isinstance(ev, Send):
            self._send(ev)
        elif isinstance(ev, Deliver):
            self._deliver(ev)
        elif isinstance(ev, Join | Leave):
            self._mark(Mark(ev.t, ev.node, ev.event, group_text(ev.group),
                            ", ".join(str(p) for p in ev.pids)))
        elif isinstance(ev, NodeUp):
            self._lane(ev.peer)
            self._mark(Mark(ev.t, ev.node, "nodeup", ev.peer))
        elif isinstance(ev, NodeDown):
            self._nodedown(ev)
        elif isinstance(ev, Exit):
            self._mark(Mark(ev.t, ev.node, "exit", str(ev.pid), ev.reason))
        elif isinstance(ev, Fault):
            self._fault(ev)
        elif isinstance(ev, Clock):
            self._clock(ev)
        elif isinstance(ev, Received):
            self._frames.received(ev)
        elif isinstance(ev, Unwatched):
            self._frames.unwatched(ev.node, ev.peer, ev.t)
        if len(self.marks) > 2 * self.limit:
            del self.marks[:self.limit]
            self.marks_epoch += 1

    def _mark(self, mark: Mark) -> None:
        marks = self.marks
        if not marks or marks[-1].t <= mark.t:
            marks.append(mark)
        else:  # forwarded events of several nodes race a little
            marks.insert(bisect.bisect_right(marks, mark.t, key=lambda m: m.t), mark)
            self.marks_epoch += 1

    def _lane(self, node: str) -> None:
        if node not in self._lane_set:
            self._lane_set.add(node)
            self.lanes.append(node)

    def _send(self, ev: Send) -> None:
        self._lane(ev.dst)
        arrow = Arrow(ev.id, ev.src, ev.dst, ev.kind, category(ev.kind), ev.summary, ev.t,
                      ev.travel)
        arrows = self.arrows
        if not arrows or arrows[-1].sent <= ev.t:
            arrows.append(arrow)
        else:  # forwarded events of several nodes race a little
            arrows.insert(bisect.bisect_right(arrows, ev.t, key=lambda a: a.sent), arrow)
        self._by_id[ev.id] = arrow
        self.in_flight[ev.id] = arrow
        self._frames.send(ev)  # may end it at once (its deliver came first)
        if len(arrows) > self.limit:
            for old in arrows[:len(arrows) - self.limit]:
                self._by_id.pop(old.id, None)
                if self.in_flight.pop(old.id, None) is not None:
                    self._frames.forget(old.id)
            del arrows[:len(arrows) - self.limit]

    def _deliver(self, ev: Deliver) -> None:
        self._frames.deliver(ev)

    def _ended(self, frame: InFlight, fate: str, t: float) -> None:
        """The ledger's verdict on a frame (or a better one, later)."""
        arrow = self._by_id.get(frame.id)
        if arrow is None:
            return
        self.in_flight.pop(frame.id, None)
        arrow.fate = fate
        arrow.delivered = max(t, arrow.sent) if fate in ("delivered", "arrived") else None
        arrow.lost = t if fate == "lost" else None
        arrow.unknown = t if fate == "unknown" else None

    def _nodedown(self, ev: NodeDown) -> None:
        self._mark(Mark(ev.t, ev.node, "nodedown", ev.peer, ev.reason))
        self._frames.link_down(ev.node, ev.peer, ev.t)  # frames still on that link are gone

    def _fault(self, ev: Fault) -> None:
        pair = (min(ev.src, ev.dst), max(ev.src, ev.dst))
        if ev.what == "cut":
            if not self._cuts:
                self.bands.append(Band("partition", ev.t, None, ev.detail or "link cut"))
            self._cuts.add(pair)
            self._mark(Mark(ev.t, ev.node, "cut", ev.dst, ev.detail))
        elif ev.what == "heal":
            if pair in self._cuts:
                self._cuts.discard(pair)
                self._mark(Mark(ev.t, ev.node, "heal", ev.dst))
                if not self._cuts:
                    for band in reversed(self.bands):
                        if band.kind == "partition" and band.end is None:
                            band.end = ev.t
                            break

    def _clock(self, ev: Clock) -> None:
        # Every node reports the cluster's clock: the first report of a change is the one.
        if ev.mode == "pause" and not self._paused:
            self._paused = True
            self.bands.append(Band("pause", ev.t, None, "paused"))
        elif ev.mode != "pause" and self._paused:
            self._paused = False
            for band in reversed(self.bands):
                if band.kind == "pause" and band.end is None:
                    band.end = ev.t
                    break

    # -- reading --------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused

    def progress(self, arrow: Arrow, now: float) -> float | None:
        """How far along its link an arrow in flight is at `now` (as Snapshot.progress)."""
        if arrow.travel <= 0:
            return None
        pauses = tuple((b.start, b.end) for b in self.bands if b.kind == "pause")
        snap = Snapshot(pauses=pauses)
        return snap.progress(_as_in_flight(arrow), now)

    def position(self, arrow: Arrow, now: float) -> float | None:
        """Where its frame is on its link at `now`, 0..1: its progress in slow motion; a frame
        sent live (no travel time) whose arrival is known (a replay, looking back) is as far
        as the running clock has taken it towards that arrival, so that its line in flight
        is the first part of the arrow it becomes and it waits while the clock is paused.
        None when neither is known (live, a frame sent live still on its way)."""
        k = self.progress(arrow, now)
        if k is not None or arrow.delivered is None or arrow.delivered <= arrow.sent:
            return k
        pauses = tuple((b.start, b.end) for b in self.bands if b.kind == "pause")
        snap = Snapshot(pauses=pauses)
        way = snap.network_elapsed(arrow.sent, arrow.delivered)
        if way <= 0:  # sent and arrived within one pause: its way is all in the jump
            return 0.0 if now < arrow.delivered else 1.0
        return min(1.0, snap.network_elapsed(arrow.sent, now) / way)

    def network_elapsed(self, arrow: Arrow, now: float) -> float:
        """Seconds of running network clock since the arrow's send (pauses left out)."""
        pauses = tuple((b.start, b.end) for b in self.bands if b.kind == "pause")
        return Snapshot(pauses=pauses).network_elapsed(arrow.sent, now)

    def arrow(self, frame_id: str) -> Arrow | None:
        return self._by_id.get(frame_id)

    def first_index_after(self, t: float) -> int:
        return bisect.bisect_left(self.arrows, t, key=lambda a: a.sent)

    def marks_between(self, t1: float, t2: float) -> list[Mark]:
        """The marks from t1 to t2 (both included), in order of time."""
        marks = self.marks
        return marks[bisect.bisect_left(marks, t1, key=lambda m: m.t):
                     bisect.bisect_right(marks, t2, key=lambda m: m.t)]


def _as_in_flight(arrow: Arrow) -> InFlight:
    return InFlight(arrow.id, arrow.src, arrow.dst, arrow.kind, 0, arrow.summary, arrow.sent,
                    0, arrow.travel)
