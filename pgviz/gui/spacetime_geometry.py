"""Where things go on the space-time diagram: lanes (one per node, top to bottom) and time
(left to right). Plain arithmetic, no Qt, so that picking and tests share it with painting."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Geometry", "Segment", "nice_step", "distance_to_segment", "LABEL_WIDTH",
           "AXIS_HEIGHT"]

LABEL_WIDTH = 104
AXIS_HEIGHT = 24
BOTTOM = 8
RIGHT = 24


@dataclass(frozen=True, slots=True)
class Geometry:
    width: int
    height: int
    lanes: tuple[str, ...]
    view_end: float    # the time at the right edge (less the margin)
    scale: float       # pixels per second

    @property
    def left(self) -> float:
        return LABEL_WIDTH

    @property
    def right(self) -> float:
        return self.width - RIGHT

    @property
    def view_start(self) -> float:
        return self.view_end - (self.right - self.left) / self.scale

    @property
    def lane_height(self) -> float:
        n = max(1, len(self.lanes))
        return max(1.0, (self.height - AXIS_HEIGHT - BOTTOM) / n)

    def lane_y(self, index: int) -> float:
        return AXIS_HEIGHT + (index + 0.5) * self.lane_height

    def x(self, t: float) -> float:
        return self.left + (t - self.view_start) * self.scale

    def t(self, x: float) -> float:
        return self.view_start + (x - self.left) / self.scale


@dataclass(frozen=True, slots=True)
class Segment:
    """An arrow as drawn (for picking)."""
    id: str
    x1: float
    y1: float
    x2: float
    y2: float


def nice_step(seconds_per_100px: float) -> float:
    """A round tick interval (1, 2 or 5 times a power of ten) near the given one."""
    if seconds_per_100px <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(seconds_per_100px))
    for m in (1, 2, 5, 10):
        if m * power >= seconds_per_100px:
            return m * power
    return 10 * power


def distance_to_segment(px: float, py: float, x1: float, y1: float, x2: float,
                        y2: float) -> float:
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.hypot(px - x1, py - y1)
    k = max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length2))
    return math.hypot(px - (x1 + k * dx), py - (y1 + k * dy))
