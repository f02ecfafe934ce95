"""The main window: one node, its cluster view, the control panel, the event log.

It only builds the widgets and wires the parts together, each a composed object handed what it
needs: `ViewSync` (the model's snapshots into the view and the lists, and the one selection),
`Commands` (what the buttons do), `Look`/`Arrangement` (theme, presenter mode, where the
controls go), `RecordControl` (the Record button), `Feedback`/`Tasks` (log, status bar and
background tasks), `ReplayOpener` (File ▸ Open a recording), `RegistryWatch` (the local nodes
list), `SavedWindow` (what the window remembers, window_settings.py). Events come in through one
feed, the session's model.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QToolButton,
)

from .._version import __version__
from ..events import Event, Send
from ..net import registry
from .actions import TOOLBAR, icon_names, make_actions, make_toolbar
from .cluster_view import ClusterView
from .commands import Commands
from .diagram_dock import SHORT_WINDOW_HEIGHT, DiagramDock
from .exports import ExportMenu
from .feedback import Feedback, RateMeter, Tasks, status_labels
from .keys_overlay import KeysOverlay
from .lessons_menu import LessonsMenu
from .look import Arrangement, Look
from .menu_bar import build_menu_bar
from .net_commands import frame_words
from .network_view import NetworkView
from .picture import PROTOCOL_KINDS, Member, dot_kind
from .record_control import RecordControl
from .registry_watch import RegistryWatch
from .replay_opener import ReplayOpener
from .session import NodeSession
from .side_panel import SidePanel, named
from .theme import Theme, app_icon, resolve_theme
from .view_sync import ViewSync
from .window_settings import SavedWindow, first_size, settings

# settings and first_size live in window_settings.py, still importable from here
__all__ = ["MainWindow", "settings", "first_size", "window_title"]

log = logging.getLogger(__name__)

#: Events after which the picture may change (a Send only starts a dot; a Deliver changes
#: nothing drawn).
REDRAW_EVENTS = frozenset({"nodeup", "nodedown", "join", "leave", "view", "spawn", "exit",
                           "fault", "clock"})


def diagram_height(window_height: int) -> int:
    """The docked diagram's height when it opens: a third of the window, and never more than
    leaves the menus, toolbars and the graph 400 px (120 px at least: a few lanes)."""
    return max(120, min(window_height // 3, window_height - 400))


def window_title(short_name: str, address: str) -> str:
    """The app's name once, at the end: Qt adds the application's display name to a title
    that does not already end with it (on X11 and Windows), so it must end with it."""
    return f"you are {short_name}  ({address}) — pgviz"


# What a crashed node can no longer do (Close, views, themes and exports still work).
_ACTS_ON_THE_NODE = ("connect", "disconnect", "spawn", "kill", "join", "leave", "monitorGroup",
                     "monitorScope", "broadcast", "send", "record", "recordTo")


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, session: NodeSession, whole_cluster: bool | None = None) -> None:
        super().__init__()
        self.session = session
        # How this window's node was started (open_window sets them): a lesson's conductor
        # started from here joins the cluster with the same cookie and options (TLS).
        self.cookie: str | None = None
        self.node_options: dict[str, Any] = {}
        self.setObjectName("mainWindow")
        self.setAccessibleName(f"pgviz node {session.short_name}")
        self.setWindowTitle(window_title(session.short_name, session.node.address))
        self.setWindowIcon(app_icon())
        self.show_protocol = True
        self._closing = False
        self._shown_once = False
        self.stopped: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
        #: set by a restart (`pgviz demo`): the window that takes this one's place
        self.replacement: asyncio.Future[MainWindow] | None = None
        #: False for a lesson's node windows: their docks and size are the lesson's, not
        #: what the user's own window of that name should open with next time
        self.remember = True

        # -- widgets
        self.view = ClusterView(session.name, resolve_theme("system"))
        self.panel = SidePanel()
        self.event_log = self.panel.event_log
        scroll = named(QScrollArea(), "sidePanelScroll", "Controls")
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        self.panel.ensurePolished()
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.side_scroll = scroll
        self.splitter = named(QSplitter(Qt.Orientation.Horizontal), "mainSplitter",
                              "Main splitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([840, 360])
        self.setCentralWidget(self.splitter)
        self.status = status_labels(self.statusBar(), session.short_name, session.node.address)

        # -- parts
        self.feedback = Feedback(self.event_log, self.statusBar(), session.short_name)
        self.tasks = Tasks(self.feedback)
        self.sync = ViewSync(session, self.view, self.panel, self.status, self,
                             whole=bool(whole_cluster))
        self.selection = self.sync.selection
        self.commands = Commands(session, self.panel, self.feedback, self.tasks,
                                 self.selection, self.sync.schedule)
        self.actions_ = make_actions(self, self._slots())
        self.legend_hint = named(QLabel(), "dotLegend", "Dot legend")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea,
                        make_toolbar(self.actions_, TOOLBAR, [self.legend_hint]))
        self.net = NetworkView(session, self.view, self.feedback, self.tasks,
                               lambda: self.sync.picture, lambda: self.show_protocol,
                               self.close, self._crashed, self)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.net.bar)
        self.addActions(self.net.bar.shortcut_actions())
        self.diagram = DiagramDock(resolve_theme("system"), self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.diagram)
        self.diagram.hide()
        self.diagram.visibilityChanged.connect(self._diagram_shown)
        self.diagram.view.feed_many(session.journal)  # the state at start: lanes, members
        self.addAction(self.diagram.action)
        self.exports = ExportMenu(self, lambda: list(session.journal),
                                  lambda: [session.name, *(n for n in
                                           session.model.snapshot().nodes if n != session.name)],
                                  self.view, self.report,
                                  lambda: f"pgviz-{session.short_name}-"
                                          + time.strftime("%Y%m%d-%H%M%S"))
        self.lessons = LessonsMenu(self, self.report, live=self)
        self.keys_overlay = KeysOverlay(self)
        build_menu_bar(self, self.actions_, self.exports.menu, self.diagram.action,
                       self.lessons.menu)
        self._about: QMessageBox | None = None
        self.opener = ReplayOpener(self, lambda: self.look.choice, self.report)
        self.replays = self.opener.replays  # File ▸ Open a recording, kept referenced
        self._record_menu()
        self.record = RecordControl(session, self.actions_["record"], self.feedback,
                                    self.status["Recording"], self)
        self.rate = RateMeter(self.status["Rate"], self, self.record.update_status)
        self.arrangement = Arrangement(self, self.splitter, self.panel, scroll,
                                       self.actions_["controls"].setChecked)
        self.look = Look(self.view, icon_names(self.actions_),
                         {button: icon for button, _key, icon in self.panel.command_buttons()},
                         self.legend_hint, self._after_restyle)

        # -- wiring
        self._wire_panel()
        self.local_nodes = RegistryWatch(self, self.commands.refresh_local_nodes)
        session.listen(self._on_session)
        session.watch(self._on_event)
        self.restore_settings(whole_cluster)
        if not self.toolBarBreak(self.net.bar):  # a window state saved before the bar existed
            self.insertToolBarBreak(self.net.bar)
        self.net.bar.setVisible(session.node.has_network_clock)  # (restoreState shows it)
        self.look.apply()
        self.look.follow_system(self)
        self.arrangement.arrange()
        self.sync.refresh()
        self.commands.refresh_local_nodes()
        self.commands.refresh_lan_nodes()
        self.feedback.log_line(f"node {session.name} listening on {session.node.address}")

    # -- construction ------------------------------------------------------------------------------
    def _slots(self) -> dict[str, Callable[[], object]]:
        c, v = self.commands, self.view
        return {
            "connect": c.connect, "refreshNodes": c.refresh_local_nodes,
            "focusAddress": self._focus_address,
            "disconnect": c.disconnect, "spawn": c.spawn, "kill": c.kill, "join": c.join,
            "leave": c.leave, "monitorGroup": c.monitor_group, "monitorScope": c.monitor_scope,
            "broadcast": c.broadcast, "remoteOnly": c.toggle_remote_only, "send": c.send,
            "fit": v.fit_to_window, "zoomIn": lambda: v.zoom(1.25),
            "zoomOut": lambda: v.zoom(0.8), "wholeCluster": self.toggle_whole_cluster,
            "protocol": self.toggle_protocol, "theme": self.cycle_theme,
            "presenter": self.toggle_presenter, "record": lambda: self.record.toggle(),
            "recordTo": lambda: self.record.choose_file(), "close": self.close,
            "openRecording": self.ask_recording, "fullScreen": self.toggle_full_screen,
            "controls": lambda: self.arrangement.set_panel(self.actions_["controls"].isChecked()),
            "keys": lambda: self.keys_overlay.toggle(), "about": self.about,
        }

    def _after_restyle(self) -> None:
        self.net.set_theme(self.look.theme)
        self.diagram.set_theme(self.look.theme, self.look.font_size())
        self.arrangement.after_restyle()

    def _crashed(self) -> None:
        """This window's node crashed (its menu): nothing here works any more but Close
        (and Restart, in `pgviz demo`)."""
        self.panel.setEnabled(False)
        for name in _ACTS_ON_THE_NODE:  # greyed in the toolbar and menus, as the panel is
            self.actions_[name].setEnabled(False)
        self.record.stop()
        self.setWindowTitle(f"{self.session.short_name} crashed — pgviz")
        # The crashed picture at once (not on the next event), and "On this machine" no
        # longer saying "✓ connected" for links of a dead node.
        self.sync.refresh()
        self.commands.refresh_local_nodes()

    @property
    def restarter(self) -> Callable[[], object] | None:
        return self.net.restarter

    @restarter.setter
    def restarter(self, restart: Callable[[], object] | None) -> None:
        self.net.restarter = restart

    def _focus_address(self) -> None:
        self.panel.address_edit.setFocus()
        self.panel.address_edit.selectAll()

    def _record_menu(self) -> None:
        """The Record tool button also offers "Record to a file…" (its arrow)."""
        button = self.findChild(QToolButton, "recordToolButton")
        if button is not None:
            button.addAction(self.actions_["recordTo"])
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

    def _wire_panel(self) -> None:
        p, act, c = self.panel, self.actions_, self.commands
        for button, key, _icon in p.command_buttons():
            button.clicked.connect(act[key].trigger)
        p.address_edit.returnPressed.connect(act["connect"].trigger)
        p.message_edit.returnPressed.connect(act["broadcast"].trigger)
        p.local_nodes_list.itemClicked.connect(c.connect_local)
        p.lan_nodes_list.itemClicked.connect(c.connect_local)
        p.scope_combo.activated.connect(lambda i: c.scope(p.scope_combo.itemText(i)))
        line = p.scope_combo.lineEdit()
        if line is not None:
            line.returnPressed.connect(lambda: c.scope())
        p.members_tree.itemSelectionChanged.connect(self._tree_selection_changed)
        p.peers_list.itemSelectionChanged.connect(self.sync.peer_selection_changed)
        p.groups_tree.itemClicked.connect(lambda it, _c: p.group_combo.setEditText(it.text(0)))
        self.view.memberClicked.connect(self.select_member)
        self.view.nodeClicked.connect(self.selection.select)
        # the diagram and the graph point at the same frame
        self.view.dotClicked.connect(lambda dot: self.diagram.view.select_frame(dot.ids[0]))
        self.diagram.view.frameClicked.connect(self.frame_clicked)

    # -- events in -------------------------------------------------------------------------------
    def _on_event(self, ev: Event) -> None:
        self.diagram.view.feed(ev)
        if self.net.on_event(ev):
            self.rate.count()
            return  # a frame the network holds: drawn from the model (network_view.py)
        if isinstance(ev, Send):
            self.rate.count()
            kind = dot_kind(ev.kind)
            if not self.show_protocol and kind in PROTOCOL_KINDS:
                return
            self.sync.show_dot(ev.src, ev.dst, kind)
        elif ev.event in REDRAW_EVENTS:
            self.sync.schedule()
            if ev.event in ("nodeup", "nodedown") and ev.node == self.session.name:
                if ev.event == "nodedown":
                    self.view.animator.scheduler.drop_node(getattr(ev, "peer", ""))
                self.local_nodes.soon()

    def _on_session(self, kind: str, payload: object) -> None:
        if kind == "log":
            self.feedback.log_line(str(payload))
        elif kind == "error":
            self.feedback.report(str(payload), error=True)
            self.record.sync()
        elif kind == "lan":
            self.commands.refresh_lan_nodes()
        elif kind == "inbox":
            m = self.sync.picture.selected_member  # as shown (no snapshot per message)
            if m is not None and m.pid == payload:
                self.sync.show_inbox()

    # -- selection, view choices --------------------------------------------------------------------
    def frame_clicked(self, frame_id: str) -> None:
        """An arrow of the diagram: a frame still in flight is inspected (its dot ringed in the
        graph); one delivered selects its receiver (graph, peers list) and says what it was."""
        if self.net.inspect_in_flight(frame_id):
            return
        arrow = self.diagram.view.history.arrow(frame_id)
        if arrow is None:
            return
        self.selection.select(arrow.dst)
        self.feedback.report(f"{frame_words(arrow)}: {arrow.summary}")

    def select_member(self, member: Member | None) -> None:
        self.selection.select_member(member)
        if member is not None:
            self.panel.tabs.setCurrentIndex(1)  # its inbox

    def _tree_selection_changed(self) -> None:
        self.sync.tree_selection_changed()
        if self.selection.member() is not None:
            self.panel.tabs.setCurrentIndex(1)

    def toggle_whole_cluster(self) -> None:
        self.set_whole_cluster(self.actions_["wholeCluster"].isChecked())

    def set_whole_cluster(self, on: bool) -> None:
        self.actions_["wholeCluster"].setChecked(on)
        self.view.animator.clear()
        self.sync.set_whole(on)
        self.view.animator.changed()  # the real frames in flight, as the new picture shows
        self.feedback.report("showing the whole cluster" if on
                             else f"showing {self.session.short_name}'s view")

    def toggle_protocol(self) -> None:
        self.show_protocol = self.actions_["protocol"].isChecked()
        if not self.show_protocol:
            self.view.animator.scheduler.drop_kinds(set(PROTOCOL_KINDS))

    def cycle_theme(self) -> None:
        self.feedback.report(f"theme: {self.look.cycle()}")

    def toggle_presenter(self) -> None:
        self.set_presenter(self.actions_["presenter"].isChecked())

    def set_presenter(self, on: bool) -> None:
        """Presenter mode: one setting that makes every text larger (the stylesheet's font
        size, the badge, the labels in the cluster view) for a projector."""
        self.actions_["presenter"].setChecked(bool(on))
        self.look.set_presenter(on)

    @property
    def presenter(self) -> bool:
        return self.look.presenter

    @property
    def theme(self) -> Theme:
        return self.look.theme

    def toggle_full_screen(self) -> None:
        self.set_full_screen(self.actions_["fullScreen"].isChecked())

    def set_full_screen(self, on: bool) -> None:
        self.actions_["fullScreen"].setChecked(bool(on))
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    def about(self) -> QMessageBox:
        if self._about is None:
            box = QMessageBox(QMessageBox.Icon.Information, "About pgviz",
                              f"<b>pgviz {__version__}</b><br>Erlang/OTP's pg process groups "
                              "on asyncio; every window is a live node of the cluster.<br>"
                              "Press ? for the keys.", QMessageBox.StandardButton.Close, self)
            box.setObjectName("aboutBox")
            box.setAccessibleName("About pgviz")
            self._about = box
        self._about.open()  # non-modal for qasync: never exec()
        return self._about

    def ask_recording(self) -> QFileDialog:
        return self.opener.ask()

    def open_recording(self, path: str) -> QMainWindow | None:
        """A replay window for `path`, beside this one (a one-line report if unusable)."""
        return self.opener.open(path)

    # -- layout ---------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self._close_remembered_diagram_if_short()
        self.arrangement.shown()

    def _close_remembered_diagram_if_short(self) -> None:
        """The diagram is remembered open per node name (QSettings); a window of that name
        opening too short for it and the graph (a `pgviz demo` tile) starts without it:
        F9 still opens it."""
        if (not self.diagram.isHidden() and not self.diagram.isFloating()
                and self.height() < SHORT_WINDOW_HEIGHT):
            self.diagram.hide()  # quietly: View ▸ Space-time diagram shows it unchecked

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.arrangement.arrange()
        compact = self.arrangement.compact
        for key in ("Node", "Address", "Rate"):  # the badge and the title say who this is
            self.status[key].setVisible(not compact)
        self.legend_hint.setVisible(not compact)

    def _diagram_shown(self, visible: bool) -> None:
        """The diagram takes a third of the height when it opens, less in a short window:
        the graph keeps the larger part."""
        if visible and not self.diagram.isFloating():
            QTimer.singleShot(0, lambda: self.resizeDocks(
                [self.diagram], [diagram_height(self.height())], Qt.Orientation.Vertical))

    # -- settings ---------------------------------------------------------------------------------------
    def _settings_group(self) -> str:
        return "node/" + self.session.short_name

    def restore_settings(self, whole_cluster: bool | None) -> None:
        saved = SavedWindow.load(self._settings_group())
        saved.restore_geometry(self)
        self.look.set_choice(saved.theme)
        self.look.presenter = saved.presenter
        self.actions_["presenter"].setChecked(self.look.presenter)
        self.show_protocol = saved.show_protocol
        self.actions_["protocol"].setChecked(self.show_protocol)
        whole = saved.whole_cluster if whole_cluster is None else whole_cluster
        self.actions_["wholeCluster"].setChecked(whole)
        self.sync.whole = whole

    def save_settings(self) -> None:
        if not self.remember:
            return
        if self.diagram.placed_beside:
            # beside the graph only for this short window's sake: a window of this node
            # opened later, and larger, finds it under the graph
            self.diagram.put_under(self)
        SavedWindow(self.saveGeometry(), self.saveState(), self.look.choice, self.look.presenter,
                    self.show_protocol, self.sync.whole).save(self._settings_group())

    # -- closing --------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.stopped.done():
            event.ignore()
            if not self._closing:
                self._closing = True
                self.tasks.run(self.shutdown(), "stop the node")
            return
        super().closeEvent(event)

    async def shutdown(self) -> None:
        """Stop the node (peers see it leave at once), then close the window."""
        if self.stopped.done():
            return
        self._closing = True
        self.save_settings()
        self.record.stop()
        self.view.animator.clear()
        registry.unregister(self.session.name)
        try:
            await self.session.stop()
        finally:
            self.stopped.set_result(True)
            self.hide()
            self.closed.emit()

    def report(self, text: str, error: bool = False) -> None:
        self.feedback.report(text, error)

    def run_task(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        return self.tasks.run(coro, what)

