"""Dots for the real frames in flight (Qt-free): where each frame the model holds is on its link.

In slow motion and while paused a dot *is* a frame the network holds: it is placed by its send
time and travel time on the network clock (`Snapshot.progress`: frozen while paused), and only
its deliver event removes it, so no dot is drawn as arrived before its message is. A frame sent
live (no travel time) is left to the live animation (animation.py), which draws it after the
fact as today, unless the clock is paused: then it waits, at the end of its link.

Frames on one link never overtake each other: a dot is drawn no further along than the one
ahead of it, and frames at the same spot (queued at the end of the link, or held behind the
frame ahead) are one dot with a count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import Snapshot
from .animation import KIND_RANK
from .picture import dot_kind

__all__ = ["FlightDot", "flight_dots", "STACK"]

#: Dots on one link closer than this (in link lengths) are drawn as one, with a count.
STACK = 0.03


@dataclass(frozen=True, slots=True)
class FlightDot:
    src: str
    dst: str
    kind: str               # "user", "pg" or "control"
    progress: float         # 0..1 along the link
    ids: tuple[str, ...]    # the frames it stands for, the first to arrive first

    @property
    def count(self) -> int:
        return len(self.ids)


def flight_dots(traffic: Snapshot, now: float, shown: Callable[[str, str], bool],
                hidden_kinds: frozenset[str] = frozenset()
                ) -> tuple[list[FlightDot], bool]:
    """The dots of `traffic`'s frames at wall time `now`, and whether any of them still moves
    (the animation timer runs only then). `shown(src, dst)`: the link is in the picture."""
    paused = traffic.paused
    moving = False
    links: dict[tuple[str, str], list[FlightDot]] = {}
    for frame in traffic.in_flight:  # oldest first: per link, the order they were sent
        p = traffic.progress(frame, now)
        if p is None:
            if not paused:
                continue  # live: the live animation draws it
            p = 1.0  # sent while paused, no travel: it goes the moment the clock runs
        elif p < 1.0 and not paused:
            moving = True
        kind = dot_kind(frame.kind)
        if kind in hidden_kinds or not shown(frame.src, frame.dst):
            continue
        row = links.setdefault((frame.src, frame.dst), [])
        if row:
            ahead = row[-1]
            p = min(p, ahead.progress)  # never past the frame ahead of it
            if ahead.progress - p < STACK:
                top = kind if KIND_RANK.get(kind, 0) > KIND_RANK.get(ahead.kind, 0) \
                    else ahead.kind
                row[-1] = FlightDot(ahead.src, ahead.dst, top, ahead.progress,
                                    (*ahead.ids, frame.id))
                continue
        row.append(FlightDot(frame.src, frame.dst, kind, p, (frame.id,)))
    return [dot for row in links.values() for dot in row], moving
