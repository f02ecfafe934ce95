"""The Qt-free pieces under the views: pictures made from snapshots, the event-order fixes,
the replay playhead, and the state a recording starts with."""

from pgviz.events import Deliver, Join, Leave, NodeDown, NodeUp, ScopeView, Send, Spawn
from pgviz.gui.event_fixes import mirrored, replay_order
from pgviz.gui.picture import dot_kind, make_picture
from pgviz.gui.playhead import Playhead
from pgviz.gui.recordings import opening_count, state_preamble
from pgviz.model import ClusterModel, Recording, Replay
from pgviz.runtime import Pid

A, B, C = "a@h", "b@h", "c@h"
a1, b1, c1 = Pid(A, 1, 0, 1), Pid(B, 1, 0, 1), Pid(C, 1, 0, 1)


def _cluster():
    m = ClusterModel()
    for x, y in ((A, B), (B, A), (B, C), (C, B)):
        m.feed(NodeUp(x, 1.0, 1, y))
    m.feed(ScopeView(A, 1.0, 2, "pg", (("chat", (a1, b1)),)))
    m.feed(ScopeView(B, 1.0, 2, "pg", (("chat", (b1,)),)))
    m.feed(Join(C, 1.0, 3, "pg", "news", (c1,)))
    m.feed(Join(C, 1.0, 4, "other", "x", (c1,)))
    return m


def test_my_node_picture_is_that_nodes_view():
    pic = make_picture(_cluster().snapshot(), A, "pg", whole=False)
    assert pic.peers == (B,) and pic.ghosts == (C,)  # c is known, not linked to a
    assert pic.links == {frozenset((A, B))} and pic.mesh == frozenset()
    assert [(m.pid, m.groups, m.local) for m in pic.members] == [(a1, ("chat",), True),
                                                                 (b1, ("chat",), False)]
    assert pic.shows_frames(A, B) and not pic.shows_frames(B, C)


def test_whole_cluster_picture_has_each_nodes_own_members():
    pic = make_picture(_cluster().snapshot(), A, "pg", whole=True)
    assert set(pic.peers) == {B, C} and pic.ghosts == ()
    assert pic.links == {frozenset((A, B)), frozenset((B, C))}
    assert {m.pid: m.groups for m in pic.members} == {a1: ("chat",), b1: ("chat",),
                                                       c1: ("news",)}
    assert pic.shows_frames(B, C)
    other = make_picture(_cluster().snapshot(), A, "other", whole=True)
    assert [m.pid for m in other.members] == [c1]


def test_own_idle_processes_are_shown_while_alive():
    m = _cluster()
    idle = Pid(A, 9, 0, 1)
    m.feed(Spawn(A, 2.0, 5, idle))
    pic = make_picture(m.snapshot(), A, "pg", whole=False, own_processes=[idle])
    assert any(x.pid == idle and x.groups == () for x in pic.members)
    m.feed(Leave(A, 2.0, 6, "pg", "chat", (a1,)))
    from pgviz.events import Exit
    m.feed(Exit(A, 2.0, 7, idle, "killed"))
    pic = make_picture(m.snapshot(), A, "pg", whole=False, own_processes=[idle])
    assert [x.pid for x in pic.members] == [b1]


def test_dot_kinds():
    assert [dot_kind(k) for k in ("user", "join", "sync", "MONITOR_P")] == [
        "user", "pg", "pg", "control"]


def test_replay_order_puts_sends_before_delivers_and_mirrors_nodedown():
    d = Deliver(A, 2.0, 5, "f1", B, A, "join", 9, "")
    s = Send(B, 1.9, 4, "f1", B, A, "join", 9, "")
    down = NodeDown(A, 3.0, 6, B, "closed")
    out = replay_order([d, s, down])
    assert out == [s, d, down, NodeDown(B, 3.0, 6, A, "closed")]
    assert mirrored(s) is None
    m = ClusterModel(out)
    assert m.snapshot().in_flight == () and m.snapshot().links == frozenset()


def test_playhead_moves_by_time_and_by_event():
    events = [Spawn(A, 10.0 + i, i + 1, Pid(A, i + 1, 0, 1)) for i in range(10)]
    ph = Playhead(Replay(Recording({}, events)))
    assert ph.count == 0 and ph.t == 10.0 and ph.duration == 9.0
    ph.step(3)
    assert ph.count == 3 and ph.t == 12.0
    ph.to_time(15.5)
    assert ph.count == 6
    ph.set_speed(100)
    assert ph.speed == 10.0
    ph.play()
    assert ph.advance(0.2) == (6, 8)  # 2 s of recording at 10x
    assert ph.advance(5.0) == (8, 10) and not ph.playing and ph.at_end
    ph.play()  # from the end: starts over
    assert ph.count == 0 and ph.playing


def test_preamble_rebuilds_the_cluster_it_was_taken_from():
    m = _cluster()
    m.feed(Spawn(B, 1.0, 9, b1))
    snap = m.snapshot()
    events = state_preamble(snap, t=5.0)
    assert {ev.lc for ev in events} == {0}
    rebuilt = ClusterModel(events).snapshot()
    assert rebuilt.links == snap.links and set(rebuilt.nodes) == set(snap.nodes)
    assert rebuilt.views == snap.views and rebuilt.processes == snap.processes
    assert opening_count(events + [Send(A, 5.1, 3, "f", A, B, "user", 1, "")]) == len(events)
    shell = [NodeUp(A, 5.0, 7, B), ScopeView(A, 5.0, 8, "pg", ()), Spawn(A, 5.0, 9, a1)]
    assert opening_count(shell) == 2
