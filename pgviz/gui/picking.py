"""What is under the mouse in the cluster view, besides members and nodes (Qt-free geometry):
the dot of a real frame in flight, and a link between two nodes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

__all__ = ["nearest", "link_at", "segment_distance"]

T = TypeVar("T")


def nearest(points: Iterable[tuple[float, float, T]], x: float, y: float,
            slack: float) -> T | None:
    """The thing at the point closest to (x, y), no further than `slack`."""
    best, best_d = None, slack * slack
    for px, py, thing in points:
        d = (px - x) ** 2 + (py - y) ** 2
        if d <= best_d:
            best, best_d = thing, d
    return best


def segment_distance(x: float, y: float, ax: float, ay: float, bx: float, by: float
                     ) -> tuple[float, float]:
    """(distance from (x, y) to the segment a-b, where along it 0..1 the closest point is)."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
    return math.hypot(x - (ax + t * dx), y - (ay + t * dy)), t


def link_at(links: Iterable[frozenset[str]], pos: Mapping[str, tuple[float, float]],
            radius: Callable[[str], float], x: float, y: float,
            slack: float) -> tuple[str, str] | None:
    """The link (a, b sorted) passing within `slack` of (x, y), outside both nodes' discs."""
    best, best_d = None, slack
    for link in links:
        a, b = sorted(link)
        if a not in pos or b not in pos:
            continue
        (ax, ay), (bx, by) = pos[a], pos[b]
        d, _ = segment_distance(x, y, ax, ay, bx, by)
        if d > best_d:
            continue
        if math.hypot(x - ax, y - ay) <= radius(a) or math.hypot(x - bx, y - by) <= radius(b):
            continue  # on a node: the node's, not the link's
        best, best_d = (a, b), d
    return best
