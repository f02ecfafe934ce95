"""Readable on a projector: the picture fills the view in 2D, members are labelled (or
labelled on hover when there are many), the selection is marked, presenter mode enlarges every
text, and a tall narrow window (pgviz demo) keeps every control and the inbox in view."""

from PySide6.QtCore import Qt

from pgviz.gui.picture import GroupRow, Member, Picture
from pgviz.runtime import Pid

from .drivers import click_member, hover, join_one


def _members_in_view(qtbot, w, n):
    for _ in range(n):
        w.session.join("chat", [w.session.spawn_member()])
    qtbot.waitUntil(lambda: len(w.view.members) == n, timeout=8000)


def test_two_peers_fill_the_view_in_2d(qtbot, open_windows, run):
    alice, bob, carol = open_windows("alice", "bob", "carol")
    for w in (bob, carol):
        run(w.session.connect(alice.session.node.address))
    qtbot.waitUntil(lambda: len(alice.view.peers) == 2, timeout=5000)
    view = alice.view
    ys = {round(y) for _, y in view.place.node_pos.values()}
    assert len(ys) > 1  # not a horizontal strip
    # the picture uses most of the free area, in height as well as in width
    shown = view.mapFromScene(view.place.content).boundingRect()
    free = view.overlays.free_area()
    assert shown.height() > 0.85 * free.height() or shown.width() > 0.85 * free.width()
    assert shown.height() > 0.6 * free.height()


def test_member_labels_hover_and_selection(qtbot, open_windows):
    (alice,) = open_windows("alice")
    _members_in_view(qtbot, alice, 3)
    view = alice.view
    texts = {t for _, _, t in view.place.labels}
    assert texts == {str(m.pid) for m in view.members}
    member = view.members[1]
    x, y = view.member_position(member)
    hover(view, view.scene_to_widget(x, y))
    assert view.hovered is not None and view.hovered.pid == member.pid
    assert view.hover_marker.isVisible()
    click_member(qtbot, view, member)
    assert view.selected is not None and view.selected.pid == member.pid
    assert alice.session.model.snapshot().selected == str(member.pid)  # one selection
    assert view.selection.isVisible() and view.selection.text == str(member.pid)
    assert not view.hover_marker.isVisible()  # the selection's pill is enough
    assert alice.panel.tabs.currentIndex() == 1  # its inbox is shown
    assert [it.text(0) for it in alice.panel.members_tree.selectedItems()] == [str(member.pid)]
    alice.select_member(None)
    assert not view.selection.isVisible()


def test_many_members_label_only_on_hover(qtbot):
    from pgviz.gui.cluster_view import ClusterView
    from pgviz.gui.theme import THEMES

    view = ClusterView("me@h", THEMES["light"])
    qtbot.addWidget(view)
    view.resize(800, 600)
    members = tuple(Member(Pid("me@h", 10 + i), "me@h", ("chat",), True) for i in range(40))
    view.set_picture(Picture("me@h", members=members, groups=(GroupRow("chat", 40, 40),)))
    assert view.place.labels == []  # 40 around one node: no fixed labels, pills on hover
    assert len(view.place.member_pos) == 40


def test_presenter_mode_is_one_setting(qtbot, open_windows):
    (alice,) = open_windows("alice")
    badge = alice.view.badge
    normal = badge.sizeHint().height()
    assert normal >= 50  # large even without presenter mode
    assert alice.findChild(object, "presenterToolButton") is not None
    alice.actions_["presenter"].trigger()
    assert alice.presenter and alice.view.text_scale > 1.0
    qtbot.waitUntil(lambda: badge.sizeHint().height() > normal, timeout=8000)
    assert alice.panel.broadcast_button.sizeHint().height() > 26
    alice.save_settings()
    alice.actions_["presenter"].trigger()
    assert not alice.presenter and alice.view.text_scale == 1.0


def test_narrow_tall_window_puts_controls_under_the_view(qtbot, open_windows):
    (alice,) = open_windows("alice", size=(640, 1040))
    qtbot.waitUntil(lambda: alice.splitter.orientation() == Qt.Orientation.Vertical,
                    timeout=8000)
    assert alice.panel.columns == 2
    qtbot.waitUntil(lambda: alice.view.height() > 420, timeout=8000)
    scroll = alice.side_scroll
    for name in ("connectButton", "spawnButton", "joinButton", "leaveButton", "killButton",
                 "broadcastButton", "sendButton", "monitorScopeButton", "disconnectButton"):
        button = alice.panel.findChild(object, name)
        rect = button.rect().translated(button.mapTo(scroll.viewport(), button.rect().topLeft()))
        assert scroll.viewport().rect().contains(rect), f"{name} needs scrolling"
    alice.resize(1200, 780)
    qtbot.waitUntil(lambda: alice.splitter.orientation() == Qt.Orientation.Horizontal,
                    timeout=8000)
    assert alice.panel.columns == 1


def test_selecting_a_member_keeps_the_inbox_in_view_in_a_narrow_window(qtbot, open_windows):
    """A word-wrapped inbox label made the panel height-for-width: in a tall narrow window
    (pgviz demo) selecting a member pushed the tabs, and its inbox, out of view. Presenter
    mode's larger font must not push them out either."""
    (w,) = open_windows("alice", size=(640, 1000))
    for presenter in (False, True):
        w.set_presenter(presenter)
        qtbot.waitUntil(lambda: w.splitter.orientation() == Qt.Orientation.Vertical,
                        timeout=8000)
        pid = join_one(qtbot, w, "chat")
        qtbot.waitUntil(lambda pid=pid: any(m.pid == pid for m in w.view.members), timeout=8000)
        w.select_member(next(m for m in w.view.members if m.pid == pid))
        viewport = w.side_scroll.viewport()
        qtbot.waitUntil(lambda vp=viewport: w.panel.tabs.currentIndex() == 1
                        and w.panel.height() <= vp.height() + 1, timeout=8000)
        tabs_bottom = w.panel.tabs.mapTo(viewport, w.panel.tabs.rect().bottomLeft()).y()
        assert tabs_bottom <= viewport.height()
        assert w.panel.inbox_list.isVisible() and w.panel.inbox_list.height() > 10
