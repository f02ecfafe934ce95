"""The replay window's transport bar: previous/play/next, the time slider, the time, the scope
and the speed.

The bar holds no playhead: it says what the reader asked (`stepped`, `playPressed`, `scrubbed`,
`scrubbedToEnd`, `speedChosen`, `scopeChosen`) and shows what the window tells it
(`show_time`, `show_playing`). Its icons are drawn in the theme's text colour (`set_theme`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QSlider, QToolButton

from .playhead import SPEEDS
from .side_panel import named
from .theme import Theme, icon

__all__ = ["ReplayTransport", "transport_style"]


def transport_style(theme: Theme) -> str:
    """The bar's rules, for the window's stylesheet (one sheet for the whole window, so the
    bar's combos and buttons take the same cascade as everything else)."""
    return (f"#replayTransportBar {{ background: {theme['panel']}; border-top: 1px solid "
            f"{theme['border']}; }}"
            f"#replayTimeLabel {{ font-family: monospace; color: {theme['fg']}; }}")


def _button(name: str, accessible: str, tip: str) -> QToolButton:
    b = named(QToolButton(), name, accessible, tip)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the window's keys (Space, ←, →) stay its own
    b.setAutoRaise(True)
    return b


class ReplayTransport(QFrame):
    stepped = Signal(int)        # -1: previous event, +1: next event
    playPressed = Signal()
    scrubbed = Signal(float)     # seconds after the recording's start
    scrubbedToEnd = Signal()     # the slider's end: the recording's end, every event in
    speedChosen = Signal(float)
    scopeChosen = Signal(str)

    def __init__(self, duration: float, scopes: list[str], scope: str, theme: Theme) -> None:
        super().__init__()
        named(self, "replayTransportBar", "Replay controls")
        self._theme = theme
        self._playing = False
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        self.prev_button = _button("prevEventButton", "Previous event", "Previous event (←)")
        self.play_button = _button("playButton", "Play or pause", "Play / pause (Space)")
        self.next_button = _button("nextEventButton", "Next event", "Next event (→)")
        self.slider = named(QSlider(Qt.Orientation.Horizontal), "timeSlider", "Time",
                            "Drag to any moment of the recording")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setRange(0, max(1, round(duration * 1000)))
        self.slider.setPageStep(max(1, self.slider.maximum() // 20))
        self.slider.valueChanged.connect(self._slider_moved)
        self.time_label = named(QLabel(), "replayTimeLabel", "Time in the recording")
        self.time_label.setMinimumWidth(170)
        self.speed_combo = named(QComboBox(), "speedCombo", "Playback speed",
                                 "How fast the recording plays")
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s:g}×", s)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.speedChosen.emit(self.speed_combo.itemData(i)))
        self.scope_combo = named(QComboBox(), "replayScopeCombo",
                                 "Scope shown (only when the recording has several)")
        self.scope_combo.addItems(scopes)
        self.scope_combo.setCurrentText(scope)
        self.scope_combo.setVisible(len(scopes) > 1)
        self.scope_combo.currentTextChanged.connect(self.scopeChosen)
        self.prev_button.clicked.connect(lambda: self.stepped.emit(-1))
        self.play_button.clicked.connect(self.playPressed)
        self.next_button.clicked.connect(lambda: self.stepped.emit(1))
        for w in (self.prev_button, self.play_button, self.next_button):
            lay.addWidget(w)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.time_label)
        lay.addWidget(self.scope_combo)
        lay.addWidget(self.speed_combo)
        self._paint_buttons()

    def show_time(self, elapsed: float, duration: float) -> None:
        """The playhead at `elapsed` seconds of `duration`: the slider (without a `scrubbed`)
        and the time label."""
        self.slider.blockSignals(True)
        self.slider.setValue(round(elapsed * 1000))
        self.slider.blockSignals(False)
        self.time_label.setText(f"{elapsed:8.3f} s / {duration:.3f} s")

    def show_playing(self, playing: bool) -> None:
        """Play or pause on the middle button (repainted only when it changes)."""
        if playing != self._playing:
            self._playing = playing
            self._paint_buttons()

    def step_speed(self, d: int) -> None:
        """One speed faster (`d` > 0) or slower, kept within SPEEDS."""
        i = max(0, min(len(SPEEDS) - 1, self.speed_combo.currentIndex() + d))
        self.speed_combo.setCurrentIndex(i)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._paint_buttons()

    def _paint_buttons(self) -> None:
        """The icons in the theme's text colour (the style's standard ones are black, and
        vanish on the dark theme's bar)."""
        fg, muted = self._theme["fg"], self._theme["muted"]
        self.prev_button.setIcon(icon("previous", fg, muted))
        self.play_button.setIcon(icon("pause" if self._playing else "play", fg, muted))
        self.next_button.setIcon(icon("next", fg, muted))

    def _slider_moved(self, value: int) -> None:
        if value >= self.slider.maximum():  # ms rounding would leave the last events out
            self.scrubbedToEnd.emit()
        else:
            self.scrubbed.emit(value / 1000.0)
