"""Where everything of a Picture sits in the scene: node centres from their stable slots,
members on rings around their node, member labels, the bounding box (Qt geometry, no widget).

With `aspect` given (fitting to the window), node centres are spread apart, never squeezed,
until the picture comes close to the view's aspect ratio.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF

from .layout import (
    FIRST_MEMBER_RING,
    NODE_RADIUS,
    SELF_RADIUS,
    NodeLayout,
    member_base_angle,
    member_offsets,
    stretch_for,
)
from .markers import MEMBER_PEN, label_rect, make_font
from .picture import Member, Picture

__all__ = ["Placement", "place_picture", "LABEL_PX", "LABELLED_MEMBERS", "STRETCH_MAX"]

LABEL_PX = 14              # member label size (scene px, times the text scale)
LABELLED_MEMBERS = 240     # above this many members in the scope, labels only on hover
STRETCH_MAX = 1.4          # node centres spread at most this much to fill the view

Label = tuple[QRectF, Qt.AlignmentFlag, str]


@dataclass
class Placement:
    """Scene positions of one picture."""
    centre: str = ""
    node_pos: dict[str, tuple[float, float]] = field(default_factory=dict)
    member_pos: list[tuple[float, float, Member]] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # node -> members drawn around it
    content: QRectF = field(default_factory=QRectF)
    stretch: tuple[float, float] = (1.0, 1.0)

    def radius(self, name: str) -> float:
        return SELF_RADIUS if name == self.centre else NODE_RADIUS


def place_picture(pic: Picture, centre: str, layout: NodeLayout, text_scale: float,
                  aspect: float | None, stretch: tuple[float, float] = (1.0, 1.0)) -> Placement:
    names = [centre, *pic.peers, *pic.ghosts]
    base = {n: layout.position(n) for n in names}
    by_node: dict[str, list[Member]] = {}
    for m in pic.members:
        by_node.setdefault(m.node, []).append(m)
    place = Placement(centre)
    place.counts = {node: len(ms) for node, ms in by_node.items()}
    labelled = len(pic.members) <= LABELLED_MEMBERS
    fm = QFontMetricsF(make_font(LABEL_PX * text_scale))
    label_h = fm.height()

    # Everything around a node, relative to its centre: members, labels, the node itself.
    local: dict[str, list[tuple[float, float, Member, Label | None]]] = {}
    boxes: dict[str, QRectF] = {}
    for name in names:
        r = place.radius(name)
        box = QRectF(-r - 6, -r - 6, 2 * r + 12, 2 * r + 12)
        ms = by_node.get(name, [])
        offsets = member_offsets(len(ms), r, member_base_angle(*base[name])) if ms else []
        rows = []
        show = labelled and len(ms) <= FIRST_MEMBER_RING
        half = MEMBER_PEN / 2 + 2
        for (dx, dy), m in zip(offsets, ms, strict=True):
            box = box.united(QRectF(dx - half, dy - half, 2 * half, 2 * half))
            label: Label | None = None
            if show:
                text = str(m.pid)
                rect, align = label_rect(dx, dy, fm.horizontalAdvance(text) + 2, label_h)
                box = box.united(rect)
                label = (rect, align, text)
            rows.append((dx, dy, m, label))
        local[name] = rows
        boxes[name] = box

    if aspect is not None:
        xs = [p[0] for p in base.values()]
        ys = [p[1] for p in base.values()]
        plain = _union(base, boxes)
        cw, ch = max(xs) - min(xs), max(ys) - min(ys)
        stretch = stretch_for(cw, ch, plain.width() - cw, plain.height() - ch, aspect,
                              STRETCH_MAX)
    sx, sy = stretch
    place.stretch = stretch
    place.node_pos = {n: (x * sx, y * sy) for n, (x, y) in base.items()}
    for name, rows in local.items():
        x, y = place.node_pos[name]
        for dx, dy, m, label in rows:
            place.member_pos.append((x + dx, y + dy, m))
            if label is not None:
                place.labels.append((label[0].translated(x, y), label[1], label[2]))
    place.content = _union(place.node_pos, boxes)
    return place


def _union(centres: dict[str, tuple[float, float]], boxes: dict[str, QRectF]) -> QRectF:
    rect = QRectF()
    for name, (x, y) in centres.items():
        box = boxes[name].translated(x, y)
        rect = box if rect.isNull() else rect.united(box)
    return rect
