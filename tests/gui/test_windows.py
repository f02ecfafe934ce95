"""Several windows in one process, each owning its node, driven through the real buttons."""

from PySide6.QtCore import Qt

from pgviz.wire.terms import short_node

from .drivers import (
    connect_cluster,
    inbox_texts,
    join_one,
    peers,
    shown_pids,
    tree_select,
    view_members,
)

LEFT = Qt.MouseButton.LeftButton


def test_connect_join_broadcast_send_kill_disconnect(qtbot, open_windows):
    """The classroom walkthrough across three windows."""
    alice, bob, carol = open_windows("alice", "bob", "carol")
    connect_cluster(qtbot, alice, bob, carol)
    qtbot.waitUntil(lambda: sorted(short_node(v) for v in alice.view.peers) == ["bob", "carol"],
                    timeout=5000)

    # a join in one window appears in the others (lists and cluster view)
    a1 = join_one(qtbot, alice, "chat")
    b1 = join_one(qtbot, bob, "chat")
    for w in (alice, bob, carol):
        qtbot.waitUntil(lambda w=w: shown_pids(w) >= {a1, b1}, timeout=5000)
    assert view_members(carol, "alice")[0].groups == ("chat",)

    # monitor in carol's window streams notifications into its log
    carol.panel.group_combo.setEditText("chat")
    qtbot.mouseClick(carol.panel.monitor_group_button, LEFT)
    a2 = join_one(qtbot, alice, "chat")
    qtbot.waitUntil(lambda: f"[monitor group chat] join chat: {a2}"
                    in carol.event_log.toPlainText(), timeout=5000)

    # a broadcast reaches the other windows' member inboxes
    alice.panel.message_edit.setText("hello class")
    alice.panel.group_combo.setEditText("chat")
    qtbot.mouseClick(alice.panel.broadcast_button, LEFT)
    qtbot.waitUntil(lambda: any("hello class" in t for t in inbox_texts(bob, b1)), timeout=5000)
    qtbot.waitUntil(lambda: any("hello class" in t for t in inbox_texts(alice, a1)), timeout=5000)

    # remote only: bob's own member gets nothing, alice's do
    bob.panel.message_edit.setText("remote only please")
    bob.panel.group_combo.setEditText("chat")
    bob.panel.remote_only_check.setChecked(True)
    qtbot.mouseClick(bob.panel.broadcast_button, LEFT)
    qtbot.waitUntil(lambda: any("remote only please" in t for t in inbox_texts(alice, a2)),
                    timeout=5000)
    assert not any("remote only please" in t for t in inbox_texts(bob, b1))

    # send to one member, picked in another window
    qtbot.waitUntil(lambda: b1 in shown_pids(carol), timeout=5000)
    tree_select(carol, b1)
    carol.panel.message_edit.setText("just for you")
    qtbot.mouseClick(carol.panel.send_button, LEFT)
    qtbot.waitUntil(lambda: any("just for you" in t for t in inbox_texts(bob, b1)), timeout=5000)

    # kill (from carol's window, a remote member) removes the member everywhere
    tree_select(carol, b1)
    qtbot.mouseClick(carol.panel.kill_button, LEFT)
    for w in (alice, bob, carol):
        qtbot.waitUntil(lambda w=w: b1 not in shown_pids(w), timeout=5000)

    # leave: alice's a2 leaves chat
    tree_select(alice, a2)
    alice.panel.group_combo.setEditText("chat")
    qtbot.mouseClick(alice.panel.leave_button, LEFT)
    qtbot.waitUntil(lambda: a2 not in shown_pids(bob), timeout=5000)

    # disconnect removes the peer, on both sides; carol stays known, as not connected
    lst = alice.panel.peers_list
    item = next(lst.item(i) for i in range(lst.count())
                if short_node(lst.item(i).data(Qt.ItemDataRole.UserRole)) == "carol")
    item.setSelected(True)
    assert alice.selection.item == "carol@127.0.0.1"
    qtbot.mouseClick(alice.panel.disconnect_button, LEFT)
    qtbot.waitUntil(lambda: peers(alice) == ["bob"] and "alice" not in peers(carol), timeout=5000)
    qtbot.waitUntil(lambda: [short_node(p) for p in alice.view.peers] == ["bob"], timeout=5000)
    assert "carol@127.0.0.1" in alice.view.ghosts
    qtbot.waitUntil(lambda: not view_members(carol, "alice"), timeout=5000)


def test_closing_a_window_stops_its_node_and_peers_see_it_at_once(qtbot, open_windows, run):
    """Closing the window stops the node: the peer drops it without waiting for a tick."""
    alice, bob = open_windows("alice", "bob")
    run(bob.session.connect(alice.session.node.address))
    qtbot.waitUntil(lambda: peers(alice) == ["bob"], timeout=5000)
    join_one(qtbot, bob, "chat")
    qtbot.waitUntil(lambda: bool(view_members(alice, "bob")), timeout=5000)
    bob.close()
    qtbot.waitUntil(bob.stopped.done, timeout=5000)
    qtbot.waitUntil(lambda: peers(alice) == [] and not view_members(alice, "bob"), timeout=2000)
    qtbot.waitUntil(lambda: alice.view.ghosts == ("bob@127.0.0.1",), timeout=2000)
    qtbot.waitUntil(lambda: not alice.panel.local_nodes_list.item(0).text().startswith("bob"),
                    timeout=3000)


def test_bad_input_is_reported_not_fatal(qtbot, open_windows):
    """Wrong address, no selection, unreachable node: a message in the log, no dialog."""
    (alice,) = open_windows("alice")
    alice.panel.address_edit.setText("nonsense")
    qtbot.mouseClick(alice.panel.connect_button, LEFT)
    assert "not an address" in alice.event_log.toPlainText()
    alice.panel.address_edit.setText("127.0.0.1:1")
    qtbot.mouseClick(alice.panel.connect_button, LEFT)
    qtbot.waitUntil(lambda: "cannot connect to 127.0.0.1:1" in alice.event_log.toPlainText(),
                    timeout=5000)
    alice.selection.select(None)
    qtbot.mouseClick(alice.panel.kill_button, LEFT)
    qtbot.mouseClick(alice.panel.send_button, LEFT)
    assert "select the member to kill" in alice.event_log.toPlainText()
    assert "select one member to send to" in alice.event_log.toPlainText()
    assert alice.isVisible()


def test_shortcuts_and_scope_selector(qtbot, open_windows):
    """Keyboard shortcuts trigger the same commands; typing a scope name starts it."""
    (alice,) = open_windows("alice")
    alice.activateWindow()
    alice.actions_["spawn"].trigger()
    assert len(alice.session.spawned) == 1
    assert alice.actions_["spawn"].shortcut().toString() == "Ctrl+N"
    alice.panel.group_combo.setEditText("news")
    alice.actions_["join"].trigger()
    qtbot.waitUntil(lambda: any(m.groups == ("news",) for m in alice.view.members), timeout=2000)
    alice.panel.scope_combo.setEditText("orders")
    alice.panel.scope_combo.lineEdit().returnPressed.emit()
    qtbot.waitUntil(lambda: alice.session.scope_name == "orders", timeout=2000)
    qtbot.waitUntil(lambda: not any(m.groups for m in alice.view.members), timeout=2000)
    names = {w.objectName() for w in alice.findChildren(object) if hasattr(w, "objectName")}
    for required in ("clusterView", "connectButton", "joinButton", "eventLog", "scopeCombo",
                     "wholeClusterToolButton", "recordToolButton"):
        assert required in names
