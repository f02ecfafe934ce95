"""`pgviz replay FILE`: a recording played back in the same cluster view, with no network.

The view shows the whole cluster, drawn from the snapshots of a `Replay` (random access into
the recording: any point in a few milliseconds). Under it: previous/next event, play/pause
(Space), a time scrubber, the speed (0.1x-10x). Beside it, the events around the playhead.
What the reader skipped in a damaged file is listed in a message area above the view (never a
modal dialog). While paused nothing runs: the play timer exists only while playing.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSlider,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..events import Deliver, ScopeView, Send
from ..model import Recording, Replay, load_recording
from ..trace import describe
from ..wire.terms import short_node
from .cluster_view import ClusterView
from .diagram_dock import DiagramDock
from .event_fixes import replay_order
from .event_words import event_words
from .exports import ExportMenu
from .keys_overlay import KeysOverlay
from .lessons_menu import LessonsMenu
from .picture import PROTOCOL_KINDS, Picture, dot_kind, make_picture
from .playhead import SPEEDS, Playhead
from .recordings import opening_count
from .side_panel import named
from .theme import Theme, app_icon, icon, resolve_theme, stylesheet
from .window_settings import first_size

__all__ = ["ReplayWindow", "open_replay"]

FRAME_MS = 33          # play timer (only while playing)
MAX_DOTS_PER_TICK = 60
LIST_BEFORE, LIST_AFTER = 30, 10


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
        self._icon_playing = False
        self.redraws = 0

        self.view = ClusterView(self.centre, self.theme)
        self.view.set_empty_hint("no groups at this point of the recording")
        self.view.set_badge(f"<span style='font-weight:normal'>recorded by</span>&nbsp;"
                            f"<b>{short_node(self.centre)}</b>")
        self.problems = self._problems_area()
        self.events_list = named(QListWidget(), "replayEventsList", "Events around the playhead",
                                 "Click an event to jump just after it")
        self.events_list.setUniformItemSizes(True)
        self.events_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.events_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.events_list.itemClicked.connect(self._event_clicked)
        self.events_list.setMinimumWidth(300)
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
        lay.addWidget(self._transport())
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
    def _problems_area(self) -> QFrame:
        frame = named(QFrame(), "problemsArea", "Problems in the recording")
        lay = QHBoxLayout(frame)
        lay.setContentsMargins(12, 8, 8, 8)
        self.problems_label = named(QLabel(), "problemsLabel", "What was skipped")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dismiss = named(QToolButton(), "dismissProblemsButton", "Dismiss the problems")
        dismiss.setText("✕")
        dismiss.setAutoRaise(True)
        dismiss.clicked.connect(frame.hide)
        lay.addWidget(self.problems_label, 1)
        lay.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignTop)
        problems = self.recording.problems
        if problems:
            shown = problems[:12] + ([f"… and {len(problems) - 12} more"]
                                     if len(problems) > 12 else [])
            self.problems_label.setText(
                f"<b>Loaded {len(self.recording.events)} events; some of the file was "
                f"skipped:</b><br>" + "<br>".join("• " + _escape(p) for p in shown))
        frame.setVisible(bool(problems))
        return frame

    def _button(self, name: str, accessible: str, tip: str) -> QToolButton:
        b = named(QToolButton(), name, accessible, tip)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setAutoRaise(True)
        return b

    def _transport(self) -> QWidget:
        bar = named(QFrame(), "transportBar", "Replay controls")
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(10, 6, 10, 6)
        self.prev_button = self._button("prevEventButton", "Previous event",
                                        "Previous event (←)")
        self.play_button = self._button("playButton", "Play or pause", "Play / pause (Space)")
        self.next_button = self._button("nextEventButton", "Next event", "Next event (→)")
        self.slider = named(QSlider(Qt.Orientation.Horizontal), "timeSlider", "Time",
                            "Drag to any moment of the recording")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setRange(0, max(1, round(self.playhead.duration * 1000)))
        self.slider.setPageStep(max(1, self.slider.maximum() // 20))
        self.slider.valueChanged.connect(self._scrubbed)
        self.time_label = named(QLabel(), "replayTimeLabel", "Time in the recording")
        self.time_label.setMinimumWidth(170)
        self.speed_combo = named(QComboBox(), "speedCombo", "Playback speed",
                                 "How fast the recording plays")
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s:g}×", s)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.playhead.set_speed(self.speed_combo.itemData(i)))
        self.scope_combo = named(QComboBox(), "replayScopeCombo",
                                 "Scope shown (only when the recording has several)")
        self.scope_combo.addItems(self.scopes)
        self.scope_combo.setCurrentText(self.scope)
        self.scope_combo.setVisible(len(self.scopes) > 1)
        self.scope_combo.currentTextChanged.connect(self._scope_chosen)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.play_button.clicked.connect(self.toggle_play)
        self.next_button.clicked.connect(lambda: self.step(1))
        for w in (self.prev_button, self.play_button, self.next_button):
            lay.addWidget(w)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.time_label)
        lay.addWidget(self.scope_combo)
        lay.addWidget(self.speed_combo)
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
            "faster": action("fasterAction", "Faster", ("+", "="), lambda: self._speed_step(1)),
            "slower": action("slowerAction", "Slower", ("-",), lambda: self._speed_step(-1)),
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
        self.setStyleSheet(stylesheet(t, 10.0) + (
            f"#problemsArea {{ background: {t['selection_bg']}; border-bottom: 2px solid "
            f"{t['danger']}; }} #problemsLabel {{ color: {t['fg']}; }}"
            f"#transportBar {{ background: {t['panel']}; border-top: 1px solid {t['border']}; }}"
            f"#replayTimeLabel {{ font-family: monospace; color: {t['fg']}; }}"))
        self.view.set_theme(t)
        if hasattr(self, "diagram"):
            self.diagram.set_theme(t, 10.0)
        self._paint_buttons()

    def _paint_buttons(self) -> None:
        """The transport's icons in the theme's text colour (the style's standard ones are
        black, and vanish on the dark theme's bar)."""
        fg, muted = self.theme["fg"], self.theme["muted"]
        self.prev_button.setIcon(icon("previous", fg, muted))
        self.play_button.setIcon(icon("pause" if self._icon_playing else "play", fg, muted))
        self.next_button.setIcon(icon("next", fg, muted))

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
        self._play_icon()

    def pause(self) -> None:
        self.playhead.pause()
        self.timer.stop()
        self._play_icon()

    def _play_icon(self) -> None:
        playing = self.playhead.playing
        if playing != self._icon_playing:
            self._icon_playing = playing
            self._paint_buttons()

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

    def _scrubbed(self, value: int) -> None:
        self.pause()
        if value >= self.slider.maximum():  # the slider's end is the recording's end (ms
            self.show_count(self.playhead.total)  # rounding would leave the last events out)
        else:
            self.jump_to_time(self.replay.start + value / 1000.0)

    def _event_clicked(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(index, int):
            self.jump(index + 1)

    def _speed_step(self, d: int) -> None:
        i = max(0, min(len(SPEEDS) - 1, self.speed_combo.currentIndex() + d))
        self.speed_combo.setCurrentIndex(i)

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
        self._fill_events(count)
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
        self.slider.blockSignals(True)
        self.slider.setValue(round((ph.t - self.replay.start) * 1000))
        self.slider.blockSignals(False)
        self.time_label.setText(f"{ph.t - self.replay.start:8.3f} s / {ph.duration:.3f} s")
        if ph.count:
            ev = self.replay.events[ph.count - 1]
            self.event_label.setText(f"event {ph.count} of {ph.total} · {event_words(ev)}")
        else:
            self.event_label.setText(f"before the first of {ph.total} events")

    def _fill_events(self, count: int) -> None:
        lst = self.events_list
        events = self.replay.events
        lo, hi = max(0, count - LIST_BEFORE), min(len(events), count + LIST_AFTER)
        start = self.replay.start
        lst.setUpdatesEnabled(False)
        lst.clear()
        current = None
        # the theme's muted ink, not the palette's: the palette is the desktop's (light), and
        # its dimmed black was unreadable on the dark theme's list
        muted = QColor(self.theme["muted"])
        for i in range(lo, hi):
            ev = events[i]
            it = QListWidgetItem(f"{ev.t - start:7.3f} s   {event_words(ev)}")
            it.setToolTip(describe(ev))  # the trace's line: Lamport time, size, frame id
            it.setData(Qt.ItemDataRole.UserRole, i)
            if i >= count:
                it.setForeground(muted)  # not happened yet
            lst.addItem(it)
            if i == count - 1:
                current = it
        if current is not None:
            current.setSelected(True)
            lst.scrollToItem(current, QListWidget.ScrollHint.PositionAtCenter)
        lst.setUpdatesEnabled(True)

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


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
