"""Keeping the panel's lists, the status bar and the cluster view in step with the model.

`refresh()` turns the model's current snapshot into a Picture (my node or whole cluster) and
shows it: the view, the members and groups lists, the peers list, the status bar. It runs on a
short single-shot timer after the events that change the picture (a burst of joins costs one
refresh), and at once when the selection changes, so the list and the view always agree.
"""

from __future__ import annotations

import dataclasses
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QLabel, QListWidgetItem, QTreeWidgetItem, QWidget

from ..wire.terms import short_node
from .cluster_view import ClusterView
from .commands import ITEM_DATA
from .picture import GroupRow, Picture, group_text, make_picture
from .selection import Selection
from .session import NodeSession
from .side_panel import SidePanel

__all__ = ["ViewSync", "REFRESH_MS", "count", "members_text"]

REFRESH_MS = 25


class ViewSync:
    def __init__(self, session: NodeSession, view: ClusterView, panel: SidePanel,
                 status: dict[str, QLabel], parent: QWidget, whole: bool = False) -> None:
        self.session = session
        self.view = view
        self.panel = panel
        self.status = status
        self.whole = whole
        self.picture = Picture(session.name)
        self.selection = Selection(session.model, lambda: self.picture, self.refresh)
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refreshes = 0
        self._filled = False  # the lists and the status bar shown once (a fresh window's
        # first picture can equal the empty one it starts with, yet they must be filled)

    def schedule(self) -> None:
        """Refresh soon: a burst of changes costs one refresh."""
        if not self.timer.isActive():
            self.timer.start()

    def set_whole(self, whole: bool) -> None:
        if whole != self.whole:
            self.whole = whole
            self.refresh()

    def show_dot(self, src: str, dst: str, kind: str) -> None:
        """A live message's dot, if the picture shows its link's frames."""
        pic = self.picture
        if self.timer.isActive() and not (pic.shows(src) and pic.shows(dst)):
            self.refresh()  # a node that just came up: draw it before its first dot
            pic = self.picture
        if pic.shows_frames(src, dst):
            self.view.add_message(src, dst, kind)

    # -- model -> widgets --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.timer.stop()
        s = self.session
        if not s.node.running:
            self._show_crashed()
            return
        snap = s.model.snapshot()
        pic = make_picture(snap, s.name, s.scope_name, self.whole, s.spawned, self.picture)
        if pic.selected is not None and pic.selected.startswith("<") \
                and pic.member(pic.selected) is None:
            s.model.select(None)  # the selected member is gone
            pic = dataclasses.replace(pic, selected=None)
        old, self.picture = self.picture, pic
        self.refreshes += 1
        if self._filled and dataclasses.replace(old, selected=pic.selected) == pic:
            if old.selected != pic.selected:  # only the selection moved
                self.view.set_picture(pic)
                self._select_in_lists(pic)
                self.show_inbox()
            return
        self._filled = True
        self.view.set_picture(pic)
        self._fill_members(pic)
        self._fill_groups(pic)
        self._fill_peers(pic)
        self._fill_scopes()
        self._select_in_lists(pic)
        self.show_inbox()
        peers = [n for n in pic.peers if frozenset((s.name, n)) in snap.links]
        self.status["Peers"].setText(count(len(peers), "peer"))
        live = sum(m.mark != "stale" for m in pic.members)
        self.status["Members"].setText(f"{count(live, 'member')} · "
                                       f"{count(len(pic.groups), 'group')}")

    def _show_crashed(self) -> None:
        """This window's node crashed: it holds no link, no process and no view of the
        members any more. Its former peers stay drawn, "not connected", where they were (what
        happens to them is theirs to show, in their windows)."""
        old = self.picture
        pic = Picture(old.me, whole=False, scope=old.scope, ghosts=old.peers + old.ghosts)
        if self._filled and pic == old:
            return
        self._filled = True
        self.picture = pic
        self.refreshes += 1
        self.view.set_picture(pic)
        self._fill_members(pic)
        self._fill_groups(pic)
        self.panel.peers_list.clear()
        self.show_inbox()
        self.status["Peers"].setText("crashed: no peers")
        self.status["Members"].setText("no members")

    def _fill_members(self, pic: Picture) -> None:
        tree = self.panel.members_tree
        tree.blockSignals(True)
        tree.clear()
        items = []
        colours = self.view.colours
        for m in pic.members:
            if m.mark == "stale":
                continue  # gone already: only the picture shows who still believes in it
            it = QTreeWidgetItem([str(m.pid), short_node(m.node),
                                  ", ".join(group_text(g) for g in m.groups) or "—"])
            it.setData(0, ITEM_DATA, str(m.pid))
            colour = colours.get(group_text(m.groups[0])) if m.groups else None
            if colour:  # (its text keeps the list's colour, which follows the theme)
                it.setIcon(0, swatch(colour))
            items.append(it)
        tree.addTopLevelItems(items)
        tree.blockSignals(False)

    def _fill_groups(self, pic: Picture) -> None:
        tree = self.panel.groups_tree
        tree.clear()
        names = []
        for row in pic.groups:
            name = group_text(row.group)
            it = QTreeWidgetItem([name, members_text(row, pic.me), str(row.local)])
            it.setIcon(0, swatch(self.view.colours.get(name, "#888888")))
            if row.here is not None and row.here != row.members:
                it.setToolTip(1, f"{short_node(pic.me)}'s pg gives {row.here} (what its "
                                 f"get_members returns); the members' own nodes hold "
                                 f"{row.members}: a split, or a join or leave on its way")
            tree.addTopLevelItem(it)
            names.append(name)
        combo = self.panel.group_combo
        text = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(names)
        combo.setEditText(text)
        combo.blockSignals(False)

    def _fill_peers(self, pic: Picture) -> None:
        lst = self.panel.peers_list
        lst.blockSignals(True)
        lst.clear()
        me = self.session.name
        for name in pic.peers:
            if frozenset((me, name)) not in pic.links:
                continue
            info = self.session.node.connection_info(name) or {}
            it = QListWidgetItem(f"{short_node(name)}  —  {info.get('address', '')}")
            it.setData(ITEM_DATA, name)
            lst.addItem(it)
        lst.blockSignals(False)

    def _fill_scopes(self) -> None:
        combo = self.panel.scope_combo
        scopes = sorted(self.session.node.scopes())
        if [combo.itemText(i) for i in range(combo.count())] != scopes:
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(scopes)
            combo.blockSignals(False)
        line = combo.lineEdit()
        if combo.currentText() != self.session.scope_name and not (line and line.hasFocus()):
            combo.setCurrentText(self.session.scope_name)

    def _select_in_lists(self, pic: Picture) -> None:
        """The lists mirror the model's selection (they never hold one of their own)."""
        tree = self.panel.members_tree
        tree.blockSignals(True)
        tree.clearSelection()
        for i in range(tree.topLevelItemCount()):
            it = tree.topLevelItem(i)
            if it is not None and it.data(0, ITEM_DATA) == pic.selected:
                it.setSelected(True)
                tree.scrollToItem(it)
        tree.blockSignals(False)
        lst = self.panel.peers_list
        lst.blockSignals(True)
        for i in range(lst.count()):
            item = lst.item(i)
            item.setSelected(item.data(ITEM_DATA) == pic.selected)
        lst.blockSignals(False)

    # -- widgets -> model --------------------------------------------------------------------------
    def tree_selection_changed(self) -> None:
        items = self.panel.members_tree.selectedItems()
        self.selection.select(items[0].data(0, ITEM_DATA) if items else None)

    def peer_selection_changed(self) -> None:
        items = self.panel.peers_list.selectedItems()
        self.selection.select(items[0].data(ITEM_DATA) if items else None)

    def show_inbox(self) -> None:
        m = self.picture.selected_member
        lst, label = self.panel.inbox_list, self.panel.inbox_label
        lst.clear()
        if m is None:
            label.setText("Select a member to see what it received.")
            return
        groups = ", ".join(group_text(g) for g in m.groups) or "no group"
        if not m.local:
            label.setText(f"{m.pid} lives on {short_node(m.node)} ({groups}); its inbox is "
                          f"shown in {short_node(m.node)}'s window.")
            return
        box = self.session.inboxes.get(m.pid, [])
        label.setText(f"{m.pid} ({groups}) received {len(box)} message"
                      f"{'s' if len(box) != 1 else ''}")
        lst.addItems([time.strftime("%H:%M:%S ", time.localtime(e.t)) + e.text for e in box])
        lst.scrollToBottom()


def members_text(row: GroupRow, me: str) -> str:
    """A group's member count as the legend words it: one number while the window's node
    agrees with the members' own nodes; during a split (or a join or leave on its way) what
    the window's node's pg gives it first, then what the members' nodes hold:
    "3 at alice · 5 at their nodes"."""
    elsewhere = row.elsewhere(me)
    return f"{row.here} {elsewhere}" if elsewhere else str(row.members)


def count(n: int, thing: str) -> str:
    """ "no peers", "1 peer", "3 peers"."""
    if n == 0:
        return f"no {thing}s"
    return f"{n} {thing}{'s' if n != 1 else ''}"


def swatch(colour: str) -> QIcon:
    pm = QPixmap(10, 10)
    pm.fill(QColor(colour))
    return QIcon(pm)
