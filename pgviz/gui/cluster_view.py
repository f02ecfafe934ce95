"""The cluster view: the window's node in the middle, the other nodes on stable rings, members
around them, message dots on the links. It draws a `Picture` (see picture.py) and nothing else.

Everything that stands still is drawn in `drawBackground` and cached by the view
(CacheBackground): a frame of animation is one blit plus the dot layer. The cache is reset only
when the picture changes (members, nodes, links, theme) or the view is zoomed. Members are found
under the mouse by position (they are not items), so 1000 of them cost nothing per frame; only
the selected and the hovered member get a small marker item (a ring and a label pill).

Fit to window uses the whole view: node centres are spread apart (never squeezed) until the
picture has the view's aspect ratio, then the view scales it to fill the space between the
"you are" badge and the legend (those labels over the view: cluster_overlays.py).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QToolTip, QWidget

from ..wire.terms import short_node
from .cluster_overlays import Overlays
from .cluster_paint import BackgroundPainter
from .dots import DotAnimator, DotLayer, dot_px
from .flights import FlightDot
from .layout import NodeLayout
from .markers import MEMBER_PEN, MemberMarker
from .picking import link_at, nearest
from .picture import Member, Picture, group_text
from .placement import Placement, fit_scale, place_picture, place_to_fit
from .theme import Theme, group_colour_map

__all__ = ["ClusterView", "MemberMarker"]

MAX_ZOOM = 4.0
MIN_ZOOM = 0.05


class ClusterView(QGraphicsView):
    memberClicked = Signal(object)   # Member  # noqa: N815 (Qt signal names)
    nodeClicked = Signal(str)         # noqa: N815
    dotClicked = Signal(object)       # FlightDot: a real frame in flight  # noqa: N815
    linkClicked = Signal(str, str, QPoint)  # a, b, global position (a menu)  # noqa: N815
    nodeMenuRequested = Signal(str, QPoint)  # node, global position  # noqa: N815

    def __init__(self, centre: str, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clusterView")
        self.setAccessibleName("Cluster view")
        self.theme = theme
        self.centre = centre
        self.picture = Picture(centre)
        self.layout_ = NodeLayout(centre)
        self.place = Placement(centre)
        self.painter_ = BackgroundPainter(theme)
        self.colours: dict[str, str] = {}
        self.text_scale = 1.0
        self.auto_fit = True
        self._press: QPointF | None = None
        self.hovered: Member | None = None

        scene = QGraphicsScene(self)
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)

        self.dot_layer = DotLayer(theme)
        scene.addItem(self.dot_layer)
        self.animator = DotAnimator(self.dot_layer, self._endpoints)
        self.selection = MemberMarker(selected=True)
        self.hover_marker = MemberMarker(selected=False)
        scene.addItem(self.selection)
        scene.addItem(self.hover_marker)

        self.overlays = Overlays(self, centre)
        self.badge = self.overlays.badge
        self.mode_label = self.overlays.mode_label
        self.legend = self.overlays.legend
        self.overlays.show_badge()
        self.set_theme(theme)
        self.overlays.show_mode(self.picture)
        self._relayout()

    # -- what is shown ---------------------------------------------------------------------------
    @property
    def members(self) -> tuple[Member, ...]:
        return self.picture.members

    @property
    def peers(self) -> tuple[str, ...]:
        return self.picture.peers

    @property
    def ghosts(self) -> tuple[str, ...]:
        return self.picture.ghosts

    @property
    def selected(self) -> Member | None:
        return self.picture.selected_member

    @property
    def badge_html(self) -> str:
        return self.overlays.badge_html

    def set_picture(self, picture: Picture) -> None:
        old = self.picture
        self.picture = picture
        if dataclasses.replace(old, selected=picture.selected) == picture:
            if old.selected != picture.selected:
                self._selection_changed()
            return
        groups = {group_text(g.group) for g in picture.groups}
        self.colours = group_colour_map(sorted(groups))
        for name in (*picture.peers, *picture.ghosts):
            self.layout_.position(name)
        if self.hovered is not None and picture.member(str(self.hovered.pid)) is None:
            self.hovered = None
        self.overlays.show_mode(picture)
        self._relayout()

    def add_message(self, src: str, dst: str, kind: str, count: int = 1) -> None:
        self.animator.add(src, dst, kind, count)

    def show_frames(self, frames: Iterable[tuple[str, str, str, float]]) -> None:
        """Dots standing still: (src, dst, dot kind, progress 0..1) each (a paused replay)."""
        self.animator.clear()
        self.animator.show_still(frames)

    def set_badge(self, html: str) -> None:
        self.overlays.set_badge(html)

    def set_empty_hint(self, text: str) -> None:
        """What the legend says when there is no group to show."""
        self.overlays.empty_hint = text
        self.overlays.show_legend(self.picture, self.colours, self.theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.painter_.theme = theme
        self.dot_layer.theme = theme
        self.selection.colours = (theme["accent"], theme["on_accent"], theme["scene_bg"])
        self.hover_marker.colours = (theme["fg"], theme["scene_bg"], theme["scene_bg"])
        self.overlays.set_theme(theme)
        self.selection.update()
        self.hover_marker.update()
        self.overlays.show_legend(self.picture, self.colours, theme)
        self.resetCachedContent()
        self.viewport().update()

    def set_text_scale(self, scale: float) -> None:
        """Presenter mode: labels in the picture grow with the application's font size."""
        if scale != self.text_scale:
            self.text_scale = scale
            self.painter_.text_scale = scale
            self.overlays.set_text_scale(scale)
            self._relayout()

    # -- layout ---------------------------------------------------------------------------------
    def _relayout(self) -> None:
        if self.auto_fit:  # spread the centres to the view's shape
            avail = (self.overlays.free_area() if self.viewport().width() > 60
                     else QRectF(0, 0, 14, 10))
            place = place_to_fit(self.picture, self.centre, self.layout_, self.text_scale,
                                 avail, self.place.stretch,
                                 readable=self.viewport().width() > 60)
        else:
            place = place_picture(self.picture, self.centre, self.layout_, self.text_scale,
                                  None, self.place.stretch, self.place.spread,
                                  self.place.labelled)
        self.place = place
        rect = place.content
        self.scene().setSceneRect(rect.adjusted(-2000, -2000, 2000, 2000))
        self.dot_layer.set_rect(rect.adjusted(-60, -60, 60, 60))
        self._update_selection()
        self.overlays.show_legend(self.picture, self.colours, self.theme)
        self.resetCachedContent()
        if self.auto_fit:
            self.fit()
        if self.animator.flights is not None:
            self.animator.changed()  # held dots (paused: no timer) follow their links
        self.viewport().update()

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        self.painter_.draw(painter, QRectF(rect), self.picture, self.place, self.colours)

    def _endpoints(self, src: str, dst: str) -> tuple[float, float, float, float] | None:
        a, b = self.place.node_pos.get(src), self.place.node_pos.get(dst)
        if a is None or b is None:
            return None
        dx, dy = b[0] - a[0], b[1] - a[1]
        d = math.hypot(dx, dy) or 1.0
        ra, rb = self.place.radius(src), self.place.radius(dst)
        return (a[0] + dx / d * ra, a[1] + dy / d * ra, b[0] - dx / d * rb, b[1] - dy / d * rb)

    # -- overlays follow the view's size and font ------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.overlays.place()
        if self.auto_fit:
            self._relayout()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.overlays.place()
        if self.auto_fit:
            self._relayout()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.overlays.place()

    # -- zoom, pan, fit --------------------------------------------------------------------------
    def fit(self) -> None:
        rect = self.place.content
        if rect.isNull() or self.viewport().width() < 10:
            return
        avail = self.overlays.free_area()
        scale = fit_scale(rect, avail)
        self.resetTransform()
        self.scale(scale, scale)
        self._scale_markers()
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
        self._scale_markers()
        self.resetCachedContent()

    def _scale_markers(self) -> None:
        k = (self.transform().m11() or 1.0) * self.text_scale
        self.selection.set_scale(k)
        self.hover_marker.set_scale(k)

    def fit_to_window(self) -> None:
        self.auto_fit = True
        self._relayout()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        delta = event.angleDelta().y()
        if delta:
            self.zoom(1.0015 ** delta)

    # -- picking ------------------------------------------------------------------------------------
    def _slack(self) -> float:
        return max(MEMBER_PEN / 2 + 3, 11.0 / (self.transform().m11() or 1.0))

    def member_at(self, scene_pos: QPointF, slack: float | None = None) -> Member | None:
        slack = self._slack() if slack is None else slack
        return nearest(self.place.member_pos, scene_pos.x(), scene_pos.y(), slack)

    def node_at(self, scene_pos: QPointF) -> str | None:
        for name, (x, y) in self.place.node_pos.items():
            r = self.place.radius(name)
            if (x - scene_pos.x()) ** 2 + (y - scene_pos.y()) ** 2 <= r * r:
                return name
        return None

    def node_position(self, name: str) -> tuple[float, float] | None:
        return self.place.node_pos.get(name)

    def member_position(self, member: Member) -> tuple[float, float] | None:
        for x, y, m in self.place.member_pos:
            if m.pid == member.pid:
                return (x, y)
        return None

    def _selection_changed(self) -> None:
        self._update_selection()
        if self.place.labels:  # the selected member's label is its pill: redraw without it
            self.resetCachedContent()
            self.viewport().update()

    def _place_marker(self, marker: MemberMarker, member: Member | None) -> None:
        pos = self.member_position(member) if member is not None else None
        marker.setVisible(pos is not None)
        if member is not None and pos is not None:
            node = self.place.node_pos.get(member.node, (0.0, 0.0))
            dx, dy = pos[0] - node[0], pos[1] - node[1]
            d = math.hypot(dx, dy) or 1.0
            marker.set_label(str(member.pid), (dx / d, dy / d))
            marker.setPos(*pos)

    def _update_selection(self) -> None:
        selected = self.selected
        self._place_marker(self.selection, selected)
        hovered = self.hovered
        if hovered is not None and selected is not None and hovered.pid == selected.pid:
            hovered = None
        self._place_marker(self.hover_marker, hovered)

    def set_hovered(self, member: Member | None) -> None:
        before = self.hovered
        if (member is None) != (before is None) or (
                member is not None and before is not None and member.pid != before.pid):
            self.hovered = member
            self._update_selection()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseMoveEvent(event)
        if event.buttons() == Qt.MouseButton.NoButton:
            scene_pos = self.mapToScene(event.position().toPoint())
            member = self.member_at(scene_pos)
            self.set_hovered(member)
            clickable = (member is not None or self.node_at(scene_pos) is not None
                         or self.dot_at(scene_pos) is not None
                         or self.link_at(scene_pos) is not None)
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if clickable
                                      else Qt.CursorShape.OpenHandCursor)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        super().leaveEvent(event)
        self.set_hovered(None)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if self._press is None:
            return
        moved = (event.position() - self._press).manhattanLength()
        self._press = None
        if moved > 5:
            self.auto_fit = False
            return
        scene_pos = self.mapToScene(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton:
            return
        dot = self.dot_at(scene_pos)
        if dot is not None:  # dots are drawn on top of everything
            self.dotClicked.emit(dot)
            return
        member = self.member_at(scene_pos)
        if member is not None:
            self.memberClicked.emit(member)
            return
        node = self.node_at(scene_pos)
        if node is not None:
            self.nodeClicked.emit(node)
            return
        link = self.link_at(scene_pos)
        if link is not None:
            self.linkClicked.emit(link[0], link[1], event.globalPosition().toPoint())

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        scene_pos = self.mapToScene(event.pos())
        node = self.node_at(scene_pos)
        if node is not None:
            self.nodeMenuRequested.emit(node, event.globalPos())
            return
        link = self.link_at(scene_pos)
        if link is not None:
            self.linkClicked.emit(link[0], link[1], event.globalPos())

    def dot_at(self, scene_pos: QPointF) -> FlightDot | None:
        """The dot of a real frame in flight under the point (live dots are not clickable:
        their messages were delivered already)."""
        zoom = self.transform().m11() or 1.0
        # the largest dot's edge, plus a little: dots grow with the zoom (dots.dot_px)
        slack = max(14.0, dot_px("user", zoom, 16) / 2 + 3) / zoom
        return nearest(self.animator.hits, scene_pos.x(), scene_pos.y(), slack)

    def link_at(self, scene_pos: QPointF) -> tuple[str, str] | None:
        slack = 9.0 / (self.transform().m11() or 1.0)
        return link_at(self.picture.links | self.picture.cuts, self.place.node_pos,
                       self.place.radius,
                       scene_pos.x(), scene_pos.y(), slack)

    def dot_position(self, frame_id: str) -> tuple[float, float] | None:
        """Where the dot carrying `frame_id` is drawn, in scene coordinates (tests)."""
        for x, y, dot in self.animator.hits:
            if frame_id in dot.ids:
                return (x, y)
        return None

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            scene_pos = self.mapToScene(event.pos())
            m = self.member_at(scene_pos)
            if m is not None:
                groups = ", ".join(group_text(g) for g in m.groups) or "no group"
                by = ", ".join(short_node(n) for n in m.by)
                note = ("" if not m.mark else f"\nnot seen yet by {by}" if m.mark == "unseen"
                        else f"\nleft; still shown by {by}")
                QToolTip.showText(event.globalPos(), f"{m.pid} on {short_node(m.node)}\n"
                                  f"groups: {groups}{note}", self)
            else:
                node = self.node_at(scene_pos)
                if node is not None:
                    QToolTip.showText(event.globalPos(), node, self)
                else:
                    QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def render_uncached(self, painter: QPainter) -> None:
        """The view as shown (overlays included) into `painter`, the picture painted afresh
        rather than blitted from the background cache: into an SVG generator the graph stays
        lines, shapes and text instead of one embedded bitmap."""
        mode = self.cacheMode()
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        try:
            QWidget.render(self, painter, QPoint())
        finally:
            self.setCacheMode(mode)
            self.resetCachedContent()

    def scene_to_widget(self, x: float, y: float) -> QPoint:
        """Where a scene point appears in the viewport (tests and screenshots)."""
        return self.mapFromScene(QPointF(x, y))
