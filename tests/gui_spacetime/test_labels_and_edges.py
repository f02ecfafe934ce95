"""What the space-time diagram shows at its edges: labels whole or not at all (never a
fragment under the lane-name column or cut by the right edge), a time axis that starts at 0 s
(never negative seconds before the first event), and pictures without a stray band."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QImage

from pgviz.events import Join, NodeDown
from pgviz.gui.spacetime import SpaceTimeView
from pgviz.gui.spacetime_export import save_png, save_svg, view_of_recording
from pgviz.gui.spacetime_geometry import LABEL_WIDTH
from pgviz.model.recording import Recording
from pgviz.wire.terms import Pid

from .test_spacetime import T0, A, B, C, deliver, scene, send


def join(node, t, group="room"):
    return Join(node=node, t=t, lc=1, scope="pg", group=group, pids=(Pid(node, 1, 0, 1),))


def view_of(qtbot, events, now, size=(900, 300), scale=100.0):
    clock = {"now": now}
    view = SpaceTimeView(clock=lambda: clock["now"], scale=scale)
    qtbot.addWidget(view)
    view.feed_many(events)
    view.resize(*size)
    view.show()
    qtbot.waitUntil(view.isVisible)
    return view


def ink_columns(image: QImage, background: QColor, x1: int, x2: int, y1: int, y2: int
                ) -> list[int]:
    """The columns in [x1, x2) with a pixel far from the background between rows y1 and y2."""
    out = []
    for x in range(max(0, x1), min(image.width(), x2)):
        for y in range(max(0, y1), min(image.height(), y2)):
            c = image.pixelColor(x, y)
            if (abs(c.red() - background.red()) + abs(c.green() - background.green())
                    + abs(c.blue() - background.blue())) > 90:
                out.append(x)
                break
    return out


def label_rows(view: SpaceTimeView, lane: int) -> tuple[int, int]:
    """The rows where a mark's label on this lane is written (above the lane, clear of the
    mark itself)."""
    y = view.geometry_now().lane_y(lane)
    return int(y - 22), int(y - 7)


def test_a_label_scrolled_under_the_name_column_leaves_no_fragment(qtbot):
    # alice joins at T0; later events make the history long enough to scroll
    events = [join(A, T0), join(B, T0 + 8.0), send("m", A, B, T0 + 8.5),
              deliver("m", A, B, T0 + 8.6)]
    view = view_of(qtbot, events, now=T0 + 9.0)
    geo = view.geometry_now()
    # the join's diamond 10 px under the name column: "+room" would start at left - 7
    view.scroll_to(T0 + 10 / geo.scale + (geo.right - geo.left) / geo.scale)
    image = view.grab().toImage()
    assert abs(view.geometry_now().x(T0) - (LABEL_WIDTH - 10)) < 0.5
    y1, y2 = label_rows(view, 0)
    bg = view.theme.qcolor("scene_bg")
    assert ink_columns(image, bg, LABEL_WIDTH, LABEL_WIDTH + 60, y1, y2) == []


def test_a_label_at_the_right_edge_goes_whole_before_its_mark(qtbot):
    events = [join(A, T0), join(B, T0 + 0.5),
              NodeDown(node=A, t=T0 + 3.0, lc=5, peer=C, reason="connection_closed")]
    view = view_of(qtbot, events, now=T0 + 3.0, size=(600, 260), scale=200)
    assert view.following
    image = view.grab().toImage()
    mark_x = round(view.geometry_now().x(T0 + 3.0))
    assert image.width() - mark_x < 45  # "✕ carol" after the mark would not fit
    y1, y2 = label_rows(view, 0)
    bg = view.theme.qcolor("scene_bg")
    assert ink_columns(image, bg, mark_x + 3, image.width(), y1, y2) == []
    before = ink_columns(image, bg, mark_x - 70, mark_x - 2, y1, y2)
    assert before and max(before) - min(before) > 25  # the whole "✕ carol", before the ✕


def axis_texts(view: SpaceTimeView, tmp_path) -> list[str]:
    svg = save_svg(view, tmp_path / "axis.svg").read_text()
    return [t.strip() for t in re.findall(r">([^<>]*\bs)\s*<", svg)]


def test_the_time_axis_starts_at_0_s_and_never_shows_negative_seconds(qtbot, tmp_path):
    view = view_of(qtbot, [join(A, T0), join(B, T0 + 0.4)], now=T0 + 0.5, scale=160)
    geo = view.geometry_now()
    assert geo.view_start >= T0 - 1e-9  # the history's first event at the left edge
    texts = axis_texts(view, tmp_path)
    assert "0 s" in texts and "1 s" in texts
    assert not [t for t in texts if t.startswith(("-", "−"))], texts
    view.scroll_to(T0 - 5.0)  # the wheel, far back: still nothing before the start
    assert view.geometry_now().view_start >= T0 - 1e-9
    assert not [t for t in axis_texts(view, tmp_path) if t.startswith(("-", "−"))]


def test_an_exported_png_has_the_diagram_background_to_its_right_edge(qtbot, tmp_path):
    events = scene() + [deliver("slow1", B, A, T0 + 3.5)]
    view = view_of_recording(Recording({"nodes": []}, events), width=1000)
    qtbot.addWidget(view)
    image = QImage(str(save_png(view, tmp_path / "d.png")))
    bg = view.theme.qcolor("scene_bg")
    for x in range(image.width() - 40, image.width()):
        assert image.pixelColor(x, image.height() - 3) == bg, x


def test_a_replay_shows_lanes_not_window_grey_after_the_playhead(qtbot):
    view = view_of(qtbot, scene() + [deliver("slow1", B, A, T0 + 3.5)], now=T0 + 4.0)
    view.set_time(T0 + 0.55)
    image = view.grab().toImage()
    geo = view.geometry_now()
    playhead = geo.x(T0 + 0.55)
    assert playhead < image.width() - 50
    bg = view.theme.qcolor("scene_bg")
    x = image.width() - 10
    assert image.pixelColor(x, image.height() - 3) == bg
    lane = round(geo.lane_y(1))
    assert image.pixelColor(x, lane) != bg  # the lane goes on, empty, into the future


def test_two_peers_lost_at_once_read_as_one_label(qtbot):
    """A split takes carol and dave from alice at the same moment: one label names both
    (the second no longer vanishes behind the first)."""
    from PySide6.QtGui import QFont, QFontMetricsF

    from pgviz.gui.spacetime_text import layout_mark_labels

    D = "dave@h"
    events = [join(A, T0), join(B, T0 + 0.1), join(C, T0 + 0.2), join(D, T0 + 0.3),
              NodeDown(node=A, t=T0 + 1.0, lc=5, peer=C, reason="connection_closed"),
              NodeDown(node=A, t=T0 + 1.001, lc=6, peer=D, reason="connection_closed")]
    view = view_of(qtbot, events, now=T0 + 2.0)
    geo = view.geometry_now()
    lanes = {n: i for i, n in enumerate(geo.lanes)}
    labels = [label.text for mark, label in
              layout_mark_labels(geo, view.history, T0 + 2.0, lanes, QFontMetricsF(QFont()))
              if mark.node == A]
    assert labels == ["+room", "✕ carol, dave"]
