"""The side panel's Groups tab during a split: it counts a group as the legend does."""

from __future__ import annotations

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
