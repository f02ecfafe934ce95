"""Small drawing pieces of the cluster view: fonts, the member marker (a ring and a label
pill for the selected or hovered member), where a member's label goes."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from .layout import NODE_RADIUS

__all__ = ["MemberMarker", "make_font", "label_rect", "MEMBER_PEN", "PILL_PX", "MARKER_SCALE",
           "PILL_MIN_SCALE"]

MEMBER_PEN = 18.0           # member disc diameter (scene units)
PILL_PX = 15.0              # the marker's label at zoom 1 (the scene's labels: 14)
#: The ring follows the zoom within these bounds: at 0.25 it is 13 px across, still a ring
#: around the member's dot, and inside a peer of a tiny view (a demo tile with the diagram
#: docked, zoom 0.16: peers 15 px across).
MARKER_SCALE = (0.25, 2.4)
#: The pill's text is never smaller than at this scale (9 px, a readable label), so below it
#: the pill no longer shrinks with the nodes: it is left out once it would be taller than a
#: peer's radius (it covered the nodes and the dots of a tiny view).
PILL_MIN_SCALE = 0.6


def make_font(px: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(max(1, int(round(px))))
    f.setBold(bold)
    return f


class MemberMarker(QGraphicsItem):
    """A ring around one member plus a label pill, drawn at screen size whatever the zoom
    (the selected member: accent colours; the hovered one: quieter). In a view so small that
    the pill would outsize the nodes, the ring alone."""

    def __init__(self, selected: bool) -> None:
        super().__init__()
        self.selected = selected
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(22 if selected else 21)
        self.setVisible(False)
        self.text = ""
        self.colours = ("#2563eb", "#ffffff", "#1f2430")  # ring/pill, pill text, halo
        # with the view's zoom (set_scale); not `scale`, which is QGraphicsItem.scale()
        self.size_k = 1.0
        self.node_px = NODE_RADIUS  # a peer's radius on screen at this scale
        self.pill_shown = True
        self.font = make_font(PILL_PX, True)
        self.direction = (0.0, -1.0)
        self._rect = QRectF()
        self._pill = QRectF()

    def set_scale(self, scale: float) -> None:
        """Ring and pill in proportion to the picture: `scale` is the view's zoom times the
        text scale (presenter mode), kept within MARKER_SCALE (a ring readable around a small
        dot, never larger than a peer); the pill as large as the other members' labels in a
        big view, never smaller than PILL_MIN_SCALE's, and shown while no taller than a
        peer's radius (the zoom is at most `scale`: a peer may be smaller in presenter mode,
        by 1.3 at most)."""
        node_px = NODE_RADIUS * scale
        scale = max(MARKER_SCALE[0], min(MARKER_SCALE[1], scale))
        if abs(scale - self.size_k) > 0.01 or abs(node_px - self.node_px) > 0.5:
            self.size_k = scale
            self.node_px = node_px
            self.font = make_font(PILL_PX * max(scale, PILL_MIN_SCALE), True)
            self.set_label(self.text, self.direction)

    def set_label(self, text: str, direction: tuple[float, float] = (0.0, -1.0)) -> None:
        """The pill goes on the side of the dot that faces away from its node."""
        self.prepareGeometryChange()
        self.text = text
        self.direction = direction
        k = self.size_k
        fm = QFontMetricsF(self.font)
        w, h = fm.horizontalAdvance(text) + 18 * k, fm.height() + 6 * k
        c, s = direction
        off = 17.0 * k
        if c > 0.38:
            x, y = off, -h / 2
        elif c < -0.38:
            x, y = -off - w, -h / 2
        else:
            x, y = -w / 2, (-off - h if s < 0 else off)
        self.pill_shown = bool(text) and h <= self.node_px
        self._pill = QRectF(x, y, w, h) if self.pill_shown else QRectF()
        # the glow (20 k) or the ring and half its pen, and a pixel of antialiasing
        r = max(20 * k, 13 * k + 1.75) + 1
        ring = QRectF(-r, -r, 2 * r, 2 * r)
        self._rect = self._pill.adjusted(-1, -1, 1, 1).united(ring) if self.pill_shown else ring
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:  # noqa: N802
        painter.setClipRect(option.exposedRect)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        accent, on_accent, halo = (QColor(c) for c in self.colours)
        k = self.size_k
        if self.selected:
            glow = QColor(accent)
            glow.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(glow)
            painter.drawEllipse(QPointF(0, 0), 20 * k, 20 * k)
            painter.setPen(QPen(accent, 3.5 * min(1.0, k) ** 0.5))
        else:
            painter.setPen(QPen(accent, 2.5 * min(1.0, k) ** 0.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(0, 0), 13 * k, 13 * k)
        if self.pill_shown:
            painter.setPen(QPen(halo, 1.0) if not self.selected else Qt.PenStyle.NoPen)
            painter.setBrush(accent)
            painter.drawRoundedRect(self._pill, self._pill.height() / 2, self._pill.height() / 2)
            painter.setFont(self.font)
            painter.setPen(on_accent)
            painter.drawText(self._pill, Qt.AlignmentFlag.AlignCenter, self.text)


def label_rect(dx: float, dy: float, w: float, h: float) -> tuple[QRectF, Qt.AlignmentFlag]:
    """Where a member's label goes: outside its dot, away from the node's centre."""
    d = math.hypot(dx, dy) or 1.0
    c, s = dx / d, dy / d
    gap = MEMBER_PEN / 2 + 5
    ax, ay = dx + c * gap, dy + s * gap
    if c > 0.38:
        return QRectF(ax, ay - h / 2, w, h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    if c < -0.38:
        return QRectF(ax - w, ay - h / 2, w, h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    top = ay - h + 2 if s < 0 else ay - 2
    return QRectF(ax - w / 2, top, w, h), Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
