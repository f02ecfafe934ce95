"""The graph stays the main thing in a window whatever its size (review findings 3, 4, 8, 11,
15, 17): overlays that compact in a short view, a diagram dock that never takes most of a
short window, nodes and their text readable in a small view, markers in proportion, a vector
SVG export of the cluster view."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QLabel

from pgviz.gui.exports import write_export
from pgviz.gui.layout import NODE_RADIUS
from pgviz.gui.placement import LABEL_PX, MIN_NODE_PX
from pgviz.gui.side_panel import LIST_ROWS

from .drivers import join_one


def _pair_in_a_group(qtbot, run, open_windows, size=(1200, 780)):
    alice, bob = open_windows("alice", "bob", size=size)
    run(bob.session.connect(alice.session.node.address))
    join_one(qtbot, alice, "room")
    join_one(qtbot, bob, "room")
    qtbot.waitUntil(lambda: len(alice.view.members) == 2, timeout=5000)
    return alice, bob


def test_cluster_view_svg_export_is_vector_not_a_bitmap(qtbot, run, open_windows, tmp_path):
    """The graph is painted into the SVG as shapes and text: no embedded image of the view."""
    alice, _bob = _pair_in_a_group(qtbot, run, open_windows)
    path = write_export("view-svg", tmp_path / "view.svg", [], [], alice.view)
    svg = path.read_text()
    assert "<image" not in svg
    assert len(re.findall(r"<(?:path|ellipse|circle|polyline|line)\b", svg)) >= 6
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    assert "alice" in texts and "bob" in texts  # node names are text, not pixels
    # the badge's text at the size it is laid out for (a smaller font in the same boxes
    # opened gaps: "you are    alice")
    badge_px = alice.view.overlays.badge_pt() * alice.view.logicalDpiY() / 72
    sizes = re.findall(r'font-size="([0-9.]+)"[^>]*>\s*you are', svg)
    assert sizes and abs(float(sizes[0]) - badge_px) < 0.1


def test_remembered_diagram_stays_closed_in_a_window_too_short_for_it(qtbot, run,
                                                                      open_windows):
    """A demo tile (640×400) named like a window that closed with its diagram open opens
    without the diagram; a window tall enough opens with it, as remembered."""
    (alice,) = open_windows("alice")
    alice.diagram.show()
    qtbot.waitUntil(alice.diagram.isVisible, timeout=2000)
    run(alice.shutdown())
    (tile,) = open_windows("alice", size=(640, 400))
    qtbot.waitUntil(tile.isVisible, timeout=2000)
    assert not tile.diagram.isVisible()
    assert not tile.diagram.action.isChecked()  # F9 opens it
    tile.diagram.action.trigger()  # (beside the graph there: test_small_views.py)
    qtbot.waitUntil(tile.diagram.isVisible, timeout=2000)
    tile.diagram.hide()
    tile.diagram.show()  # remembered open again, under the graph once the tile closes
    tile.close()
    qtbot.waitUntil(tile.stopped.done, timeout=5000)
    (tall,) = open_windows("alice", size=(1200, 780))
    qtbot.waitUntil(tall.diagram.isVisible, timeout=2000)
    qtbot.waitUntil(lambda: 240 <= tall.diagram.height() <= 280, timeout=2000)


def _mesh(qtbot, run, open_windows, names, size):
    ws = open_windows(*names, size=size, whole=True)
    for w in ws[1:]:
        run(w.session.connect(ws[0].session.node.address))
    qtbot.waitUntil(lambda: all(len(w.session.node.nodes()) == len(ws) - 1 for w in ws),
                    timeout=8000)
    return ws


def _peer_radius_on_screen(w):
    return NODE_RADIUS * w.view.transform().m11()


def test_demo_tile_keeps_the_graph_readable_and_overlays_apart(qtbot, run, open_windows):
    """`pgviz demo --nodes 4` on 1280×800: in a 640×400 tile the labels over the view do not
    cover each other, and the nodes stay large enough to read their names."""
    ws = _mesh(qtbot, run, open_windows, ("alice", "bob", "carol", "dave"), (640, 400))
    alice = ws[0]
    join_one(qtbot, alice, "room")
    qtbot.waitUntil(lambda: len(alice.view.members) == 1, timeout=5000)
    view = alice.view
    shown = [w.geometry() for w in (view.badge, view.mode_label, view.legend)
             if w.isVisible()]
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert not a.intersects(b), (a, b)
    qtbot.waitUntil(lambda: _peer_radius_on_screen(alice) >= MIN_NODE_PX - 1, timeout=2000)
    # the graph lies clear of the labels
    for name in ("alice", "bob", "carol", "dave"):
        node = next(n for n in view.place.node_pos if n.startswith(name))
        centre = view.scene_to_widget(*view.place.node_pos[node])
        assert not view.badge.geometry().contains(centre)
        assert not view.legend.geometry().contains(centre)


def test_overlays_and_selected_pill_grow_with_a_large_view(qtbot, run, open_windows):
    """At 2560×1440 the "you are" badge grows with the graph, and the selected member's pill
    is not smaller than the other members' labels."""
    (small,) = open_windows("erin", size=(1200, 780))
    badge_small = small.view.badge.height()
    bob, _carol = _mesh(qtbot, run, open_windows, ("bob", "carol"), (2560, 1400))
    join_one(qtbot, bob, "room")
    join_one(qtbot, _carol, "room")
    qtbot.waitUntil(lambda: len(bob.view.members) == 2, timeout=5000)
    view = bob.view
    assert view.badge.height() > 1.3 * badge_small
    mine = next(m for m in view.members if m.local)
    bob.selection.select_member(mine)
    qtbot.waitUntil(view.selection.isVisible, timeout=2000)
    label_px = LABEL_PX * view.transform().m11()  # the others' labels, on screen
    assert view.selection.font.pixelSize() >= label_px


def test_side_panel_fits_a_1280x800_window_with_whole_rows(qtbot, run, open_windows):
    """At 1280×800 the controls need no scrollbar; the node lists show whole rows, the peers'
    addresses get the panel's width (Disconnect sits beside the list's title), and the
    "On this machine" hint is not cut off."""
    alice, _bob, _carol = _mesh(qtbot, run, open_windows, ("alice", "bob", "carol"),
                                (1280, 800))
    panel = alice.panel
    qtbot.waitUntil(lambda: panel.peers_list.count() == 2, timeout=5000)
    scroll = alice.side_scroll
    qtbot.waitUntil(lambda: not scroll.verticalScrollBar().isVisible(), timeout=2000)
    for lst in (panel.local_nodes_list, panel.peers_list):
        row = lst.sizeHintForRow(0)
        assert lst.viewport().height() == LIST_ROWS * row, lst.objectName()
    box = panel.cluster_box.contentsRect()
    assert panel.peers_list.width() >= box.width() - 14
    full = panel.peers_list.item(0).text()
    assert panel.peers_list.fontMetrics().horizontalAdvance(full) < panel.peers_list.width()
    hint = next(w for w in panel.cluster_box.findChildren(QLabel)
                if w.text().startswith("On this machine"))
    assert hint.fontMetrics().horizontalAdvance(hint.text()) <= hint.contentsRect().width()
    assert panel.tabs.height() >= 170


def test_legend_counts_what_the_windows_node_sees_first_during_a_split(qtbot, run,
                                                                        open_windows):
    """alice is cut from bob: her whole-cluster window draws every node's own members (3 in
    room) but her pg gives her 2; the legend says both, hers first. In agreement it shows
    one number."""
    alice, bob, carol = _mesh(qtbot, run, open_windows, ("alice", "bob", "carol"),
                              (1200, 780))
    for w in (alice, bob, carol):
        join_one(qtbot, w, "room")
    qtbot.waitUntil(lambda: len(alice.session.scope.get_members("room")) == 3, timeout=5000)
    qtbot.waitUntil(lambda: "room" in alice.view.legend.text()
                    and ">3<" in alice.view.legend.text(), timeout=5000)
    assert "their nodes" not in alice.view.legend.text()
    run(alice.session.node.disconnect(bob.session.name))
    qtbot.waitUntil(lambda: len(alice.session.scope.get_members("room")) == 2, timeout=5000)
    qtbot.waitUntil(lambda: "2&nbsp;" in alice.view.legend.text()
                    and "at alice · 3 at their nodes" in alice.view.legend.text(), timeout=5000)
