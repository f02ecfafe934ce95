"""Stable automatic placement of nodes and of members around them (Qt-free).

This node sits at the centre; peers take slots on concentric rings. The first ring is laid out
for the small clusters a class builds: the first two peers sit up-left and up-right (with this
node they make an equilateral triangle, never a straight line), the third below, then the
sides. Outer rings hold 12, 18, 24 ... slots filled farthest-first. A slot, once given to a node
name, stays its own: a new node takes a free slot and never moves the others, and a node that
leaves and comes back finds its old place.

Members sit on small rings around their node, filled from the side that faces away from the
cluster (so the links stay clear for the message dots); the i-th member of a node keeps its
place when more are added.
"""

from __future__ import annotations

import math

__all__ = ["NodeLayout", "member_offsets", "member_base_angle", "RING_GAP", "NODE_RADIUS",
           "SELF_RADIUS", "MEMBER_RING_GAP", "FIRST_MEMBER_RING", "stretch_for"]

RING_GAP = 330.0
NODE_RADIUS = 46.0
SELF_RADIUS = 60.0
MEMBER_GAP = 32.0          # from a node's rim to its first ring of members
MEMBER_RING_GAP = 25.0     # between rings of members
FIRST_MEMBER_RING = 12     # members on the first ring (ring k holds 12 + 6k)

# First ring of peers: angles in degrees (y grows downwards on screen), in filling order.
_FIRST_RING = (-60.0, -120.0, 90.0, 0.0, 180.0, 40.0, 140.0)


def _ring_order(n: int) -> list[int]:
    """Indices 0..n-1 in farthest-first order (0 first, ties to the smallest index)."""
    order = [0]
    while len(order) < n:
        def gap(i: int) -> int:
            return min(min(abs(i - j), n - abs(i - j)) for j in order)
        best = max((i for i in range(n) if i not in order), key=lambda i: (gap(i), -i))
        order.append(best)
    return order


def _slot_position(slot: int) -> tuple[float, float]:
    if slot == 0:
        return (0.0, 0.0)
    if slot <= len(_FIRST_RING):
        a = math.radians(_FIRST_RING[slot - 1])
        return (RING_GAP * math.cos(a), RING_GAP * math.sin(a))
    ring, index = 2, slot - 1 - len(_FIRST_RING)
    while index >= 6 * ring:
        index -= 6 * ring
        ring += 1
    n = 6 * ring
    k = _ring_order(n)[index]
    angle = 2 * math.pi * k / n - math.pi / 2 + (math.pi / n if ring % 2 else 0.0)
    r = RING_GAP * (ring - 0.25)
    return (r * math.cos(angle), r * math.sin(angle))


class NodeLayout:
    """Node name -> slot -> scene position; slot 0 (the centre) is this node."""

    def __init__(self, self_name: str) -> None:
        self.self_name = self_name
        self._slots: dict[str, int] = {self_name: 0}
        self._cache: dict[str, tuple[float, float]] = {}

    def position(self, name: str) -> tuple[float, float]:
        pos = self._cache.get(name)
        if pos is None:
            slot = self._slots.get(name)
            if slot is None:
                taken = set(self._slots.values())
                slot = 1
                while slot in taken:
                    slot += 1
                self._slots[name] = slot
            pos = self._cache[name] = _slot_position(slot)
        return pos

    def slot(self, name: str) -> int:
        self.position(name)
        return self._slots[name]

    def known(self) -> list[str]:
        return list(self._slots)


def member_base_angle(x: float, y: float) -> float:
    """Where a node's members start: pointing away from the centre (below for this node)."""
    if abs(x) < 1e-6 and abs(y) < 1e-6:
        return math.pi / 2
    return math.atan2(y, x)


def _fan(n: int) -> list[int]:
    """Slot indices 0..n-1 of a ring, nearest to index 0 first, alternating sides."""
    out = [0]
    k = 1
    while len(out) < n:
        out.append(k % n)
        if len(out) < n and (-k) % n not in out:
            out.append((-k) % n)
        k += 1
    return out[:n]


def member_offsets(count: int, node_radius: float = NODE_RADIUS,
                   base_angle: float = math.pi / 2) -> list[tuple[float, float]]:
    """Offsets of `count` members around a node: rings of 12, 18, 24 ... slots outside the
    node's disc, each ring filled from `base_angle` outwards on both sides."""
    out: list[tuple[float, float]] = []
    ring = 0
    while len(out) < count:
        n = FIRST_MEMBER_RING + 6 * ring
        r = node_radius + MEMBER_GAP + MEMBER_RING_GAP * ring
        shift = (math.pi / n) * (ring % 2)
        for k in _fan(n):
            if len(out) >= count:
                break
            a = base_angle + 2 * math.pi * k / n + shift
            out.append((r * math.cos(a), r * math.sin(a)))
        ring += 1
    return out


def stretch_for(centres_w: float, centres_h: float, pad_w: float, pad_h: float,
                aspect: float, limit: float = 1.6) -> tuple[float, float]:
    """Factors (sx, sy) >= 1 that spread the node centres so the picture (centres plus the
    fixed padding around them) comes closest to the view's aspect ratio (width / height)."""
    if aspect <= 0:
        return (1.0, 1.0)
    w, h = centres_w + pad_w, centres_h + pad_h
    if w / h > aspect and centres_h > 1:      # too wide: spread vertically
        sy = ((w / aspect) - pad_h) / centres_h
        return (1.0, max(1.0, min(limit, sy)))
    if w / h < aspect and centres_w > 1:      # too tall: spread horizontally
        sx = (aspect * h - pad_w) / centres_w
        return (max(1.0, min(limit, sx)), 1.0)
    return (1.0, 1.0)
