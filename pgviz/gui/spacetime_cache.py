"""The space-time diagram's static layer, cached as a pixmap wider than the view.

Everything that changes only when an event comes in (arrows that arrived, marks, bands, the
axis) is drawn once into a pixmap that reaches EXTRA widths into the future; as time scrolls
the view left, the pixmap is blitted further left, and only the frames in flight, the
selection and the name column are drawn each frame. The pixmap is redrawn when the filter,
the theme, the size, the zoom or the highlight change, or when the scroll has used up its
spare width. New events only add to it: the arrows that arrived and the marks since the last
drawing are drawn onto the pixmap (a frame after an event costs about as much as any other);
a new lane, a band that starts or ends, a new group's colour or the axis' origin moving
redraw it whole.

A replay is fed the whole recording at once and shows it up to its playhead. Its layer holds
what had ended by the playhead (arrows that arrived or were lost, marks), never a frame still
in flight there: that one is drawn with what moves, as one line to the playhead and one dot.
As the replay plays, what ends is drawn onto the layer, as a live window's new events are; a
step or a scrub back redraws it (nothing can be taken off a pixmap).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPixmap

from .spacetime_geometry import Geometry
from .spacetime_paint import Segment, paint_static, paint_static_increment

__all__ = ["StaticLayer"]

EXTRA = 1.0  # spare width, in view widths


@dataclass(frozen=True, slots=True)
class _Key:
    version: int
    frames: object
    theme: str
    height: int
    width: int
    scale: float
    lanes: tuple[str, ...]
    highlight: object
    font_size: float
    replay: bool  # a replay: the whole history is fed, the layer holds it up to a playhead
    dpr: float


class StaticLayer:
    def __init__(self) -> None:
        self._pixmap: QPixmap | None = None
        self._key: _Key | None = None
        self._geo: Geometry | None = None  # the cached pixmap's own geometry
        self._segments: list[Segment] = []
        self._drawn: set[str] = set()
        self._state: tuple[object, ...] | None = None  # what only a whole redraw can follow
        self._marks = 0
        self._upto: float | None = None  # a replay's: what ended by then is drawn
        self.redraws = 0
        self.extensions = 0  # new events drawn onto the pixmap

    def invalidate(self) -> None:
        self._key = None

    def blit(self, p: QPainter, geo: Geometry, key: _Key, draw: Draw) -> list[Segment]:
        """Paint the static layer for `geo`; returns its segments in `geo`'s coordinates."""
        shift = 0.0
        if self._geo is not None:
            shift = (geo.view_start - self._geo.view_start) * geo.scale
            if abs(shift) < 1e-6:  # the same start, computed another way (a float's last bit)
                shift = 0.0
        in_range = (self._geo is not None and self._pixmap is not None
                    and 0 <= shift <= self._geo.width - geo.width)
        same = self._key == key and draw.upto == self._upto
        if in_range and not same and self._key is not None \
                and replace(key, version=self._key.version) == self._key \
                and _not_before(draw.upto, self._upto) \
                and draw.state()[:-1] == (self._state or ())[:-1] \
                and draw.state()[-1] >= self._marks:  # type: ignore[operator]
            self._extend(key, draw)
        elif not same or not in_range:
            self._render(geo, key, draw)
            shift = 0.0
        assert self._pixmap is not None
        p.drawPixmap(QPointF(-shift, 0), self._pixmap)
        if not shift:
            return self._segments
        return [Segment(s.id, s.x1 - shift, s.y1, s.x2 - shift, s.y2) for s in self._segments]

    def _render(self, geo: Geometry, key: _Key, draw: Draw) -> None:
        extra = int(geo.width * EXTRA)
        wide = replace(geo, width=geo.width + extra, view_end=geo.view_end + extra / geo.scale)
        pixmap = QPixmap(int(wide.width * key.dpr), int(wide.height * key.dpr))
        pixmap.setDevicePixelRatio(key.dpr)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            self._segments = draw(painter, wide)
        finally:
            painter.end()
        self._pixmap, self._geo, self._key, self._upto = pixmap, wide, key, draw.upto
        self._drawn = {s.id for s in self._segments}
        self._state = draw.state()
        self._marks = int(self._state[-1])  # type: ignore[call-overload]
        self.redraws += 1

    def _extend(self, key: _Key, draw: Draw) -> None:
        assert self._pixmap is not None and self._geo is not None
        painter = QPainter(self._pixmap)
        try:
            fresh = draw.extend(painter, self._geo, self._drawn, self._marks)
        finally:
            painter.end()
        self._segments = self._segments + fresh
        self._drawn.update(s.id for s in fresh)
        self._key, self._upto = key, draw.upto
        self._state = draw.state()
        self._marks = int(self._state[-1])  # type: ignore[call-overload]
        self.extensions += 1


class Draw:
    """What the layer draws: paint_static with the view's settings, for a given geometry.
    `upto`: a replay's playhead (what ended by then, and no later, is drawn: a frame still in
    flight there is drawn with what moves, once); None live (everything that ended)."""

    def __init__(self, view_args: dict[str, Any], upto: float | None = None) -> None:
        self.args = view_args
        self.upto = upto

    def __call__(self, painter: QPainter, geo: Geometry) -> list[Segment]:
        # an open band (a pause, a partition going on) runs to the pixmap's right end
        return paint_static(painter, geo, band_end=geo.view_end,
                            **self.args)

    def state(self) -> tuple[object, ...]:
        """What a whole redraw must follow (any change but the last, the number of marks,
        which may only grow): the history itself, the axis' origin, marks inserted before
        the last or trimmed, the bands, the groups."""
        h = self.args["history"]
        drawn_marks = len(h.marks) if self.upto is None else bisect.bisect_right(
            h.marks, self.upto, key=lambda m: m.t)
        return (id(h), h.start, h.marks_epoch,
                tuple((b.kind, b.start, b.end) for b in h.bands),
                frozenset(m.text for m in h.marks if m.kind in ("join", "leave")), drawn_marks)

    def extend(self, painter: QPainter, geo: Geometry, drawn: set[str], marks_from: int
               ) -> list[Segment]:
        a = self.args
        return paint_static_increment(painter, geo, a["history"], a["now"], a["frames"],
                                      a["theme"], drawn, marks_from, a["highlight"],
                                      a["font_size"])


def _not_before(upto: float | None, drawn_upto: float | None) -> bool:
    """A layer drawn up to `drawn_upto` can be brought to `upto` by drawing more onto it
    (a replay playing on; live, where both are None); a replay going back must redraw."""
    if upto is None or drawn_upto is None:
        return upto is None and drawn_upto is None
    return upto >= drawn_upto


def make_key(**fields: object) -> _Key:
    return _Key(**fields)  # type: ignore[arg-type]
