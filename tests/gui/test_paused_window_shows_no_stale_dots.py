"""A paused whole-cluster window draws every frame the model holds in flight at the end of its
link. A frame whose deliver the window never heard used to stay there for good (issue 11);
it goes as soon as the model knows how it ended, and only then (Qt-free: the dots' maths)."""

from pgviz.events import Clock, Deliver, NodeDown, Received, Send
from pgviz.gui.flights import flight_dots
from pgviz.model import ClusterModel

A, B, C = "a@h", "b@h", "c@h"
AB, CB = "5e55i", "c0b1a"


def everywhere(src, dst):
    return True


def send(t, lc, fid, src=A, dst=B):
    return Send(src, t, lc, fid, src, dst, "user", 10, "hi", 0.0)


def deliver(t, lc, fid, src=A, dst=B):
    return Deliver(dst, t, lc, fid, src, dst, "user", 10, "hi")


def ids(model, now=50.0):
    dots, moving = flight_dots(model.traffic(), now, everywhere)
    assert not moving
    return sorted(i for d in dots for i in d.ids)


def test_frames_whose_delivers_went_unheard_do_not_wait_at_the_end_of_their_link():
    # sent live, their delivers lost to the window (b's events were not forwarded yet)
    m = ClusterModel([send(1.0, 1, AB + "1"), send(1.1, 2, AB + "2"), send(1.2, 3, CB + "7", C),
                      Clock(A, 10.0, 9, "pause")])
    assert ids(m) == [AB + "1", AB + "2", CB + "7"]  # paused: every frame held is a dot
    m.feed(Clock(A, 11.0, 10, "live"))
    m.feed(send(12.0, 11, AB + "3"))
    m.feed(deliver(12.1, 12, AB + "3"))  # FIFO: 1 and 2 arrived before it
    m.feed(Received(B, 12.2, 13, C, CB + "7"))  # b's watermark for its link from c
    m.feed(Clock(A, 20.0, 14, "pause"))
    assert ids(m) == []
    assert [m.fate(f) for f in (AB + "1", AB + "2", AB + "3", CB + "7")] == [
        "arrived", "arrived", "delivered", "arrived"]


def test_a_frame_still_on_the_way_keeps_its_dot_and_a_cut_link_takes_it():
    m = ClusterModel([send(1.0, 1, AB + "1"), send(1.1, 2, AB + "2"), deliver(1.2, 3, AB + "1"),
                      Clock(A, 10.0, 9, "pause")])
    assert ids(m) == [AB + "2"]  # nothing says it arrived: it is held, it waits
    m.feed(NodeDown(A, 11.0, 10, B, "partition"))
    assert ids(m) == [] and m.fate(AB + "2") == "lost"
