"""Message dots, one FIFO queue per directed link (Qt-free; the Qt layer only draws).

Every message this node sends or receives becomes a dot travelling along its link in a fixed
time, so a dot launched later can never overtake an earlier one on the same link. Dots leave a
link's end at least `gap` seconds apart; a message arriving while the link is still spacing
dots out waits in a short pending queue, and once that queue holds `max_pending` dots new
messages are folded into its last dot, whose count grows. So a burst faster than the eye becomes
one dot with a count: nothing is dropped, and the picture never lags more than
max_pending * gap behind the node.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["Dot", "DotScheduler", "KIND_RANK"]

#: When different kinds are folded into one dot, the dot shows the most interesting one.
KIND_RANK = {"control": 0, "pg": 1, "user": 2}


@dataclass
class Dot:
    src: str
    dst: str
    kind: str
    count: int
    seq: int                      # sequence number of the first message it carries
    start: float = -1.0           # launch time; -1 while pending
    seqs: list[int] = field(default_factory=list)


class _Link:
    __slots__ = ("flying", "pending", "last_launch")

    def __init__(self) -> None:
        self.flying: deque[Dot] = deque()
        self.pending: deque[Dot] = deque()
        self.last_launch = -1e18


class DotScheduler:
    def __init__(self, travel: float = 0.9, gap: float = 0.07, max_pending: int = 3,
                 keep_seqs: bool = False) -> None:
        self.travel = travel
        self.gap = gap
        self.max_pending = max_pending
        self.keep_seqs = keep_seqs  # tests check FIFO with them
        self._links: dict[tuple[str, str], _Link] = {}
        self._seq = 0
        self.delivered = 0        # messages whose dot has arrived

    def add(self, src: str, dst: str, kind: str, now: float, count: int = 1) -> None:
        link = self._links.get((src, dst))
        if link is None:
            link = self._links[(src, dst)] = _Link()
        seq = self._seq
        self._seq += count
        seqs = list(range(seq, seq + count)) if self.keep_seqs else []
        pending = link.pending
        if not pending and now - link.last_launch >= self.gap:
            dot = Dot(src, dst, kind, count, seq, now, seqs)
            link.flying.append(dot)
            link.last_launch = now
            return
        if pending and (pending[-1].kind == kind or len(pending) >= self.max_pending):
            last = pending[-1]
            last.count += count
            last.seqs.extend(seqs)
            if KIND_RANK.get(kind, 0) > KIND_RANK.get(last.kind, 0):
                last.kind = kind
            return
        pending.append(Dot(src, dst, kind, count, seq, -1.0, seqs))

    def advance(self, now: float) -> list[tuple[Dot, float]]:
        """Launch what is due, retire what has arrived; (dot, progress 0..1) for every dot
        in flight, in launch order per link."""
        out: list[tuple[Dot, float]] = []
        travel = self.travel
        empty = []
        for key, link in self._links.items():
            pending = link.pending
            while pending and now - link.last_launch >= self.gap:
                dot = pending.popleft()
                # Launch on the spacing grid (not at `now`): a slow frame never bunches dots.
                dot.start = max(link.last_launch + self.gap, now - self.gap)
                link.last_launch = dot.start
                link.flying.append(dot)
            flying = link.flying
            while flying and now - flying[0].start >= travel:
                self.delivered += flying.popleft().count
            for dot in flying:
                out.append((dot, (now - dot.start) / travel))
            if not flying and not pending:
                empty.append(key)
        for key in empty:
            del self._links[key]
        return out

    @property
    def busy(self) -> bool:
        return bool(self._links)

    def drop_kinds(self, kinds: set[str]) -> None:
        """Forget dots of these kinds (protocol dots hidden by the user)."""
        for link in self._links.values():
            link.flying = deque(d for d in link.flying if d.kind not in kinds)
            link.pending = deque(d for d in link.pending if d.kind not in kinds)

    def drop_node(self, name: str) -> None:
        for key in [k for k in self._links if name in k]:
            del self._links[key]

    def links(self) -> set[tuple[str, str]]:
        """The directed links (src, dst) with a dot flying or waiting."""
        return set(self._links)

    def in_flight(self) -> int:
        return sum(len(link.flying) + len(link.pending) for link in self._links.values())
