"""A selection that went stale (its process died, its node left) or a connect to oneself is
reported, never silently turned into a command that does nothing."""

from PySide6.QtCore import Qt

from .drivers import join_one, peers, recent, shown_pids, tree_select

LEFT = Qt.MouseButton.LeftButton


def test_stale_selections_and_self_connect_are_reported(qtbot, open_windows, errors):
    """The view lags the node by a refresh: a click on a member that died, or whose node just
    left, says so instead of logging a join/send/kill that did nothing."""
    alice, bob = open_windows("alice", "bob")
    alice.panel.address_edit.setText(bob.session.node.address)
    qtbot.mouseClick(alice.panel.connect_button, LEFT)
    qtbot.waitUntil(lambda: peers(alice) == ["bob"], timeout=5000)

    # connecting to one's own address is not "connected to alice"
    alice.panel.address_edit.setText(alice.session.node.address)
    qtbot.mouseClick(alice.panel.connect_button, LEFT)
    qtbot.waitUntil(lambda: recent(alice, "is this node (alice)"), timeout=5000)

    a1 = join_one(qtbot, alice, "chat")
    b1 = join_one(qtbot, bob, "chat")
    b2 = join_one(qtbot, bob, "chat")
    qtbot.waitUntil(lambda: {b1, b2} <= shown_pids(alice), timeout=5000)

    # a remote member selected: join/leave say that only local processes can
    n_spawned = len(alice.session.spawned)
    tree_select(alice, b1)
    qtbot.mouseClick(alice.panel.join_button, LEFT)
    assert recent(alice, "only this node's processes can join")
    qtbot.mouseClick(alice.panel.leave_button, LEFT)
    assert recent(alice, "only this node's processes can leave")
    assert len(alice.session.spawned) == n_spawned  # no silent substitute spawned

    # killing a remote member: bob's window says its process exited
    qtbot.mouseClick(alice.panel.kill_button, LEFT)
    qtbot.waitUntil(lambda: f"{b1} exited (killed)" in bob.event_log.toPlainText(),
                    timeout=5000)

    # freeze alice's view so the selection goes stale, as when a click beats the refresh
    alice.sync.refresh = lambda: None
    alice.sync.schedule = lambda: None
    alice.sync.timer.stop()
    tree_select(alice, a1)
    assert alice.selection.member().pid == a1
    alice.session.kill(a1)
    alice.panel.group_combo.setEditText("news")
    qtbot.mouseClick(alice.panel.join_button, LEFT)
    assert recent(alice, f"{a1} no longer alive: not joined")
    assert alice.session.scope.get_members("news") == []
    qtbot.mouseClick(alice.panel.send_button, LEFT)
    assert recent(alice, f"not sent: {a1} is no longer alive")

    tree_select(alice, b2)
    bob.close()
    qtbot.waitUntil(lambda: bob.stopped.done() and peers(alice) == [], timeout=5000)
    qtbot.mouseClick(alice.panel.send_button, LEFT)
    assert recent(alice, f"not sent: {b2} is unreachable: bob is not connected")
    qtbot.mouseClick(alice.panel.kill_button, LEFT)
    assert recent(alice, f"not killed: {b2} is unreachable")
    assert "not killed" in alice.statusBar().currentMessage()
    assert alice.isVisible()
    assert not errors, errors


def test_a_member_that_dies_is_unselected(qtbot, open_windows):
    """The selection lives in the model: when the selected member goes, so does the
    selection, in the view and in the list alike."""
    (alice,) = open_windows("alice")
    a1 = join_one(qtbot, alice, "chat")
    tree_select(alice, a1)
    qtbot.waitUntil(lambda: alice.view.selected is not None, timeout=2000)
    assert alice.session.model.snapshot().selected == str(a1)
    alice.session.kill(a1)
    qtbot.waitUntil(lambda: alice.session.model.snapshot().selected is None, timeout=3000)
    assert alice.view.selected is None and not alice.view.selection.isVisible()
    assert alice.panel.members_tree.selectedItems() == []
