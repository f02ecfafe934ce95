"""The window draws its ClusterModel's snapshots, and only them: members, links, peers and
message dots follow the events fed to the model; "my node" and "whole cluster" are two
pictures of the same snapshot."""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QToolButton

from pgviz.events import Join, NodeDown, NodeUp, ScopeView, Send
from pgviz.runtime import Pid
from pgviz.wire.terms import short_node

from .drivers import connect_cluster, join_one, shown_pids, tree_pids

BOB, CAROL = "bob@127.0.0.1", "carol@127.0.0.1"


def _feed_cluster(w):
    """A made-up three-node cluster, fed to alice's window as events (no bob, no carol run):
    alice sees a1 and b1 in chat; bob sees b1 and a1; carol sees c1 in news and not yet the
    others (a partition just healed: two truths)."""
    me = w.session.name
    a1, b1, c1 = Pid(me, 901, 0, 1), Pid(BOB, 7, 0, 1), Pid(CAROL, 8, 0, 1)
    t, lc = 1000.0, 0
    for src, dst in ((me, BOB), (me, CAROL), (BOB, me), (BOB, CAROL), (CAROL, me), (CAROL, BOB)):
        lc += 1
        w.session.feed(NodeUp(src, t, lc, dst))
    w.session.feed(ScopeView(me, t, 10, "pg", (("chat", (b1, a1)),)))
    w.session.feed(ScopeView(BOB, t, 11, "pg", (("chat", (a1, b1)),)))
    w.session.feed(ScopeView(CAROL, t, 12, "pg", ()))
    w.session.feed(Join(CAROL, t, 13, "pg", "news", (c1,)))
    return a1, b1, c1


def test_window_draws_members_links_and_peers_from_model_events(qtbot, open_windows):
    (alice,) = open_windows("alice")
    a1, b1, c1 = _feed_cluster(alice)
    qtbot.waitUntil(lambda: len(alice.view.peers) == 2, timeout=2000)
    me = alice.session.name
    # my node: alice's own links solid, bob-carol quieter; alice's view of the members
    pic = alice.view.picture
    assert not pic.whole
    assert pic.links == {frozenset((me, BOB)), frozenset((me, CAROL))}
    assert pic.mesh == {frozenset((BOB, CAROL))}
    assert shown_pids(alice) == {a1, b1}
    assert tree_pids(alice) == [str(a1), str(b1)]
    assert [(g.group, g.members, g.local) for g in pic.groups] == [("chat", 2, 1)]
    assert "chat" in alice.view.legend.text()
    assert alice.status["Members"].text() == "2 members · 1 group"
    # alice loses bob: he is shown as not connected, and so is his link to carol
    alice.session.feed(NodeDown(me, 1001.0, 20, BOB, "disconnected"))
    qtbot.waitUntil(lambda: alice.view.peers == (CAROL,), timeout=2000)
    assert alice.view.ghosts == (BOB,)
    assert frozenset((BOB, CAROL)) not in alice.view.picture.links  # one end said down


def test_whole_cluster_shows_every_nodes_own_members_and_links(qtbot, open_windows):
    (alice,) = open_windows("alice")
    a1, b1, c1 = _feed_cluster(alice)
    qtbot.waitUntil(lambda: shown_pids(alice) == {a1, b1}, timeout=2000)
    action = alice.actions_["wholeCluster"]
    button = alice.findChild(QToolButton, "wholeClusterToolButton")
    assert action.objectName() == "wholeClusterAction" and action.isCheckable()
    assert button is not None and button.accessibleName().startswith("Whole cluster")
    button.click()
    assert action.isChecked() and alice.view.picture.whole
    # each node's own members, from its own view: c1 appears, around carol
    assert shown_pids(alice) == {a1, b1, c1}
    assert {short_node(m.node) for m in alice.view.members if m.pid == c1} == {"carol"}
    assert alice.view.picture.links == {frozenset(p) for p in
                                         ((alice.session.name, BOB), (alice.session.name, CAROL),
                                          (BOB, CAROL))}
    assert alice.view.picture.mesh == frozenset()
    assert "whole cluster" in alice.view.mode_label.text()
    button.click()
    assert not alice.view.picture.whole and shown_pids(alice) == {a1, b1}
    assert "my node" in alice.view.mode_label.text()


def test_a_send_event_starts_a_dot_on_its_link(qtbot, open_windows):
    """My node: only this node's links carry dots; whole cluster: every link."""
    (alice,) = open_windows("alice")
    _feed_cluster(alice)
    qtbot.waitUntil(lambda: len(alice.view.peers) == 2, timeout=2000)
    scheduler = alice.view.animator.scheduler
    alice.session.feed(Send(BOB, 1002.0, 30, "f1", BOB, CAROL, "user", 10, "hi"))
    assert (BOB, CAROL) not in alice.view.animator.scheduler.links()
    alice.session.feed(Send(BOB, 1002.0, 31, "f2", BOB, alice.session.name, "join", 10, "j"))
    assert (BOB, alice.session.name) in alice.view.animator.scheduler.links()
    alice.set_whole_cluster(True)
    alice.session.feed(Send(BOB, 1002.0, 32, "f3", BOB, CAROL, "user", 10, "hi"))
    scheduler = alice.view.animator.scheduler
    assert (BOB, CAROL) in scheduler.links()
    assert alice.view.animator.running
    # the dot is drawn on the bob-carol segment
    alice.view.animator.tick()
    (x, y, kind, _), = [d for d in alice.view.dot_layer.frame if d[2] == "user"]
    bx, by = alice.view.node_position(BOB)
    cx, cy = alice.view.node_position(CAROL)
    assert min(bx, cx) - 20 <= x <= max(bx, cx) + 20 and min(by, cy) - 20 <= y <= max(by, cy) + 20
    qtbot.waitUntil(lambda: not alice.view.animator.running, timeout=5000)


def test_live_cluster_windows_agree_and_idle(qtbot, open_windows, run):
    """Three live windows: every window shows every member (from Join events), the whole
    cluster view carries dots between two other nodes, and once quiet no timer runs."""
    alice, bob, carol = open_windows("alice", "bob", "carol", whole=True)
    connect_cluster(qtbot, alice, bob, carol)
    pids = {join_one(qtbot, w, "chat") for w in (alice, bob, carol)}
    for w in (alice, bob, carol):
        qtbot.waitUntil(lambda w=w: shown_pids(w) == pids, timeout=5000)
        qtbot.waitUntil(lambda w=w: len(w.view.picture.links) == 3, timeout=5000)
    dots = []
    add_message = alice.view.add_message
    alice.view.add_message = lambda src, dst, kind, count=1: (
        dots.append((src, dst, kind)), add_message(src, dst, kind, count))
    bob.panel.group_combo.setEditText("chat")
    bob.commands.broadcast()
    qtbot.waitUntil(lambda: (bob.session.name, carol.session.name, "user") in dots,
                    timeout=5000)  # a dot between two other nodes, in alice's window
    for w in (alice, bob, carol):
        qtbot.waitUntil(lambda w=w: not any(t.isActive() for t in w.findChildren(QTimer))
                        and not w.view.animator.running, timeout=15000)
