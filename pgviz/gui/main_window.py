"""The main window: one node, its cluster view, the control panel, the event log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from PySide6.QtCore import QByteArray, QFileSystemWatcher, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QToolBar,
    QWidget,
)

from ..dist import registry
from .cluster_view import ClusterView
from .commands import CommandsMixin
from .session import NodeSession
from .side_panel import SidePanel, named
from .theme import app_icon, icon, resolve_theme, stylesheet
from .view_sync import ViewSyncMixin

__all__ = ["MainWindow", "settings"]

log = logging.getLogger(__name__)
PROTOCOL_KINDS = {"pg", "control"}
FONT_PT = 10.0
PRESENTER_FONT_PT = 13.0
#: Below this width (and when tall enough) the controls go under the view, in two columns.
NARROW_WIDTH = 820
TALL_HEIGHT = 700


def settings() -> QSettings:
    return QSettings(QSettings.IniFormat, QSettings.UserScope, "pgviz", "pgviz")


class MainWindow(CommandsMixin, ViewSyncMixin, QMainWindow):
    closed = Signal()

    def __init__(self, session: NodeSession) -> None:
        super().__init__()
        self.session = session
        self.setObjectName("mainWindow")
        self.setAccessibleName(f"pgviz node {session.short_name}")
        self.setWindowTitle(f"pgviz — you are {session.short_name}  ({session.node.address})")
        self.setWindowIcon(app_icon())
        self._tasks: set[asyncio.Task] = set()
        self.pending_select = None
        self.seen_peers: set[str] = set()
        self.show_protocol = True
        self.theme_choice = "system"
        self.theme = resolve_theme("system")
        self.presenter = False
        self._rate: deque[float] = deque()
        self._closing = False
        self.stopped = asyncio.get_event_loop().create_future()

        self.view = ClusterView(session.name, self.theme)
        self.panel = SidePanel()
        scroll = named(QScrollArea(), "sidePanelScroll", "Controls")
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        self.panel.ensurePolished()
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.NoFrame)
        self.splitter = named(QSplitter(Qt.Horizontal), "mainSplitter", "Main splitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([840, 360])
        self.setCentralWidget(self.splitter)

        self.event_log = self.panel.event_log
        self.side_scroll = scroll
        self._make_actions()
        self._make_status_bar()
        self._wire()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(25)
        self._refresh_timer.timeout.connect(self.refresh)
        self._rate_timer = QTimer(self)
        self._rate_timer.setSingleShot(True)
        self._rate_timer.timeout.connect(self._update_rate)
        session.listen(self._on_session)
        session.node.add_observer(self._on_trace)
        self.restore_settings()
        self.apply_theme()
        hints = QApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):  # follow the desktop while on "system"
            hints.colorSchemeChanged.connect(
                lambda *_: self.apply_theme() if self.theme_choice == "system" else None)
        self._arrange()
        self.refresh()
        self._watch_registry()
        self.cmd_refresh_local_nodes()
        self.log_line(f"node {session.name} listening on {session.node.address}")

    # -- construction ------------------------------------------------------------------------------
    def _action(self, name: str, text: str, shortcut, slot, icon_name: str | None = None,
                checkable: bool = False) -> QAction:
        act = QAction(text, self)
        act.setObjectName(name)
        if shortcut:
            seqs = shortcut if isinstance(shortcut, list) else [shortcut]
            act.setShortcuts([QKeySequence(s) for s in seqs])
            act.setToolTip(f"{text} ({QKeySequence(seqs[0]).toString()})")
        act.setCheckable(checkable)
        act.triggered.connect(lambda *_: slot())
        act.icon_name = icon_name
        self.addAction(act)
        return act

    def _make_actions(self) -> None:
        p = self.panel
        a = self._action
        self.actions_ = {
            "connect": a("connectAction", "Connect", None, self.cmd_connect, "connect"),
            "focusAddress": a("focusAddressAction", "Go to address", "Ctrl+L",
                              lambda: (p.address_edit.setFocus(), p.address_edit.selectAll())),
            "refreshNodes": a("refreshNodesAction", "Refresh local nodes", "F5",
                              self.cmd_refresh_local_nodes, "refresh"),
            "disconnect": a("disconnectAction", "Disconnect", "Ctrl+D", self.cmd_disconnect,
                            "disconnect"),
            "spawn": a("spawnAction", "Spawn", "Ctrl+N", self.cmd_spawn, "spawn"),
            "kill": a("killAction", "Kill", "Delete", self.cmd_kill, "kill"),
            "join": a("joinAction", "Join", "Ctrl+J", self.cmd_join, "join"),
            "leave": a("leaveAction", "Leave", "Ctrl+Shift+J", self.cmd_leave, "leave"),
            "monitorGroup": a("monitorGroupAction", "Monitor group", "Ctrl+M",
                              self.cmd_monitor_group, "monitor"),
            "monitorScope": a("monitorScopeAction", "Monitor scope", "Ctrl+Shift+M",
                              self.cmd_monitor_scope, "monitor-scope"),
            "broadcast": a("broadcastAction", "Broadcast", "Ctrl+B", self.cmd_broadcast,
                           "broadcast"),
            "remoteOnly": a("remoteOnlyAction", "Remote only", "Ctrl+R",
                            self.cmd_toggle_remote_only),
            "send": a("sendAction", "Send", ["Ctrl+Return", "Ctrl+Enter"], self.cmd_send, "send"),
            "fit": a("fitAction", "Fit to window", "Ctrl+0", self.view.fit_to_window, "fit"),
            "zoomIn": a("zoomInAction", "Zoom in", ["Ctrl++", "Ctrl+="],
                        lambda: self.view.zoom(1.25), "zoom-in"),
            "zoomOut": a("zoomOutAction", "Zoom out", "Ctrl+-", lambda: self.view.zoom(0.8),
                         "zoom-out"),
            "protocol": a("protocolAction", "Show protocol messages", "Ctrl+P",
                          self.toggle_protocol, "protocol", checkable=True),
            "theme": a("themeAction", "Switch theme (system, light, dark)", "Ctrl+T",
                       self.cycle_theme, "theme"),
            "presenter": a("presenterAction", "Presenter mode (large text)", "Ctrl+Shift+P",
                           self.toggle_presenter, "presenter", checkable=True),
            "close": a("closeAction", "Close", ["Ctrl+Q", "Ctrl+W"], self.close),
        }
        self.actions_["protocol"].setChecked(True)
        tb = QToolBar("View")
        tb.setObjectName("viewToolBar")
        tb.setAccessibleName("View toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonIconOnly)
        for key in ("fit", "zoomIn", "zoomOut", None, "protocol", "theme", "presenter"):
            if key is None:
                tb.addSeparator()
            else:
                tb.addAction(self.actions_[key])
        for act in tb.actions():
            w = tb.widgetForAction(act)
            if w is not None and act.objectName():
                w.setObjectName(act.objectName().replace("Action", "ToolButton"))
                w.setAccessibleName(act.text())
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding,
                             spacer.sizePolicy().verticalPolicy().Preferred)
        tb.addWidget(spacer)
        self.legend_hint = QLabel("● user message   ■ pg protocol")
        self.legend_hint.setObjectName("dotLegend")
        tb.addWidget(self.legend_hint)
        self.toolbar = tb
        self.addToolBar(Qt.TopToolBarArea, tb)

    def _make_status_bar(self) -> None:
        sb = self.statusBar()
        sb.setObjectName("statusBar")
        sb.setAccessibleName("Status bar")
        self.status = {}
        for key in ("Node", "Address", "Peers", "Members", "Rate"):
            lab = QLabel()
            lab.setObjectName(f"status{key}")
            lab.setAccessibleName(f"Status: {key.lower()}")
            sb.addPermanentWidget(lab)
            self.status[key] = lab
        self.status["Node"].setText(self.session.short_name)
        self.status["Address"].setText(self.session.node.address)
        self.status["Rate"].setText("0 msg/s")

    def _wire(self) -> None:
        p, act = self.panel, self.actions_
        p.connect_button.clicked.connect(act["connect"].trigger)
        p.address_edit.returnPressed.connect(act["connect"].trigger)
        p.local_nodes_list.itemClicked.connect(self.cmd_connect_local)
        p.refresh_nodes_button.clicked.connect(act["refreshNodes"].trigger)
        p.disconnect_button.clicked.connect(act["disconnect"].trigger)
        p.spawn_button.clicked.connect(act["spawn"].trigger)
        p.kill_button.clicked.connect(act["kill"].trigger)
        p.join_button.clicked.connect(act["join"].trigger)
        p.leave_button.clicked.connect(act["leave"].trigger)
        p.monitor_group_button.clicked.connect(act["monitorGroup"].trigger)
        p.monitor_scope_button.clicked.connect(act["monitorScope"].trigger)
        p.broadcast_button.clicked.connect(act["broadcast"].trigger)
        p.send_button.clicked.connect(act["send"].trigger)
        p.message_edit.returnPressed.connect(act["broadcast"].trigger)
        p.scope_combo.activated.connect(lambda i: self.cmd_scope(p.scope_combo.itemText(i)))
        p.scope_combo.lineEdit().returnPressed.connect(lambda: self.cmd_scope())
        p.members_tree.itemSelectionChanged.connect(self._selection_changed)
        p.groups_tree.itemClicked.connect(
            lambda it, _c: p.group_combo.setEditText(it.text(0)))
        self.view.memberClicked.connect(self.select_member)
        self.view.nodeClicked.connect(self._node_clicked)

    def _watch_registry(self) -> None:
        """The list of local nodes follows the registry directory (inotify: no polling)."""
        directory = registry.registry_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        self._registry_watcher = QFileSystemWatcher([str(directory)], self)
        self._registry_watcher.directoryChanged.connect(
            lambda _d: self._registry_timer.start())
        self._registry_timer = QTimer(self)
        self._registry_timer.setSingleShot(True)
        self._registry_timer.setInterval(150)
        self._registry_timer.timeout.connect(self.cmd_refresh_local_nodes)

    # -- node events in ------------------------------------------------------------------------
    def _on_trace(self, ev: dict) -> None:
        # Called synchronously inside the node: it must never raise (the node would drop it).
        try:
            self._trace_event(ev)
        except Exception:
            log.exception("trace event %r not shown", ev.get("event"))

    def _trace_event(self, ev: dict) -> None:
        e = ev["event"]
        if e == "send" or e == "recv":
            kind = ev.get("kind", "control")
            self._count_message()
            if kind in PROTOCOL_KINDS and not self.show_protocol:
                return
            me, peer = self.session.name, ev["peer"]
            src, dst = (me, peer) if e == "send" else (peer, me)
            self.view.add_message(src, dst, kind, ev.get("count", 1))
        elif e == "local":
            self._count_message()
        elif e in ("membership", "spawn", "exit"):
            self.schedule_refresh()
            if e == "exit" and ev.get("pid") in {str(p) for p in self.session.spawned}:
                # this window's process died (killed here or from another window): say so
                self.log_line(f"{ev['pid']} exited ({ev.get('reason', '?')})")
        elif e in ("nodeup", "nodedown"):
            self.schedule_refresh()
            if e == "nodedown":
                self.view.animator.scheduler.drop_node(ev["peer"])
            QTimer.singleShot(0, self.cmd_refresh_local_nodes)

    def _on_session(self, kind: str, payload) -> None:
        if kind == "log":
            self.log_line(payload)
        elif kind == "inbox":
            if self.view.selected is not None and self.view.selected.pid == payload:
                self.show_inbox()
        elif kind == "members":
            self.schedule_refresh()

    def _count_message(self) -> None:
        self._rate.append(time.monotonic())
        if not self._rate_timer.isActive():
            self._rate_timer.start(250)

    def _update_rate(self) -> None:
        now = time.monotonic()
        while self._rate and now - self._rate[0] > 1.0:
            self._rate.popleft()
        self.status["Rate"].setText(f"{len(self._rate)} msg/s")
        if self._rate:
            self._rate_timer.start(500)  # keeps running only while messages flow

    def log_line(self, text: str) -> None:
        self.event_log.appendPlainText(time.strftime("%H:%M:%S ") + text)

    def schedule_refresh(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    # -- look and settings -------------------------------------------------------------------------
    def toggle_protocol(self) -> None:
        self.show_protocol = self.actions_["protocol"].isChecked()
        if not self.show_protocol:
            self.view.animator.scheduler.drop_kinds(PROTOCOL_KINDS)

    def cycle_theme(self) -> None:
        order = ["system", "light", "dark"]
        self.theme_choice = order[(order.index(self.theme_choice) + 1) % 3]
        self.apply_theme()
        self.report(f"theme: {self.theme_choice}")

    def toggle_presenter(self) -> None:
        self.set_presenter(self.actions_["presenter"].isChecked())

    def set_presenter(self, on: bool) -> None:
        """Presenter mode: one setting that makes every text larger (the stylesheet's font
        size, the badge, the labels in the cluster view) for a projector."""
        self.presenter = bool(on)
        self.actions_["presenter"].setChecked(self.presenter)
        self.apply_theme()

    def font_size(self) -> float:
        return PRESENTER_FONT_PT if self.presenter else FONT_PT

    def apply_theme(self) -> None:
        self.theme = resolve_theme(self.theme_choice)
        QApplication.instance().setStyleSheet(stylesheet(self.theme, self.font_size()))
        self.view.set_text_scale(self.font_size() / FONT_PT)
        self.view.set_theme(self.theme)
        fg = self.theme["fg"]
        for act in self.actions_.values():
            if act.icon_name:
                act.setIcon(icon(act.icon_name, fg))
        p = self.panel
        for button, name in ((p.connect_button, "connect"), (p.spawn_button, "spawn"),
                             (p.kill_button, "kill"), (p.join_button, "join"),
                             (p.leave_button, "leave"), (p.monitor_group_button, "monitor"),
                             (p.monitor_scope_button, "monitor-scope"),
                             (p.broadcast_button, "broadcast"), (p.send_button, "send"),
                             (p.disconnect_button, "disconnect")):
            on_accent = button.objectName() in ("connectButton", "broadcastButton")
            button.setIcon(icon(name, self.theme["on_accent"] if on_accent else fg))
        p.refresh_nodes_button.setIcon(icon("refresh", fg))
        self._fit_side_panel()
        QTimer.singleShot(0, self._ensure_panel_fits)
        self.legend_hint.setText(
            f"<span style='color:{self.theme['user_dot']}'>●</span> user message &nbsp; "
            f"<span style='color:{self.theme['pg_dot']}'>■</span> pg protocol &nbsp;")

    def _fit_side_panel(self) -> None:
        """The panel never clips its buttons: beside the view, the scroll area is as wide as
        its content; under the view it takes the window's width."""
        self.panel.adjustSize()
        if self.splitter.orientation() == Qt.Vertical:
            self.side_scroll.setMinimumWidth(0)
            return
        bar = self.side_scroll.verticalScrollBar().sizeHint().width()
        self.side_scroll.setMinimumWidth(self.panel.minimumSizeHint().width() + bar + 2)

    def _ensure_panel_fits(self) -> None:
        """Under the view, a larger font (presenter mode, a theme) can make the controls
        taller than their part of the splitter: give them the room, or the tabs scroll away."""
        if not self.isVisible() or self.splitter.orientation() != Qt.Vertical:
            return
        if self.splitter.sizes()[1] < self.panel.minimumSizeHint().height() + 8:
            self._size_splitter()

    def _arrange(self) -> None:
        """A tall narrow window (a third of a wide screen in `pgviz demo`) puts the controls
        under the view in two columns; otherwise they sit beside it in one."""
        vertical = self.width() < NARROW_WIDTH and self.height() >= TALL_HEIGHT
        orientation = Qt.Vertical if vertical else Qt.Horizontal
        if orientation == self.splitter.orientation() and self.panel.columns:
            return
        self.panel.set_columns(2 if vertical else 1)
        self.splitter.setOrientation(orientation)
        self._fit_side_panel()
        # size the two parts once the new layout has settled (the splitter's size is stale
        # inside a resize event, and meaningless before the window is shown)
        self._splitter_pending = True
        QTimer.singleShot(0, self._size_splitter)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if getattr(self, "_splitter_pending", False):
            QTimer.singleShot(0, self._size_splitter)

    def _size_splitter(self) -> None:
        if not self.isVisible():
            return
        self._splitter_pending = False
        if self.splitter.orientation() == Qt.Vertical:
            h = self.splitter.height()
            panel = min(self.panel.minimumSizeHint().height() + 8, int(h * 0.55))
            self.splitter.setSizes([h - panel, panel])
        else:
            w = self.splitter.width()
            panel = max(self.side_scroll.minimumWidth() + 40, 360)
            self.splitter.setSizes([w - panel, panel])

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._arrange()

    def _settings_group(self) -> str:
        return "node/" + self.session.short_name

    def restore_settings(self) -> None:
        s = settings()
        s.beginGroup(self._settings_group())
        geometry = s.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 780)
        state = s.value("windowState")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.theme_choice = str(s.value("theme", "system"))
        if self.theme_choice not in ("system", "light", "dark"):
            self.theme_choice = "system"
        self.presenter = str(s.value("presenter", "false")).lower() == "true"
        self.actions_["presenter"].setChecked(self.presenter)
        show = str(s.value("showProtocol", "true")).lower() == "true"
        self.actions_["protocol"].setChecked(show)
        self.show_protocol = show
        s.endGroup()

    def save_settings(self) -> None:
        s = settings()
        s.beginGroup(self._settings_group())
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        s.setValue("theme", self.theme_choice)
        s.setValue("showProtocol", "true" if self.show_protocol else "false")
        s.setValue("presenter", "true" if self.presenter else "false")
        s.endGroup()
        s.sync()

    # -- closing --------------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.stopped.done():
            event.ignore()
            if not self._closing:
                self._closing = True
                self.run_task(self.shutdown(), "stop the node")
            return
        super().closeEvent(event)

    async def shutdown(self) -> None:
        """Stop the node (peers see it leave at once), then close the window."""
        if self.stopped.done():
            return
        self._closing = True
        self.save_settings()
        self.view.animator.clear()
        self.session.node.remove_observer(self._on_trace)
        registry.unregister(self.session.name)
        try:
            await self.session.stop()
        finally:
            self.stopped.set_result(True)
            self.hide()
            self.closed.emit()

