"""What a window shows in states the reviewer caught lying: a crashed node's window (its node
gone, not alive-looking), a fresh window (its scope and status filled before any event), the
frame inspector (it names the frame and closes once the frame has ended), and the REC counter
(it follows every recorded event, not only messages)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from pgviz.gui.network_view import crashed_theme

from .drivers import log_lines, peers
from .test_transport_bar import click_dot, cluster_of, held


def colour_at(widget, x: int, y: int) -> QColor:
    return widget.grab().toImage().pixelColor(x, y)


def close_to(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return all(abs(p - q) <= tolerance for p, q in
               ((a.red(), b.red()), (a.green(), b.green()), (a.blue(), b.blue())))


def test_a_crashed_nodes_window_shows_the_node_gone(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    pid = bob.session.spawn_member()
    bob.session.join("room", [pid])
    qtbot.waitUntil(lambda: len(bob.view.picture.members) == 1, timeout=3000)
    assert bob.view.picture.links
    bob.net.crash()
    # the picture: no link, no member, no peer; alice is drawn "not connected"
    qtbot.waitUntil(lambda: bob.view.picture.links == frozenset(), timeout=3000)
    pic = bob.view.picture
    assert pic.members == () and pic.peers == () and alice.session.name in pic.ghosts
    assert bob.panel.peers_list.count() == 0 and bob.panel.members_tree.topLevelItemCount() == 0
    assert bob.status["Peers"].text() == "crashed: no peers"
    assert bob.status["Members"].text() == "no members"
    # its own disc and its badge are grey, not the accent blue of a live node
    muted = QColor(bob.theme["muted"])
    x, y = bob.view.node_position(bob.session.name)
    at = bob.view.scene_to_widget(x, y)
    assert close_to(colour_at(bob.view.viewport(), at.x(), at.y()), muted)
    badge = bob.view.badge
    assert close_to(colour_at(badge, 10, badge.height() // 2), muted)
    assert "you were" in badge.text()
    assert "crashed" in bob.view.overlays.legend.text()  # no advice to spawn a process
    bob.cycle_theme()  # another theme: still grey, in that theme's grey
    assert bob.view.theme["self_fill"] == crashed_theme(bob.theme)["self_fill"]
    assert bob.view.theme["self_fill"] in (bob.theme["muted"], bob.theme["ghost"])
    # the network clock bar acts on nothing: grey, no mode checked, its keys dead
    bar = bob.net.bar
    assert not bar.isEnabled() and "crashed" in bar.state_label.text()
    assert not any(a.isChecked() or a.isEnabled() for a in
                   (bar.live_action, bar.slow_action, bar.pause_action, bar.step_action))
    bob.activateWindow()
    qtbot.keyClick(bob.view, Qt.Key.Key_Space)
    assert not alice.session.node.net.clock.paused
    # the actions that act on the node are greyed in the toolbar and menus too; views stay
    assert not any(bob.actions_[k].isEnabled() for k in
                   ("connect", "spawn", "join", "broadcast", "send", "record"))
    assert bob.actions_["theme"].isEnabled() and bob.actions_["wholeCluster"].isEnabled()
    # a command's key still reaches Commands: it says the node is gone, and does nothing
    bob.commands.connect(alice.session.node.address)
    assert "bob has crashed" in log_lines(bob)[-1]
    assert peers(alice) == ["bob"]  # alice has not noticed yet: her window is hers to show


def test_a_fresh_window_shows_its_scope_and_status_before_any_event(open_windows):
    erin, = open_windows("erin")
    assert erin.panel.scope_combo.currentText() == "pg"
    assert erin.status["Peers"].text() == "no peers"
    assert erin.status["Members"].text() == "no members · no groups"


def test_the_inspector_names_its_frame_and_closes_once_it_is_delivered(qtbot, open_windows,
                                                                         run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    alice.session.node.net.pause()
    qtbot.waitUntil(lambda: alice.net.bar.mode == "pause", timeout=5000)
    alice.session.join("chat", [alice.session.spawn_member()])
    qtbot.waitUntil(lambda: len(alice.view.animator.hits) == 1, timeout=3000)
    frame, = held(alice)
    click_dot(qtbot, alice, frame.id)
    inspector = alice.net.inspector
    assert inspector.title.text() == "<b>pg join alice → bob</b>"
    assert frame.id in inspector.title.toolTip() and frame.id not in inspector.title.text()
    qtbot.mouseClick(inspector.deliver_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inspector.values["state"].text().startswith("delivered"),
                    timeout=3000)
    assert not inspector.deliver_button.isEnabled()
    qtbot.waitUntil(lambda: not inspector.isVisible(), timeout=5000)  # by itself
    assert alice.view.animator.highlighted is None
    assert alice.session.node.net.clock.paused  # closing it changed nothing else


def test_the_rec_counter_follows_events_that_are_no_messages(qtbot, open_windows):
    alice, = open_windows("alice")
    alice.record.start()
    for _ in range(3):
        alice.session.spawn_member()  # spawn events: recorded, no message sent
    recorder = alice.session.recorder
    qtbot.waitUntil(lambda: f"REC {recorder.count} events" in alice.status["Recording"].text()
                    and recorder.count >= 3, timeout=3000)
    alice.record.stop()
