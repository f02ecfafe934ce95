"""Drivers shared by the GUI tests: find things in a window, click through it, read it back."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from pgviz.gui.commands import ITEM_DATA
from pgviz.wire.terms import short_node


def peers(w):
    """The window's node's connected peers (short names), from the node itself."""
    return sorted(short_node(n) for n in w.session.node.nodes())


def view_members(w, node_short):
    return [m for m in w.view.members if short_node(m.node) == node_short]


def shown_pids(w):
    return {m.pid for m in w.view.members}


def tree_pids(w):
    tree = w.panel.members_tree
    return [tree.topLevelItem(i).data(0, ITEM_DATA) for i in range(tree.topLevelItemCount())]


def tree_select(w, pid):
    """Click `pid`'s row in the members list (the list must show it)."""
    tree = w.panel.members_tree

    def row():
        for i in range(tree.topLevelItemCount()):
            it = tree.topLevelItem(i)
            if it.data(0, ITEM_DATA) == str(pid):
                return it
        raise AssertionError(f"{pid} not in {w.session.short_name}'s members list")

    tree.setCurrentItem(row())
    # The selection lives in the model: selecting may rebuild the list, so find the row again.
    row().setSelected(True)


def inbox_texts(w, pid):
    tree_select(w, pid)
    lst = w.panel.inbox_list
    return [lst.item(i).text() for i in range(lst.count())]


def connect_cluster(qtbot, alice, bob, carol):
    """bob connects by typing alice's address, carol by clicking alice in the local list."""
    bob.panel.address_edit.setText(alice.session.node.address)
    qtbot.mouseClick(bob.panel.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: peers(alice) == ["bob"], timeout=5000)
    carol.commands.refresh_local_nodes()
    lst = carol.panel.local_nodes_list
    item = next(lst.item(i) for i in range(lst.count()) if lst.item(i).text().startswith("alice"))
    lst.itemClicked.emit(item)
    qtbot.waitUntil(lambda: all(len(peers(w)) == 2 for w in (alice, bob, carol)), timeout=5000)


def join_one(qtbot, w, group):
    """Join a new process of `w` to `group` with the Join button (nothing selected)."""
    w.selection.select(None)
    w.panel.group_combo.setEditText(group)
    qtbot.mouseClick(w.panel.join_button, Qt.MouseButton.LeftButton)
    pid = w.session.spawned[-1]
    assert pid in w.session.scope.get_local_members(group)
    return pid


def log_lines(w):
    return w.event_log.toPlainText().splitlines()


def recent(w, text, last=4):
    """`text` in one of the log's last lines (node events may be logged right after it)."""
    return any(text in line for line in log_lines(w)[-last:])


def hover(view, pos):
    """QTest's mouseMove sends nothing without a real pointer (offscreen): send the event."""
    vp = view.viewport()
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(vp.mapToGlobal(pos)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, move)


def click_member(qtbot, view, member):
    x, y = view.member_position(member)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.scene_to_widget(x, y))
