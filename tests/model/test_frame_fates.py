"""How a frame in flight ends when its deliver is never heard (issue 11's hanging dots).

A whole-cluster window hears each peer's events over that peer's link: a peer's `send` can
reach it while the receiver's `deliver` never does (reported before the subscription reached
the receiver, dropped by a bounded buffer, the receiver out of sight). The model closes such a
frame from what it knows for sure and says how (`fate`), never inventing a deliver.
"""

from __future__ import annotations

from pgviz.events import (
    Deliver,
    Event,
    NodeDown,
    Overflow,
    Received,
    Send,
    Unwatched,
    frame_position,
)
from pgviz.model import ClusterModel

A, B, C, W = "a@h", "b@h", "c@h", "w@h"
AB = "5e55i"  # the tag of a's connection to b, as its frames are numbered on it


def send(fid: str, src: str = A, dst: str = B, t: float = 1.0, lc: int = 1) -> Send:
    return Send(src, t, lc, fid, src, dst, "user", 10, "hi")


def deliver(fid: str, src: str = A, dst: str = B, t: float = 2.0, lc: int = 9) -> Deliver:
    return Deliver(dst, t, lc, fid, src, dst, "user", 10, "hi")


def in_flight(m: ClusterModel) -> list[str]:
    return [f.id for f in m.snapshot().in_flight]


def test_a_frame_id_is_its_links_tag_and_its_number_on_it():
    assert frame_position("5e55i17") == ("5e55i", 17)
    assert frame_position("9a0a3") == ("9a0a", 3)
    assert frame_position("fresh") is None and frame_position("42") is None


def test_a_later_frame_delivered_on_the_same_link_closes_the_earlier_ones_as_arrived():
    """FIFO per link: frame 3 delivered means 1 and 2 arrived; their delivers were lost
    (an overflow) and are not invented: their fate says "arrived", not "delivered"."""
    m = ClusterModel([send(AB + "1"), send(AB + "2"), send(AB + "3"), send(AB + "4")])
    m.feed(Overflow(B, 1.5, 5, 2))
    m.feed(deliver(AB + "3"))
    assert in_flight(m) == [AB + "4"]
    assert [m.fate(AB + str(i)) for i in (1, 2, 3, 4)] == ["arrived", "arrived", "delivered",
                                                           None]
    assert m.snapshot().fates["arrived"] == 2 and m.snapshot().fates["delivered"] == 1


def test_fifo_is_per_link_and_per_connection():
    """A frame on another link, or on an earlier connection of the same one, is not closed by
    a deliver on this connection (the old connection's frames go with its nodedown)."""
    m = ClusterModel([send("0ldi7"), send("ac0i1", A, C), send(AB + "1"), send(AB + "2")])
    assert in_flight(m) == ["ac0i1", AB + "1", AB + "2"]  # "0ldi7": a newer connection came
    assert m.fate("0ldi7") == "unknown"
    m.feed(deliver(AB + "2"))
    assert in_flight(m) == ["ac0i1"]


def test_a_deliver_heard_before_its_send_still_closes_the_frames_ahead_of_it():
    m = ClusterModel([deliver(AB + "2"), send(AB + "1"), send(AB + "2")])
    assert in_flight(m) == []
    assert (m.fate(AB + "1"), m.fate(AB + "2")) == ("arrived", "delivered")


def test_the_receivers_watermark_closes_what_it_received_before_the_watcher_came():
    """A frame sent after the watch reached the sender and delivered before it reached the
    receiver: the receiver's `received` watermark (sent with its state) closes it, whichever
    of the two a window hears first."""
    m = ClusterModel([send(AB + "1"), send(AB + "2"), send(AB + "3")])
    m.feed(Received(B, 3.0, 10, A, AB + "2"))
    assert in_flight(m) == [AB + "3"]
    assert m.fate(AB + "2") == "arrived"
    m.feed(send("ac0i1", A, C))  # another link: not covered
    assert in_flight(m) == [AB + "3", "ac0i1"]
    late = ClusterModel([Received(B, 3.0, 10, A, AB + "2"), send(AB + "1"), send(AB + "3")])
    assert in_flight(late) == [AB + "3"] and late.fate(AB + "1") == "arrived"


def test_a_link_down_loses_its_frames_until_a_late_deliver_says_otherwise():
    """The sender's nodedown can reach a window before the receiver's deliver: "lost" is
    then corrected to "delivered", and frames ahead of it to "arrived"."""
    m = ClusterModel([send(AB + "1"), send(AB + "2"), send(AB + "3")])
    m.feed(NodeDown(A, 3.0, 5, B, "connection closed"))
    assert in_flight(m) == []
    assert {m.fate(AB + str(i)) for i in (1, 2, 3)} == {"lost"}
    m.feed(deliver(AB + "2", t=2.5))
    assert [m.fate(AB + str(i)) for i in (1, 2, 3)] == ["arrived", "delivered", "lost"]
    assert m.snapshot().fates["lost"] == 1
    assert in_flight(m) == []  # a late deliver puts nothing back in flight


def test_a_receiver_out_of_sight_leaves_its_frames_unknown_and_a_watermark_resolves_them():
    """The window's own link to b goes down: what b delivers from now on it cannot hear.
    Frames to b end "unknown" (the window's own frames to b are lost with its link); when b
    is back, its watermark says which arrived."""
    m = ClusterModel([send(AB + "1"), send(AB + "2"), send("77wi1", W, B), send("9c0i1", A, C)])
    m.feed(Unwatched(W, 3.0, 5, B))
    assert in_flight(m) == ["77wi1", "9c0i1"]
    assert m.fate(AB + "1") == m.fate(AB + "2") == "unknown"
    m.feed(NodeDown(W, 3.0, 6, B, "disconnect"))
    assert in_flight(m) == ["9c0i1"] and m.fate("77wi1") == "lost"
    m.feed(Received(B, 4.0, 20, A, AB + "1"))
    assert (m.fate(AB + "1"), m.fate(AB + "2")) == ("arrived", "unknown")
    m.feed(deliver(AB + "2", t=4.5))
    assert m.fate(AB + "2") == "delivered"


def test_the_fates_survive_a_copy():
    m = ClusterModel([send(AB + "1"), send(AB + "2")])
    other = m.copy()
    other.feed(deliver(AB + "2"))
    assert in_flight(m) == [AB + "1", AB + "2"] and in_flight(other) == []
    assert other.fate(AB + "1") == "arrived" and m.fate(AB + "1") is None


def test_a_whole_cluster_window_ends_with_nothing_in_flight_after_its_feed_had_gaps():
    """A long feed as a whole-cluster window hears it: three links, the receiver's delivers
    partly lost (overflow, subscription race) and partly heard; after the last frame on each
    link is delivered nothing hangs, and every frame's fate is delivered or arrived."""
    events: list[Event] = []
    lc = 0
    tags = {(A, B): "aai", (B, C): "bbi", (C, A): "cci"}
    for i in range(1, 301):
        for (src, dst), tag in tags.items():
            lc += 1
            events.append(send(f"{tag}{i}", src, dst, t=i, lc=lc))
            if i % 7 and i != 150:  # some delivers never heard
                events.append(deliver(f"{tag}{i}", src, dst, t=i + 0.5, lc=lc + 1000))
    for (src, dst), tag in tags.items():
        events.append(deliver(f"{tag}300", src, dst, t=400, lc=9999))
    m = ClusterModel(events)
    assert in_flight(m) == []
    fates = m.snapshot().fates
    assert fates["lost"] == fates["unknown"] == 0
    assert fates["arrived"] == 3 * (300 // 7 + 1)
