"""Painting the space-time diagram with one QPainter: bands, lanes, time axis, arrows, marks.

Fast enough for 10 lanes and 1,000 arrows at every animation frame: arrows are culled to the
visible time window and drawn in one `drawLines` call per colour (arrowheads included as two
short lines each); the colours are opaque (translucent strokes are many times slower in Qt's
raster engine); only frames in flight get a dot each.

All text (the time axis, the labels of marks and bands) is drawn with what moves
(`paint_dynamic`, spacetime_text.py), laid out for the view as it is now, so that scrolling
the cached layer never cuts a label into a fragment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from ..export.filters import FrameFilter
from .spacetime_geometry import AXIS_HEIGHT, LABEL_WIDTH, Geometry, Segment
from .spacetime_history import Arrow, Mark, SpaceTimeHistory
from .spacetime_text import (
    paint_axis,
    paint_band_labels,
    paint_mark_labels,
    paint_selected_label,
)
from .theme import Theme, group_colour_map

__all__ = ["paint_diagram", "paint_static", "paint_dynamic", "paint_future", "Segment",
           "Highlight"]

HEAD = 7.0  # arrowhead length, pixels


@dataclass(frozen=True, slots=True)
class Highlight:
    """Something a lesson step points at: kind "node", "group", "link", "frames"; target."""
    kind: str
    target: tuple[str, ...]


def _blend(a: QColor, b: QColor, k: float) -> QColor:
    return QColor(round(a.red() + (b.red() - a.red()) * k),
                  round(a.green() + (b.green() - a.green()) * k),
                  round(a.blue() + (b.blue() - a.blue()) * k))


def paint_static(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float,
                 frames: FrameFilter, theme: Theme, highlight: Highlight | None = None,
                 font_size: float = 10.0, band_end: float | None = None) -> list[Segment]:
    """What changes only with new events: background, bands, lanes, axis, the arrows that
    arrived by `now`, marks. Open bands run to `band_end` (default: now)."""
    bg = theme.qcolor("scene_bg")
    p.fillRect(QRectF(0, 0, geo.width, geo.height), bg)
    lane_index = {n: i for i, n in enumerate(geo.lanes)}
    _font(p, font_size)
    _bands(p, geo, history, now if band_end is None else band_end, theme, bg)
    _lane_lines(p, geo, theme, highlight)
    p.setClipRect(QRectF(geo.left, AXIS_HEIGHT, geo.width - geo.left, geo.height))
    segments = draw_arrows(p, geo, history, arrows_done(visible_arrows(history, geo, now), now),
                           now, frames, theme, lane_index, highlight, moving=False)
    _marks(p, geo, history, now, theme, lane_index, highlight)
    p.setClipping(False)
    return segments


def paint_static_increment(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float,
                           frames: FrameFilter, theme: Theme, drawn: set[str], marks_from: int,
                           highlight: Highlight | None = None, font_size: float = 10.0
                           ) -> list[Segment]:
    """Onto a static layer already drawn for `geo`: only what arrived since, the arrows done by
    `now` whose ids are not in `drawn` and the marks from index `marks_from` on (the caller
    checks that nothing else changed: lanes, bands, groups, the axis' origin)."""
    lane_index = {n: i for i, n in enumerate(geo.lanes)}
    _font(p, font_size)
    p.setClipRect(QRectF(geo.left, AXIS_HEIGHT, geo.width - geo.left, geo.height))
    fresh = [a for a in arrows_done(visible_arrows(history, geo, now), now) if a.id not in drawn]
    segments = draw_arrows(p, geo, history, fresh, now, frames, theme, lane_index, highlight,
                           moving=False)
    _marks(p, geo, history, now, theme, lane_index, highlight, history.marks[marks_from:])
    p.setClipping(False)
    return segments


def paint_dynamic(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float,
                  frames: FrameFilter, selected: Segment | None, theme: Theme,
                  highlight: Highlight | None = None, font_size: float = 10.0,
                  replay: bool = False) -> list[Segment]:
    """What moves every frame: arrows in flight, the selection, and all text (the time axis,
    the labels of marks and bands, the lane names drawn over the scrolling layer), laid out
    for what is in view now."""
    lane_index = {n: i for i, n in enumerate(geo.lanes)}
    font = _font(p, font_size)
    paint_axis(p, geo, history, theme)
    p.setClipRect(QRectF(geo.left, AXIS_HEIGHT, geo.width - geo.left, geo.height))
    if replay:
        seen = visible_arrows(history, geo, now)
        _edge_of_replay(p, geo, history, seen, now, frames, theme, lane_index, highlight)
        pool = arrows_moving(seen, now)
    else:
        pool = arrows_moving(history.in_flight.values(), now)
    segments = draw_arrows(p, geo, history, pool, present(history, now, replay), frames, theme,
                           lane_index, highlight, moving=True)
    paint_band_labels(p, geo, history, now, theme, font, replay)
    paint_mark_labels(p, geo, history, now, theme, lane_index, font)
    if selected is not None:
        sel = next((s for s in segments if s.id == selected.id), selected)
        draw_selected(p, history, sel, now, theme)
        paint_selected_label(p, geo, history, sel, theme, font)
    p.setClipping(False)
    _lane_names(p, geo, theme, highlight, font)
    return segments


EDGE = 9.0  # pixels: how far a mark's or a cross's shape reaches right of its time


def _edge_of_replay(p: QPainter, geo: Geometry, history: SpaceTimeHistory,
                    seen: list[Arrow], now: float, frames: FrameFilter, theme: Theme,
                    lane_index: dict[str, int], highlight: Highlight | None) -> None:
    """What ended just before a replay's playhead once more, whole: the future drawn over
    the static layer from the playhead on cut the right half off a mark standing at the
    playhead (a step puts it on an event) and off a lost frame's cross."""
    edge = geo.t(geo.x(now) - EDGE)
    ending = [a for a in arrows_done(seen, now)
              if a.delivered is None and (_ended_by(a, now) or 0.0) >= edge]
    draw_arrows(p, geo, history, ending, now, frames, theme, lane_index, highlight,
                moving=False)
    _marks(p, geo, history, now, theme, lane_index, highlight,
           history.marks_between(edge, now))


def present(history: SpaceTimeHistory, now: float, replay: bool) -> float:
    """The time the lines of frames in flight run to: a replay's playhead; live, now, or
    while the network clock is paused the newest event (the view stops following the clock
    then: the frames wait, nothing moves until something happens)."""
    if replay or not history.paused:
        return now
    return min(now, history.end)


def paint_future(p: QPainter, geo: Geometry, x: float, theme: Theme,
                 highlight: Highlight | None = None) -> None:
    """A replay's time after the playhead (from `x` on): the background and the lanes,
    nothing that happened yet."""
    if x >= geo.width:
        return
    p.save()
    p.setClipRect(QRectF(x, AXIS_HEIGHT, geo.width - x, geo.height - AXIS_HEIGHT))
    p.fillRect(QRectF(x, AXIS_HEIGHT, geo.width - x, geo.height - AXIS_HEIGHT),
               theme.qcolor("scene_bg"))
    _lane_lines(p, geo, theme, highlight)
    p.restore()


def paint_diagram(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float,
                  frames: FrameFilter, selected: str | None, theme: Theme,
                  highlight: Highlight | None = None, font_size: float = 10.0,
                  replay: bool = False) -> list[Segment]:
    """The whole diagram in one pass (pictures, SVG), as the cached path draws it."""
    done = paint_static(p, geo, history, now, frames, theme, highlight, font_size)
    if replay:  # a band that went on after the playhead stops there
        paint_future(p, geo, max(geo.left, geo.x(now) + 1), theme, highlight)
    sel = next((s for s in done if s.id == selected), None)
    if sel is None and selected is not None:
        sel = Segment(selected, 0, 0, 0, 0)
    moving = paint_dynamic(p, geo, history, now, frames, sel, theme, highlight, font_size,
                           replay)
    return done + moving


def _font(p: QPainter, size: float) -> QFont:
    font = QFont(p.font())
    font.setPointSizeF(size)
    p.setFont(font)
    return font


def _bands(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float, theme: Theme,
           bg: QColor) -> None:
    top, bottom = AXIS_HEIGHT, geo.height
    colours = {"pause": _blend(bg, theme.qcolor("muted"), 0.16),
               "partition": _blend(bg, theme.qcolor("danger"), 0.12)}
    for band in history.bands:
        end = band.end if band.end is not None else now
        x1, x2 = max(geo.left, geo.x(band.start)), min(geo.right, geo.x(end))
        if x2 < geo.left or x1 > geo.right:
            continue
        x2 = max(x2, x1 + 2)
        rect = QRectF(x1, top, x2 - x1, bottom - top)
        p.fillRect(rect, colours.get(band.kind, colours["pause"]))
        if band.kind == "pause":
            p.fillRect(rect, QBrush(_blend(bg, theme.qcolor("muted"), 0.3),
                                    Qt.BrushStyle.BDiagPattern))


def _lit_nodes(highlight: Highlight | None) -> set[str]:
    return set(highlight.target) if highlight and highlight.kind in ("node", "link") else set()


def _lane_lines(p: QPainter, geo: Geometry, theme: Theme, highlight: Highlight | None) -> None:
    lit = _lit_nodes(highlight)
    lane_pen, lit_pen = QPen(theme.qcolor("mesh"), 1.5), QPen(theme.qcolor("accent"), 2.5)
    for i, node in enumerate(geo.lanes):
        y = geo.lane_y(i)
        if node.split("@", 1)[0] in lit or node in lit:
            p.fillRect(QRectF(0, y - geo.lane_height / 2 + 2, geo.width, geo.lane_height - 4),
                       _blend(theme.qcolor("scene_bg"), theme.qcolor("accent"), 0.10))
            p.setPen(lit_pen)
        else:
            p.setPen(lane_pen)
        p.drawLine(QLineF(geo.left, y, geo.width, y))


def _lane_names(p: QPainter, geo: Geometry, theme: Theme, highlight: Highlight | None,
                font: QFont) -> None:
    """The name column, over whatever scrolled under it."""
    # below the axis only: the axis labels near the left edge stay whole
    p.fillRect(QRectF(0, AXIS_HEIGHT, geo.left, geo.height), theme.qcolor("scene_bg"))
    lit = _lit_nodes(highlight)
    bold = QFont(font)
    bold.setBold(True)
    p.setFont(bold)
    metrics = QFontMetricsF(bold)
    for i, node in enumerate(geo.lanes):
        y = geo.lane_y(i)
        short = node.split("@", 1)[0]
        on = short in lit or node in lit
        if on:
            p.fillRect(QRectF(0, y - geo.lane_height / 2 + 2, geo.left, geo.lane_height - 4),
                       _blend(theme.qcolor("scene_bg"), theme.qcolor("accent"), 0.10))
        p.setPen(theme.qcolor("accent") if on else theme.qcolor("fg"))
        p.drawText(QRectF(8, y - 12, LABEL_WIDTH - 14, 24),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   metrics.elidedText(short, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 16))
        p.setPen(QPen(theme.qcolor("accent") if on else theme.qcolor("mesh"), 1.5))
        p.drawLine(QLineF(LABEL_WIDTH - 4, y, geo.left, y))
    p.setFont(font)


def _arrow_colours(theme: Theme) -> dict[str, QColor]:
    return {"user": theme.qcolor("user_dot"), "pg": theme.qcolor("pg_dot"),
            "distribution": theme.qcolor("control_dot"), "tick": theme.qcolor("control_dot")}


def _ended_by(a: Arrow, now: float) -> float | None:
    """When the arrow ended (arrived, lost, or went out of sight) if that was by `now`."""
    for end in (a.delivered, a.lost, a.unknown):
        if end is not None and end <= now:
            return end
    return None


def arrows_done(arrows: Iterable[Arrow], now: float) -> Iterable[Arrow]:
    """Arrows that arrived (or were lost, or went out of sight) by `now`."""
    for a in arrows:
        if _ended_by(a, now) is not None:
            yield a


def arrows_moving(arrows: Iterable[Arrow], now: float) -> Iterable[Arrow]:
    """Arrows sent by `now` and still on their way then."""
    for a in arrows:
        if a.sent <= now and _ended_by(a, now) is None:
            yield a


def visible_arrows(history: SpaceTimeHistory, geo: Geometry, now: float) -> list[Arrow]:
    """Arrows sent before the right edge (and before now); the caller culls by their end."""
    end = history.first_index_after(min(geo.view_end, now) + 1e-9)
    return history.arrows[:end]


def draw_arrows(p: QPainter, geo: Geometry, history: SpaceTimeHistory, arrows: Iterable[Arrow],
                now: float, frames: FrameFilter, theme: Theme, lane_index: dict[str, int],
                highlight: Highlight | None, moving: bool) -> list[Segment]:
    """Draw finished arrows (moving=False: a head at the destination, a cross where lost) or
    arrows in flight (moving=True: a line from the send to `now`, ending in a dot where the
    frame is then). Returns the segments."""
    left, scale, t0 = geo.left, geo.scale, geo.view_start
    lane_h = geo.lane_height
    ys = {n: AXIS_HEIGHT + (i + 0.5) * lane_h for n, i in lane_index.items()}
    t_left = t0 - 1.0
    batches: dict[str, list[QLineF]] = {"user": [], "pg": [], "distribution": [], "tick": []}
    dim: list[QLineF] = []
    dots: list[tuple[str, QPointF]] = []
    lost: list[QPointF] = []
    unknown: list[QPointF] = []  # its receiver went out of sight: how it ended is not known
    segments: list[Segment] = []
    lit_kind = highlight.target[0] if highlight and highlight.kind == "frames" else None
    shows = frames.shows
    cos_a, sin_a = math.cos(2.7), math.sin(2.7)
    for arrow in arrows:
        if not shows(arrow.kind):
            continue
        y1, y2 = ys.get(arrow.src), ys.get(arrow.dst)
        if y1 is None or y2 is None:
            continue
        x1 = left + (arrow.sent - t0) * scale
        if not moving:
            done = _ended_by(arrow, now)
            assert done is not None
            if done < t_left:
                continue
            x2 = left + (done - t0) * scale
            if arrow.delivered is None or arrow.delivered > now:  # lost, or out of sight
                k = history.progress(arrow, done)
                y2 = y1 + (y2 - y1) * (0.5 if k is None else k)
                (lost if done == arrow.lost else unknown).append(QPointF(x2, y2))
        else:  # one mark: its line from the send to `now`, where its one dot is
            k = history.position(arrow, now)
            y2 = y1 + (y2 - y1) * (0.5 if k is None else k)
            x2 = left + (max(arrow.sent, now) - t0) * scale
            dots.append((arrow.category, QPointF(x2, y2)))
        target = batches[arrow.category]
        if lit_kind is not None and arrow.kind != lit_kind and arrow.category != lit_kind:
            target = dim
        heard = arrow.fate != "arrived"  # arrived, its deliver never heard: by then, not then
        if not heard:
            target = dim
        target.append(QLineF(x1, y1, x2, y2))
        if not moving and heard and arrow.delivered is not None and arrow.delivered <= now:
            dx, dy = x2 - x1, y2 - y1
            length = math.hypot(dx, dy) or 1.0
            ux, uy = dx / length * HEAD, dy / length * HEAD
            target.append(QLineF(x2, y2, x2 + ux * cos_a - uy * sin_a,
                                 y2 + ux * sin_a + uy * cos_a))
            target.append(QLineF(x2, y2, x2 + ux * cos_a + uy * sin_a,
                                 y2 - ux * sin_a + uy * cos_a))
        segments.append(Segment(arrow.id, x1, y1, x2, y2))
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    colours = _arrow_colours(theme)
    if dim:
        p.setPen(QPen(_blend(theme.qcolor("scene_bg"), theme.qcolor("muted"), 0.35), 1.0))
        p.drawLines(dim)
    for cat in ("tick", "distribution", "pg", "user"):
        if batches[cat]:
            p.setPen(QPen(colours[cat], 1.8 if cat == "user" else 1.3))
            p.drawLines(batches[cat])
    if lost:
        p.setPen(QPen(theme.qcolor("danger"), 2.0))
        p.drawLines([QLineF(pt.x() - 4, pt.y() - 4, pt.x() + 4, pt.y() + 4) for pt in lost]
                    + [QLineF(pt.x() - 4, pt.y() + 4, pt.x() + 4, pt.y() - 4) for pt in lost])
    if unknown:
        p.setPen(QPen(theme.qcolor("muted"), 1.5))
        for pt in unknown:
            p.drawEllipse(pt, 3.5, 3.5)
    if dots:
        p.setPen(QPen(theme.qcolor("user_ring"), 1.2))
        for cat, pt in dots:
            p.setBrush(colours[cat])
            p.drawEllipse(pt, 4.5, 4.5)
        p.setBrush(Qt.BrushStyle.NoBrush)
    return segments


def draw_selected(p: QPainter, history: SpaceTimeHistory, seg: Segment, now: float,
                  theme: Theme) -> None:
    arrow = history.arrow(seg.id)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(theme.qcolor("accent"), 3.2))
    p.drawLine(QLineF(seg.x1, seg.y1, seg.x2, seg.y2))
    if arrow is not None and arrow.delivered is not None and arrow.delivered <= now:
        lines: list[QLineF] = []
        dx, dy = seg.x2 - seg.x1, seg.y2 - seg.y1
        angle = math.atan2(dy, dx)
        for da in (2.7, -2.7):
            lines.append(QLineF(seg.x2, seg.y2, seg.x2 + HEAD * math.cos(angle + da),
                                seg.y2 + HEAD * math.sin(angle + da)))
        p.drawLines(lines)


_MARK_SIZE = 5.0


def _marks(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float, theme: Theme,
           lane_index: dict[str, int], highlight: Highlight | None,
           marks: Sequence[Mark] | None = None) -> None:
    """The marks' shapes (their labels are text: spacetime_text.py)."""
    groups = sorted({m.text for m in history.marks if m.kind in ("join", "leave")})
    colours = group_colour_map(groups)
    lit_group = highlight.target[0] if highlight and highlight.kind == "group" else None
    t_left, t_right = geo.view_start, min(geo.view_end, now)
    for mark in history.marks if marks is None else marks:
        if mark.t < t_left - 1 or mark.t > t_right:
            continue
        i = lane_index.get(mark.node)
        if i is None:
            continue
        x, y = geo.x(mark.t), geo.lane_y(i)
        if mark.kind in ("join", "leave"):
            colour = QColor(colours.get(mark.text, "#888888"))
            big = mark.text == lit_group
            r = _MARK_SIZE * (1.5 if big else 1.0)
            diamond = QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r),
                                 QPointF(x - r, y)])
            p.setPen(QPen(colour, 1.6))
            p.setBrush(colour if mark.kind == "join" else theme.qcolor("scene_bg"))
            p.drawPolygon(diamond)
        elif mark.kind in ("nodeup", "heal"):
            p.setPen(QPen(QColor("#16a34a"), 1.6))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QPointF(x, y), 3.5, 3.5)
        elif mark.kind in ("nodedown", "cut"):
            p.setPen(QPen(theme.qcolor("danger"), 2.0))
            p.drawLine(QLineF(x - 4, y - 4, x + 4, y + 4))
            p.drawLine(QLineF(x - 4, y + 4, x + 4, y - 4))
    p.setBrush(Qt.BrushStyle.NoBrush)
