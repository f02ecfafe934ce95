"""`pgviz replay FILE`: a recording played back in the same cluster view, with no network.

The view shows the whole cluster, drawn from the snapshots of a `Replay` (random access into
the recording: any point in a few milliseconds). Under it: previous/next event, play/pause
(Space), a time scrubber, the speed (0.1x-10x). Beside it, the events around the playhead.
What the reader skipped in a damaged file is listed in a message area above the view (never a
modal dialog). While paused nothing runs: the play timer exists only while playing.

The window holds the playhead and composes the parts that show it, each handed what it needs:
`ReplayTransport` (replay_transport.py: the bar's buttons, slider, time, scope and speed),
`EventsAround` (replay_events.py: the list) and `ProblemsArea` (replay_problems.py: the note).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from ..events import Deliver, ScopeView, Send
from ..model import Recording, Replay, load_recording
from ..wire.terms import short_node
from .cluster_view import ClusterView
from .diagram_dock import DiagramDock
from .event_fixes import replay_order
from .event_words import event_words
from .exports import ExportMenu
from .keys_overlay import KeysOverlay
from .lessons_menu import LessonsMenu
from .picture import PROTOCOL_KINDS, Picture, dot_kind, make_picture
from .playhead import Playhead
from .recordings import opening_count
from .replay_events import EventsAround
from .replay_problems import ProblemsArea, problems_style
from .replay_transport import ReplayTransport, transport_style
from .side_panel import named
from .theme import Theme, app_icon, resolve_theme, stylesheet
from .window_settings import first_size

__all__ = ["ReplayWindow", "open_replay"]

FRAME_MS = 33          # play timer (only while playing)
MAX_DOTS_PER_TICK = 60


def open_replay(path: str | Path, theme: str = "system") -> ReplayWindow:
    """Load `path` and open its replay window (RecordingError if it holds nothing usable)."""
    return ReplayWindow(load_recording(path), str(path), theme)


class ReplayWindow(QMainWindow):
    closed = Signal()

    def __init__(self, recording: Recording, path: str = "", theme: str = "system") -> None:
        super().__init__()
        self.setObjectName("replayWindow")
        self.setAccessibleName("pgviz replay")
        self.path = path
        name = Path(path).name if path else "recording"
        self.setWindowTitle(f"{name} — replay — pgviz")  # the app's name once, at the end
        self.setWindowIcon(app_icon())
        self.theme: Theme = resolve_theme(theme)
        self.recording = recording
        self.replay = Replay(Recording(recording.header, replay_order(recording.events),
                                       recording.problems))
        events = self.replay.events
        self.nodes = recording.nodes  # (a walk over every event: once)
        self.centre = self.nodes[0] if self.nodes else "nobody"
        self.scopes = sorted({ev.scope for ev in events if isinstance(ev, ScopeView)}
                             | {getattr(ev, "scope", "pg") for ev in events
                                if ev.event in ("join", "leave")}) or ["pg"]
        self.scope = "pg" if "pg" in self.scopes else self.scopes[0]
        self.delivered_at = {ev.id: ev.t for ev in events if isinstance(ev, Deliver)}
        self.playhead = Playhead(self.replay, opening_count(events))
        self.picture = Picture(self.centre, whole=True, scope=self.scope)
        self.show_protocol = True
        self._wall = 0.0
        self.redraws = 0

        self.view = ClusterView(self.centre, self.theme)
        self.view.set_empty_hint("no groups at this point of the recording")
        self.view.set_badge(f"<span style='font-weight:normal'>recorded by</span>&nbsp;"
                            f"<b>{short_node(self.centre)}</b>")
        self.problems = ProblemsArea(recording.problems, len(recording.events))
        self.problems_label = self.problems.label
        self.events_around = EventsAround(events, self.replay.start, self.theme,
                                          lambda index: self.jump(index + 1))
        self.events_list = self.events_around.widget
        self.transport = self._transport()
        splitter = named(QSplitter(Qt.Orientation.Horizontal), "replaySplitter", "Replay splitter")
        splitter.addWidget(self.view)
        splitter.addWidget(self.events_list)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([880, 360])
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.problems)
        lay.addWidget(splitter, 1)
        lay.addWidget(self.transport)
        self.setCentralWidget(central)
        self._actions()
        self.diagram = DiagramDock(self.theme, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.diagram)
        self.diagram.view.feed_many(events)
        self.diagram.view.frameClicked.connect(self.frame_clicked)
        self.send_index = {ev.id: i for i, ev in enumerate(events) if isinstance(ev, Send)}
        self.exports = ExportMenu(self, lambda: self.replay.events, lambda: self.nodes,
                                  self.view, self.report, lambda: Path(name).stem)
        self.lessons = LessonsMenu(self, self.report)
        self.keys_overlay = KeysOverlay(self)
        self._menus()
        self._status_bar(name)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._tick)
        self.apply_theme()
        self.resize(*first_size(self, (1280, 800)))
        self.resizeDocks([self.diagram], [max(160, self.height() // 3)], Qt.Orientation.Vertical)
        self.show_count(self.playhead.count)

    # -- construction ------------------------------------------------------------------------------
    def _transport(self) -> ReplayTransport:
        bar = ReplayTransport(self.playhead.duration, self.scopes, self.scope, self.theme)
        bar.stepped.connect(self.step)
        bar.playPressed.connect(self.toggle_play)
        bar.scrubbed.connect(self._scrubbed)
        bar.scrubbedToEnd.connect(self._scrubbed_to_end)
        bar.speedChosen.connect(self.playhead.set_speed)
        bar.scopeChosen.connect(self._scope_chosen)
        # the bar's widgets, as the tests, the benchmark and the screenshots reach them
        self.prev_button, self.play_button = bar.prev_button, bar.play_button
        self.next_button, self.slider = bar.next_button, bar.slider
        self.time_label, self.speed_combo = bar.time_label, bar.speed_combo
        self.scope_combo = bar.scope_combo
        return bar

    def _actions(self) -> None:
        def action(name: str, text: str, keys: tuple[str, ...], slot: object) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.triggered.connect(lambda *_: slot())  # type: ignore[operator]
            self.addAction(act)
            return act
        self.actions_ = {
            "play": action("playAction", "Play / pause", ("Space",), self.toggle_play),
            "next": action("nextEventAction", "Next event", ("Right", "."), lambda: self.step(1)),
            "prev": action("prevEventAction", "Previous event", ("Left", ","),
                           lambda: self.step(-1)),
            "start": action("startAction", "To the start", ("Home",), lambda: self.jump(0)),
            "end": action("endAction", "To the end", ("End",),
                          lambda: self.jump(self.playhead.total)),
            "faster": action("fasterAction", "Faster", ("+", "="),
                             lambda: self.transport.step_speed(1)),
            "slower": action("slowerAction", "Slower", ("-",),
                             lambda: self.transport.step_speed(-1)),
            "protocol": action("protocolAction", "Show protocol messages", ("Ctrl+P",),
                               self._toggle_protocol),
            "fit": action("fitAction", "Fit to window", ("Ctrl+0",), self.view.fit_to_window),
            "close": action("closeAction", "Close", ("Ctrl+Q", "Ctrl+W"), self.close),
            "fullScreen": action("fullScreenAction", "Full screen", ("F11",),
                                 lambda: self._toggle_full_screen()),
            "keys": action("keysAction", "Keys", ("?", "F1"), lambda: self.keys_overlay.toggle()),
        }
        self.actions_["fullScreen"].setCheckable(True)
        self.actions_["protocol"].setCheckable(True)
        self.actions_["protocol"].setChecked(True)

    def _menus(self) -> None:
        a = self.actions_
        bar = self.menuBar()
        bar.setObjectName("menuBar")
        bar.setAccessibleName("Menu bar")
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addMenu(self.exports.menu)
        file_menu.addSeparator()
        file_menu.addAction(a["close"])
        view = bar.addMenu("&View")
        view.setObjectName("viewMenu")
        for act in (self.diagram.action, a["protocol"], a["fit"], a["fullScreen"]):
            view.addAction(act)
        bar.addMenu(self.lessons.menu)
        help_menu = bar.addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(a["keys"])

    def report(self, text: str, error: bool = False) -> None:
        self.statusBar().showMessage(("⚠ " if error else "") + text, 8000)

    def frame_clicked(self, frame_id: str) -> None:
        """An arrow of the diagram: the playhead goes just after its send (its dot in flight,
        its line in the events list)."""
        index = self.send_index.get(frame_id)
        if index is not None:
            self.jump(index + 1)
            self.diagram.view.select_frame(frame_id)

    def _toggle_full_screen(self) -> None:
        if self.actions_["fullScreen"].isChecked():
            self.showFullScreen()
        else:
            self.showNormal()

    def _status_bar(self, name: str) -> None:
        sb = self.statusBar()
        sb.setObjectName("statusBar")
        nodes = ", ".join(short_node(n) for n in self.nodes) or "no node"
        info = named(QLabel(f"{name} · {len(self.replay)} events · "
                            f"{self.playhead.duration:.1f} s · {nodes}"),
                     "replayInfoLabel", "About the recording")
        sb.addPermanentWidget(info)
        self.event_label = named(QLabel(), "replayEventLabel", "The event at the playhead")
        sb.addWidget(self.event_label, 1)

    def apply_theme(self) -> None:
        t = self.theme
        self.setStyleSheet(stylesheet(t, 10.0) + problems_style(t) + transport_style(t))
        self.view.set_theme(t)
        if hasattr(self, "diagram"):
            self.diagram.set_theme(t, 10.0)
        self.transport.set_theme(t)
        self.events_around.set_theme(t)

    # -- moving the playhead -------------------------------------------------------------------------
    def show_count(self, count: int, moving: bool = False) -> None:
        """Show the cluster after the first `count` events. `moving`: playing on (dots keep
        flying); otherwise a jump (dots stand where their frames are at that time)."""
        if not moving:
            self.playhead.to_count(count)
        self._render(animate=moving)

    def jump(self, count: int) -> None:
        self.pause()
        self.show_count(count)

    def jump_to_time(self, t: float) -> None:
        self.playhead.to_time(t)
        self._render(animate=False)

    def step(self, n: int) -> None:
        self.pause()
        self.show_count(self.playhead.count + n)

    def toggle_play(self) -> None:
        if self.playhead.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.playhead.at_end:
            self.show_count(0)
        self.playhead.play()
        if self.playhead.playing:
            self._wall = time.monotonic()
            self.timer.start()
            self.view.animator.clear()
        self.transport.show_playing(self.playhead.playing)

    def pause(self) -> None:
        self.playhead.pause()
        self.timer.stop()
        self.transport.show_playing(self.playhead.playing)

    def _tick(self) -> None:
        now = time.monotonic()
        dt, self._wall = now - self._wall, now
        old, new = self.playhead.advance(dt)
        if new != old:
            added = 0
            for ev in self.replay.events[old:new]:
                if isinstance(ev, Send) and added < MAX_DOTS_PER_TICK:
                    kind = dot_kind(ev.kind)
                    if (self.show_protocol or kind not in PROTOCOL_KINDS) \
                            and self.picture.shows_frames(ev.src, ev.dst):
                        self.view.add_message(ev.src, ev.dst, kind)
                        added += 1
            self._render(animate=True)
        else:
            self._update_time()
        if not self.playhead.playing:
            self.pause()

    def _scrubbed(self, seconds: float) -> None:
        self.pause()
        self.jump_to_time(self.replay.start + seconds)

    def _scrubbed_to_end(self) -> None:
        self.pause()
        self.show_count(self.playhead.total)

    def _scope_chosen(self, scope: str) -> None:
        if scope and scope != self.scope:
            self.scope = scope
            self._render(animate=False)

    def _toggle_protocol(self) -> None:
        self.show_protocol = self.actions_["protocol"].isChecked()
        self._render(animate=False)

    # -- drawing ----------------------------------------------------------------------------------------
    def _render(self, animate: bool) -> None:
        count = self.playhead.count
        snap = self.replay.snapshot_at(count)
        pic = make_picture(snap, self.centre, self.scope, True, (), self.picture)
        self.picture = dataclasses.replace(pic, selected=None)
        self.view.set_picture(self.picture)
        self.diagram.view.set_time(self.playhead.t)
        if not animate:
            self.view.show_frames(self._still_frames(snap.in_flight))
        self._update_time()
        self.events_around.show_around(count)
        self.redraws += 1

    def _still_frames(self, in_flight: tuple) -> list[tuple[str, str, str, float]]:
        t = self.playhead.t
        out = []
        for f in in_flight:
            kind = dot_kind(f.kind)
            if not (self.show_protocol or kind not in PROTOCOL_KINDS):
                continue
            if not self.picture.shows_frames(f.src, f.dst):
                continue
            arrive = self.delivered_at.get(f.id)
            if arrive is None or arrive <= f.sent_t:
                p = 0.5
            else:
                p = (t - f.sent_t) / (arrive - f.sent_t)
            out.append((f.src, f.dst, kind, min(0.95, max(0.05, p))))
        return out

    def _update_time(self) -> None:
        ph = self.playhead
        self.transport.show_time(ph.t - self.replay.start, ph.duration)
        if ph.count:
            ev = self.replay.events[ph.count - 1]
            self.event_label.setText(f"event {ph.count} of {ph.total} · {event_words(ev)}")
        else:
            self.event_label.setText(f"before the first of {ph.total} events")

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not getattr(self, "_scaled", False):  # the whole recording across the diagram
            self._scaled = True
            view = self.diagram.view
            view.set_scale(max(40, view.width() - 180) / max(self.playhead.duration, 0.05))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.pause()
        self.view.animator.clear()
        super().closeEvent(event)
        self.closed.emit()

