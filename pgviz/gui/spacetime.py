"""The space-time diagram: a lane per node, an arrow per frame from its send to its deliver.

    view = SpaceTimeView(theme)
    node.add_listener(view.feed)           # live (or feed_many(recording.events))
    view.set_time(t)                       # replay: draw the cluster as it was at t; None: live
    view.select_frame(frame_id)            # light an arrow up (the graph's dot, a log line)
    view.frameClicked.connect(...)         # the user clicked an arrow: its frame id

Time runs left to right; the view follows the newest event (and "now" while frames are in
flight) until the user scrolls back with the wheel (Ctrl+wheel zooms; Home or a double click
follows again). A frame in flight is one mark: a line from its send to now (a replay: the
playhead) ending in one dot where the frame is then; it grows towards its destination as the
frame travels (slow motion) and its dot waits while the network clock is paused. Membership
changes are diamonds
on the lane (filled: join, hollow: leave, coloured by group), partitions and pauses are shaded
bands. Colours by kind: user (theme `user_dot`), pg (`pg_dot`), distribution (`control_dot`);
ticks and distribution traffic are hidden by default (`set_filter`).

Nothing animates when nothing moves: the frame timer runs only while a visible frame is in
flight and the clock is not paused.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QHideEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QRegion,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..events import Event
from ..export.filters import DEFAULT_FILTER, FrameFilter
from .spacetime_cache import Draw, StaticLayer, make_key
from .spacetime_geometry import AXIS_HEIGHT, Geometry, distance_to_segment
from .spacetime_history import Arrow, SpaceTimeHistory
from .spacetime_paint import Highlight, Segment, paint_diagram, paint_dynamic, paint_future
from .theme import LIGHT, Theme

__all__ = ["SpaceTimeView", "Highlight"]

FRAME_MS = 33
PICK_PIXELS = 6.0
STALE_AFTER = 2.0  # seconds past its travel time after which an undelivered arrow stops animating
MIN_SCALE, MAX_SCALE = 0.5, 2_000_000.0


class SpaceTimeView(QWidget):
    frameClicked = Signal(str)          # noqa: N815 (Qt signal names): a frame id
    selectionChanged = Signal(object)   # noqa: N815 (the selected frame id, or None)

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None, *,
                 history: SpaceTimeHistory | None = None,
                 clock: Callable[[], float] = time.time, scale: float = 160.0) -> None:
        super().__init__(parent)
        self.setObjectName("spaceTimeView")
        self.setAccessibleName("Space-time diagram")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.history = history if history is not None else SpaceTimeHistory()
        self.theme = theme
        self.frames = DEFAULT_FILTER
        self.scale = scale
        self.font_size = 10.0
        self.highlight: Highlight | None = None
        self._clock = clock
        self._replay_time: float | None = None
        self._follow = True
        self._view_end: float | None = None  # when not following
        self._selected: str | None = None
        self._segments: list[Segment] = []
        self._static = StaticLayer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.update)

    # -- feeding ----------------------------------------------------------------------------------
    def feed(self, ev: Event) -> None:
        """One event of the cluster (a node listener's callback, or a recording's event)."""
        self.history.feed(ev)
        self._changed()

    def feed_many(self, events: Iterable[Event]) -> None:
        self.history.feed_many(events)
        self._changed()

    def clear(self) -> None:
        self.history = SpaceTimeHistory(self.history.limit)
        self._selected = None
        self._changed()

    # -- what is shown ----------------------------------------------------------------------------
    def set_time(self, t: float | None) -> None:
        """Replay: draw the cluster as it was at time t (a recording's scrubber). None: live."""
        self._replay_time = t
        self._changed()

    def set_filter(self, frames: FrameFilter) -> None:
        self.frames = frames
        self._changed()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def set_font_size(self, points: float) -> None:
        """Presenter mode: larger labels."""
        self.font_size = points
        self.update()

    def set_scale(self, pixels_per_second: float) -> None:
        self.scale = max(MIN_SCALE, min(MAX_SCALE, pixels_per_second))
        self.update()

    def set_highlight(self, kind: str | None, target: Iterable[str] = ()) -> None:
        """Something for the class to look at: ("node", [name]), ("group", [group]),
        ("link", [a, b]), ("frames", [kind]); None clears it."""
        self.highlight = Highlight(kind, tuple(target)) if kind else None
        self.update()

    def set_follow(self, follow: bool = True) -> None:
        """Follow the newest events (the default), or stay where the user scrolled."""
        if not follow and self._view_end is None:
            self._view_end = self._auto_end()
        self._follow = follow
        if follow:
            self._view_end = None
        self.update()

    def scroll_to(self, t: float) -> None:
        """Put time t at the right edge and stop following."""
        self._follow = False
        self._view_end = t
        self.update()

    @property
    def following(self) -> bool:
        return self._follow

    # -- selection --------------------------------------------------------------------------------
    @property
    def selected(self) -> str | None:
        return self._selected

    def select_frame(self, frame_id: str | None) -> None:
        """Light up the arrow of this frame (or none); emits selectionChanged if it changed."""
        if frame_id == self._selected:
            return
        self._selected = frame_id
        self.selectionChanged.emit(frame_id)
        self.update()

    def frame_at(self, x: float, y: float) -> str | None:
        """The frame whose arrow (as last drawn) passes nearest to (x, y), within a few pixels."""
        best, best_d = None, PICK_PIXELS
        for seg in self._segments:
            d = distance_to_segment(x, y, seg.x1, seg.y1, seg.x2, seg.y2)
            if d <= best_d:
                best, best_d = seg.id, d
        return best

    # -- geometry ---------------------------------------------------------------------------------
    def now(self) -> float:
        if self._replay_time is not None:
            return self._replay_time
        return max(self._clock(), self.history.end)

    def _auto_end(self) -> float:
        h = self.history
        if self._replay_time is not None:
            # Pages, not a scroll: the view moves only when the playhead leaves it, so a
            # scrub within a page reuses the drawn recording (see _paint_cached).
            shown = Geometry(self.width(), self.height(), (), 0.0, self.scale)
            page = max(1e-3, -shown.view_start)
            start = h.start if h.start is not None else self._replay_time  # (empty history)
            t = min(h.end, self._replay_time) + 12 / self.scale - start
            return start + page * max(1, math.ceil(t / page))
        end = h.end
        if self._animating():
            end = self.now()
        return end + 12 / self.scale

    def geometry_now(self) -> Geometry:
        end = self._auto_end() if self._follow or self._view_end is None else self._view_end
        geo = Geometry(self.width(), self.height(), tuple(self.history.lanes), end, self.scale)
        start = self.history.start
        if start is not None and geo.view_start < start:
            # Nothing happened before the history's first event: time 0 s sits at the left
            # edge and the diagram fills from the left until it reaches the right edge (a
            # scroll or the follow margin never shows negative seconds).
            geo = Geometry(geo.width, geo.height, geo.lanes, end + start - geo.view_start,
                           geo.scale)
        return geo

    def _animating(self) -> bool:
        """A visible frame in flight and the clock running: arrows grow, so repaint."""
        if self.history.paused:
            return False
        now = self.now() if self._replay_time is not None else self._clock()
        for arrow in reversed(self.history.arrows[-200:]):
            if (arrow.fate is None and self.frames.shows(arrow.kind)
                    and self._still_travelling(arrow, now)):
                return True
        return False

    def _still_travelling(self, arrow: Arrow, now: float) -> bool:
        """Its arrow still grows: within its travel time (pauses left out) and a grace of
        STALE_AFTER seconds. An arrow whose deliver this window has not heard and whose
        fate nothing has told yet (the history closes it when a later frame on its link is
        delivered, its receiver's watermark covers it, its link goes down: model/ledger.py)
        is still drawn in flight, but it no longer keeps a timer running."""
        return self.history.network_elapsed(arrow, now) < max(arrow.travel, 0.0) + STALE_AFTER

    def _changed(self) -> None:
        # a hidden diagram (its dock closed) keeps its history but runs no timer
        if self.isVisible() and self._replay_time is None and self._animating():
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()
        self.update()

    # -- Qt ---------------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(720, max(200, 34 * max(3, len(self.history.lanes)) + 40))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(240, 120)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._changed()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self._timer.stop()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            self._paint_cached(p)
        finally:
            p.end()
        if self._timer.isActive() and not self._animating():
            self._timer.stop()

    def _paint_cached(self, p: QPainter) -> None:
        geo = self.geometry_now()
        now = self.now()
        replay = self._replay_time is not None
        # A replay's static layer holds what had ended by the playhead (spacetime_cache.py):
        # playing on draws onto it what ends; a frame in flight at the playhead is drawn
        # once, with what moves. The bands (the whole recording's) are cut at the playhead.
        key = make_key(version=self.history.version, frames=self.frames,
                       theme=self.theme.name, height=geo.height, width=geo.width,
                       scale=geo.scale, lanes=geo.lanes, highlight=self.highlight,
                       font_size=self.font_size, replay=replay,
                       dpr=self.devicePixelRatioF())
        draw = Draw(dict(history=self.history, now=now, frames=self.frames, theme=self.theme,
                         highlight=self.highlight, font_size=self.font_size),
                    upto=now if replay else None)
        if replay:
            playhead = geo.x(now)
            p.save()
            p.setClipRegion(QRegion(0, 0, geo.width, AXIS_HEIGHT)
                            + QRegion(0, 0, max(0, int(playhead) + 1), geo.height))
        done = self._static.blit(p, geo, key, draw)
        if replay:
            p.restore()
            paint_future(p, geo, max(geo.left, playhead + 1), self.theme, self.highlight)
        selected = None
        if self._selected is not None:
            selected = next((s for s in done if s.id == self._selected),
                            Segment(self._selected, 0, 0, 0, 0))
        moving = paint_dynamic(p, geo, self.history, now, self.frames, selected, self.theme,
                               self.highlight, self.font_size, replay)
        self._segments = done + moving

    def paint_on(self, p: QPainter, width: int | None = None, height: int | None = None) -> None:
        """Draw the whole diagram with any painter (a pixmap, an SVG generator), uncached."""
        geo = self.geometry_now()
        if width is not None and height is not None:
            geo = Geometry(width, height, geo.lanes, geo.view_end, geo.scale)
        self._segments = paint_diagram(p, geo, self.history, self.now(), self.frames,
                                       self._selected, self.theme, self.highlight,
                                       self.font_size, self._replay_time is not None)

    def frame_ms(self, frames: int = 30) -> tuple[float, float]:
        """(median ms of a cached repaint, ms of a full redraw) at the current size."""
        import statistics

        from PySide6.QtGui import QImage

        image = QImage(max(1, self.width()), max(1, self.height()),
                       QImage.Format.Format_ARGB32_Premultiplied)
        times = []
        for i in range(frames + 1):
            if i == 0:
                self._static.invalidate()
            painter = QPainter(image)
            t0 = time.perf_counter()
            self._paint_cached(painter)
            painter.end()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times[1:]), times[0]

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        frame = self.frame_at(pos.x(), pos.y())
        self.select_frame(frame)
        if frame is not None:
            self.frameClicked.emit(frame)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.set_follow(True)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120 or event.angleDelta().x() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_scale(self.scale * (1.25 ** steps))
            return
        geo = self.geometry_now()
        self.scroll_to(geo.view_end - steps * 80 / self.scale)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Home or key == Qt.Key.Key_End:
            self.set_follow(True)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_scale(self.scale * 1.25)
        elif key == Qt.Key.Key_Minus:
            self.set_scale(self.scale / 1.25)
        elif key == Qt.Key.Key_Escape:
            self.select_frame(None)
        else:
            super().keyPressEvent(event)
