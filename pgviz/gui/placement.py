"""Where everything of a Picture sits in the scene: node centres from their stable slots,
members on rings around their node, member labels, the bounding box (Qt geometry, no widget).

With `aspect` given (fitting to the window), node centres are spread apart until the picture
comes close to the view's aspect ratio. With `spread` below 1 (a small view: see
cluster_view.py) the centres are first drawn closer together, never so close that two nodes'
boxes (the node, its members and their labels) touch: the nodes then keep a readable size on
screen instead of shrinking with the distances between them.
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

__all__ = ["Placement", "place_picture", "place_to_fit", "fit_scale", "LABEL_PX",
           "LABELLED_MEMBERS", "STRETCH_MAX", "NODE_GAP", "FIT_MAX", "MIN_NODE_PX",
           "LABEL_MIN_SCREEN_PX"]

LABEL_PX = 14              # member label size (scene px, times the text scale)
LABELLED_MEMBERS = 240     # above this many members in the scope, labels only on hover
STRETCH_MAX = 1.4          # node centres spread at most this much to fill the view
FIT_MAX = 1.5              # fitting to the window never zooms in further
MIN_NODE_PX = 24.0         # a peer's radius on screen below which the centres are drawn closer
LABEL_MIN_SCREEN_PX = 7.5  # member labels smaller than this on screen are not drawn
NODE_GAP = 16.0            # between two nodes' boxes when the centres are drawn closer

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
    spread: float = 1.0  # the centres drawn this much closer than their slots (a small view)
    labelled: bool = True  # False: member labels left out (too small to read)

    def radius(self, name: str) -> float:
        return SELF_RADIUS if name == self.centre else NODE_RADIUS


def place_picture(pic: Picture, centre: str, layout: NodeLayout, text_scale: float,
                  aspect: float | None, stretch: tuple[float, float] = (1.0, 1.0),
                  spread: float = 1.0, labels: bool = True) -> Placement:
    """Where everything goes; `labels` False: no member labels (a view too small to read
    them), and no room kept for them."""
    names = [centre, *pic.peers, *pic.ghosts]
    base = {n: layout.position(n) for n in names}
    by_node: dict[str, list[Member]] = {}
    for m in pic.members:
        by_node.setdefault(m.node, []).append(m)
    place = Placement(centre)
    place.counts = {node: len(ms) for node, ms in by_node.items()}
    labelled = labels and len(pic.members) <= LABELLED_MEMBERS
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

    if spread < 1.0:
        spread = min(1.0, max(spread, closest_spread(base, boxes)))
        base = {n: (x * spread, y * spread) for n, (x, y) in base.items()}
    place.spread = spread
    place.labelled = labels
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


def place_to_fit(pic: Picture, centre: str, layout: NodeLayout, text_scale: float,
                 avail: QRectF, stretch: tuple[float, float], readable: bool = True) -> Placement:
    """The picture placed for a view whose free area is `avail`; `readable`: in a small view
    the node centres are drawn closer (never overlapping) so that a peer stays MIN_NODE_PX in
    radius on screen instead of shrinking to a dot with the distances between nodes, and
    member labels too small to be drawn keep no room."""
    aspect = avail.width() / avail.height()
    place = place_picture(pic, centre, layout, text_scale, aspect, stretch)
    if not readable:
        return place
    labels = True
    for _ in range(3):
        scale = fit_scale(place.content, avail)
        if scale * NODE_RADIUS >= MIN_NODE_PX - 0.5:
            break
        labels = labels and LABEL_PX * text_scale * scale >= LABEL_MIN_SCREEN_PX
        wanted = place.spread * _centres_factor(place, avail, MIN_NODE_PX / NODE_RADIUS)
        if wanted >= place.spread - 0.01:
            break
        closer = place_picture(pic, centre, layout, text_scale, aspect, place.stretch, wanted,
                               labels)
        if closer.spread >= place.spread - 0.01:
            break  # as close as the nodes' boxes allow
        place = closer
    return place


def fit_scale(content: QRectF, avail: QRectF) -> float:
    """The zoom that fits `content` into `avail` (at most FIT_MAX)."""
    if content.isNull() or content.width() <= 0 or content.height() <= 0:
        return FIT_MAX
    return min(avail.width() / content.width(), avail.height() / content.height(), FIT_MAX)


def _centres_factor(place: Placement, avail: QRectF, px_per_unit: float) -> float:
    """How much closer the node centres must be for the picture to fit `avail` at a zoom of
    `px_per_unit` (the boxes around the centres keep their size)."""
    xs = [p[0] for p in place.node_pos.values()]
    ys = [p[1] for p in place.node_pos.values()]
    factor = 1.0
    for centres, content, room in ((max(xs) - min(xs), place.content.width(), avail.width()),
                                   (max(ys) - min(ys), place.content.height(),
                                    avail.height())):
        if centres > 1.0:
            pad = content - centres
            factor = min(factor, max(0.0, room / px_per_unit - pad) / centres)
    return factor


def closest_spread(centres: dict[str, tuple[float, float]], boxes: dict[str, QRectF]) -> float:
    """The smallest factor the centres may be multiplied by while every two nodes' boxes stay
    NODE_GAP apart, side by side or one above the other."""
    names = list(centres)
    need = 0.0
    for i, a in enumerate(names):
        ax, ay = centres[a]
        box_a = boxes[a]
        for b in names[i + 1:]:
            dx, dy = centres[b][0] - ax, centres[b][1] - ay
            box_b = boxes[b]
            apart = []  # the factor that separates them along x, along y
            if dx > 1e-6:
                apart.append((box_a.right() - box_b.left() + NODE_GAP) / dx)
            elif dx < -1e-6:
                apart.append((box_b.right() - box_a.left() + NODE_GAP) / -dx)
            if dy > 1e-6:
                apart.append((box_a.bottom() - box_b.top() + NODE_GAP) / dy)
            elif dy < -1e-6:
                apart.append((box_b.bottom() - box_a.top() + NODE_GAP) / -dy)
            if apart:
                need = max(need, min(apart))
    return need


def _union(centres: dict[str, tuple[float, float]], boxes: dict[str, QRectF]) -> QRectF:
    rect = QRectF()
    for name, (x, y) in centres.items():
        box = boxes[name].translated(x, y)
        rect = box if rect.isNull() else rect.united(box)
    return rect
