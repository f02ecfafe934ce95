"""New events are drawn onto the cached static layer (only the newest slice), not by a whole
redraw: the same arrows as a whole redraw, far cheaper; a band or a new lane redraws it all."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPainter

from pgviz.events import Clock, Join
from pgviz.gui.spacetime import SpaceTimeView
from pgviz.gui.spacetime_bench import measure_frame_ms
from pgviz.wire.terms import Pid

from .test_spacetime import T0, A, B, C, deliver, send


def _paint(view):
    image = QImage(view.width(), view.height(), QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    view._paint_cached(painter)
    painter.end()
    return image


def _view(now):
    view = SpaceTimeView(clock=lambda: now[0])
    view.resize(900, 300)
    view.set_scale(200)
    return view


def test_new_events_extend_the_layer_and_match_a_whole_redraw(qtbot):
    now = [T0 + 1]
    view = _view(now)
    qtbot.addWidget(view)
    view.feed_many([send("a", A, B, T0), deliver("a", A, B, T0 + 0.1),
                    send("b", B, C, T0 + 0.2), deliver("b", B, C, T0 + 0.3),
                    Join(node=A, t=T0, lc=1, scope="pg", group="room", pids=(Pid(A, 9, 0, 1),))])
    _paint(view)
    redraws = view._static.redraws
    for i in range(5):
        t = T0 + 0.4 + i * 0.1
        now[0] = t + 0.05
        view.feed(send(f"n{i}", A, C, t))
        view.feed(deliver(f"n{i}", A, C, t + 0.01))
        view.feed(Join(node=C, t=t + 0.02, lc=9, scope="pg", group="room",
                       pids=(Pid(C, i + 1, 0, 1),)))
        _paint(view)
    assert view._static.redraws == redraws  # no whole redraw for these
    assert view._static.extensions >= 5
    incremental = sorted(s.id for s in view._segments)
    view._static.invalidate()
    _paint(view)
    assert sorted(s.id for s in view._segments) == incremental
    assert {"n0", "n4", "a", "b"} <= set(incremental)


def test_a_pause_band_or_a_new_lane_redraws_the_whole_layer(qtbot):
    now = [T0 + 1]
    view = _view(now)
    qtbot.addWidget(view)
    view.feed_many([send("a", A, B, T0), deliver("a", A, B, T0 + 0.1)])
    _paint(view)
    redraws = view._static.redraws
    view.feed(Clock(node=A, t=T0 + 0.5, lc=3, mode="pause"))
    _paint(view)
    assert view._static.redraws == redraws + 1
    view.feed(send("c", B, C, T0 + 0.6))  # carol's lane appears
    view.feed(deliver("c", B, C, T0 + 0.61))
    _paint(view)
    assert view._static.redraws == redraws + 2


def test_a_frame_after_new_events_stays_under_4_ms(qtbot):
    result = measure_frame_ms(frames=40)
    assert result["frame_after_event_median_ms"] <= 4.0, result


def test_an_arrow_never_delivered_stops_keeping_a_timer(qtbot):
    """A window may hear a peer's send and never its deliver: drawn in flight, but no timer
    runs for it past its travel time and a grace."""
    now = [T0 + 10]
    view = _view(now)
    qtbot.addWidget(view)
    view.show()
    view.feed(send("fresh", A, B, T0 + 9.5))
    assert view._timer.isActive()
    now[0] = T0 + 12
    view.feed(send("slow", A, C, T0 + 8, travel=5.0))  # 4 s of its 5 along: still going
    assert view._timer.isActive()
    now[0] = T0 + 30
    view.feed(Join(node=A, t=T0 + 30, lc=5, scope="pg", group="g", pids=(Pid(A, 1, 0, 1),)))
    assert not view._timer.isActive()
    view.hide()
