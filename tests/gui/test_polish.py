"""The projector polish: 2D placement, member labels and selection, presenter mode, the
narrow-window layout and the demo's tiling."""

import math

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from pgviz.gui.layout import NodeLayout, member_offsets, stretch_for
from pgviz.gui.tiling import tile_rects
from pgviz.runtime import Pid


def test_first_peers_are_not_collinear_and_keep_their_place():
    lay = NodeLayout("me@h")
    me = lay.position("me@h")
    a, b = lay.position("a@h"), lay.position("b@h")
    # cross product of (a - me) and (b - me): a real triangle, not a line
    cross = (a[0] - me[0]) * (b[1] - me[1]) - (a[1] - me[1]) * (b[0] - me[0])
    assert abs(cross) > 1000
    before = {n: lay.position(n) for n in ("a@h", "b@h")}
    for i in range(30):
        lay.position(f"n{i}@h")
    assert {n: lay.position(n) for n in ("a@h", "b@h")} == before
    spots = {lay.position(n) for n in lay.known()}
    assert len(spots) == len(lay.known())  # no two nodes share a place


def test_members_keep_their_place_and_never_overlap():
    few, many = member_offsets(5, 46.0), member_offsets(60, 46.0)
    assert many[:5] == few
    for i, (x1, y1) in enumerate(many):
        assert math.hypot(x1, y1) > 46.0 + 10
        for x2, y2 in many[i + 1:]:
            assert math.hypot(x1 - x2, y1 - y2) > 18


def test_stretch_spreads_towards_the_view_shape():
    sx, sy = stretch_for(300, 100, 200, 200, aspect=1.0)
    assert sx == 1.0 and sy > 1.0
    sx, sy = stretch_for(100, 300, 200, 200, aspect=2.0)
    assert sy == 1.0 and sx > 1.0
    assert stretch_for(300, 100, 200, 200, aspect=1.0, limit=1.2) == (1.0, 1.2)


def test_tiling_three_columns_on_a_wide_screen_and_no_empty_cell():
    rects = tile_rects(3, 0, 0, 1920, 1080)
    assert rects == [(0, 0, 640, 1080), (640, 0, 640, 1080), (1280, 0, 640, 1080)]
    for n in range(1, 9):
        for screen in ((1920, 1080), (1600, 900), (1280, 800), (3840, 2160)):
            rects = tile_rects(n, 0, 0, *screen)
            assert len(rects) == n
            assert sum(w * h for _, _, w, h in rects) == screen[0] * screen[1]  # all covered
    # four windows: 2 x 2, not four slivers
    assert {(w, h) for _, _, w, h in tile_rects(4, 0, 0, 1920, 1080)} == {(960, 540)}


def _members_in_view(qtbot, w, n):
    for _ in range(n):
        w.session.join("chat", [w.session.spawn_member()])
    w.refresh()
    qtbot.waitUntil(lambda: len(w.view.members) == n, timeout=3000)


def test_two_peers_fill_the_view_in_2d(qtbot, open_windows, run):
    alice, bob, carol = open_windows("alice", "bob", "carol")
    for w in (bob, carol):
        run(w.session.connect(alice.session.node.address))
    qtbot.waitUntil(lambda: len(alice.view.peers) == 2, timeout=5000)
    view = alice.view
    ys = {round(y) for _, y in view._node_pos.values()}
    assert len(ys) > 1  # not a horizontal strip
    # the picture uses most of the free area, in height as well as in width
    shown = view.mapFromScene(view._content).boundingRect()
    free = view._available()
    assert shown.height() > 0.85 * free.height() or shown.width() > 0.85 * free.width()
    assert shown.height() > 0.6 * free.height()


def test_member_labels_hover_and_selection(qtbot, open_windows):
    (alice,) = open_windows("alice")
    _members_in_view(qtbot, alice, 3)
    view = alice.view
    texts = {t for _, _, t in view._labels}
    assert texts == {str(m.pid) for m in view.members}
    member = view.members[1]
    x, y = view.member_position(member)
    pos = view.mapFromScene(QPointF(x, y))
    # QTest's mouseMove sends nothing without a real pointer (offscreen): send the event
    vp = view.viewport()
    move = QMouseEvent(QEvent.MouseMove, QPointF(pos), QPointF(vp.mapToGlobal(pos)),
                       Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(vp, move)
    assert view.hovered is not None and view.hovered.pid == member.pid
    assert view.hover_marker.isVisible()
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)
    assert view.selected is not None and view.selected.pid == member.pid
    assert view.selection.isVisible() and view.selection.text == str(member.pid)
    assert not view.hover_marker.isVisible()  # the selection's pill is enough
    assert alice.panel.tabs.currentIndex() == 1  # its inbox is shown
    alice.select_member(None)
    assert not view.selection.isVisible()


def test_many_members_label_only_on_hover():
    from pgviz.gui.cluster_view import ClusterView
    from pgviz.gui.session import Member
    from pgviz.gui.theme import THEMES

    view = ClusterView("me@h", THEMES["light"])
    view.resize(800, 600)
    members = [Member(Pid("me@h", 10 + i), "me@h", ("chat",), True) for i in range(40)]
    view.set_cluster([], members)
    assert view._labels == []  # 40 around one node: no fixed labels, pills on hover
    assert len(view._member_pos) == 40


def test_presenter_mode_is_one_setting(qtbot, open_windows):
    (alice,) = open_windows("alice")
    badge = alice.view.badge
    normal = badge.sizeHint().height()
    assert normal >= 50  # large even without presenter mode
    assert alice.findChild(object, "presenterToolButton") is not None
    alice.actions_["presenter"].trigger()
    assert alice.presenter and alice.view.text_scale > 1.0
    qtbot.waitUntil(lambda: badge.sizeHint().height() > normal, timeout=2000)
    assert alice.panel.broadcast_button.sizeHint().height() > 26
    alice.save_settings()
    alice.actions_["presenter"].trigger()
    assert not alice.presenter and alice.view.text_scale == 1.0


def test_narrow_tall_window_puts_controls_under_the_view(qtbot, open_windows):
    (alice,) = open_windows("alice", size=(640, 1040))
    qtbot.waitUntil(lambda: alice.splitter.orientation() == Qt.Vertical, timeout=2000)
    assert alice.panel.columns == 2
    qtbot.waitUntil(lambda: alice.view.height() > 420, timeout=2000)
    scroll = alice.side_scroll
    for name in ("connectButton", "spawnButton", "joinButton", "leaveButton", "killButton",
                 "broadcastButton", "sendButton", "monitorScopeButton", "disconnectButton"):
        button = alice.panel.findChild(object, name)
        rect = button.rect().translated(button.mapTo(scroll.viewport(), button.rect().topLeft()))
        assert scroll.viewport().rect().contains(rect), f"{name} needs scrolling"
    alice.resize(1200, 780)
    qtbot.waitUntil(lambda: alice.splitter.orientation() == Qt.Horizontal, timeout=2000)
    assert alice.panel.columns == 1
