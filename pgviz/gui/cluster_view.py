"""The cluster view: this node in the middle, its peers on stable rings, members around them.

Everything that stands still is drawn in `drawBackground` and cached by the view
(CacheBackground): a frame of animation is one blit plus the dot layer. The cache is reset only
when the cluster changes (members, peers, theme) or the view is zoomed. Members are found under
the mouse by position (they are not items), so 1000 of them cost nothing per frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QToolTip,
)

from ..wire.terms import short_node
from .dots import DotAnimator, DotLayer
from .layout import NODE_RADIUS, SELF_RADIUS, NodeLayout, member_offsets
from .session import Member, group_text
from .theme import Theme, group_colour_map

__all__ = ["ClusterView"]

MEMBER_PEN = 11.0
MAX_ZOOM = 4.0
MIN_ZOOM = 0.05
FIT_MAX = 1.35


class ClusterView(QGraphicsView):
    memberClicked = Signal(object)   # Member or None  # noqa: N815 (Qt signal names)
    nodeClicked = Signal(str)         # noqa: N815

    def __init__(self, self_name: str, theme: Theme, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("clusterView")
        self.setAccessibleName("Cluster view")
        self.theme = theme
        self.self_name = self_name
        self.layout_ = NodeLayout(self_name)
        self.peers: list[str] = []
        self.ghosts: list[str] = []
        self.members: list[Member] = []
        self.colours: dict[str, str] = {}
        self._member_pos: list[tuple[float, float, Member]] = []
        self._counts: dict[str, int] = {}
        self._node_pos: dict[str, tuple[float, float]] = {}
        self.auto_fit = True
        self._press: QPointF | None = None

        scene = QGraphicsScene(self)
        scene.setItemIndexMethod(QGraphicsScene.NoIndex)
        self.setScene(scene)
        self.setRenderHint(QPainter.Antialiasing, True)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setViewportUpdateMode(QGraphicsView.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.DontSavePainterState, True)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.NoFrame)
        self.setFocusPolicy(Qt.StrongFocus)

        self.dot_layer = DotLayer(theme)
        scene.addItem(self.dot_layer)
        self.animator = DotAnimator(self.dot_layer, self._endpoints)
        self.selection = QGraphicsEllipseItem(-11, -11, 22, 22)
        self.selection.setZValue(20)
        self.selection.setVisible(False)
        scene.addItem(self.selection)
        self.selected: Member | None = None

        self.badge = QLabel(self)
        self.badge.setObjectName("youAreBadge")
        self.badge.setAccessibleName("This node")
        self.legend = QLabel(self)
        self.legend.setObjectName("legend")
        self.legend.setAccessibleName("Group legend")
        self.legend.setTextFormat(Qt.RichText)
        self._set_badge()
        self.set_theme(theme)
        self._relayout()

    # -- data in ------------------------------------------------------------------------------
    def set_cluster(self, peers: Iterable[str], members: Iterable[Member],
                    ghosts: Iterable[str] = ()) -> None:
        self.peers = list(peers)
        self.ghosts = [g for g in ghosts if g not in self.peers]
        self.members = list(members)
        groups = {group_text(g) for m in self.members for g in m.groups}
        self.colours = group_colour_map(sorted(groups))
        for name in self.peers + self.ghosts:
            self.layout_.position(name)
        self._relayout()

    def add_message(self, src: str, dst: str, kind: str, count: int = 1) -> None:
        self.animator.add(src, dst, kind, count)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.dot_layer.theme = theme
        self.selection.setPen(QPen(theme.qcolor("accent"), 3))
        self._update_legend()
        self.resetCachedContent()
        self.viewport().update()

    # -- layout ---------------------------------------------------------------------------------
    def _relayout(self) -> None:
        self._node_pos = {n: self.layout_.position(n)
                          for n in [self.self_name, *self.peers, *self.ghosts]}
        by_node: dict[str, list[Member]] = {}
        for m in self.members:
            by_node.setdefault(m.node, []).append(m)
        self._member_pos = []
        self._counts = {node: len(ms) for node, ms in by_node.items()}
        extent = 120.0
        for node, ms in by_node.items():
            if node not in self._node_pos:
                continue
            x, y = self._node_pos[node]
            radius = SELF_RADIUS if node == self.self_name else NODE_RADIUS
            for (dx, dy), m in zip(member_offsets(len(ms), radius), ms, strict=True):
                self._member_pos.append((x + dx, y + dy, m))
                extent = max(extent, math.hypot(dx, dy) + 20)
        xs = [p[0] for p in self._node_pos.values()]
        ys = [p[1] for p in self._node_pos.values()]
        rect = QRectF(min(xs) - extent, min(ys) - extent - 30,
                      max(xs) - min(xs) + 2 * extent, max(ys) - min(ys) + 2 * extent + 60)
        self.scene().setSceneRect(rect.adjusted(-400, -400, 400, 400))
        self._content = rect
        self.dot_layer.set_rect(rect.adjusted(-50, -50, 50, 50))
        self._update_selection()
        self._update_legend()
        self.resetCachedContent()
        if self.auto_fit:
            self.fit()
        self.viewport().update()

    def _endpoints(self, src: str, dst: str) -> tuple[float, float, float, float] | None:
        a, b = self._node_pos.get(src), self._node_pos.get(dst)
        if a is None or b is None:
            return None
        dx, dy = b[0] - a[0], b[1] - a[1]
        d = math.hypot(dx, dy) or 1.0
        ra = SELF_RADIUS if src == self.self_name else NODE_RADIUS
        rb = SELF_RADIUS if dst == self.self_name else NODE_RADIUS
        return (a[0] + dx / d * ra, a[1] + dy / d * ra, b[0] - dx / d * rb, b[1] - dy / d * rb)

    # -- the static picture ----------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        t = self.theme
        painter.fillRect(rect, t.qcolor("scene_bg"))
        painter.setClipRect(rect)
        painter.setRenderHint(QPainter.Antialiasing, True)
        me = self._node_pos.get(self.self_name, (0.0, 0.0))
        peers = [(n, self._node_pos[n]) for n in self.peers if n in self._node_pos]
        if 1 < len(peers) <= 40:  # the mesh between peers: the default full mesh, faintly
            painter.setPen(QPen(t.qcolor("mesh"), 1.2, Qt.DashLine))
            for i, (_, a) in enumerate(peers):
                for _, b in peers[i + 1:]:
                    painter.drawLine(QPointF(*a), QPointF(*b))
        painter.setPen(QPen(t.qcolor("link"), 2.5))
        for _, p in peers:
            painter.drawLine(QPointF(*me), QPointF(*p))
        self._draw_members(painter)
        font = QFont(painter.font())
        for name, (x, y) in self._node_pos.items():
            self._draw_node(painter, name, x, y, font)

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
        ring = QPen(t.qcolor("scene_bg"), MEMBER_PEN + 3, Qt.SolidLine, Qt.RoundCap)
        painter.setPen(ring)
        painter.drawPoints(QPolygonF([p for pts in batches.values() for p in pts]))
        for colour, pts in batches.items():
            painter.setPen(QPen(QColor(colour), MEMBER_PEN, Qt.SolidLine, Qt.RoundCap))
            painter.drawPoints(QPolygonF(pts))
        for colour, pts in second.items():
            painter.setPen(QPen(QColor(colour), MEMBER_PEN / 2.2, Qt.SolidLine, Qt.RoundCap))
            painter.drawPoints(QPolygonF(pts))

    def _draw_node(self, painter: QPainter, name: str, x: float, y: float, font: QFont) -> None:
        t = self.theme
        is_self = name == self.self_name
        ghost = name in self.ghosts
        r = SELF_RADIUS if is_self else NODE_RADIUS
        if ghost:
            painter.setPen(QPen(t.qcolor("ghost"), 2, Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
        elif is_self:
            painter.setPen(QPen(t.qcolor("self_fill").darker(125), 3))
            painter.setBrush(t.qcolor("self_fill"))
        else:
            painter.setPen(QPen(t.qcolor("node_stroke"), 2))
            painter.setBrush(t.qcolor("node_fill"))
        painter.drawEllipse(QPointF(x, y), r, r)
        painter.setBrush(Qt.NoBrush)
        short = short_node(name)
        font.setBold(True)
        font.setPointSizeF(13 if is_self else 10.5)
        painter.setFont(font)
        painter.setPen(t.qcolor("self_text") if is_self else
                       t.qcolor("ghost") if ghost else t.qcolor("fg"))
        n = self._counts.get(name, 0)
        caption = "left" if ghost else f"{n} member{'s' if n != 1 else ''}" if n else ""
        box = QRectF(x - r + 3, y - r, 2 * r - 6, 2 * r - (16 if caption else 0))
        if caption:
            box.moveTop(y - r + 6)
        label = painter.fontMetrics().elidedText(short, Qt.ElideRight, int(box.width()))
        painter.drawText(box, Qt.AlignCenter, label)
        if caption:
            font.setBold(False)
            font.setPointSizeF(7.5 if not is_self else 8.5)
            painter.setFont(font)
            painter.setPen(t.qcolor("self_text") if is_self else t.qcolor("muted"))
            painter.drawText(QRectF(x - r, y + 4, 2 * r, 16), Qt.AlignCenter, caption)

    # -- overlays ---------------------------------------------------------------------------------
    def _set_badge(self) -> None:
        self.badge.setText(f"you are {short_node(self.self_name)}")
        self.badge.adjustSize()

    def _update_legend(self) -> None:
        counts: dict[str, int] = {}
        for m in self.members:
            for g in m.groups:
                counts[group_text(g)] = counts.get(group_text(g), 0) + 1
        if not counts:
            self.legend.setText(f"<span style='color:{self.theme['muted']}'>no groups yet — "
                                "spawn a process and join a group</span>")
        else:
            rows = [f"<span style='color:{self.colours.get(g, '#888')}'>●</span>&nbsp;{g}"
                    f"&nbsp;<span style='color:{self.theme['muted']}'>{n}</span>"
                    for g, n in sorted(counts.items())[:14]]
            more = len(counts) - 14
            if more > 0:
                rows.append(f"<span style='color:{self.theme['muted']}'>+{more} more</span>")
            self.legend.setText("&nbsp;&nbsp; ".join(rows))
        self.legend.adjustSize()
        self._place_overlays()

    def _place_overlays(self) -> None:
        self.badge.ensurePolished()
        self.badge.adjustSize()
        self.badge.move(12, 12)
        w = self.viewport().width()
        self.legend.setMaximumWidth(max(120, w - 24))
        self.legend.setWordWrap(self.legend.sizeHint().width() > w - 24)
        self.legend.adjustSize()
        self.legend.move(12, self.height() - self.legend.height() - 12)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._place_overlays()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_overlays()
        if self.auto_fit:
            self.fit()

    # -- zoom, pan, fit --------------------------------------------------------------------------
    def fit(self) -> None:
        rect = getattr(self, "_content", None)
        if rect is None or self.viewport().width() < 10:
            return
        vw, vh = self.viewport().width(), self.viewport().height() - 70  # badge and legend
        scale = min(vw / rect.width(), max(vh, 50) / rect.height(), FIT_MAX)
        self.resetTransform()
        self.scale(scale, scale)
        self.centerOn(rect.center().x(), rect.center().y() - 10 / scale)
        self.resetCachedContent()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_ZOOM / current, min(MAX_ZOOM / current, factor))
        self.auto_fit = False
        self.scale(factor, factor)
        self.resetCachedContent()

    def fit_to_window(self) -> None:
        self.auto_fit = True
        self.fit()

    def wheelEvent(self, event) -> None:  # noqa: N802
        delta = event.angleDelta().y()
        if delta:
            self.zoom(1.0015 ** delta)

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        super().scrollContentsBy(dx, dy)

    # -- picking ------------------------------------------------------------------------------------
    def member_at(self, scene_pos: QPointF, slack: float = 9.0) -> Member | None:
        best, best_d = None, slack * slack
        x, y = scene_pos.x(), scene_pos.y()
        for mx, my, m in self._member_pos:
            d = (mx - x) ** 2 + (my - y) ** 2
            if d <= best_d:
                best, best_d = m, d
        return best

    def node_at(self, scene_pos: QPointF) -> str | None:
        for name, (x, y) in self._node_pos.items():
            r = SELF_RADIUS if name == self.self_name else NODE_RADIUS
            if (x - scene_pos.x()) ** 2 + (y - scene_pos.y()) ** 2 <= r * r:
                return name
        return None

    def member_position(self, member: Member) -> tuple[float, float] | None:
        for x, y, m in self._member_pos:
            if m.pid == member.pid:
                return (x, y)
        return None

    def select(self, member: Member | None) -> None:
        self.selected = member
        self._update_selection()

    def _update_selection(self) -> None:
        pos = None
        if self.selected is not None:
            for x, y, m in self._member_pos:
                if m.pid == self.selected.pid:
                    pos = (x, y)
                    break
        self.selection.setVisible(pos is not None)
        if pos is not None:
            self.selection.setPos(*pos)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if self._press is None:
            return
        moved = (event.position() - self._press).manhattanLength()
        self._press = None
        if moved > 5:
            self.auto_fit = False
            return
        scene_pos = self.mapToScene(event.position().toPoint())
        member = self.member_at(scene_pos)
        if member is not None:
            self.select(member)
            self.memberClicked.emit(member)
            return
        node = self.node_at(scene_pos)
        if node is not None:
            self.nodeClicked.emit(node)

    def viewportEvent(self, event) -> bool:  # noqa: N802
        if event.type() == event.Type.ToolTip:
            scene_pos = self.mapToScene(event.pos())
            m = self.member_at(scene_pos)
            if m is not None:
                groups = ", ".join(group_text(g) for g in m.groups) or "no group"
                QToolTip.showText(event.globalPos(), f"{m.pid} on {short_node(m.node)}\n"
                                  f"groups: {groups}", self)
            else:
                node = self.node_at(scene_pos)
                if node is not None:
                    QToolTip.showText(event.globalPos(), node, self)
                else:
                    QToolTip.hideText()
            return True
        return super().viewportEvent(event)
