"""The control panel beside the cluster view: plain widgets, each with a stable objectName
and accessible name (the main window wires them to the node; tests find them by name)."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter, QTextOption
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

__all__ = ["SidePanel", "named", "LIST_ROWS", "GIVES_WAY", "TABS_SHORT_ROWS"]

LIST_ROWS = 2  # rows of a node list beside the view (it scrolls for more); see set_list_rows
#: What gives, in this order, when the panel beside the view is taller than its window
#: (1280×640, presenter mode at 1280×800), so that every control is seen without a scrollbar
#: (see fit_height). The details tabs first: they scroll within themselves and 3 rows still
#: show a member's inbox; then the margins and spacing; the node lists last, to one row (the
#: graph shows the peers; the lists serve to connect, once).
GIVES_WAY = ("tabs", "spacing", "lists")
TABS_SHORT_ROWS = 3  # rows of the Members list (and as high the others) when "tabs" gives
#: A box's margins and spacing: (left, top, right, bottom), spacing; and when "spacing" gives.
BOX_SPACING = ((6, 4, 6, 6), 4)
BOX_SPACING_TIGHT = ((6, 1, 6, 3), 2)


W = TypeVar("W", bound=QWidget)


def named(widget: W, object_name: str, accessible: str, tip: str = "") -> W:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)
    if tip:
        widget.setToolTip(tip)
        widget.setAccessibleDescription(tip)
    return widget


class ElidedLabel(QLabel):
    """A one-line label that never asks for its text's width: it ends in "…" when narrow
    (a word-wrapped label would make the whole panel height-for-width, and too tall)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setToolTip(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(20, super().minimumSizeHint().height())

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()), text)
        painter.end()


class TwoLineLabel(QLabel):
    """A word-wrapped label two lines tall that is *not* height-for-width: a wrapped QLabel
    makes the whole panel height-for-width, and the scroll area then lays it out at its
    preferred height (the tabs pushed out of view in a narrow window)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return False

    def sizeHint(self) -> QSize:  # noqa: N802
        m = self.contentsMargins()
        return QSize(20, 2 * self.fontMetrics().lineSpacing() + m.top() + m.bottom() + 2)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.setToolTip(text)


def _row(label: QWidget, button: QWidget) -> QHBoxLayout:
    """A list's title and its button on one line, the title taking the room."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(5)
    row.addWidget(label, 1)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
    return row


class SidePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidePanel")
        self.giving: tuple[str, ...] = ()  # what gives way to fit a short window (GIVES_WAY)
        self.columns = 0
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 2, 8, 8)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(4)
        self.cluster_box = self._cluster_box()
        self.groups_box = self._groups_box()
        self.message_box = self._message_box()
        self._tabs()
        self.columns = 0
        self.list_rows = LIST_ROWS
        self.set_columns(1)

    def fit_height(self, height: int | None) -> None:
        """Beside the view (one column), in a window too short for the whole panel: what
        GIVES_WAY gives, in order, until the panel fits `height` or nothing more can give.
        None (or two columns, under the view): nothing gives."""
        for steps in range(len(GIVES_WAY) + 1):
            self._give(GIVES_WAY[:steps])
            if height is None or self.columns != 1 or self.minimumSizeHint().height() <= height:
                return

    def _give(self, giving: tuple[str, ...]) -> None:
        if giving == self.giving:
            return
        self.giving = giving
        (left, top, right, bottom), spacing = (
            BOX_SPACING_TIGHT if "spacing" in giving else BOX_SPACING)
        for box in (self.cluster_box, self.groups_box, self.message_box):
            lay = box.layout()
            if lay is None:
                continue
            lay.setContentsMargins(left, top, right, bottom)
            lay.setSpacing(spacing)
            lay.invalidate()
            box.updateGeometry()
        self.grid.setVerticalSpacing(2 if "spacing" in giving else 4)
        self.grid.setContentsMargins(8, 0 if "spacing" in giving else 2, 8,
                                     4 if "spacing" in giving else 8)
        self._size_tabs()
        self.size_lists()
        self.grid.invalidate()

    def _size_tabs(self) -> None:
        if self.columns != 1:
            self.tabs.setMinimumHeight(120)
        elif "tabs" in self.giving:
            tree = self.members_tree
            row = (tree.sizeHintForRow(0) if tree.topLevelItemCount()
                   else tree.fontMetrics().height() + 6)
            frame = 2 * tree.frameWidth() + 8  # the pane's border and the tree's padding
            self.tabs.setMinimumHeight(self.tabs.tabBar().sizeHint().height()
                                       + tree.header().sizeHint().height()
                                       + TABS_SHORT_ROWS * row + frame)
        else:
            self.tabs.setMinimumHeight(170)

    def set_list_rows(self, rows: int) -> None:
        """Rows of a node list beside the view: more in a tall window (a class's laptops
        listed without scrolling), LIST_ROWS where the height is needed elsewhere."""
        if rows != self.list_rows:
            self.list_rows = rows
            self.size_lists()

    def set_columns(self, columns: int) -> None:
        """1: one column (beside the view); 2: two columns (below the view, in a tall
        window), so every control is visible without scrolling."""
        if columns == self.columns:
            return
        self.columns = columns
        g = self.grid
        for w in (self.cluster_box, self.groups_box, self.message_box, self.tabs):
            g.removeWidget(w)
        for i in range(4):
            g.setRowStretch(i, 0)
            g.setColumnStretch(i, 0)
        if columns == 1:
            g.addWidget(self.cluster_box, 0, 0)
            g.addWidget(self.groups_box, 1, 0)
            g.addWidget(self.message_box, 2, 0)
            g.addWidget(self.tabs, 3, 0)
            g.setRowStretch(3, 1)
            g.setColumnStretch(0, 1)
        else:
            g.addWidget(self.cluster_box, 0, 0, 2, 1)
            g.addWidget(self.groups_box, 0, 1)
            g.addWidget(self.message_box, 1, 1)
            g.addWidget(self.tabs, 2, 0, 1, 2)
            g.setRowStretch(2, 1)
            g.setColumnStretch(0, 1)
            g.setColumnStretch(1, 1)
        self._size_tabs()
        self.size_lists()

    def node_lists(self) -> tuple[QListWidget, ...]:
        return (self.local_nodes_list, self.lan_nodes_list, self.peers_list)

    def size_lists(self) -> None:
        """The node lists show whole rows, never a row cut in half: `list_rows` beside the
        view; in two columns the cluster box is as tall as the two boxes beside it and its
        lists take that room (at least `list_rows` rows)."""
        for lst in self.node_lists():
            row = lst.sizeHintForRow(0) if lst.count() else lst.fontMetrics().height() + 3
            lst.ensurePolished()  # the stylesheet's padding and border are in the margins
            margins = lst.contentsMargins()
            shown = 1 if "lists" in self.giving and self.columns == 1 else self.list_rows
            rows = shown * row + margins.top() + margins.bottom()
            lst.setMinimumHeight(rows)
            lst.setMaximumHeight(rows if self.columns == 1 else 16777215)

    def _first_row(self, _parent: object, first: int, _last: int) -> None:
        if first == 0:
            self.size_lists()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.size_lists()  # presenter mode: rows are taller
            self._size_tabs()

    def command_buttons(self) -> list[tuple[QAbstractButton, str, str]]:
        """The buttons that trigger the window's actions: (button, action key, icon name)."""
        return [(self.connect_button, "connect", "connect"),
                (self.refresh_nodes_button, "refreshNodes", "refresh"),
                (self.disconnect_button, "disconnect", "disconnect"),
                (self.spawn_button, "spawn", "spawn"), (self.kill_button, "kill", "kill"),
                (self.join_button, "join", "join"), (self.leave_button, "leave", "leave"),
                (self.monitor_group_button, "monitorGroup", "monitor"),
                (self.monitor_scope_button, "monitorScope", "monitor-scope"),
                (self.broadcast_button, "broadcast", "broadcast"),
                (self.send_button, "send", "send")]

    def _button(self, name: str, text: str, accessible: str, tip: str) -> QPushButton:
        b = QPushButton(text)
        named(b, name, accessible, tip)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        return b

    def _cluster_box(self) -> QGroupBox:
        box = QGroupBox("Cluster")
        grid = QGridLayout(box)
        grid.setContentsMargins(*BOX_SPACING[0])
        grid.setSpacing(BOX_SPACING[1])
        self.address_edit = named(QLineEdit(), "addressEdit", "Address to connect to",
                                  "host:port of a node (Ctrl+L)")
        self.address_edit.setPlaceholderText("host:port")
        self.address_edit.setClearButtonEnabled(True)
        self.connect_button = self._button("connectButton", "Connect", "Connect",
                                           "Connect to the address (Enter)")
        grid.addWidget(self.address_edit, 0, 0, 1, 2)
        grid.addWidget(self.connect_button, 0, 2)
        self.connect_button.setMinimumWidth(96)
        hint = ElidedLabel("On this machine — click to connect")
        hint.setObjectName("hint")
        self.refresh_nodes_button = named(QToolButton(), "refreshNodesButton",
                                          "Refresh local nodes", "Look for nodes again (F5)")
        self.refresh_nodes_button.setAutoRaise(True)
        grid.addLayout(_row(hint, self.refresh_nodes_button), 1, 0, 1, 3)
        self.local_nodes_list = named(QListWidget(), "localNodesList", "Nodes on this machine",
                                      "pgviz nodes running on this machine")
        grid.addWidget(self.local_nodes_list, 2, 0, 1, 3)
        # On the LAN (mDNS): shown only while this node is announced there.
        self.lan_hint = ElidedLabel("On this network — click to connect")
        self.lan_hint.setObjectName("hint")
        grid.addWidget(self.lan_hint, 3, 0, 1, 3)
        self.lan_nodes_list = named(QListWidget(), "lanNodesList", "Nodes on this network",
                                    "pgviz nodes announced on the local network (mDNS)")
        grid.addWidget(self.lan_nodes_list, 4, 0, 1, 3)
        self.lan_hint.hide()
        self.lan_nodes_list.hide()
        peers_label = ElidedLabel("Connected peers")
        peers_label.setObjectName("hint")
        self.peers_list = named(QListWidget(), "peersList", "Connected peers",
                                "Nodes this node is connected to")
        self.disconnect_button = self._button("disconnectButton", "Disconnect",
                                              "Disconnect peer",
                                              "Disconnect the selected peer (Ctrl+D)")
        # the button beside the list's title: the addresses get the panel's whole width
        grid.addLayout(_row(peers_label, self.disconnect_button), 5, 0, 1, 3)
        grid.addWidget(self.peers_list, 6, 0, 1, 3)
        for lst in self.node_lists():
            lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            lst.setUniformItemSizes(True)
            # a row's height is known once there is one
            lst.model().rowsInserted.connect(self._first_row)
        grid.setColumnStretch(0, 1)
        return box

    def _groups_box(self) -> QGroupBox:
        box = QGroupBox("Processes and groups")
        grid = QGridLayout(box)
        grid.setContentsMargins(*BOX_SPACING[0])
        grid.setSpacing(BOX_SPACING[1])
        self.scope_combo = named(QComboBox(), "scopeCombo", "Scope",
                                 "pg scope shown and used; type a new name to start one")
        self.scope_combo.setEditable(True)
        self.scope_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.group_combo = named(QComboBox(), "groupCombo", "Group",
                                 "Type a group name or pick a known one")
        self.group_combo.setEditable(True)
        self.group_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.group_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText("e.g. chat")
        self.group_combo.setEditText("chat")
        # one row: the scope is short ("pg"), the group gets the larger part
        names = QHBoxLayout()
        names.setSpacing(5)
        names.addWidget(QLabel("Scope"))
        names.addWidget(self.scope_combo, 2)
        names.addSpacing(4)
        names.addWidget(QLabel("Group"))
        names.addWidget(self.group_combo, 3)
        for combo in (self.scope_combo, self.group_combo):
            combo.setMinimumContentsLength(4)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        grid.addLayout(names, 1, 0, 1, 3)
        self.spawn_button = self._button("spawnButton", "Spawn", "Spawn process",
                                         "Start a new process on this node (Ctrl+N)")
        self.kill_button = self._button("killButton", "Kill", "Kill member",
                                        "Kill the selected processes (Delete)")
        self.join_button = self._button("joinButton", "Join", "Join group",
                                        "Selected local processes join the group; a new one "
                                        "if none is selected (Ctrl+J)")
        self.leave_button = self._button("leaveButton", "Leave", "Leave group",
                                         "Selected local processes leave the group "
                                         "(Ctrl+Shift+J)")
        self.monitor_group_button = self._button("monitorGroupButton", "Monitor group",
                                                 "Monitor group",
                                                 "Log every join and leave of the group "
                                                 "(Ctrl+M)")
        self.monitor_scope_button = self._button("monitorScopeButton", "Monitor scope",
                                                 "Monitor scope",
                                                 "Log every join and leave in the scope "
                                                 "(Ctrl+Shift+M)")
        grid.addWidget(self.spawn_button, 2, 0, 1, 2)
        grid.addWidget(self.kill_button, 2, 2)
        grid.addWidget(self.join_button, 3, 0, 1, 2)
        grid.addWidget(self.leave_button, 3, 2)
        grid.addWidget(self.monitor_group_button, 4, 0, 1, 2)
        grid.addWidget(self.monitor_scope_button, 4, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        return box

    def _message_box(self) -> QGroupBox:
        box = QGroupBox("Messages")
        grid = QGridLayout(box)
        grid.setContentsMargins(*BOX_SPACING[0])
        grid.setSpacing(BOX_SPACING[1])
        self.message_edit = named(QLineEdit(), "messageEdit", "Message text",
                                  "Text to broadcast or send")
        self.message_edit.setPlaceholderText("hello, class!")
        self.message_edit.setClearButtonEnabled(True)
        grid.addWidget(self.message_edit, 0, 0, 1, 3)
        self.broadcast_button = self._button("broadcastButton", "Broadcast", "Broadcast",
                                             "Send the text to every member of the group "
                                             "(Ctrl+B)")
        self.remote_only_check = named(QCheckBox("remote only"), "remoteOnlyCheck",
                                       "Remote members only",
                                       "Broadcast to members on other nodes only, as the "
                                       "seed's Synchronization does (Ctrl+R)")
        self.send_button = self._button("sendButton", "Send", "Send to member",
                                        "Send the text to the selected member (Ctrl+Enter)")
        grid.addWidget(self.broadcast_button, 1, 0)
        grid.addWidget(self.send_button, 1, 1)
        grid.addWidget(self.remote_only_check, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        return box

    def _tabs(self) -> QTabWidget:
        self.tabs = named(QTabWidget(), "sideTabs", "Details")
        self.members_tree = named(QTreeWidget(), "membersTree", "Members",
                                  "Members of the scope; select one to see its inbox")
        self.members_tree.setHeaderLabels(["Process", "Node", "Groups"])
        self.members_tree.setRootIsDecorated(False)
        self.members_tree.setUniformRowHeights(True)
        self.members_tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.members_tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        inbox_page = QWidget()
        lay = QVBoxLayout(inbox_page)
        lay.setContentsMargins(4, 4, 4, 4)
        self.inbox_label = TwoLineLabel("Select a member to see what it received.")
        self.inbox_label.setObjectName("hint")
        self.inbox_list = named(QListWidget(), "inboxList", "Inbox of the selected member")
        lay.addWidget(self.inbox_label)
        lay.addWidget(self.inbox_list, 1)
        self.groups_tree = named(QTreeWidget(), "groupsTree", "Groups",
                                 "Groups of the scope with their member counts")
        self.groups_tree.setHeaderLabels(["Group", "Members", "Local"])
        self.groups_tree.setRootIsDecorated(False)
        self.groups_tree.setUniformRowHeights(True)
        header = self.groups_tree.header()
        # during a split the count reads "3 at alice · 5 at their nodes": shown whole
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tabs.addTab(self.members_tree, "Members")
        self.tabs.addTab(inbox_page, "Inbox")
        self.tabs.addTab(self.groups_tree, "Groups")
        self.event_log = named(QPlainTextEdit(), "eventLog", "Event log",
                               "Node events, commands and monitor notifications")
        self.event_log.setReadOnly(True)
        self.event_log.setMaximumBlockCount(3000)
        self.event_log.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.event_log.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.tabs.addTab(self.event_log, "Log")
        self.tabs.setMinimumHeight(170)
        return self.tabs
