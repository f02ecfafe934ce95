"""Regressions from a QA pass: stale selections, self-connect, the inbox in a narrow window."""

import sys
import traceback

import pytest
from PySide6.QtCore import Qt
from test_windows import join_one, peers, tree_select  # the shared window drivers


@pytest.fixture
def errors(qt_loop):
    """Every exception that reaches sys.excepthook or the loop's exception handler."""
    seen = []
    old = sys.excepthook
    sys.excepthook = lambda t, v, tb: seen.append("".join(traceback.format_exception(t, v, tb)))
    qt_loop.set_exception_handler(lambda _loop, ctx: seen.append(repr(ctx)))
    yield seen
    sys.excepthook = old
    qt_loop.set_exception_handler(None)


def recent(w, text, last=4):
    """`text` in one of the log's last lines (node events may be logged right after it)."""
    return any(text in line for line in log_lines(w)[-last:])


def log_lines(w):
    return w.event_log.toPlainText().splitlines()


def test_selecting_a_member_keeps_the_inbox_in_view_in_a_narrow_window(qtbot, open_windows):
    """A word-wrapped inbox label made the panel height-for-width: in a tall narrow window
    (pgviz demo) selecting a member pushed the tabs, and its inbox, out of view. Presenter
    mode's larger font must not push them out either."""
    (w,) = open_windows("alice", size=(640, 1000))
    for presenter in (False, True):
        w.set_presenter(presenter)
        qtbot.waitUntil(lambda: w.splitter.orientation() == Qt.Vertical, timeout=3000)
        join_one(qtbot, w, "chat")
        qtbot.waitUntil(lambda: bool(w.view.members), timeout=3000)
        w.select_member(w.view.members[0])
        viewport = w.side_scroll.viewport()
        qtbot.waitUntil(lambda vp=viewport: w.panel.tabs.currentIndex() == 1
                        and w.panel.height() <= vp.height() + 1, timeout=3000)
        tabs_bottom = w.panel.tabs.mapTo(viewport, w.panel.tabs.rect().bottomLeft()).y()
        assert tabs_bottom <= viewport.height()
        assert w.panel.inbox_list.isVisible() and w.panel.inbox_list.height() > 10


def test_stale_selections_and_self_connect_are_reported(qtbot, open_windows, errors):
    """The lists lag the node by a refresh: a click on a member that died, or whose node just
    left, says so instead of logging a join/send/kill that did nothing."""
    alice, bob = open_windows("alice", "bob")
    alice.panel.address_edit.setText(bob.session.node.address)
    qtbot.mouseClick(alice.panel.connect_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: peers(alice) == ["bob"], timeout=5000)

    # connecting to one's own address is not "connected to alice"
    alice.panel.address_edit.setText(alice.session.node.address)
    qtbot.mouseClick(alice.panel.connect_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: recent(alice, "is this node (alice)"), timeout=5000)

    a1 = join_one(qtbot, alice, "chat")
    b1 = join_one(qtbot, bob, "chat")
    b2 = join_one(qtbot, bob, "chat")
    qtbot.waitUntil(lambda: {b1, b2} <= {m.pid for m in alice.view.members}, timeout=5000)

    # a remote member selected: join/leave say that only local processes can
    n_spawned = len(alice.session.spawned)
    tree_select(alice, b1)
    qtbot.mouseClick(alice.panel.join_button, Qt.LeftButton)
    assert recent(alice, "only this node's processes can join")
    qtbot.mouseClick(alice.panel.leave_button, Qt.LeftButton)
    assert recent(alice, "only this node's processes can leave")
    assert len(alice.session.spawned) == n_spawned  # no silent substitute spawned

    # killing a remote member: bob's window says its process exited
    qtbot.mouseClick(alice.panel.kill_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: f"{b1} exited (killed)" in bob.event_log.toPlainText(),
                    timeout=5000)

    # freeze alice's lists so the selection goes stale, as when a click beats the refresh
    alice.schedule_refresh = lambda: None
    alice._refresh_timer.stop()
    tree_select(alice, a1)
    alice.session.kill(a1)
    alice.panel.group_combo.setEditText("news")
    qtbot.mouseClick(alice.panel.join_button, Qt.LeftButton)
    assert recent(alice, f"{a1} no longer alive: not joined")
    assert alice.session.scope.get_members("news") == []
    qtbot.mouseClick(alice.panel.send_button, Qt.LeftButton)
    assert recent(alice, f"not sent: {a1} is no longer alive")

    tree_select(alice, b2)
    bob.close()
    qtbot.waitUntil(lambda: bob.stopped.done() and peers(alice) == [], timeout=5000)
    qtbot.mouseClick(alice.panel.send_button, Qt.LeftButton)
    assert recent(alice, f"not sent: {b2} is unreachable: bob is not connected")
    qtbot.mouseClick(alice.panel.kill_button, Qt.LeftButton)
    assert recent(alice, f"not killed: {b2} is unreachable")
    assert "not killed" in alice.statusBar().currentMessage()
    assert alice.isVisible()
    assert not errors, errors
