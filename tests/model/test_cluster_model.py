"""ClusterModel folds events into snapshots: links, per-node views, frames in flight."""

from __future__ import annotations

import pytest

from pgviz import Pid
from pgviz.events import Deliver, Join, Leave, NodeDown, NodeUp, ScopeView, Send, Spawn
from pgviz.model import ClusterModel

A, B, C = "a@h", "b@h", "c@h"
pa, pb = Pid(A, 1, 0, 1), Pid(B, 7, 0, 1)


def test_links_follow_what_either_side_reports():
    m = ClusterModel([NodeUp(A, 1, 1, B), NodeUp(B, 1, 1, A), NodeUp(A, 2, 2, C)])
    snap = m.snapshot()
    assert snap.nodes == (A, B, C)
    assert snap.links == {frozenset({A, B}), frozenset({A, C})}
    m.feed(NodeDown(A, 3, 3, C, "noconnection"))
    assert m.snapshot().links == {frozenset({A, B})}


def test_each_node_keeps_its_own_view_so_a_partition_shows_two_truths():
    m = ClusterModel()
    m.feed(Join(A, 1, 1, "pg", "room", (pa,)))
    m.feed(Join(B, 1, 2, "pg", "room", (pa,)))
    m.feed(Join(B, 2, 3, "pg", "room", (pb,)))
    m.feed(Join(A, 2, 4, "pg", "room", (pb,)))
    assert m.snapshot().agreed("pg", "room")
    m.feed(Leave(A, 3, 5, "pg", "room", (pb,), "peer"))  # A lost B
    snap = m.snapshot()
    assert snap.members(A, "pg", "room") == (pa,)
    assert snap.members(B, "pg", "room") == (pb, pa)
    assert not snap.agreed("pg", "room")


def test_leave_removes_one_occurrence_and_empty_groups_vanish():
    m = ClusterModel([Join(A, 1, 1, "pg", "g", (pa, pa))])
    m.feed(Leave(A, 2, 2, "pg", "g", (pa,)))
    assert m.snapshot().members(A, "pg", "g") == (pa,)
    m.feed(Leave(A, 3, 3, "pg", "g", (pa,)))
    assert m.snapshot().groups(A) == []


def test_a_scope_view_replaces_what_was_known():
    m = ClusterModel([Join(A, 1, 1, "pg", "old", (pa,)), Join(A, 1, 2, "other", "x", (pa,))])
    m.feed(ScopeView(A, 2, 3, "pg", (("new", (pb, pa)),)))
    snap = m.snapshot()
    assert snap.groups(A, "pg") == [("pg", "new")]
    assert snap.members(A, "pg", "new") == (pb, pa)
    assert snap.members(A, "other", "x") == (pa,)


def test_frames_are_in_flight_from_send_to_deliver_and_lost_with_their_link():
    m = ClusterModel()
    m.feed(Send(A, 1, 1, "f1", A, B, "user", 10, "hi"))
    m.feed(Send(A, 1, 2, "f2", A, B, "join", 10, "join"))
    assert [f.id for f in m.snapshot().in_flight] == ["f1", "f2"]
    m.feed(Deliver(B, 2, 3, "f1", A, B, "user", 10, "hi"))
    assert [f.id for f in m.snapshot().in_flight] == ["f2"]
    m.feed(NodeDown(A, 3, 4, B, "killed"))
    assert m.snapshot().in_flight == ()


def test_snapshots_are_immutable_and_cached_until_the_next_event():
    m = ClusterModel([Spawn(A, 1, 1, pa)])
    s1 = m.snapshot()
    assert m.snapshot() is s1
    with pytest.raises(TypeError):
        s1.views[A] = {}  # type: ignore[index]
    m.feed(Spawn(A, 2, 2, Pid(A, 2, 0, 1)))
    s2 = m.snapshot()
    assert s2 is not s1 and s2.version > s1.version
    assert s1.processes[A] == {pa}


def test_selection_lives_in_the_model():
    m = ClusterModel()
    m.select("f1")
    assert m.snapshot().selected == "f1"
    m.select(None)
    assert m.snapshot().selected is None


def test_a_deliver_forwarded_before_its_send_leaves_nothing_in_flight():
    m = ClusterModel()
    m.feed(Deliver(B, 2, 3, "f1", A, B, "user", 10, "hi"))
    m.feed(Send(A, 1, 1, "f1", A, B, "user", 10, "hi"))
    assert m.snapshot().in_flight == ()


def test_a_nodedown_takes_the_link_down_whoever_reports_it():
    """A node that stops cannot report its own side: the survivor's report is enough."""
    m = ClusterModel([NodeUp(A, 1, 1, C), NodeUp(C, 1, 1, A)])
    m.feed(NodeDown(A, 2, 2, C, "connection closed"))
    assert m.snapshot().links == frozenset()


def test_a_slow_frame_moves_with_the_network_clock_and_freezes_while_paused():
    from pgviz.events import Clock

    m = ClusterModel([Clock(A, 0.0, 1, "slow", 2.0),
                      Send(A, 10.0, 2, "f1", A, B, "user", 10, "hi", 2.0)])
    frame, = m.snapshot().in_flight
    assert frame.travel == 2.0
    assert m.snapshot().progress(frame, 11.0) == pytest.approx(0.5)
    m.feed(Clock(A, 11.0, 3, "pause", 2.0))
    m.feed(Clock(B, 11.01, 3, "pause", 2.0))  # the same pause, reported by another node
    assert m.snapshot().paused
    assert m.snapshot().progress(frame, 50.0) == pytest.approx(0.5)
    m.feed(Clock(B, 60.0, 4, "slow", 2.0))
    snap = m.snapshot()
    assert not snap.paused and snap.pauses == ((11.0, 60.0),)
    assert snap.progress(frame, 60.5) == pytest.approx(0.75)
    assert snap.progress(frame, 99.0) == 1.0  # arrived, waiting for its deliver event
    live = Send(A, 100.0, 5, "f2", A, B, "user", 10, "hi")
    m.feed(live)
    assert m.snapshot().progress(m.snapshot().in_flight[-1], 100.5) is None


def test_the_whole_cluster_view_knows_which_members_a_node_has_not_seen_or_still_shows():
    m = ClusterModel([Join(A, 1, 1, "pg", "room", (pa,)), Join(B, 1, 2, "pg", "room", (pb,)),
                      Join(B, 2, 3, "pg", "room", (pa,))])
    snap = m.snapshot()
    assert snap.truth("pg", "room") == {pa, pb}
    assert snap.unseen(A, "pg", "room") == {pb} and snap.unseen(B, "pg", "room") == set()
    m.feed(Leave(A, 3, 4, "pg", "room", (pa,)))  # B has not heard yet
    snap = m.snapshot()
    assert snap.stale(B, "pg", "room") == {pa} and snap.stale(A, "pg", "room") == set()


def test_latency_set_back_to_zero_is_no_longer_a_fault():
    from pgviz.events import Fault

    m = ClusterModel([Fault(A, 1, 1, "delay", A, B, "200 ms"), Fault(A, 1, 2, "cut", A, C)])
    assert len(m.snapshot().faults) == 2
    m.feed(Fault(A, 2, 3, "delay", A, B, "0 ms"))
    assert [f.what for f in m.snapshot().faults] == ["cut"]


def test_traffic_is_a_light_snapshot_of_the_frames_and_clock_rebuilt_only_when_they_change():
    from pgviz.events import Clock

    m = ClusterModel([Clock(A, 0.0, 1, "slow", 2.0),
                      Send(A, 10.0, 2, "f1", A, B, "user", 10, "hi", 2.0)])
    traffic = m.traffic()
    assert [f.id for f in traffic.in_flight] == ["f1"] and traffic.clock.mode == "slow"
    assert traffic.progress(traffic.in_flight[0], 11.0) == pytest.approx(0.5)
    assert traffic.views == {}  # members are not copied for it
    m.feed(Join(A, 11, 3, "pg", "room", (pa,)))
    assert m.traffic() is traffic  # a join moves no dot
    m.feed(Clock(A, 11.0, 4, "pause", 2.0))
    paused = m.traffic()
    assert paused is not traffic and paused.paused
    m.feed(Deliver(B, 12.0, 5, "f1", A, B, "user", 10, "hi"))
    assert m.traffic().in_flight == ()
    m.feed(Send(A, 13.0, 6, "f2", A, B, "user", 10, "hi", 2.0))
    m.feed(NodeDown(B, 14.0, 7, A, "gone"))
    assert m.traffic().in_flight == () and m.copy().traffic().in_flight == ()


def test_members_of_a_node_that_reports_no_events_are_not_called_stale():
    """A BEAM node seen through the Erlang bridge has no view in the model: what the pgviz
    node shows of its members cannot be contradicted."""
    beam_pid = Pid("beam@h", 9, 0, 1)
    m = ClusterModel([Join(A, 1, 1, "pg", "room", (pa, beam_pid))])
    assert m.snapshot().stale(A, "pg", "room") == set()
