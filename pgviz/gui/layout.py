"""Stable automatic placement of nodes and of members around them (Qt-free).

This node sits at the centre; peers take slots on concentric rings (6 slots on the first ring,
12 on the second, 18 on the third ...). A slot, once given to a node name, stays its own: a new
node takes a free slot and never moves the others, and a node that leaves and comes back finds
its old place. Within a ring, slots are filled farthest-first so that a few peers spread out.
"""

from __future__ import annotations

import math

__all__ = ["NodeLayout", "member_offsets", "RING_GAP", "NODE_RADIUS", "SELF_RADIUS"]

RING_GAP = 250.0
NODE_RADIUS = 40.0
SELF_RADIUS = 54.0
MEMBER_STEP = 9.5
_GOLDEN = math.pi * (3.0 - math.sqrt(5.0))


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
    ring, index = 1, slot - 1
    while index >= 6 * ring:
        index -= 6 * ring
        ring += 1
    n = 6 * ring
    k = _ring_order(n)[index]
    angle = 2 * math.pi * k / n + (math.pi / n if ring % 2 == 0 else 0.0)
    r = RING_GAP * ring
    return (r * math.cos(angle), r * math.sin(angle) * 0.82)


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


def member_offsets(count: int, node_radius: float = NODE_RADIUS) -> list[tuple[float, float]]:
    """Offsets of `count` members around a node: a sunflower spiral outside the node's disc,
    so the i-th member keeps its place when more are added."""
    r0 = node_radius + 14.0
    out = []
    for i in range(count):
        r = r0 + MEMBER_STEP * math.sqrt(i) * 1.6
        a = i * _GOLDEN - math.pi / 2
        out.append((r * math.cos(a), r * math.sin(a)))
    return out
