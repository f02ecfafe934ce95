"""Frames in flight, and how each one ended as far as the events tell (Qt-free).

The ClusterModel (the graph's dots) and the space-time diagram's history both fold frames
through a FrameLedger, so they close a frame for the same reasons. A frame is in flight from
its `send` until one of these is known, and its fate names what is known, never more:

  "delivered"  its `deliver` was heard.
  "arrived"    it reached its destination, but its own deliver was never heard: a later frame
               on its link was delivered (frames on one link arrive in order, and a frame lost
               on the way takes its link down: see FrameEvent), or the receiver's `received`
               watermark covers it. Its deliver was reported before the watcher's
               subscription reached the receiver, or dropped (a bounded buffer: `overflow`).
  "lost"       its link went down with it on board (a `nodedown` of either end).
  "unknown"    the node that would report its deliver went out of sight (`unwatched`), or
               its link was replaced by a newer one while nobody reported the old one down.

A verdict short of "delivered" is corrected when better news comes (the receiver's deliver
can reach a watcher after the sender's `nodedown`): a late deliver makes it "delivered", a
later frame's deliver or a watermark "arrived". The last LIMIT verdicts are kept for that.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..events import Deliver, Received, Send, frame_position

__all__ = ["FrameLedger", "InFlight", "FATES", "DELIVERED", "ARRIVED", "LOST", "UNKNOWN"]

DELIVERED, ARRIVED, LOST, UNKNOWN = "delivered", "arrived", "lost", "unknown"
FATES = (DELIVERED, ARRIVED, LOST, UNKNOWN)
LIMIT = 10_000  # verdicts and early delivers remembered
TAGS_KEPT = 4  # per link: the watermarks of its last few connections

Position = tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class InFlight:
    """A frame sent and not yet delivered."""
    id: str
    src: str
    dst: str
    kind: str
    size: int
    summary: str
    sent_t: float
    sent_lc: int
    travel: float = 0.0  # network seconds on its link (slow motion + latency; 0 live)


#: on_end(frame, fate, t): the frame ended (or its verdict was corrected) at event time t
OnEnd = Callable[[InFlight, str, float], None]


class _Link:
    """One direction between two nodes, across its connections (tags)."""
    __slots__ = ("frames", "tag", "upto", "unsure")

    def __init__(self) -> None:
        self.frames: dict[str, tuple[InFlight, Position]] = {}  # in flight, in send order
        self.tag: str | None = None  # the connection of the newest send heard
        self.upto: dict[str, int] = {}  # tag -> every frame up to this number arrived
        self.unsure: dict[str, tuple[InFlight, Position]] = {}  # ended short of delivered

    def copy(self) -> _Link:
        other = _Link()
        other.frames, other.tag = dict(self.frames), self.tag
        other.upto, other.unsure = dict(self.upto), dict(self.unsure)
        return other


class FrameLedger:
    def __init__(self, on_end: OnEnd | None = None) -> None:
        self.in_flight: dict[str, InFlight] = {}
        self.counts: dict[str, int] = dict.fromkeys(FATES, 0)
        self._on_end = on_end
        self._links: dict[tuple[str, str], _Link] = {}
        # bounded, the oldest go first (an OrderedDict: a dict's next(iter()) after many
        # deletions at its front is slow)
        self._early: OrderedDict[str, float] = OrderedDict()  # deliver heard before its send
        self._fates: OrderedDict[str, str] = OrderedDict()  # the last LIMIT verdicts
        self._unsure: OrderedDict[str, tuple[str, str]] = OrderedDict()  # verdict not final

    # -- folding ---------------------------------------------------------------------------------
    def send(self, ev: Send) -> None:
        frame = InFlight(ev.id, ev.src, ev.dst, ev.kind, ev.size, ev.summary, ev.t, ev.lc,
                         ev.travel)
        link = self._link(ev.src, ev.dst)
        pos = frame_position(ev.id)
        if pos is not None and link.tag != pos[0]:
            if link.tag is not None:
                # A new connection on this link: the sender's old one is over, whether or
                # not its nodedown reached us.
                self._close(link, lambda p: p is None or p[0] != pos[0], UNKNOWN, ev.t)
            link.tag = pos[0]
        delivered_t = self._early.pop(ev.id, None)
        if delivered_t is not None:  # forwarded events of two nodes race: deliver came first
            self._end(link, frame, pos, DELIVERED, delivered_t)
        elif pos is not None and link.upto.get(pos[0], 0) >= pos[1]:
            self._end(link, frame, pos, ARRIVED, ev.t)
        else:
            self.in_flight[ev.id] = frame
            link.frames[ev.id] = (frame, pos)

    def deliver(self, ev: Deliver) -> None:
        frame = self.in_flight.pop(ev.id, None)
        if frame is not None:
            link = self._links[(frame.src, frame.dst)]
            pos = link.frames.pop(ev.id)[1]
            self._end(link, frame, pos, DELIVERED, ev.t)
        else:
            pos = frame_position(ev.id)
            where = self._unsure.get(ev.id)
            link = self._link(*(where or (ev.src, ev.dst)))
            if where is not None:  # a verdict made too early: it was delivered after all
                frame, _ = link.unsure[ev.id]
                self._end(link, frame, pos, DELIVERED, ev.t)
            elif ev.id not in self._fates:
                self._early[ev.id] = ev.t
                if len(self._early) > LIMIT:  # sends never heard (their node not watched)
                    self._early.popitem(last=False)
        if pos is not None:
            self._arrived(link, pos[0], pos[1], ev.t)

    def received(self, ev: Received) -> None:
        """The receiver's watermark: every frame from `ev.peer` up to `ev.id` arrived."""
        pos = frame_position(ev.id)
        if pos is not None:
            self._arrived(self._link(ev.peer, ev.node), pos[0], pos[1], ev.t)

    def link_down(self, a: str, b: str, t: float) -> None:
        """Frames still on the link between a and b, either way, are gone with it."""
        for key in ((a, b), (b, a)):
            link = self._links.get(key)
            if link is not None and link.frames:
                self._close(link, lambda p: True, LOST, t)

    def unwatched(self, watcher: str, node: str, t: float) -> None:
        """The node whose events these are (`watcher`) no longer hears `node`: frames to it
        end "unknown" (the watcher's own are left to its nodedown: they are lost)."""
        for (src, dst), link in self._links.items():
            if dst == node and src != watcher and link.frames:
                self._close(link, lambda p: True, UNKNOWN, t)

    def forget(self, frame_id: str) -> None:
        """Stop following a frame (a bounded history let it go)."""
        frame = self.in_flight.pop(frame_id, None)
        if frame is not None:
            del self._links[(frame.src, frame.dst)].frames[frame_id]

    # -- reading -----------------------------------------------------------------------------------
    def fate(self, frame_id: str) -> str | None:
        """How the frame ended ("delivered", "arrived", "lost", "unknown"); None while in
        flight, or when it is not (or no longer) known here."""
        return self._fates.get(frame_id)

    def copy(self, on_end: OnEnd | None = None) -> FrameLedger:
        other = FrameLedger(on_end)
        other.in_flight = dict(self.in_flight)
        other.counts = dict(self.counts)
        other._links = {k: link.copy() for k, link in self._links.items()}
        other._early = OrderedDict(self._early)
        other._fates = OrderedDict(self._fates)
        other._unsure = OrderedDict(self._unsure)
        return other

    # -- inside --------------------------------------------------------------------------------------
    def _link(self, src: str, dst: str) -> _Link:
        link = self._links.get((src, dst))
        if link is None:
            link = self._links[(src, dst)] = _Link()
        return link

    def _arrived(self, link: _Link, tag: str, n: int, t: float) -> None:
        """Every frame up to number n on the connection `tag` of this link arrived."""
        if link.upto.get(tag, 0) >= n:
            return
        link.upto[tag] = n
        if len(link.upto) > TAGS_KEPT:
            del link.upto[next(iter(link.upto))]
        if link.frames:
            done = []
            for fid, (frame, pos) in link.frames.items():  # in send order: numbers grow
                if pos is None or pos[0] != tag:
                    continue
                if pos[1] > n:
                    break
                done.append((fid, frame, pos))
            for fid, frame, pos in done:
                del link.frames[fid]
                del self.in_flight[fid]
                self._end(link, frame, pos, ARRIVED, t)
        if link.unsure:  # "lost" or "unknown" too early: they got there
            for frame, pos in [v for v in link.unsure.values()
                               if v[1] is not None and v[1][0] == tag and v[1][1] <= n
                               and self._fates.get(v[0].id) != ARRIVED]:
                self._end(link, frame, pos, ARRIVED, t)

    def _close(self, link: _Link, which: Callable[[Position], bool], fate: str,
               t: float) -> None:
        for fid, (frame, pos) in [item for item in link.frames.items() if which(item[1][1])]:
            del link.frames[fid]
            del self.in_flight[fid]
            self._end(link, frame, pos, fate, t)

    def _end(self, link: _Link, frame: InFlight, pos: Position, fate: str, t: float) -> None:
        fid = frame.id
        before = self._fates.pop(fid, None)
        if before is not None:
            self.counts[before] -= 1
        self._fates[fid] = fate
        self.counts[fate] += 1
        if len(self._fates) > LIMIT:
            self._fates.popitem(last=False)
        if fate == DELIVERED:
            if link.unsure.pop(fid, None) is not None:
                del self._unsure[fid]
        else:
            link.unsure[fid] = (frame, pos)
            self._unsure.pop(fid, None)
            self._unsure[fid] = (frame.src, frame.dst)
            if len(self._unsure) > LIMIT:
                old, key = self._unsure.popitem(last=False)
                self._links[key].unsure.pop(old, None)
        if self._on_end is not None:
            self._on_end(frame, fate, t)
