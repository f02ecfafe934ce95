"""Small drawing pieces of the cluster view: fonts, the member marker (a ring and a label
pill for the selected or hovered member), where a member's label goes."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

__all__ = ["MemberMarker", "make_font", "label_rect", "MEMBER_PEN"]

MEMBER_PEN = 18.0          # member disc diameter (scene units)


def make_font(px: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(max(1, int(round(px))))
    f.setBold(bold)
    return f


class MemberMarker(QGraphicsItem):
    """A ring around one member plus a label pill, drawn at screen size whatever the zoom
    (the selected member: accent colours; the hovered one: quieter)."""

    def __init__(self, selected: bool) -> None:
        super().__init__()
        self.selected = selected
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(22 if selected else 21)
        self.setVisible(False)
        self.text = ""
        self.colours = ("#2563eb", "#ffffff", "#1f2430")  # ring/pill, pill text, halo
        self.font = make_font(15, True)
        self._rect = QRectF()
        self._pill = QRectF()

    def set_label(self, text: str, direction: tuple[float, float] = (0.0, -1.0)) -> None:
        """The pill goes on the side of the dot that faces away from its node."""
        self.prepareGeometryChange()
        self.text = text
        fm = QFontMetricsF(self.font)
        w, h = fm.horizontalAdvance(text) + 18, fm.height() + 6
        c, s = direction
        if c > 0.38:
            x, y = 17.0, -h / 2
        elif c < -0.38:
            x, y = -17.0 - w, -h / 2
        else:
            x, y = -w / 2, (-17.0 - h if s < 0 else 17.0)
        self._pill = QRectF(x, y, w, h)
        self._rect = self._pill.united(QRectF(-22, -22, 44, 44)).adjusted(-3, -3, 3, 3)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:  # noqa: N802
        painter.setClipRect(option.exposedRect)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        accent, on_accent, halo = (QColor(c) for c in self.colours)
        if self.selected:
            glow = QColor(accent)
            glow.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(glow)
            painter.drawEllipse(QPointF(0, 0), 20, 20)
            painter.setPen(QPen(accent, 3.5))
        else:
            painter.setPen(QPen(accent, 2.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(0, 0), 13, 13)
        if self.text:
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
