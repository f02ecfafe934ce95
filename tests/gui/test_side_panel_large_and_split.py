"""The side panel on a large screen (review, session 2) and its Groups tab during a split: the
panel grows with a 2560×1440 window and its text with it, as the graph does, while a
1280×800 window keeps it as it was; the Groups tab counts a group as the legend does."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from pgviz.gui.look import (
    FONT_PT,
    LARGE_FONT_PT,
    PANEL_MAX_WIDTH,
    PANEL_MIN_WIDTH,
    PRESENTER_FONT_PT,
    TALL_LIST_ROWS,
)
from pgviz.gui.side_panel import LIST_ROWS
from pgviz.gui.theme import DARK

from .drivers import join_one
from .test_view_size_and_layout import _mesh


def _groups_row(w, name):
    tree = w.panel.groups_tree
    for i in range(tree.topLevelItemCount()):
        it = tree.topLevelItem(i)
        if it.text(0) == name:
            return [it.text(c) for c in range(tree.columnCount())]
    return None


def test_groups_tab_counts_what_the_windows_node_sees_first_during_a_split(qtbot, run,
                                                                           open_windows):
    """alice is cut from bob: her whole-cluster window's Groups tab says what her pg gives
    her and what the members' own nodes hold, in the legend's words; one number in
    agreement."""
    alice, bob, carol = _mesh(qtbot, run, open_windows, ("alice", "bob", "carol"),
                              (1280, 800))
    for w in (alice, bob, carol):
        join_one(qtbot, w, "room")
    qtbot.waitUntil(lambda: len(alice.session.scope.get_members("room")) == 3, timeout=5000)
    qtbot.waitUntil(lambda: _groups_row(alice, "room") == ["room", "3", "1"], timeout=5000)
    run(alice.session.node.disconnect(bob.session.name))
    qtbot.waitUntil(lambda: len(alice.session.scope.get_members("room")) == 2, timeout=5000)
    qtbot.waitUntil(lambda: _groups_row(alice, "room")
                    == ["room", "2 at alice · 3 at their nodes", "1"], timeout=5000)
    assert "at alice · 3 at their nodes" in alice.view.legend.text()  # the same words
    # the count is read whole, not cut to "2 at alice · 3 at th…"
    tree = alice.panel.groups_tree
    text = _groups_row(alice, "room")[1]
    assert tree.fontMetrics().horizontalAdvance(text) < tree.columnWidth(1)
    assert tree.columnViewportPosition(2) + 10 < tree.viewport().width()


def _drag(handle, dx):
    """Drag a splitter's handle by dx pixels with the left button held (QTest's mouseMove
    carries no button)."""
    centre = QPointF(handle.rect().center())
    for kind, at, buttons in ((QEvent.Type.MouseButtonPress, centre, Qt.MouseButton.LeftButton),
                              (QEvent.Type.MouseMove, centre + QPointF(dx, 0),
                               Qt.MouseButton.LeftButton),
                              (QEvent.Type.MouseButtonRelease, centre + QPointF(dx, 0),
                               Qt.MouseButton.NoButton)):
        QApplication.sendEvent(handle, QMouseEvent(kind, at, handle.mapToGlobal(at),
                                                   Qt.MouseButton.LeftButton, buttons,
                                                   Qt.KeyboardModifier.NoModifier))


def _panel_width(w):
    return w.splitter.sizes()[1]


def test_side_panel_grows_with_a_large_window_and_shrinks_back(qtbot, run, open_windows):
    """A window maximised on a 2560×1440 screen: the panel takes a quarter of the width (560
    px at most, not 360), its text is LARGE_FONT_PT, its node lists show more rows; the graph's
    labels keep their own scaling (a large window is not presenter mode). Back at 1280×800
    the window is as it was. Presenter mode is larger still in either."""
    bob, carol = _mesh(qtbot, run, open_windows, ("bob", "carol"), (1280, 800))
    panel = bob.panel
    qtbot.waitUntil(lambda: panel.peers_list.count() == 1, timeout=5000)
    qtbot.waitUntil(lambda: not bob.arrangement.pending, timeout=2000)
    normal = _panel_width(bob)  # what its controls need, as before
    assert PANEL_MIN_WIDTH <= normal < 0.32 * 1280
    assert panel.spawn_button.font().pointSizeF() == FONT_PT
    bob.resize(2560, 1400)
    qtbot.waitUntil(lambda: _panel_width(bob) == PANEL_MAX_WIDTH, timeout=2000)
    qtbot.waitUntil(lambda: panel.spawn_button.font().pointSizeF() == LARGE_FONT_PT,
                    timeout=2000)
    assert panel.groups_tree.font().pointSizeF() == LARGE_FONT_PT
    assert bob.view.text_scale == 1.0
    row = panel.peers_list.sizeHintForRow(0)
    qtbot.waitUntil(lambda: panel.peers_list.viewport().height() == TALL_LIST_ROWS * row,
                    timeout=2000)
    assert not bob.side_scroll.verticalScrollBar().isVisible()
    bob.set_presenter(True)
    qtbot.waitUntil(lambda: panel.spawn_button.font().pointSizeF() > LARGE_FONT_PT,
                    timeout=2000)
    assert panel.spawn_button.font().pointSizeF() > PRESENTER_FONT_PT
    bob.set_presenter(False)
    bob.resize(1280, 800)
    qtbot.waitUntil(lambda: _panel_width(bob) == normal, timeout=2000)
    qtbot.waitUntil(lambda: panel.spawn_button.font().pointSizeF() == FONT_PT, timeout=2000)
    row = panel.peers_list.sizeHintForRow(0)
    qtbot.waitUntil(lambda: panel.peers_list.viewport().height() == LIST_ROWS * row,
                    timeout=2000)


def test_a_panel_width_the_user_dragged_is_kept_when_the_window_grows(qtbot, run,
                                                                      open_windows):
    """The panel follows the window's width only until the user drags the splitter: then
    their width is kept."""
    (alice,) = open_windows("alice", size=(1280, 800))
    qtbot.waitUntil(lambda: not alice.arrangement.pending, timeout=2000)
    normal = _panel_width(alice)
    _drag(alice.splitter.handle(1), -80)
    qtbot.waitUntil(lambda: _panel_width(alice) > normal + 40, timeout=2000)
    dragged = _panel_width(alice)
    alice.resize(2000, 1000)
    qtbot.waitUntil(lambda: alice.splitter.width() > 1900, timeout=2000)
    qtbot.wait(50)  # (nothing to wait for: the panel must not move)
    assert _panel_width(alice) == dragged


def test_members_list_text_follows_a_theme_change(qtbot, open_windows):
    """A member's process name is drawn in the theme's text colour after the window goes dark
    (it kept the light theme's near-black, unreadable on the dark list, until the list was
    refilled)."""
    (alice,) = open_windows("alice")
    join_one(qtbot, alice, "room")
    tree = alice.panel.members_tree
    # the row shows its group's colour swatch
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1
                    and not tree.topLevelItem(0).icon(0).isNull(), timeout=5000)
    while alice.look.theme.name != "dark":
        alice.cycle_theme()
    item = tree.topLevelItem(0)
    for column in range(tree.columnCount()):
        brush = item.data(column, Qt.ItemDataRole.ForegroundRole)
        assert brush is None or brush.color() == DARK.qcolor("fg"), column
