"""The moving layer: one QGraphicsItem that draws every dot in flight, and the timer.

The static picture (links, nodes, members) is the view's cached background, so a frame costs
one pixmap blit plus this item: dots are blitted from sprites rendered once per size. Two
sources of dots: the live animation (a DotScheduler: frames sent live, drawn after the fact)
and the frames the network really holds in slow motion or pause (`flights`, see flights.py).
The timer runs only while a dot moves: when the last one lands, or the clock is paused, it
stops and nothing repaints.

A dot keeps its size in proportion to the nodes, as the picture is zoomed (the view's zoom is
the painter's world transform, the same one the nodes and the member marker follow), within a
floor that keeps it visible in a small tile and the size it has in the largest fitted view.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .animation import DotScheduler
from .cluster_paint import VECTOR_ENGINES
from .flights import FlightDot
from .markers import make_font
from .placement import FIT_MAX
from .theme import Theme

__all__ = ["DotLayer", "DotAnimator", "dot_px", "DOT_SCENE", "DOT_MIN_PX"]

FRAME_MS = 16
#: A dot's diameter in scene units (a peer node's radius is 46, a member's disc 18)...
DOT_SCENE = {"user": 24.0, "pg": 16.0, "control": 11.0}
#: ...never smaller than this on screen (a demo tile, a view beside a docked diagram)...
DOT_MIN_PX = {"user": 8.0, "pg": 6.0, "control": 4.0}
#: ...nor larger than in the largest fitted view (zooming in further shows members, not dots).
DOT_MAX_ZOOM = FIT_MAX
TAG_PX = (13.0, 9.0)  # a dot's "×3": at zoom 1, and at least (on screen)
TAG_MIN_ZOOM = 0.3  # below it (peers under 14 px in radius) a "×3" would outsize the nodes
LANE = 8.0  # sideways offset so the two directions of a link don't share a lane
_FILL = {"user": "user_dot", "pg": "pg_dot", "control": "control_dot"}


def dot_px(kind: str, zoom: float, count: int = 1) -> float:
    """A dot's diameter on screen at the view's `zoom`; one that carries `count` messages is
    a little larger (a burst folded into one dot)."""
    base = DOT_SCENE.get(kind, DOT_SCENE["control"])
    size = max(DOT_MIN_PX.get(kind, DOT_MIN_PX["control"]), base * min(zoom, DOT_MAX_ZOOM))
    if count > 1:
        size *= 1.0 + min(0.15 * math.log2(count), 0.6)
    return size


class DotLayer(QGraphicsItem):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self._rect = QRectF(-1e4, -1e4, 2e4, 2e4)
        self.frame: list[tuple[float, float, str, int]] = []  # x, y, kind, count
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(10)
        self.highlight: tuple[float, float] | None = None  # the inspected dot, scene coords
        self._sprite_key: tuple[str, float, float] | None = None
        self._sprite_cache: dict[str, tuple[QPixmap, float]] = {}

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def _sprites(self, dpr: float, zoom: float) -> dict[str, tuple[QPixmap, float]]:
        """Each kind of dot pre-rendered once (per theme, pixel ratio and zoom): a frame then
        only blits pixmaps, which is several times cheaper than stroking 500 antialiased
        shapes."""
        key = (self.theme.name, dpr, round(dot_px("user", zoom), 1))
        if self._sprite_key != key:
            self._sprite_cache = {kind: self._sprite(dpr, kind, dot_px(kind, zoom))
                                  for kind in DOT_SCENE}
            self._sprite_key = key
        return self._sprite_cache

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,  # noqa: N802
              widget: QWidget | None = None) -> None:
        if not self.frame and self.highlight is None:
            return
        # Dots are drawn in device pixels, at a size that follows the view's zoom (dot_px).
        tr = painter.worldTransform()
        zoom, sx, sy, ox, oy = abs(tr.m11()) or 1.0, tr.m11(), tr.m22(), tr.dx(), tr.dy()
        engine = painter.paintEngine()
        vector = engine is not None and engine.type() in VECTOR_ENGINES
        device = painter.device()
        sprites = ({} if vector else
                   self._sprites(device.devicePixelRatioF() if device is not None else 1.0,
                                 zoom))
        painter.save()
        painter.resetTransform()
        painter.setClipRect(tr.mapRect(option.exposedRect))  # type: ignore[attr-defined]
        counted = []
        for x, y, kind, count in self.frame:
            if count > 1 or vector:  # shapes: a bundle's size varies; a bitmap in an SVG
                counted.append((x * sx + ox, y * sy + oy, kind, count))
                continue
            pm, half = sprites.get(kind) or sprites["control"]
            painter.drawPixmap(QPointF(x * sx + ox - half, y * sy + oy - half), pm)
        if counted:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            tag_px = max(TAG_PX[1], TAG_PX[0] * min(zoom, DOT_MAX_ZOOM))
            painter.setFont(make_font(tag_px, True))
            fg = self.theme.qcolor("fg")
            for x, y, kind, count in counted:
                size = dot_px(kind, zoom, count)
                self._shape(painter, QPointF(x, y), kind, size, bundle=count > 1)
                if count > 1 and zoom >= TAG_MIN_ZOOM:
                    painter.setPen(fg)
                    painter.drawText(QRectF(x + size / 2 + 1, y - tag_px, 5 * tag_px,
                                            2 * tag_px),
                                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                     f"×{count}")
        if self.highlight is not None:
            hx, hy = self.highlight
            k = min(zoom, DOT_MAX_ZOOM)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(self.theme.qcolor("accent"), max(2.0, 3.0 * min(k, 1.0))))
            r = dot_px("user", zoom) / 2 + max(4.0, 7.0 * k)
            painter.drawEllipse(QPointF(hx * sx + ox, hy * sy + oy), r, r)
        painter.restore()

    def _shape(self, painter: QPainter, centre: QPointF, kind: str, size: float,
               bundle: bool = False) -> None:
        """One dot: a user message is a disc with a dark ring, a protocol frame a rounded
        square; a bundle of several frames gets the ring whatever its kind."""
        t = self.theme
        fill = t.qcolor(_FILL.get(kind, "control_dot"))
        ring = kind == "user" or bundle
        width = max(1.0, min(2.0, size / 9)) if ring else 1.0
        painter.setPen(QPen(t.qcolor("user_ring"), width) if ring
                       else QPen(fill.darker(140), width))
        painter.setBrush(fill)
        side = size - width
        r = QRectF(centre.x() - side / 2, centre.y() - side / 2, side, side)
        if kind == "user":
            painter.drawEllipse(r)
        else:
            corner = max(1.5, side / 6)
            painter.drawRoundedRect(r, corner, corner)

    def _sprite(self, dpr: float, kind: str, size: float) -> tuple[QPixmap, float]:
        side = math.ceil(size) + 2  # whole pixels, the shape centred
        px = int(math.ceil(side * dpr))
        pm = QPixmap(px, px)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.scale(dpr, dpr)
        self._shape(p, QPointF(side / 2, side / 2), kind, size)
        p.end()
        pm.setDevicePixelRatio(dpr)
        return pm, side / 2


Flights = Callable[[], tuple[list[FlightDot], bool]]


class DotAnimator:
    """Feeds messages into a DotScheduler, reads the frames in flight (`flights`: the dots and
    whether one moves) and drives the layer while anything moves."""

    def __init__(self, layer: DotLayer,
                 endpoints: Callable[[str, str], tuple[float, float, float, float] | None],
                 scheduler: DotScheduler | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 flights: Flights | None = None) -> None:
        self.layer = layer
        self.flights = flights
        self.hits: list[tuple[float, float, FlightDot]] = []  # the real frames drawn
        self.highlighted: str | None = None  # a frame id: ringed while drawn
        self.scheduler = scheduler or DotScheduler()
        self.endpoints = endpoints  # (src, dst) -> (x1, y1, x2, y2) rim to rim, or None
        self.clock = clock
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.tick)
        self.frames = 0

    def add(self, src: str, dst: str, kind: str, count: int = 1) -> None:
        self.scheduler.add(src, dst, kind, self.clock(), count)
        if not self.timer.isActive():
            self.timer.start()
            self.tick()

    def tick(self) -> None:
        self.frames += 1
        moving = self.scheduler.advance(self.clock())
        frame: list[tuple[float, float, str, int]] = []
        ends: dict[tuple[str, str], Any] = {}
        for dot, p in moving:
            key = (dot.src, dot.dst)
            e = ends.get(key, False)
            if e is False:
                e = ends[key] = self._lane(key)
            if e is None:
                continue
            x1, y1, dx, dy = e
            frame.append((x1 + dx * p, y1 + dy * p, dot.kind, dot.count))
        busy = self.scheduler.busy
        hits: list[tuple[float, float, FlightDot]] = []
        highlight = None
        if self.flights is not None:
            flights, flying = self.flights()
            busy = busy or flying
            for fd in flights:
                key = (fd.src, fd.dst)
                e = ends.get(key, False)
                if e is False:
                    e = ends[key] = self._lane(key)
                if e is None:
                    continue
                x1, y1, dx, dy = e
                x, y = x1 + dx * fd.progress, y1 + dy * fd.progress
                frame.append((x, y, fd.kind, fd.count))
                hits.append((x, y, fd))
                if self.highlighted is not None and self.highlighted in fd.ids:
                    highlight = (x, y)
        self.hits = hits
        self.layer.frame = frame
        self.layer.highlight = highlight
        self.layer.update()
        if not busy:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()

    def changed(self) -> None:
        """The frames in flight changed (sent, delivered, the clock): draw them now unless
        the running timer is about to."""
        if not self.timer.isActive():
            self.tick()

    def drop_live(self) -> None:
        """Forget the live animation's dots (their messages were delivered already: while
        the clock is paused only the frames really held are drawn)."""
        self.scheduler = DotScheduler(self.scheduler.travel, self.scheduler.gap,
                                      self.scheduler.max_pending, self.scheduler.keep_seqs)
        self.changed()

    def show_still(self, frames: Iterable[tuple[str, str, str, float]]) -> None:
        """Draw dots that do not move: (src, dst, kind, progress 0..1) each. The next
        animated frame replaces them."""
        frame: list[tuple[float, float, str, int]] = []
        for src, dst, kind, p in frames:
            e = self._lane((src, dst))
            if e is not None:
                x1, y1, dx, dy = e
                frame.append((x1 + dx * p, y1 + dy * p, kind, 1))
        self.layer.frame = frame
        self.layer.update()

    def _lane(self, key: tuple[str, str]) -> tuple[float, float, float, float] | None:
        e = self.endpoints(*key)
        if e is None:
            return None
        x1, y1, x2, y2 = e
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        ox, oy = -dy / length * LANE, dx / length * LANE
        return (x1 + ox, y1 + oy, dx, dy)

    def clear(self) -> None:
        self.scheduler = DotScheduler(self.scheduler.travel, self.scheduler.gap,
                                      self.scheduler.max_pending, self.scheduler.keep_seqs)
        self.timer.stop()
        self.hits = []
        self.layer.frame = []
        self.layer.highlight = None
        self.layer.update()

    @property
    def running(self) -> bool:
        return self.timer.isActive()
