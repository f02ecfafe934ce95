"""The network clock and faults in a window: the transport bar, the real frames' dots, the dot
inspector, the link and node menus, and this window's node crashing.

A crashed node's window shows a node that is gone: its disc, the badge and the transport bar
turn grey (`crashed_theme`), no dot moves, and the view and lists (view_sync.py) hold no link,
member or peer of it any more. What the other nodes do next is shown in their own windows.

Composed by the main window and handed what it needs: the session (its model and node), the
view, the window's feedback and tasks, what the view shows (`shown`) and whether protocol dots
are hidden. Everything drawn comes from the model (`model.traffic()` for the dots and the
inspector, the cluster's `clock` events for the bar); every change goes through `node.net`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtWidgets import QMenu, QWidget

from ..events import Clock, Deliver, Event, NodeDown, Send
from ..model import Snapshot
from ..wire.terms import short_node
from .cluster_view import ClusterView
from .feedback import Feedback, Tasks
from .flights import FlightDot, flight_dots
from .frame_inspector import FrameInspector
from .net_commands import NetCommands
from .picture import PROTOCOL_KINDS, Picture
from .session import NodeSession
from .theme import Theme
from .transport_bar import TransportBar
from .view_menus import link_menu, node_menu

__all__ = ["NetworkView", "crashed_theme"]

INSPECTOR_REFRESH = 0.2  # seconds between the inspector's "how far along" updates


class NetworkView(QObject):
    def __init__(self, session: NodeSession, view: ClusterView, feedback: Feedback,
                 tasks: Tasks, shown: Callable[[], Picture],
                 show_protocol: Callable[[], bool], close: Callable[[], object],
                 on_crash: Callable[[], None], parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.view = view
        self.feedback = feedback
        self.shown = shown
        self.show_protocol = show_protocol
        self.close = close
        self.on_crash = on_crash
        self.restarter: Callable[[], object] | None = None  # `pgviz demo` sets it
        self.crashed = False
        self.peer_addresses: list[str] = []  # where the peers were when this node crashed
        self.commands = NetCommands(session, feedback, tasks)
        self.bar = TransportBar(self.commands)
        self.inspector = FrameInspector(self.commands, view, session.model.fate)
        self.inspector.closed.connect(self._inspector_closed)
        self.theme: Theme = view.theme
        self.menu: QMenu | None = None  # the open menu, referenced while it shows
        self._inspected_at = 0.0
        view.animator.flights = self.flights
        view.dotClicked.connect(self.inspect)
        view.linkClicked.connect(self.link_menu)
        view.nodeMenuRequested.connect(self.node_menu)
        view.installEventFilter(self)
        self._show_initial_clock()

    def _show_initial_clock(self) -> None:
        if not self.session.node.has_network_clock:
            # A node inside a BEAM cluster: Erlang's distribution has no classroom clock.
            self.bar.setEnabled(False)
            self.bar.hide()
            return
        clock = self.session.model.snapshot().clock
        if clock is not None:
            self.bar.show_clock(clock.mode, clock.seconds)
        elif self.session.node.running:
            net_clock = self.session.node.net.clock
            self.bar.show_clock(net_clock.mode, net_clock.travel)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.inspector.set_theme(theme)
        if self.crashed:
            self._show_crashed()

    # -- events in ------------------------------------------------------------------------------
    def on_event(self, ev: Event) -> bool:
        """A cluster event the dots or the bar care about; True when it was a frame the
        network holds (slow motion or pause: not for the live animation)."""
        if isinstance(ev, Send):
            held = ev.travel > 0 or self.bar.mode == "pause"  # the clock as last heard
            if held:
                self._traffic_changed()
            return held
        if isinstance(ev, Deliver | NodeDown):
            if self.view.animator.hits or self.inspector.isVisible():
                self._traffic_changed()
        elif isinstance(ev, Clock):
            self.bar.show_clock(ev.mode, ev.seconds)
            if ev.mode == "pause":
                self.view.animator.drop_live()  # delivered already: only held frames show
            self._traffic_changed()
        return False

    def _traffic_changed(self) -> None:
        if self.crashed:
            return
        self.view.animator.changed()
        if self.inspector.isVisible():
            self.inspector.refresh(self.session.model.traffic())

    # -- the dots ----------------------------------------------------------------------------------
    def flights(self) -> tuple[list[FlightDot], bool]:
        if self.crashed:
            return [], False
        traffic = self.session.model.traffic()
        now = time.time()
        hidden = frozenset() if self.show_protocol() else PROTOCOL_KINDS
        dots = flight_dots(traffic, now, self.shown().shows_frames, hidden)
        if self.inspector.isVisible() and now - self._inspected_at > INSPECTOR_REFRESH:
            self._inspected_at = now
            self.inspector.refresh(traffic, now)
        return dots

    def inspect(self, dot: FlightDot) -> None:
        self._inspect(dot.ids[0], dot.count - 1, self.session.model.traffic())

    def inspect_in_flight(self, frame_id: str) -> bool:
        """Inspect the frame `frame_id` (its dot ringed) if it is still in flight; False when
        it was delivered already."""
        traffic = self.session.model.traffic()
        if not any(f.id == frame_id for f in traffic.in_flight):
            return False
        self._inspect(frame_id, 0, traffic)
        return True

    def _inspect(self, frame_id: str, others: int, traffic: Snapshot) -> None:
        self.inspector.inspect(frame_id, others, traffic)
        self.view.animator.highlighted = frame_id
        self.place_inspector()
        self.view.animator.changed()

    def _inspector_closed(self) -> None:
        self.view.animator.highlighted = None
        self.view.animator.changed()

    def place_inspector(self) -> None:
        # bottom right: the legend is bottom left, the badge top left, and nodes on their
        # rings rarely reach the corners
        vp = self.view.viewport()
        self.inspector.adjustSize()
        self.inspector.move(max(8, vp.width() - self.inspector.width() - 14),
                            max(8, vp.height() - self.inspector.height() - 14))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize and self.inspector.isVisible():
            self.place_inspector()
        return False

    # -- menus ------------------------------------------------------------------------------------
    def link_menu(self, a: str, b: str, where: QPoint) -> None:
        if self.crashed:
            return
        cut = frozenset((a, b)) in self.shown().cuts
        self._popup(link_menu(self.view, a, b, cut, self.commands), where)

    def node_menu(self, node: str, where: QPoint) -> None:
        restart = self.restart if self.restarter is not None and self.crashed else None
        self._popup(node_menu(self.view, node, self.session.name, self.crashed, self.commands,
                              self.crash, self.close, restart), where)

    def _popup(self, menu: QMenu, where: QPoint) -> None:
        if self.menu is not None:
            self.menu.close()
            self.menu.deleteLater()
        self.menu = menu
        menu.popup(where)

    # -- this node --------------------------------------------------------------------------------
    def crash(self) -> None:
        """Crash this window's node (no goodbye) and show it crashed."""
        node = self.session.node
        if self.crashed or not node.running:
            return
        self.peer_addresses = [a for a in (
            (node.connection_info(n) or {}).get("address", "") for n in node.nodes()) if a]
        self.commands.crash()
        self.crashed = True
        self.inspector.close_inspector()
        self.view.animator.clear()
        self.bar.show_crashed()
        self.view.set_badge(f"<span style='font-weight:normal'>you were</span>&nbsp;"
                            f"<b>{short_node(node.name)}</b>&nbsp;— crashed")
        self.view.set_empty_hint("no groups: this node crashed")
        self._show_crashed()
        self.on_crash()

    def _show_crashed(self) -> None:
        """Grey where the window's own node was blue: its disc, its halo and its badge."""
        theme = crashed_theme(self.theme)
        self.view.set_theme(theme)
        self.view.badge.setStyleSheet(
            f"QLabel#youAreBadge {{ background: {theme['badge_bg']}; color: {theme['badge_fg']};"
            f" border-color: {theme['badge_border']}; }}")

    def restart(self) -> None:
        if self.restarter is not None:
            self.restarter()


def crashed_theme(theme: Theme) -> Theme:
    """`theme` for the window of a node that crashed: its own node (and the badge naming it)
    in the grey of things that are gone instead of the accent colour of a live one."""
    # on a dark background a light grey would stand out more than the live nodes: there the
    # disc takes the dim grey of nodes that are not connected
    grey, text = ((theme["ghost"], theme["fg"]) if theme["dark"]
                  else (theme["muted"], theme["scene_bg"]))
    return Theme({**theme, "self_fill": grey, "self_text": text,
                  "badge_bg": grey, "badge_fg": text, "badge_border": grey})
