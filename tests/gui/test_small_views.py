"""The smallest views stay in proportion (a `pgviz demo --nodes 4` tile, 640×400, with the
space-time diagram open): the selected member's marker no larger than a node, the diagram
beside the graph rather than under it. And a side panel that fits a short window (1280×640,
presenter mode at 1280×800) without a scrollbar."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pgviz.gui.layout import NODE_RADIUS

from .drivers import join_one


def _mesh(qtbot, run, open_windows, names, size):
    ws = open_windows(*names, size=size, whole=True)
    for w in ws[1:]:
        run(w.session.connect(ws[0].session.node.address))
    qtbot.waitUntil(lambda: all(len(w.session.node.nodes()) == len(ws) - 1 for w in ws),
                    timeout=8000)
    return ws


def _marker_on_screen(view):
    """The selected member's marker as the user sees it: its bounding rect in the viewport
    (the marker ignores the view's zoom: its own rect is in screen pixels)."""
    marker = view.selection
    return marker.deviceTransform(view.viewportTransform()).mapRect(marker.boundingRect())


def _peer_px(view):
    return 2 * NODE_RADIUS * view.transform().m11()


def _select_own_member(qtbot, w):
    mine = next(m for m in w.view.members if m.local)
    w.selection.select_member(mine)
    qtbot.waitUntil(w.view.selection.isVisible, timeout=2000)


def test_selected_marker_is_no_larger_than_a_node_in_a_tiny_view(qtbot, run, open_windows):
    """A 640×400 tile whose graph is ~100 px tall (zoom about 0.16, peers 15 px across): the
    selected member's ring and pill (once 65×43 px, over the nodes and their dots) are no
    larger than a peer; its ring is still drawn. At 1280×800 the pill is back, readable."""
    ws = _mesh(qtbot, run, open_windows, ("alice", "bob", "carol", "dave"), (640, 400))
    alice = ws[0]
    for w in ws:
        join_one(qtbot, w, "room")
    view = alice.view
    qtbot.waitUntil(lambda: len(view.members) == 4, timeout=8000)
    _select_own_member(qtbot, alice)
    pill_in_tile = _marker_on_screen(view)
    assert pill_in_tile.width() > 40  # the tile alone (peers ~50 px): ring and "<alice.1>"
    # the diagram dragged under the graph, at its smallest: the graph a strip of ~100 px
    alice.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, alice.diagram)
    alice.diagram.show()
    qtbot.waitUntil(lambda: view.height() < 140 and _peer_px(view) < 20, timeout=3000)
    qtbot.waitUntil(lambda: _marker_on_screen(view).width() <= _peer_px(view), timeout=2000)
    rect = _marker_on_screen(view)
    assert rect.height() <= _peer_px(view)
    assert rect.width() >= 8  # a ring, not nothing
    assert view.selection.isVisible()

    alice.diagram.hide()
    alice.resize(1280, 800)
    qtbot.waitUntil(lambda: _peer_px(view) > 45, timeout=3000)
    qtbot.waitUntil(lambda: _marker_on_screen(view).width() > 40, timeout=2000)  # the pill
    assert view.selection.font.pixelSize() >= 9


def test_f9_in_a_demo_tile_opens_the_diagram_beside_the_graph(qtbot, run, open_windows):
    """F9 in a 640×400 tile: the diagram goes beside the graph, each about half the tile
    and its whole height (under it, the diagram at its smallest left the graph 100 px). When
    the window grows tall, the diagram goes back under the graph, a third of the height; F9
    there opens it under the graph."""
    ws = _mesh(qtbot, run, open_windows, ("alice", "bob", "carol", "dave"), (640, 400))
    alice = ws[0]
    view, dock = alice.view, alice.diagram
    lanes = dock.view
    tile_graph = (view.width(), view.height())
    dock.action.trigger()
    qtbot.waitUntil(lambda: dock.isVisible() and abs(dock.width() - 320) <= 10, timeout=3000)
    assert alice.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert view.height() >= tile_graph[1] - 2  # the graph keeps the tile's height
    assert view.width() >= 280
    assert lanes.height() >= 34 * 4  # the four lanes shown whole
    assert _peer_px(view) >= 28  # peers twice as large as under a docked diagram (15 px)
    dock.action.trigger()  # closed and opened again: beside again
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=2000)
    dock.action.trigger()
    qtbot.waitUntil(lambda: dock.isVisible() and abs(dock.width() - 320) <= 10, timeout=3000)
    assert alice.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea

    alice.resize(1200, 780)  # taller: under the graph again
    qtbot.waitUntil(lambda: alice.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
                    and 240 <= dock.height() <= 280, timeout=3000)
    assert view.width() > 700
    dock.action.trigger()
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=2000)
    dock.action.trigger()
    qtbot.waitUntil(lambda: dock.isVisible() and 240 <= dock.height() <= 280, timeout=3000)
    assert alice.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea


def test_a_diagram_the_user_put_under_a_short_graph_stays_there(qtbot, run, open_windows):
    """The user drags the diagram back under the graph in the tile: closing and opening it
    again (F9) keeps it where they put it."""
    (alice,) = open_windows("alice", size=(640, 400))
    dock = alice.diagram
    dock.action.trigger()
    qtbot.waitUntil(lambda: alice.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea,
                    timeout=2000)
    alice.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)  # the user's drag
    dock.action.trigger()
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=2000)
    dock.action.trigger()
    qtbot.waitUntil(dock.isVisible, timeout=2000)
    assert alice.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea


def test_presenter_mode_at_1280x800_fits_the_side_panel_without_a_scrollbar(
        qtbot, run, open_windows):
    """Presenter mode's larger text at 1280×800 (the panel once scrolled by 54 px): the
    details tabs and the spacing give way, the node lists keep their two whole rows and the
    tabs still show three rows; back to the normal size, the tabs get their room again."""
    (alice,) = open_windows("alice", size=(1280, 800))
    scroll, panel = alice.side_scroll, alice.panel
    qtbot.waitUntil(lambda: not scroll.verticalScrollBar().isVisible(), timeout=2000)
    normal_tabs = panel.tabs.minimumHeight()
    alice.set_presenter(True)
    qtbot.waitUntil(lambda: panel.message_edit.font().pointSizeF() > 12, timeout=2000)
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() == 0
                    and not scroll.verticalScrollBar().isVisible(), timeout=3000)
    for lst in (panel.local_nodes_list, panel.peers_list):
        row = lst.sizeHintForRow(0) if lst.count() else lst.fontMetrics().height() + 3
        assert lst.viewport().height() >= 2 * row - 1, lst.objectName()
    tree = panel.members_tree
    assert tree.viewport().height() >= 3 * (tree.fontMetrics().height() + 4)
    assert panel.tabs.geometry().bottom() <= scroll.viewport().height()
    alice.set_presenter(False)
    qtbot.waitUntil(lambda: panel.tabs.minimumHeight() == normal_tabs, timeout=3000)


def test_a_diagram_beside_a_short_graph_is_saved_under_it(qtbot, run, open_windows):
    """The window's settings are saved (as a crash-restart does, with no close event) while
    the diagram is beside a short graph: what is saved has it under the graph, where a larger
    window of this node will want it."""
    (alice,) = open_windows("alice", size=(640, 400))
    dock = alice.diagram
    dock.action.trigger()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.placed_beside, timeout=3000)
    alice.remember = True
    alice.save_settings()
    assert not dock.placed_beside
    assert alice.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
