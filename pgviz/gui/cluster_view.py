"""The cluster view: this node in the middle, its peers on stable rings, members around them.

Everything that stands still is drawn in `drawBackground` and cached by the view
(CacheBackground): a frame of animation is one blit plus the dot layer. The cache is reset only
when the cluster changes (members, peers, theme) or the view is zoomed. Members are found under
the mouse by position (they are not items), so 1000 of them cost nothing per frame; only the
selected and the hovered member get a small marker item (a ring and a label pill).

Fit to window uses the whole view: node centres are spread apart (never squeezed) until the
picture has the view's aspect ratio, then the view scales it to fill the space between the
"you are" badge and the legend.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QToolTip,
)

from ..wire.terms import short_node
from .cluster_paint import LABEL_PX, ClusterPainter
from .dots import DotAnimator, DotLayer
from .layout import (
    FIRST_MEMBER_RING,
    NODE_RADIUS,
    SELF_RADIUS,
    NodeLayout,
    member_base_angle,
    member_offsets,
    stretch_for,
)
from .markers import MEMBER_PEN, MemberMarker, label_rect, make_font
from .session import Member, group_text
from .theme import Theme, group_colour_map

__all__ = ["ClusterView", "MemberMarker"]

MAX_ZOOM = 4.0
MIN_ZOOM = 0.05
FIT_MAX = 1.5
STRETCH_MAX = 1.4          # node centres spread at most this much to fill the view
LABELLED_MEMBERS = 240     # above this many members in the scope, labels only on hover


class ClusterView(ClusterPainter, QGraphicsView):
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
        self.text_scale = 1.0
        self._member_pos: list[tuple[float, float, Member]] = []
        self._labels: list[tuple[QRectF, Qt.AlignmentFlag, str]] = []   # rect, alignment, text
        self._counts: dict[str, int] = {}
        self._node_pos: dict[str, tuple[float, float]] = {}
        self._stretch = (1.0, 1.0)
        self.auto_fit = True
        self._press: QPointF | None = None
        self.hovered: Member | None = None

        scene = QGraphicsScene(self)
        scene.setItemIndexMethod(QGraphicsScene.NoIndex)
        self.setScene(scene)
        self.setRenderHint(QPainter.Antialiasing, True)
        self.setRenderHint(QPainter.TextAntialiasing, True)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setViewportUpdateMode(QGraphicsView.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.DontSavePainterState, True)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.NoFrame)
        self.setFocusPolicy(Qt.StrongFocus)
        self.viewport().setMouseTracking(True)

        self.dot_layer = DotLayer(theme)
        scene.addItem(self.dot_layer)
        self.animator = DotAnimator(self.dot_layer, self._endpoints)
        self.selection = MemberMarker(selected=True)
        self.hover_marker = MemberMarker(selected=False)
        scene.addItem(self.selection)
        scene.addItem(self.hover_marker)
        self.selected: Member | None = None

        self.badge = QLabel(self)
        self.badge.setObjectName("youAreBadge")
        self.badge.setAccessibleName("This node")
        self.badge.setTextFormat(Qt.RichText)
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
        if self.hovered is not None and all(m.pid != self.hovered.pid for m in self.members):
            self.hovered = None
        self._relayout()

    def add_message(self, src: str, dst: str, kind: str, count: int = 1) -> None:
        self.animator.add(src, dst, kind, count)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.dot_layer.theme = theme
        self.selection.colours = (theme["accent"], theme["on_accent"], theme["scene_bg"])
        self.hover_marker.colours = (theme["fg"], theme["scene_bg"], theme["scene_bg"])
        self.selection.update()
        self.hover_marker.update()
        self._update_legend()
        self.resetCachedContent()
        self.viewport().update()

    def set_text_scale(self, scale: float) -> None:
        """Presenter mode: labels in the picture grow with the application's font size."""
        if scale != self.text_scale:
            self.text_scale = scale
            self._set_badge()
            self._relayout()

    # -- layout ---------------------------------------------------------------------------------
    def _radius(self, name: str) -> float:
        return SELF_RADIUS if name == self.self_name else NODE_RADIUS

    def _available(self) -> QRectF:
        """The part of the viewport the picture may fill: below the badge, above the legend."""
        vp = self.viewport()
        top = self.badge.geometry().bottom() + 14 if self.badge.isVisible() else 12
        bottom = self.legend.height() + 24 if self.legend.isVisible() else 12
        return QRectF(12, top, max(50, vp.width() - 24), max(50, vp.height() - top - bottom))

    def _relayout(self) -> None:
        names = [self.self_name, *self.peers, *self.ghosts]
        base = {n: self.layout_.position(n) for n in names}
        by_node: dict[str, list[Member]] = {}
        for m in self.members:
            by_node.setdefault(m.node, []).append(m)
        self._counts = {node: len(ms) for node, ms in by_node.items()}
        labelled = len(self.members) <= LABELLED_MEMBERS
        fm = QFontMetricsF(make_font(LABEL_PX * self.text_scale))
        label_h = fm.height()

        # Everything around a node, relative to its centre: members, labels, the node itself.
        local: dict[str, list] = {}
        boxes: dict[str, QRectF] = {}
        for name in names:
            r = self._radius(name)
            box = QRectF(-r - 6, -r - 6, 2 * r + 12, 2 * r + 12)
            ms = by_node.get(name, [])
            offsets = member_offsets(len(ms), r, member_base_angle(*base[name])) if ms else []
            rows = []
            show = labelled and len(ms) <= FIRST_MEMBER_RING
            for (dx, dy), m in zip(offsets, ms, strict=True):
                half = MEMBER_PEN / 2 + 2
                box = box.united(QRectF(dx - half, dy - half, 2 * half, 2 * half))
                label = None
                if show:
                    text = str(m.pid)
                    label = label_rect(dx, dy, fm.horizontalAdvance(text) + 2, label_h)
                    box = box.united(label[0])
                    label = (label[0], label[1], text)
                rows.append((dx, dy, m, label))
            local[name] = rows
            boxes[name] = box

        # Spread the centres to the view's shape (only while fitting to the window).
        if self.auto_fit:
            avail = self._available() if self.viewport().width() > 60 else QRectF(0, 0, 14, 10)
            xs = [p[0] for p in base.values()]
            ys = [p[1] for p in base.values()]
            plain = _union(base, boxes, 1.0, 1.0)
            cw, ch = max(xs) - min(xs), max(ys) - min(ys)
            self._stretch = stretch_for(cw, ch, plain.width() - cw, plain.height() - ch,
                                        avail.width() / avail.height(), STRETCH_MAX)
        sx, sy = self._stretch
        self._node_pos = {n: (x * sx, y * sy) for n, (x, y) in base.items()}
        self._member_pos = []
        self._labels = []
        for name, rows in local.items():
            x, y = self._node_pos[name]
            for dx, dy, m, label in rows:
                self._member_pos.append((x + dx, y + dy, m))
                if label is not None:
                    self._labels.append((label[0].translated(x, y), label[1], label[2]))
        rect = _union(self._node_pos, boxes, 1.0, 1.0)
        self.scene().setSceneRect(rect.adjusted(-2000, -2000, 2000, 2000))
        self._content = rect
        self.dot_layer.set_rect(rect.adjusted(-60, -60, 60, 60))
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
        ra, rb = self._radius(src), self._radius(dst)
        return (a[0] + dx / d * ra, a[1] + dy / d * ra, b[0] - dx / d * rb, b[1] - dy / d * rb)

    # -- overlays ---------------------------------------------------------------------------------
    def _set_badge(self) -> None:
        self.badge.setText(f"<span style='font-weight:normal'>you are</span>&nbsp;"
                           f"<b>{short_node(self.self_name)}</b>")
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
            rows = [f"<span style='color:{self.colours.get(g, '#888')}'>●</span>&nbsp;<b>{g}</b>"
                    f"&nbsp;<span style='color:{self.theme['muted']}'>{n}</span>"
                    for g, n in sorted(counts.items())[:14]]
            more = len(counts) - 14
            if more > 0:
                rows.append(f"<span style='color:{self.theme['muted']}'>+{more} more</span>")
            self.legend.setText("&nbsp;&nbsp;&nbsp; ".join(rows))
        self.legend.adjustSize()
        self._place_overlays()

    def _place_overlays(self) -> None:
        self.badge.ensurePolished()
        self.badge.adjustSize()
        self.badge.move(14, 14)
        w = self.viewport().width()
        self.legend.setMaximumWidth(max(120, w - 28))
        self.legend.setWordWrap(self.legend.sizeHint().width() > w - 28)
        self.legend.adjustSize()
        self.legend.move(14, self.height() - self.legend.height() - 14)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._place_overlays()
        if self.auto_fit:
            self._relayout()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_overlays()
        if self.auto_fit:
            self._relayout()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (event.Type.StyleChange, event.Type.FontChange):
            self._place_overlays()

    # -- zoom, pan, fit --------------------------------------------------------------------------
    def fit(self) -> None:
        rect = getattr(self, "_content", None)
        if rect is None or self.viewport().width() < 10:
            return
        avail = self._available()
        scale = min(avail.width() / rect.width(), avail.height() / rect.height(), FIT_MAX)
        self.resetTransform()
        self.scale(scale, scale)
        # centre the picture in the free area (the viewport's centre is off by the overlays)
        vp_centre = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        shift = (avail.center() - vp_centre) / scale
        self.centerOn(rect.center() - shift)
        self.resetCachedContent()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_ZOOM / current, min(MAX_ZOOM / current, factor))
        self.auto_fit = False
        self.scale(factor, factor)
        self.resetCachedContent()

    def fit_to_window(self) -> None:
        self.auto_fit = True
        self._relayout()

    def wheelEvent(self, event) -> None:  # noqa: N802
        delta = event.angleDelta().y()
        if delta:
            self.zoom(1.0015 ** delta)

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        super().scrollContentsBy(dx, dy)

    # -- picking ------------------------------------------------------------------------------------
    def _slack(self) -> float:
        return max(MEMBER_PEN / 2 + 3, 11.0 / (self.transform().m11() or 1.0))

    def member_at(self, scene_pos: QPointF, slack: float | None = None) -> Member | None:
        slack = self._slack() if slack is None else slack
        best, best_d = None, slack * slack
        x, y = scene_pos.x(), scene_pos.y()
        for mx, my, m in self._member_pos:
            d = (mx - x) ** 2 + (my - y) ** 2
            if d <= best_d:
                best, best_d = m, d
        return best

    def node_at(self, scene_pos: QPointF) -> str | None:
        for name, (x, y) in self._node_pos.items():
            r = self._radius(name)
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
        if self._labels:  # the selected member's label is its pill: redraw without it
            self.resetCachedContent()
            self.viewport().update()

    def _marker_text(self, m: Member) -> str:
        groups = ", ".join(group_text(g) for g in m.groups)
        return f"{m.pid}  ·  {groups}" if groups else str(m.pid)

    def _place_marker(self, marker: MemberMarker, member: Member | None) -> None:
        pos = self.member_position(member) if member is not None else None
        marker.setVisible(pos is not None)
        if pos is not None:
            node = self._node_pos.get(member.node, (0.0, 0.0))
            dx, dy = pos[0] - node[0], pos[1] - node[1]
            d = math.hypot(dx, dy) or 1.0
            marker.set_label(str(member.pid), (dx / d, dy / d))
            marker.setPos(*pos)

    def _update_selection(self) -> None:
        self._place_marker(self.selection, self.selected)
        hovered = self.hovered
        if hovered is not None and self.selected is not None and hovered.pid == self.selected.pid:
            hovered = None
        self._place_marker(self.hover_marker, hovered)

    def set_hovered(self, member: Member | None) -> None:
        if (member is None) != (self.hovered is None) or (
                member is not None and member.pid != self.hovered.pid):
            self.hovered = member
            self._update_selection()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        super().mouseMoveEvent(event)
        if event.buttons() == Qt.NoButton:
            scene_pos = self.mapToScene(event.position().toPoint())
            member = self.member_at(scene_pos)
            self.set_hovered(member)
            clickable = member is not None or self.node_at(scene_pos) is not None
            self.viewport().setCursor(Qt.PointingHandCursor if clickable else Qt.OpenHandCursor)

    def leaveEvent(self, event) -> None:  # noqa: N802
        super().leaveEvent(event)
        self.set_hovered(None)

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


def _union(centres: dict[str, tuple[float, float]], boxes: dict[str, QRectF],
           sx: float, sy: float) -> QRectF:
    rect = QRectF()
    for name, (x, y) in centres.items():
        box = boxes[name].translated(x * sx, y * sy)
        rect = box if rect.isNull() else rect.united(box)
    return rect
