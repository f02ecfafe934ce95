"""Keeping the panel's lists and the cluster view in step with the node (main window part).

`refresh()` rebuilds what is shown from the node's current state (peers, the scope's table,
this window's processes); it runs on a short single-shot timer after trace events, so a burst
of membership changes costs one refresh.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QListWidgetItem, QTreeWidgetItem

from ..wire.terms import short_node
from .session import Member, group_text

__all__ = ["ViewSyncMixin"]


class ViewSyncMixin:
    def refresh(self) -> None:
        s = self.session
        if not s.node.running:
            return
        s.forget_dead()
        peers = s.node.nodes()
        self.seen_peers.update(peers)
        ghosts = sorted(self.seen_peers - set(peers))
        members = s.members()
        self.view.set_cluster(peers, members, ghosts)
        self._fill_members(members)
        self._fill_groups()
        self._fill_peers(peers)
        self._fill_scopes()
        n_groups = len(s.groups())
        self.status["Peers"].setText(f"{len(peers)} peer{'s' if len(peers) != 1 else ''}")
        self.status["Members"].setText(f"{len(members)} members · {n_groups} groups")
        if self.view.selected is not None and all(m.pid != self.view.selected.pid
                                                  for m in members):
            self.select_member(None)

    def _fill_members(self, members: list[Member]) -> None:
        tree = self.panel.members_tree
        selected = {m.pid for m in self.selected_members()}
        if self.pending_select is not None:
            selected = {self.pending_select}
        tree.blockSignals(True)
        tree.clear()
        items = []
        for m in members:
            it = QTreeWidgetItem([str(m.pid), short_node(m.node),
                                  ", ".join(group_text(g) for g in m.groups) or "—"])
            it.setData(0, Qt.UserRole, m)
            colour = self.view.colours.get(group_text(m.groups[0])) if m.groups else None
            if colour:
                it.setForeground(0, self.theme.qcolor("fg"))
                it.setIcon(0, _swatch(colour))
            items.append(it)
        tree.addTopLevelItems(items)
        for it in items:
            if it.data(0, Qt.UserRole).pid in selected:
                it.setSelected(True)
        tree.blockSignals(False)
        if self.pending_select is not None:
            match = [m for m in members if m.pid == self.pending_select]
            self.pending_select = None
            if match:
                self.select_member(match[0])

    def _fill_groups(self) -> None:
        tree = self.panel.groups_tree
        tree.clear()
        names = []
        for g, n, local in self.session.groups():
            it = QTreeWidgetItem([group_text(g), str(n), str(local)])
            it.setIcon(0, _swatch(self.view.colours.get(group_text(g), "#888888")))
            tree.addTopLevelItem(it)
            names.append(group_text(g))
        combo = self.panel.group_combo
        text = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(names)
        combo.setEditText(text)
        combo.blockSignals(False)

    def _fill_peers(self, peers: list[str]) -> None:
        lst = self.panel.peers_list
        chosen = {it.data(Qt.UserRole) for it in lst.selectedItems()}
        lst.clear()
        for name in peers:
            info = self.session.node.connection_info(name) or {}
            it = QListWidgetItem(f"{short_node(name)}  —  {info.get('address', '')}")
            it.setData(Qt.UserRole, name)
            lst.addItem(it)
            it.setSelected(name in chosen)

    def _fill_scopes(self) -> None:
        combo = self.panel.scope_combo
        scopes = sorted(self.session.node.scopes())
        if [combo.itemText(i) for i in range(combo.count())] != scopes:
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(scopes)
            combo.blockSignals(False)
        if combo.currentText() != self.session.scope_name and not combo.lineEdit().hasFocus():
            combo.setCurrentText(self.session.scope_name)

    def _selection_changed(self) -> None:
        members = self.selected_members()
        self.view.select(members[0] if len(members) == 1 else None)
        self.show_inbox()

    def select_member(self, member: Member | None) -> None:
        tree = self.panel.members_tree
        tree.blockSignals(True)
        tree.clearSelection()
        if member is not None:
            for i in range(tree.topLevelItemCount()):
                it = tree.topLevelItem(i)
                if it.data(0, Qt.UserRole).pid == member.pid:
                    it.setSelected(True)
                    tree.scrollToItem(it)
        tree.blockSignals(False)
        self.view.select(member)
        self.show_inbox()
        if member is not None:
            self.panel.tabs.setCurrentIndex(1)

    def show_inbox(self) -> None:
        m = self.view.selected
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

    def _node_clicked(self, name: str) -> None:
        lst = self.panel.peers_list
        for i in range(lst.count()):
            lst.item(i).setSelected(lst.item(i).data(Qt.UserRole) == name)


def _swatch(colour: str) -> QIcon:
    pm = QPixmap(10, 10)
    pm.fill(QColor(colour))
    return QIcon(pm)
