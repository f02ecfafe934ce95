"""The static picture of the cluster view (links, members, nodes, labels), painted once into
the view's background cache; only the message dots move above it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF

from ..wire.terms import short_node
from .markers import MEMBER_PEN, make_font
from .session import group_text

if TYPE_CHECKING:
    from .session import Member
    from .theme import Theme

__all__ = ["ClusterPainter", "LABEL_PX", "LABEL_MIN_SCREEN_PX"]

LABEL_PX = 14              # member label size (scene px, times the text scale)
LABEL_MIN_SCREEN_PX = 7.5  # labels smaller than this on screen are not drawn


class ClusterPainter:
    """drawBackground and its helpers, mixed into ClusterView (whose state they read)."""

    theme: Theme
    text_scale: float
    self_name: str
    peers: list[str]
    ghosts: set[str]
    selected: Member | None
    colours: dict[str, str]

    # -- the static picture ----------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        t = self.theme
        painter.fillRect(rect, t.qcolor("scene_bg"))
        painter.setClipRect(rect)
        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setRenderHint(QPainter.TextAntialiasing, True)
        scale = painter.worldTransform().m11() or 1.0
        me = self._node_pos.get(self.self_name, (0.0, 0.0))
        peers = [(n, self._node_pos[n]) for n in self.peers if n in self._node_pos]
        if 1 < len(peers) <= 40:  # the mesh between peers: the default full mesh, quieter
            pen = (QPen(t.qcolor("mesh"), 2.0, Qt.DashLine) if len(peers) <= 8
                   else QPen(t.qcolor("grid").darker(108 if not t["dark"] else 80), 1.0))
            pen.setCosmetic(True)
            painter.setPen(pen)
            for i, (_, a) in enumerate(peers):
                for _, b in peers[i + 1:]:
                    painter.drawLine(QPointF(*a), QPointF(*b))
        pen = QPen(t.qcolor("link"), max(2.0, min(5.0, 4.5 * scale)), Qt.SolidLine, Qt.RoundCap)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for _, p in peers:
            painter.drawLine(QPointF(*me), QPointF(*p))
        ghost_pen = QPen(t.qcolor("ghost"), 2.0, Qt.DotLine)
        ghost_pen.setCosmetic(True)
        painter.setPen(ghost_pen)
        for g in self.ghosts:
            if g in self._node_pos:
                painter.drawLine(QPointF(*me), QPointF(*self._node_pos[g]))
        self._draw_members(painter)
        if self._labels and LABEL_PX * self.text_scale * scale >= LABEL_MIN_SCREEN_PX:
            painter.setFont(make_font(LABEL_PX * self.text_scale))
            painter.setPen(t.qcolor("member_label"))
            skip = str(self.selected.pid) if self.selected is not None else None
            for box, align, text in self._labels:
                if text != skip and box.intersects(rect):
                    painter.drawText(box, align, text)
        for name, (x, y) in self._node_pos.items():
            self._draw_node(painter, name, x, y)

    def _draw_members(self, painter: QPainter) -> None:
        t = self.theme
        batches: dict[str, list[QPointF]] = {}
        second: dict[str, list[QPointF]] = {}
        idle = t["idle_member"]
        for x, y, m in self._member_pos:
            if m.groups:
                batches.setdefault(self.colours.get(group_text(m.groups[0]), idle),
                                   []).append(QPointF(x, y))
                if len(m.groups) > 1:
                    second.setdefault(self.colours.get(group_text(m.groups[1]), idle),
                                      []).append(QPointF(x, y))
            else:
                batches.setdefault(idle, []).append(QPointF(x, y))
        ring = QPen(t.qcolor("member_ring"), MEMBER_PEN + 4, Qt.SolidLine, Qt.RoundCap)
        painter.setPen(ring)
        painter.drawPoints(QPolygonF([p for pts in batches.values() for p in pts]))
        for colour, pts in batches.items():
            painter.setPen(QPen(QColor(colour), MEMBER_PEN, Qt.SolidLine, Qt.RoundCap))
            painter.drawPoints(QPolygonF(pts))
        for colour, pts in second.items():
            painter.setPen(QPen(QColor(colour), MEMBER_PEN / 2.1, Qt.SolidLine, Qt.RoundCap))
            painter.drawPoints(QPolygonF(pts))

    def _draw_node(self, painter: QPainter, name: str, x: float, y: float) -> None:
        t = self.theme
        ts = self.text_scale
        is_self = name == self.self_name
        ghost = name in self.ghosts
        r = self._radius(name)
        if ghost:
            painter.setPen(QPen(t.qcolor("ghost"), 2.5, Qt.DashLine))
            painter.setBrush(t.qcolor("scene_bg"))
        elif is_self:
            halo = t.qcolor("self_fill")
            halo.setAlpha(45)
            painter.setPen(Qt.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(QPointF(x, y), r + 10, r + 10)
            painter.setPen(QPen(t.qcolor("self_fill").darker(125), 3))
            painter.setBrush(t.qcolor("self_fill"))
        else:
            painter.setPen(QPen(t.qcolor("node_stroke"), 3))
            painter.setBrush(t.qcolor("node_fill"))
        painter.drawEllipse(QPointF(x, y), r, r)
        painter.setBrush(Qt.NoBrush)
        short = short_node(name)
        n = self._counts.get(name, 0)
        caption = "left" if ghost else f"{n} member{'s' if n != 1 else ''}" if n else ""
        font = make_font((22 if is_self else 17) * ts, True)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        painter.setPen(t.qcolor("self_text") if is_self else
                       t.qcolor("ghost") if ghost else t.qcolor("fg"))
        name_h = fm.height()
        cap_font = make_font((12 if is_self else 11) * ts)
        cap_h = QFontMetricsF(cap_font).height() if caption else 0.0
        top = y - (name_h + cap_h) / 2
        label = fm.elidedText(short, Qt.ElideRight, 2 * r - 10)
        painter.drawText(QRectF(x - r, top, 2 * r, name_h), Qt.AlignCenter, label)
        if caption:
            painter.setFont(cap_font)
            painter.setPen(t.qcolor("self_text") if is_self else t.qcolor("muted"))
            painter.drawText(QRectF(x - r, top + name_h - 1, 2 * r, cap_h), Qt.AlignCenter,
                             caption)
