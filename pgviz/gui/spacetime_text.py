"""The space-time diagram's text, laid out for the view as it is now (never for the wider
cached layer, see spacetime_cache.py), so that a label is either whole inside the visible area
or not drawn at all: the time axis (seconds since the history's first event, each tick label
whole), the marks' labels (after their mark, or before it at the right edge; left out where
they would start under the lane-name column or overlap the previous label on their lane), the
bands' labels (kept at the left edge while their band is in view, elided with an ellipsis when
it is narrow) and the selected arrow's label."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPen

from .spacetime_geometry import AXIS_HEIGHT, Geometry, Segment, nice_step
from .spacetime_history import Mark, SpaceTimeHistory
from .theme import Theme

__all__ = ["paint_axis", "paint_band_labels", "paint_mark_labels", "paint_selected_label",
           "layout_mark_labels", "mark_label", "Label"]


def paint_axis(p: QPainter, geo: Geometry, history: SpaceTimeHistory, theme: Theme) -> None:
    """Seconds since the history began (0 s: its first event; nothing before it is
    labelled), ticks from the lane-name column to the right edge, each label whole."""
    p.fillRect(QRectF(0, 0, geo.width, AXIS_HEIGHT), theme.qcolor("scene_bg"))
    origin = history.start if history.start is not None else geo.view_start
    step = nice_step(100 / geo.scale)
    border = QPen(theme.qcolor("border"), 1)
    p.setPen(border)
    p.drawLine(QLineF(geo.left, AXIS_HEIGHT - 0.5, geo.width, AXIS_HEIGHT - 0.5))
    first = max(0, math.ceil((geo.view_start - origin) / step - 1e-6))
    last = math.floor((geo.t(geo.width) - origin) / step)
    muted = theme.qcolor("muted")
    metrics = QFontMetricsF(p.font())
    for k in range(first, last + 1):
        x = geo.x(origin + k * step)
        if x < geo.left - 0.5:
            continue
        p.setPen(border)
        p.drawLine(QLineF(x, AXIS_HEIGHT - 5, x, AXIS_HEIGHT))
        rel = k * step
        label = f"{rel:.3g} s" if step < 1 else f"{rel:g} s"
        half = metrics.horizontalAdvance(label) / 2 + 1
        if x + half > geo.width - 2:
            continue  # its tick stays; half a label would read as another number
        p.setPen(muted)
        p.drawText(QRectF(x - half, 2, 2 * half, AXIS_HEIGHT - 6),
                   Qt.AlignmentFlag.AlignCenter, label)


def paint_band_labels(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float,
                 theme: Theme, font: QFont, replay: bool) -> None:
    """Each band's label at the bottom left of the band's part in view (so a band that began
    before the view still says what it is; the bottom, under the last lane, is clear of the
    marks' labels, which sit above their lanes), elided to the band's width, or left out if
    too narrow."""
    if not history.bands:
        return
    p.setFont(font)
    metrics = QFontMetricsF(font)
    lo, hi = geo.left + 4, geo.width - 4
    for band in history.bands:
        if band.start > now:
            continue
        end = band.end if band.end is not None else math.inf
        if replay:
            end = min(end, now)  # nothing after the playhead
        x1, x2 = max(lo, geo.x(band.start) + 4), min(hi, geo.x(end) - 4)
        label = "paused" if band.kind == "pause" else band.text.replace("@127.0.0.1", "")
        text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, x2 - x1)
        if len(text) < min(len(label), 4):  # "…" or "pa…": no label rather than a stub
            continue
        p.setPen(theme.qcolor("danger") if band.kind == "partition" else theme.qcolor("muted"))
        p.drawText(QPointF(x1, geo.height - 3 - metrics.descent()), text)


def mark_label(mark: Mark) -> str:
    """The text beside a mark on its lane ("" for none)."""
    if mark.kind in ("join", "leave"):
        return ("+" if mark.kind == "join" else "−") + mark.text
    if mark.kind == "nodedown":
        return "✕ " + mark.text.split("@", 1)[0]
    return ""


@dataclass(frozen=True, slots=True)
class Label:
    """A mark's label as drawn: its text and box (for tests, and what the user reads)."""
    text: str
    rect: QRectF


def layout_mark_labels(geo: Geometry, history: SpaceTimeHistory, now: float,
                       lane_index: dict[str, int], metrics: QFontMetricsF
                       ) -> list[tuple[Mark, Label]]:
    """Where the marks' labels go in the view: after their mark, or before it when they
    would run past the right edge; left out when they would start under the lane-name
    column. A label that would overlap the previous one on its lane joins it when they say
    the same kind of thing ("✕ carol, dave" when a split takes two peers at once; "+room
    +chat"), and is left out otherwise."""
    lo, hi = geo.left + 1, geo.width - 4
    out: list[tuple[Mark, Label]] = []
    last: dict[int, int] = {}  # lane -> index in `out` of its last label
    height = metrics.height()
    for mark in history.marks_between(geo.t(lo - 3), min(geo.t(hi), now)):
        text = mark_label(mark)
        i = lane_index.get(mark.node)
        if not text or i is None:
            continue
        x, y = geo.x(mark.t), geo.lane_y(i)
        w = metrics.horizontalAdvance(text)
        start = x + 3
        if start + w > hi:
            start = x - 3 - w
        before = out[last[i]] if i in last else None
        if before is not None and start < before[1].rect.right() + 6:
            joined = _joined(before, mark, text)
            if joined is not None:
                jw = metrics.horizontalAdvance(joined)
                jstart = min(before[1].rect.x(), hi - jw)
                if jstart >= lo and jstart >= _end_before(out, last[i], i, lane_index):
                    rect = QRectF(jstart, before[1].rect.y(), jw, height)
                    out[last[i]] = (before[0], Label(joined, rect))
            continue
        if start < lo:
            continue
        # above its lane; on the first lane of a short diagram, no higher than the axis (so
        # the axis never cuts its top off)
        top = max(AXIS_HEIGHT + 1, y - 8 - metrics.ascent())
        last[i] = len(out)
        out.append((mark, Label(text, QRectF(start, top, w, height))))
    return out


def _joined(before: tuple[Mark, Label], mark: Mark, text: str) -> str | None:
    """The previous label on the lane with this mark's said too, if they are alike."""
    kind, said = before[0].kind, before[1].text
    if mark.kind == "nodedown" and kind == "nodedown":
        name = text.removeprefix("✕ ")
        return said if name in said.removeprefix("✕ ").split(", ") else f"{said}, {name}"
    if mark.kind in ("join", "leave") and kind in ("join", "leave"):
        return said if text in said.split(" ") else f"{said} {text}"
    return None


def _end_before(out: list[tuple[Mark, Label]], index: int, lane: int,
                lane_index: dict[str, int]) -> float:
    """Where the label before out[index] on the same lane ends (plus a gap)."""
    for mark, label in reversed(out[:index]):
        if lane_index.get(mark.node) == lane:
            return label.rect.right() + 6
    return -math.inf


def paint_mark_labels(p: QPainter, geo: Geometry, history: SpaceTimeHistory, now: float,
                 theme: Theme, lane_index: dict[str, int], font: QFont) -> None:
    small = QFont(font)
    small.setPointSizeF(max(6.5, font.pointSizeF() - 1.5))
    p.setFont(small)
    metrics = QFontMetricsF(small)
    fg, danger = theme.qcolor("fg"), theme.qcolor("danger")
    for mark, label in layout_mark_labels(geo, history, now, lane_index, metrics):
        p.setPen(danger if mark.kind == "nodedown" else fg)
        p.drawText(QPointF(label.rect.x(), label.rect.y() + metrics.ascent()), label.text)
    p.setFont(font)


def paint_selected_label(p: QPainter, geo: Geometry, history: SpaceTimeHistory, seg: Segment,
                    theme: Theme, font: QFont) -> None:
    arrow = history.arrow(seg.id)
    if arrow is None:
        return
    text = f"{arrow.kind}: {arrow.summary}"
    metrics = QFontMetricsF(font)
    text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, 360)
    w, h = metrics.horizontalAdvance(text) + 12, metrics.height() + 6
    x = min(max(geo.left, (seg.x1 + seg.x2) / 2 - w / 2), geo.right - w)
    y = min(seg.y1, seg.y2) - h - 4
    if y < AXIS_HEIGHT:
        y = max(seg.y1, seg.y2) + 4
    rect = QRectF(x, y, w, h)
    p.setPen(QPen(theme.qcolor("accent"), 1))
    p.setBrush(theme.qcolor("panel"))
    p.drawRoundedRect(rect, 4, 4)
    p.setPen(theme.qcolor("fg"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    p.setBrush(Qt.BrushStyle.NoBrush)
