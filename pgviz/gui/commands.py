"""What the buttons do: the main window's commands, each also bound to a shortcut.

No command opens a modal dialog: problems go to the event log and the status bar. Async work
(connect, disconnect, starting a scope) runs as tasks the window keeps references to. Commands
act on the node through its public API; what they act on (the selected member or peer) comes
from the window's one selection, in its model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem

from ..net import registry
from ..runtime import Pid
from ..wire.terms import short_node
from .failure_words import connect_failure
from .feedback import Feedback, Tasks
from .picture import Member, group_text
from .selection import Selection
from .session import NodeSession
from .side_panel import SidePanel

__all__ = ["Commands", "parse_group"]

log = logging.getLogger(__name__)

ITEM_DATA = Qt.ItemDataRole.UserRole


def parse_group(text: str) -> Any:
    """Group names are typed as text; an integer stays an int (groups may be ints in pg)."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text


class Commands:
    def __init__(self, session: NodeSession, panel: SidePanel, feedback: Feedback,
                 tasks: Tasks, selection: Selection, refresh: Callable[[], None]) -> None:
        self.session = session
        self.panel = panel
        self.feedback = feedback
        self.tasks = tasks
        self.selection = selection
        self.refresh = refresh  # redraw soon (the view lags the node by a refresh)

    def report(self, text: str, error: bool = False) -> None:
        self.feedback.report(text, error)

    def crashed(self) -> bool:
        """True (and said) when this window's node is gone: a command's key still works when
        its button is grey, and it must not act on a dead node."""
        if self.session.node.running:
            return False
        self.report(f"{self.session.short_name} has crashed: nothing here acts on it any more",
                    error=True)
        return True

    # -- helpers --------------------------------------------------------------------------------
    def selected_members(self) -> list[Member]:
        m = self.selection.member()
        return [m] if m is not None else []

    def unreachable(self, m: Member) -> str | None:
        """Why a member cannot be reached any more (it died, or its node went away), or
        None. The view lags the node by a refresh, so a selection may be stale."""
        node = self.session.node
        if m.local:
            return None if node.is_alive(m.pid) else f"{m.pid} is no longer alive"
        if m.node not in node.nodes():
            return f"{m.pid} is unreachable: {short_node(m.node)} is not connected"
        return None

    def current_group(self) -> Any | None:
        text = self.panel.group_combo.currentText().strip()
        if not text:
            self.report("type a group name first", error=True)
            self.panel.group_combo.setFocus()
            return None
        return parse_group(text)

    def _guard(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:  # bad input or a stopped scope: say so, lose nothing
            self.report(str(exc), error=True)
            return None

    # -- cluster ---------------------------------------------------------------------------------
    def connect(self, address: str | None = None) -> None:
        if self.crashed():
            return
        address = (address or self.panel.address_edit.text()).strip()
        if not address:
            self.report("type host:port of a node, or click one on this machine", error=True)
            self.panel.address_edit.setFocus()
            return
        if ":" not in address or not address.rpartition(":")[2].isdigit():
            self.report(f"not an address: {address!r} (expected host:port)", error=True)
            return

        async def go() -> None:
            self.report(f"connecting to {address} …")
            try:
                name = await self.session.connect(address)
            except OSError as exc:  # every connect error is one (PgvizConnectionError)
                self.report(connect_failure(address, exc), error=True)
                self.feedback.log_line(f"    ({exc})")  # the detail, for whoever needs it
                return
            if name == self.session.name:
                self.report(f"{address} is this node ({self.session.short_name}): "
                            "connect to another one", error=True)
                return
            self.report(f"connected to {short_node(name)} at {address}")
        self.tasks.run(go(), f"connect to {address}")

    def connect_local(self, item: QListWidgetItem) -> None:
        entry = item.data(ITEM_DATA)
        if entry is not None:
            self.connect(entry.address)

    def disconnect(self) -> None:
        if self.crashed():
            return
        peers = self.session.node.nodes()
        chosen = self.selection.node()
        if chosen in peers:
            targets = [chosen]
        elif len(peers) == 1:
            targets = peers
        else:
            self.report("select a peer to disconnect (in the list or the view)", error=True)
            return
        for peer in targets:
            self.tasks.run(self.session.disconnect(peer), f"disconnect {peer}")

    def refresh_local_nodes(self) -> None:
        lst = self.panel.local_nodes_list
        connected = ({n for link in self.session.model.snapshot().links
                      if self.session.name in link for n in link}
                     if self.session.node.running else set())
        entries = [e for e in registry.list_nodes() if e.name != self.session.name]
        lst.clear()
        for e in entries:
            mark = "  ✓ connected" if e.name in connected else ""
            it = QListWidgetItem(f"{short_node(e.name)}  —  {e.address}{mark}")
            it.setData(ITEM_DATA, e)
            it.setToolTip(f"{e.name} at {e.address} (process {e.os_pid})")
            lst.addItem(it)
        if not entries:
            it = QListWidgetItem("no other node yet")
            it.setFlags(Qt.ItemFlag.NoItemFlags)
            lst.addItem(it)

    def refresh_lan_nodes(self) -> None:
        discovery = self.session.discovery
        lst, hint = self.panel.lan_nodes_list, self.panel.lan_hint
        lst.setVisible(discovery is not None)
        hint.setVisible(discovery is not None)
        if discovery is None:
            return
        connected = set(self.session.node.nodes())
        found = discovery.found()
        lst.clear()
        for f in found:
            mark = "  ✓ connected" if f.name in connected else ""
            lock = "  🔒" if f.tls else ""
            it = QListWidgetItem(f"{short_node(f.name)}  —  {f.address}{lock}{mark}")
            it.setData(ITEM_DATA, f)
            it.setToolTip(f"{f.name} at {f.address}" + (" (TLS)" if f.tls else ""))
            lst.addItem(it)
        if not found:
            it = QListWidgetItem("no other node announced yet")
            it.setFlags(Qt.ItemFlag.NoItemFlags)
            lst.addItem(it)

    # -- processes and groups ---------------------------------------------------------------------
    def spawn(self) -> Pid | None:
        if self.crashed():
            return None
        pid = self._guard(self.session.spawn_member)
        if pid is not None:
            self.selection.select(str(pid))
        return pid

    def kill(self) -> None:
        if self.crashed():
            return
        members = self.selected_members()
        if not members:
            self.report("select the member to kill (click one in the view or the list)",
                        error=True)
            return
        for m in members:
            why = self.unreachable(m)
            if why is not None:
                self.report(f"not killed: {why}", error=True)
                continue
            self._guard(self.session.kill, m.pid)
        self.refresh()

    def join(self) -> None:
        if self.crashed():
            return
        group = self.current_group()
        if group is None:
            return
        chosen = self.selected_members()
        if chosen and not any(m.local for m in chosen):
            self.report(f"only this node's processes can join: {chosen[0].pid} lives on "
                        f"{short_node(chosen[0].node)} (select none to spawn a new one)",
                        error=True)
            return
        local = [m.pid for m in chosen if m.local]
        dead = [p for p in local if not self.session.node.is_alive(p)]
        if dead:
            self.report(", ".join(map(str, dead)) + " no longer alive: not joined", error=True)
            self.refresh()
            local = [p for p in local if p not in dead]
            if not local:
                return
        if not local:
            pid = self.spawn()
            if pid is None:
                return
            local = [pid]
        self._guard(self.session.join, group, local)

    def leave(self) -> None:
        if self.crashed():
            return
        group = self.current_group()
        if group is None:
            return
        chosen = self.selected_members()
        local = [m.pid for m in chosen if m.local]
        if not local:
            self.report(f"only this node's processes can leave: {chosen[0].pid} lives on "
                        f"{short_node(chosen[0].node)}" if chosen
                        else "select a local member to leave the group", error=True)
            return
        self._guard(self.session.leave, group, local)

    def monitor_group(self) -> None:
        if self.crashed():
            return
        group = self.current_group()
        if group is not None:
            self._guard(self.session.monitor_group, group)
            self.panel.tabs.setCurrentWidget(self.panel.event_log)

    def monitor_scope(self) -> None:
        if self.crashed():
            return
        self._guard(self.session.monitor_scope)
        self.panel.tabs.setCurrentWidget(self.panel.event_log)

    def scope(self, name: str | None = None) -> None:
        if self.crashed():
            return
        name = (name if name is not None else self.panel.scope_combo.currentText()).strip()
        if not name or name == self.session.scope_name:
            return

        async def go() -> None:
            await self.session.node.start_scope(name)
            self.session.scope_name = name
            self.report(f"showing scope {name}")
            self.refresh()
        self.tasks.run(go(), f"start scope {name}")

    # -- messages ----------------------------------------------------------------------------------
    def message_text(self) -> str:
        return self.panel.message_edit.text().strip() or "hello"

    def broadcast(self) -> None:
        if self.crashed():
            return
        group = self.current_group()
        if group is None:
            return
        remote = self.panel.remote_only_check.isChecked()
        n = self._guard(self.session.broadcast, group, self.message_text(), remote)
        if n == 0:
            self.report(f"no {'remote ' if remote else ''}member in {group_text(group)}")

    def send(self) -> None:
        if self.crashed():
            return
        members = self.selected_members()
        if len(members) != 1:
            self.report("select one member to send to", error=True)
            return
        why = self.unreachable(members[0])
        if why is not None:
            self.report(f"not sent: {why}", error=True)
            self.refresh()
            return
        self._guard(self.session.send, members[0].pid, self.message_text())

    def toggle_remote_only(self) -> None:
        check = self.panel.remote_only_check
        check.setChecked(not check.isChecked())
