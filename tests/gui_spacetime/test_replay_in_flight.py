"""A frame in flight at a replay's playhead is one mark: a line from its send to the playhead's
time, ending in the one dot that shows where the frame is then (never also the cut-off piece
of the arrow it will become); the cached layer of a replay holds only what ended by the
playhead, grows as the playhead plays and is drawn again when it goes back."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPainter

from pgviz.events import Clock, Join
from pgviz.gui.spacetime import SpaceTimeView
from pgviz.wire.terms import Pid

from .test_spacetime import T0, A, B, deliver, send


def replay_view(qtbot, events, playhead, size=(900, 300), scale=300.0):
    view = SpaceTimeView(scale=scale)
    qtbot.addWidget(view)
    view.feed_many(events)
    view.set_time(playhead)
    view.resize(*size)
    view.show()
    qtbot.waitUntil(view.isVisible)
    return view


def near(c: QColor, target: QColor, tolerance: int = 60) -> bool:
    return (abs(c.red() - target.red()) + abs(c.green() - target.green())
            + abs(c.blue() - target.blue())) <= tolerance


def crossings(image: QImage, x: int, y1: int, y2: int, colour: QColor) -> int:
    """How many separate runs of `colour` the column x crosses between rows y1 and y2."""
    runs, inside = 0, False
    for y in range(y1, y2):
        hit = near(image.pixelColor(x, y), colour)
        if hit and not inside:
            runs += 1
        inside = hit
    return runs


# alice sends m to bob at T0+0.2 in slow motion (1 s a link); frames ahead hold it, so it
# arrives only at T0+2.0: its arrow and its flight part ways
HELD = [Join(node=A, t=T0, lc=1, scope="pg", group="room", pids=(Pid(A, 1, 0, 1),)),
        send("m", A, B, T0 + 0.2, travel=1.0), deliver("m", A, B, T0 + 2.0)]


def test_a_frame_in_flight_at_the_playhead_is_one_line_and_one_dot(qtbot):
    view = replay_view(qtbot, HELD, T0 + 0.8)
    image = view.grab().toImage()
    geo = view.geometry_now()
    colour = view.theme.qcolor("user_dot")
    y_alice, y_bob = int(geo.lane_y(0)), int(geo.lane_y(1))
    send_x, play_x = geo.x(T0 + 0.2), geo.x(T0 + 0.8)
    for k in (0.3, 0.5, 0.7):  # columns between the send and the dot
        x = int(send_x + k * (play_x - send_x))
        assert crossings(image, x, y_alice - 30, y_bob - 8, colour) == 1, (k, x)
    # the one dot: where the frame is at the playhead (60 % of its 1 s way), at the playhead
    (seg,) = [s for s in view._segments if s.id == "m"]
    assert abs(seg.x2 - play_x) < 1.0
    assert abs(seg.y2 - (geo.lane_y(0) + 0.6 * (geo.lane_y(1) - geo.lane_y(0)))) < 1.0
    # nothing of the frame after the playhead
    for x in range(int(play_x) + 8, int(geo.x(T0 + 2.0)) + 4, 7):
        assert crossings(image, x, y_alice - 30, y_bob + 8, colour) == 0, x


def test_after_its_deliver_the_same_frame_is_one_arrow(qtbot):
    view = replay_view(qtbot, HELD, T0 + 2.1)
    image = view.grab().toImage()
    geo = view.geometry_now()
    colour = view.theme.qcolor("user_dot")
    send_x, end_x = geo.x(T0 + 0.2), geo.x(T0 + 2.0)
    for k in (0.25, 0.5, 0.75):
        x = int(send_x + k * (end_x - send_x))
        assert crossings(image, x, int(geo.lane_y(0)) - 30, int(geo.lane_y(1)) - 8,
                         colour) == 1, k
    (seg,) = [s for s in view._segments if s.id == "m"]
    assert abs(seg.x2 - end_x) < 1.0 and abs(seg.y2 - geo.lane_y(1)) < 1.0


def test_in_a_replay_paused_there_the_line_reaches_the_playhead_and_the_dot_waits(qtbot):
    # the recording ends with the network clock paused; the join is sent during the pause
    events = [Join(node=A, t=T0, lc=1, scope="pg", group="room", pids=(Pid(A, 1, 0, 1),)),
              send("w", A, B, T0 + 0.1, travel=1.0),
              Clock(node=A, t=T0 + 0.4, lc=2, mode="pause"),
              send("j", A, B, T0 + 0.8, "join"),
              Join(node=B, t=T0 + 1.5, lc=3, scope="pg", group="chat",
                   pids=(Pid(B, 1, 0, 1),))]
    view = replay_view(qtbot, events, T0 + 1.0)
    view.grab()
    geo = view.geometry_now()
    segs = {s.id: s for s in view._segments}
    # both lines run to the playhead's time, not to the pause's start or the send
    assert abs(segs["w"].x2 - geo.x(T0 + 1.0)) < 1.0
    assert abs(segs["j"].x2 - geo.x(T0 + 1.0)) < 1.0
    waiting = segs["w"].y2
    assert abs(waiting - (geo.lane_y(0) + 0.3 * (geo.lane_y(1) - geo.lane_y(0)))) < 1.0
    view.set_time(T0 + 1.3)
    view.grab()
    later = {s.id: s for s in view._segments}["w"]
    assert later.y2 == waiting and abs(later.x2 - geo.x(T0 + 1.3)) < 1.0


def _paint(view):
    image = QImage(view.width(), view.height(), QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    view._paint_cached(painter)
    painter.end()
    return image


def test_playing_grows_the_cached_layer_and_a_step_back_draws_it_again(qtbot):
    events = [Join(node=A, t=T0, lc=1, scope="pg", group="room", pids=(Pid(A, 1, 0, 1),))]
    for i in range(20):
        t = T0 + 0.1 * i
        events += [send(f"f{i}", A, B, t), deliver(f"f{i}", A, B, t + 0.25)]
    view = SpaceTimeView(scale=200)
    qtbot.addWidget(view)
    view.feed_many(events)
    view.resize(900, 300)

    def shown(t):
        """(ids drawn as arrived, ids drawn in flight) at playhead t."""
        view.set_time(t)
        _paint(view)
        ended = {e.id for e in events[1:] if e.t <= t and type(e).__name__ == "Deliver"}
        ids = [s.id for s in view._segments]
        assert len(ids) == len(set(ids)), ids  # no frame drawn twice
        return ended, set(ids) - ended

    view.set_time(T0 + 0.3)
    _paint(view)
    redraws = view._static.redraws
    for i in range(15):  # playing: the layer grows, no whole redraw
        ended, flying = shown(T0 + 0.3 + 0.1 * i)
        assert all(view.history.arrow(f).delivered > T0 + 0.3 + 0.1 * i for f in flying)
    assert view._static.redraws == redraws and view._static.extensions >= 10
    # a step back: what arrived after the playhead is no longer in the cached layer
    ended, flying = shown(T0 + 0.55)
    assert view._static.redraws == redraws + 1
    assert "f4" in flying and "f2" in ended  # f4 sent at 0.4, arrives at 0.65


def test_a_mark_at_the_playhead_is_drawn_whole(qtbot):
    # a step puts the playhead on an event: bob's join stands right at it
    events = [Join(node=A, t=T0, lc=1, scope="pg", group="room", pids=(Pid(A, 1, 0, 1),)),
              Join(node=B, t=T0 + 0.5, lc=2, scope="pg", group="room", pids=(Pid(B, 1, 0, 1),)),
              send("m", A, B, T0 + 0.6), deliver("m", A, B, T0 + 0.7)]
    view = replay_view(qtbot, events, T0 + 0.5)
    image = view.grab().toImage()
    geo = view.geometry_now()
    x, y = round(geo.x(T0 + 0.5)), round(geo.lane_y(1))
    bg = view.theme.qcolor("scene_bg")

    def inked(xs):
        return sum(1 for i in xs for j in range(y - 4, y + 5)
                   if not near(image.pixelColor(i, j), bg, 90)
                   and not near(image.pixelColor(i, j), view.theme.qcolor("mesh"), 90))

    left, right = inked(range(x - 5, x)), inked(range(x + 1, x + 6))
    assert right >= 0.7 * left > 0, (left, right)
