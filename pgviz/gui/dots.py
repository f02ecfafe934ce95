"""The moving layer: one QGraphicsItem that draws every dot in flight, and the timer.

The static picture (links, nodes, members) is the view's cached background, so a frame costs
one pixmap blit plus this item: dots are batched by kind into a few drawPoints calls. Two
sources of dots: the live animation (a DotScheduler: frames sent live, drawn after the fact)
and the frames the network really holds in slow motion or pause (`flights`, see flights.py).
The timer runs only while a dot moves: when the last one lands, or the clock is paused, it
stops and nothing repaints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .animation import DotScheduler
from .flights import FlightDot
from .theme import Theme

__all__ = ["DotLayer", "DotAnimator"]

FRAME_MS = 16
DOT_SIZES = {"user": 20, "pg": 13, "control": 9}  # on screen, in pixels
LANE = 8.0  # sideways offset so the two directions of a link don't share a lane


class DotLayer(QGraphicsItem):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self._rect = QRectF(-1e4, -1e4, 2e4, 2e4)
        self.frame: list[tuple[float, float, str, int]] = []  # x, y, kind, count
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(10)
        self._font = QFont()
        self._font.setPointSizeF(10)
        self._font.setBold(True)
        self.highlight: tuple[float, float] | None = None  # the inspected dot, scene coords
        self._sprite_key: tuple[str, float] | None = None
        self._sprite_cache: dict[str, tuple[QPixmap, float]] = {}

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def _sprites(self, dpr: float) -> dict[str, tuple[QPixmap, float]]:
        """Each kind of dot pre-rendered once (per theme and pixel ratio): a frame then only
        blits pixmaps, which is several times cheaper than stroking 500 antialiased shapes."""
        key = (self.theme.name, dpr)
        if self._sprite_key != key:
            t = self.theme
            self._sprite_cache = {
                "user": _sprite(dpr, DOT_SIZES["user"], t.qcolor("user_dot"), t.qcolor("user_ring"), True),
                "pg": _sprite(dpr, DOT_SIZES["pg"], t.qcolor("pg_dot"), None, False),
                "control": _sprite(dpr, DOT_SIZES["control"], t.qcolor("control_dot"), None, False),
            }
            self._sprite_key = key
        return self._sprite_cache

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,  # noqa: N802
              widget: QWidget | None = None) -> None:
        if not self.frame and self.highlight is None:
            return
        # Dots keep their size on screen whatever the zoom: draw them in device pixels.
        tr = painter.worldTransform()
        sx, sy, ox, oy = tr.m11(), tr.m22(), tr.dx(), tr.dy()
        sprites = self._sprites(painter.device().devicePixelRatioF())
        painter.save()
        painter.resetTransform()
        clip = tr.mapRect(option.exposedRect)  # type: ignore[attr-defined]
        painter.setClipRect(clip)
        draw = painter.drawPixmap
        counted = []
        for x, y, kind, count in self.frame:
            pm, half = sprites.get(kind) or sprites["control"]
            if count > 1:
                counted.append((x * sx + ox, y * sy + oy, kind, count))
                continue
            draw(QPointF(x * sx + ox - half, y * sy + oy - half), pm)
        if counted:
            t = self.theme
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setFont(self._font)
            for x, y, kind, count in counted:
                size = min(18.0 + 3.0 * math.log2(count), 32.0)
                colour = t.qcolor({"user": "user_dot", "pg": "pg_dot"}.get(kind, "control_dot"))
                painter.setPen(QPen(t.qcolor("user_ring"), 2.0))
                painter.setBrush(colour)
                r = QRectF(x - size / 2, y - size / 2, size, size)
                if kind == "user":
                    painter.drawEllipse(r)
                else:
                    painter.drawRoundedRect(r, 3, 3)
                painter.setPen(t.qcolor("fg"))
                painter.drawText(QRectF(x + size / 2 + 1, y - 9, 60, 18),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 f"×{count}")
        if self.highlight is not None:
            hx, hy = self.highlight
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(self.theme.qcolor("accent"), 3.0))
            painter.drawEllipse(QPointF(hx * sx + ox, hy * sy + oy), 17.0, 17.0)
        painter.restore()


def _sprite(dpr: float, size: int, fill: QColor, ring: QColor | None,
            round_: bool) -> tuple[QPixmap, float]:
    px = int(round(size * dpr))
    pm = QPixmap(px, px)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.scale(dpr, dpr)
    r = QRectF(1, 1, size - 2, size - 2)
    p.setPen(QPen(ring, 2.0) if ring is not None else QPen(fill.darker(140), 1.0))
    p.setBrush(fill)
    if round_:
        p.drawEllipse(r)
    else:
        p.drawRoundedRect(r, 2, 2)
    p.end()
    pm.setDevicePixelRatio(dpr)
    return pm, size / 2


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
