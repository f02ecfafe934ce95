"""The real frames' dots (Qt-free): placed by network time, FIFO per link, stacked with a count
when they wait; the slider's log scale; picking a link; splitting the cluster in halves."""

import pytest

from pgviz.events import Clock, Send
from pgviz.gui.flights import flight_dots
from pgviz.gui.net_commands import halves
from pgviz.gui.picking import link_at
from pgviz.gui.transport_bar import seconds_to_slider, slider_to_seconds
from pgviz.model import ClusterModel

A, B, C = "a@h", "b@h", "c@h"


def everywhere(src, dst):
    return True


def send(t, lc, fid, src=A, dst=B, kind="user", travel=2.0):
    return Send(src, t, lc, fid, src, dst, kind, 10, "hi", travel)


def test_a_slow_frame_moves_with_network_time_and_waits_at_the_end_until_delivered():
    m = ClusterModel([Clock(A, 0.0, 1, "slow", 2.0), send(10.0, 2, "f1")])
    (dot,), moving = flight_dots(m.traffic(), 11.0, everywhere)
    assert dot.progress == pytest.approx(0.5) and dot.ids == ("f1",) and moving
    (dot,), moving = flight_dots(m.traffic(), 30.0, everywhere)
    assert dot.progress == 1.0 and not moving  # arrived: it waits for its deliver event


def test_paused_frames_do_not_move_and_frames_sent_live_during_the_pause_wait_at_the_end():
    m = ClusterModel([Clock(A, 0.0, 1, "slow", 2.0), send(10.0, 2, "f1"),
                      Clock(A, 11.0, 3, "pause", 2.0), send(11.5, 4, "f2", A, C, travel=0.0)])
    dots, moving = flight_dots(m.traffic(), 15.0, everywhere)
    assert not moving
    where = {d.ids: d.progress for d in dots}
    assert where[("f1",)] == pytest.approx(0.5) and where[("f2",)] == 1.0
    assert flight_dots(m.traffic(), 99.0, everywhere)[0] == dots


def test_a_live_frame_is_left_to_the_live_animation():
    m = ClusterModel([send(10.0, 2, "f1", travel=0.0)])
    assert flight_dots(m.traffic(), 10.0, everywhere) == ([], False)


def test_frames_never_overtake_on_a_link_and_waiting_frames_stack_with_a_count():
    m = ClusterModel([Clock(A, 0.0, 1, "slow", 1.0), send(10.0, 2, "f1", kind="join"),
                      send(10.0, 3, "f2"), send(10.5, 4, "f3"),
                      Send(A, 10.6, 5, "f4", A, B, "user", 10, "hi", 0.2)])  # latency gone
    dots, _ = flight_dots(m.traffic(), 10.7, everywhere)
    # f4 alone would be half-way, past f3: it is held behind f3 and drawn with it
    assert [(d.ids, d.kind, round(d.progress, 2)) for d in dots] == [
        (("f1", "f2"), "user", 0.35), (("f3", "f4"), "user", 0.1)]
    dots, _ = flight_dots(m.traffic(), 13.0, everywhere)
    (dot,) = dots  # all at the end of the link, one dot
    assert dot.ids == ("f1", "f2", "f3", "f4") and dot.count == 4 and dot.progress == 1.0


def test_hidden_kinds_and_links_outside_the_picture_are_not_drawn():
    m = ClusterModel([Clock(A, 0.0, 1, "slow", 2.0), send(10.0, 2, "f1", kind="sync"),
                      send(10.0, 3, "f2", A, C)])
    dots, _ = flight_dots(m.traffic(), 10.5, lambda s, d: d == B, frozenset({"pg"}))
    assert dots == []
    dots, _ = flight_dots(m.traffic(), 10.5, lambda s, d: d == B)
    assert [d.ids for d in dots] == [("f1",)] and dots[0].kind == "pg"


def test_the_travel_slider_is_logarithmic_from_a_quarter_second_to_ten_seconds():
    assert slider_to_seconds(0) == 0.25 and slider_to_seconds(100) == 10.0
    assert slider_to_seconds(50) == pytest.approx(1.58, abs=0.01)  # geometric middle
    for s in (0.25, 0.5, 1.0, 1.5, 3.0, 10.0):
        assert slider_to_seconds(seconds_to_slider(s)) == pytest.approx(s, rel=0.04)


def test_a_link_is_picked_along_its_line_but_not_on_its_nodes():
    pos = {A: (0.0, 0.0), B: (100.0, 0.0), C: (0.0, 100.0)}
    links = [frozenset((A, B)), frozenset((A, C))]
    radius = lambda n: 10.0  # noqa: E731
    assert link_at(links, pos, radius, 50.0, 3.0, 5.0) == (A, B)
    assert link_at(links, pos, radius, 2.0, 60.0, 5.0) == (A, C)
    assert link_at(links, pos, radius, 5.0, 1.0, 5.0) is None  # on node a
    assert link_at(links, pos, radius, 50.0, 30.0, 5.0) is None


def test_split_in_two_halves():
    assert halves(["c", "a", "b"]) == [["a", "b"], ["c"]]
    assert halves(["a", "b", "c", "d"]) == [["a", "b"], ["c", "d"]]
