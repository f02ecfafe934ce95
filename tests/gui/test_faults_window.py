"""Faults from the app, over real nodes on loopback: a link's menu (cut, heal, delay), the
Partition menu (isolate, two halves, heal all), a node's menu (crash, restart under the same
name), and the whole-cluster marks of members a node has not seen yet or still shows."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu, QSpinBox

from pgviz.gui.app import allow_restart, open_window

from .conftest import COOKIE
from .drivers import peers
from .test_transport_bar import cluster_of


def menu_action(menu: QMenu, object_name: str):
    for act in menu.findChildren(type(menu.menuAction())):
        if act.objectName() == object_name:
            return act
    raise AssertionError(f"no {object_name} in {[a.objectName() for a in menu.actions()]}")


def link_midpoint(w, a, b):
    (ax, ay), (bx, by) = w.view.node_position(a), w.view.node_position(b)
    # a little off the middle: clear of the cut's cross and of dots in the lanes
    return w.view.scene_to_widget(ax + (bx - ax) * 0.4, ay + (by - ay) * 0.4)


def open_link_menu(qtbot, w, a, b):
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=link_midpoint(w, a, b))
    qtbot.waitUntil(lambda: w.net.menu is not None and w.net.menu.isVisible(), timeout=2000)
    assert w.net.menu.objectName() == "linkMenu"
    return w.net.menu


def test_a_link_clicked_is_cut_then_healed_from_its_menu(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    a, b = alice.session.name, bob.session.name
    qtbot.waitUntil(lambda: frozenset((a, b)) in alice.view.picture.links, timeout=3000)
    menu = open_link_menu(qtbot, alice, a, b)
    assert not menu_action(menu, "linkHealAction").isEnabled()
    menu_action(menu, "linkCutAction").trigger()
    qtbot.waitUntil(lambda: peers(alice) == [] and peers(bob) == [], timeout=5000)
    qtbot.waitUntil(lambda: frozenset((a, b)) in alice.view.picture.cuts, timeout=3000)
    menu = open_link_menu(qtbot, alice, a, b)  # the broken line is clickable too
    assert not menu_action(menu, "linkCutAction").isEnabled()
    menu_action(menu, "linkHealAction").trigger()
    qtbot.waitUntil(lambda: peers(alice) == ["bob"] and peers(bob) == ["alice"], timeout=8000)
    qtbot.waitUntil(lambda: frozenset((a, b)) not in alice.view.picture.cuts, timeout=3000)


def test_a_link_is_delayed_both_ways_from_its_menu(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    a, b = alice.session.name, bob.session.name
    menu = open_link_menu(qtbot, alice, a, b)
    menu_action(menu, "linkDelay250Action").trigger()
    qtbot.waitUntil(lambda: bob.session.node.net.latencies() == {(a, b): 0.25, (b, a): 0.25},
                    timeout=5000)
    menu = open_link_menu(qtbot, alice, a, b)
    spin = menu.findChild(QSpinBox, "linkDelaySpin")
    spin.setValue(1200)
    spin.editingFinished.emit()
    qtbot.waitUntil(lambda: bob.session.node.net.latencies() == {(a, b): 1.2, (b, a): 1.2},
                    timeout=5000)
    menu = open_link_menu(qtbot, alice, a, b)
    menu_action(menu, "linkDelay0Action").trigger()
    qtbot.waitUntil(lambda: bob.session.node.net.latencies() == {}, timeout=5000)


def test_the_partition_menu_isolates_a_node_splits_in_halves_and_heals_all(
        qtbot, open_windows, run):
    alice, bob, carol = cluster_of(run, qtbot, *open_windows("alice", "bob", "carol"))
    bar = alice.net.bar
    bar.partition_menu.aboutToShow.emit()
    menu_action(bar.partition_menu, "isolate:carol").trigger()
    qtbot.waitUntil(lambda: peers(carol) == [] and peers(alice) == ["bob"], timeout=5000)
    assert sorted(bob.session.node.net.sides) == [[alice.session.name, bob.session.name],
                                                  [carol.session.name]]
    bar.partition_menu.aboutToShow.emit()
    menu_action(bar.partition_menu, "healAllAction").trigger()
    qtbot.waitUntil(lambda: all(len(peers(w)) == 2 for w in (alice, bob, carol)), timeout=20000)
    bar.partition_menu.aboutToShow.emit()
    menu_action(bar.partition_menu, "splitHalvesAction").trigger()
    qtbot.waitUntil(lambda: peers(alice) == ["bob"] and peers(carol) == [], timeout=5000)
    bar.partition_menu.aboutToShow.emit()
    menu_action(bar.partition_menu, "healAllAction").trigger()
    qtbot.waitUntil(lambda: all(len(peers(w)) == 2 for w in (alice, bob, carol)), timeout=20000)


def test_whole_cluster_marks_members_a_node_has_not_seen_yet_or_still_shows(
        qtbot, open_windows, run):
    alice, bob, carol = cluster_of(run, qtbot, *open_windows("alice", "bob", "carol",
                                                              whole=True))
    alice.session.node.net.pause()
    qtbot.waitUntil(lambda: all(w.net.bar.mode == "pause" for w in (alice, bob, carol)),
                    timeout=5000)
    pid = bob.session.spawn_member()
    bob.session.join("chat", [pid])  # bob's own event reaches alice; the join frames wait

    def mark(w):
        m = w.view.picture.member(str(pid))
        return (m.mark, tuple(sorted(m.by))) if m is not None else None
    qtbot.waitUntil(lambda: mark(alice) == ("unseen", (alice.session.name,
                                                       carol.session.name)), timeout=5000)
    assert "not seen by every node yet" in alice.view.legend.text()
    alice.session.node.net.resume()
    qtbot.waitUntil(lambda: mark(alice) == ("", ()), timeout=5000)
    assert "not seen" not in alice.view.legend.text()
    alice.session.node.net.pause()
    qtbot.waitUntil(lambda: bob.session.node.net.clock.paused, timeout=5000)
    bob.session.leave("chat", [pid])
    qtbot.waitUntil(lambda: mark(alice) == ("stale", (alice.session.name,
                                                      carol.session.name)), timeout=5000)
    assert "still shown" in alice.view.legend.text()
    assert str(pid) not in [alice.panel.members_tree.topLevelItem(i).text(0)
                            for i in range(alice.panel.members_tree.topLevelItemCount())]
    alice.session.node.net.resume()
    qtbot.waitUntil(lambda: mark(alice) is None, timeout=5000)


def test_crash_from_the_node_menu_then_restart_under_the_same_name(qtbot, open_windows, run):
    (bob,) = open_windows("bob")
    alice = run(open_window("alice", cookie=COOKIE, tick_time=0.6))
    alice.resize(1000, 700)
    alice.show()
    restarted = []
    try:
        run(alice.session.connect(bob.session.node.address))
        qtbot.waitUntil(lambda: peers(bob) == ["alice"], timeout=5000)
        allow_restart(alice, COOKIE, tick_time=0.6)
        me = alice.session.name
        alice.view.nodeMenuRequested.emit(me, QPoint(10, 10))
        menu = alice.net.menu
        assert menu.objectName() == "nodeMenu"
        assert "nodeRestartAction" not in [a.objectName() for a in menu.actions()]
        menu_action(menu, "nodeCrashAction").trigger()
        assert alice.net.crashed and "crashed" in alice.view.badge.text()
        assert not alice.panel.isEnabled() and not alice.net.bar.isEnabled()
        assert peers(bob) == ["alice"]  # no goodbye: bob has not noticed yet
        qtbot.waitUntil(lambda: peers(bob) == [], timeout=8000)  # its tick timeout
        alice.view.nodeMenuRequested.emit(me, QPoint(10, 10))
        menu_action(alice.net.menu, "nodeRestartAction").trigger()
        qtbot.waitUntil(lambda: alice.replacement is not None and alice.replacement.done(),
                        timeout=8000)
        new = alice.replacement.result()
        restarted.append(new)
        assert alice.stopped.done() and new.session.name == me and new.isVisible()
        assert new.session.node.address != alice.session.node.address
        qtbot.waitUntil(lambda: peers(bob) == ["alice"] and peers(new) == ["bob"],
                        timeout=10000)
    finally:
        for w in (alice, *restarted):
            if not w.stopped.done():
                run(w.shutdown())
