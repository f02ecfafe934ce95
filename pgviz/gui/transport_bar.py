"""The transport bar: the cluster's network clock under the teacher's hand.

Live, Slow (a log-scale travel-time slider, 0.25–10 s per link), Pause (Space), Step (→), and
the Partition menu (isolate a node, split in two halves, heal all). The bar never holds a state
of its own: `show_clock` sets it from the cluster's clock as the model has it (a `clock` event,
whichever window or shell changed it), and its buttons only ask `NetCommands` for a change.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QSlider, QToolBar, QToolButton, QWidget

from ..wire.terms import short_node
from .keys_overlay import key_text
from .net_commands import NetCommands, clock_words

__all__ = ["TransportBar", "slider_to_seconds", "seconds_to_slider", "MIN_TRAVEL", "MAX_TRAVEL"]

MIN_TRAVEL = 0.25
MAX_TRAVEL = 10.0
STEPS = 100  # slider positions


def slider_to_seconds(value: int) -> float:
    """Slider position -> travel seconds, on a log scale (each step the same ratio)."""
    x = min(max(value, 0), STEPS) / STEPS
    return round(MIN_TRAVEL * (MAX_TRAVEL / MIN_TRAVEL) ** x, 2)


def seconds_to_slider(seconds: float) -> int:
    s = min(max(seconds, MIN_TRAVEL), MAX_TRAVEL)
    return round(STEPS * math.log(s / MIN_TRAVEL) / math.log(MAX_TRAVEL / MIN_TRAVEL))


class TransportBar(QToolBar):
    def __init__(self, commands: NetCommands, parent: QWidget | None = None) -> None:
        super().__init__("Network clock", parent)
        self.setObjectName("transportBar")
        self.setAccessibleName("Network clock")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.commands = commands
        self.mode = "live"
        self.travel = 1.0        # the clock's travel time (slow, or before the pause)
        self.chosen: float | None = None  # moved while paused: used on resume

        self.live_action = self._action("live", "Live", "Frames go out at once", True)
        self.slow_action = self._action("slow", "Slow", "Every frame travels the time set on "
                                        "the slider; it is delivered when its dot arrives", True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("travelSlider")
        self.slider.setAccessibleName("Travel time per link")
        self.slider.setToolTip("Travel time per link in slow motion (0.25–10 s, log scale)")
        self.slider.setRange(0, STEPS)
        self.slider.setPageStep(10)
        self.slider.setFixedWidth(150)
        self.slider.setValue(seconds_to_slider(self.travel))
        self.travel_label = QLabel()
        self.travel_label.setObjectName("travelLabel")
        self.travel_label.setAccessibleName("Travel time")
        self.travel_label.setMinimumWidth(48)
        self.pause_action = self._action("pause", "Pause", "Pause the whole cluster's network "
                                         "(again: resume)", True, "Space")
        self.step_action = self._action("step", "Step", "While paused, deliver one frame: "
                                        "the oldest in the cluster", False, "Right")
        self.crashed = False
        self.state_label = QLabel()
        self.state_label.setObjectName("clockStateLabel")
        self.state_label.setAccessibleName("Network clock state")

        self.addAction(self.live_action)
        self.addAction(self.slow_action)
        self.addWidget(self.slider)
        self.addWidget(self.travel_label)
        self.addSeparator()
        self.addAction(self.pause_action)
        self.addAction(self.step_action)
        self.addSeparator()
        self.partition_menu = QMenu("Partition", self)
        self.partition_menu.setObjectName("partitionMenu")
        self.partition_menu.setAccessibleName("Partition")
        self.partition_menu.aboutToShow.connect(self._fill_partition_menu)
        self.partition_button = QToolButton()
        self.partition_button.setObjectName("partitionToolButton")
        self.partition_button.setAccessibleName("Partition")
        self.partition_button.setText("Partition")
        self.partition_button.setToolTip("Isolate a node, split the cluster in two halves, "
                                         "heal everything")
        self.partition_button.setMenu(self.partition_menu)
        self.partition_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.addWidget(self.partition_button)
        self.addSeparator()
        self.addWidget(self.state_label)
        for act in (self.live_action, self.slow_action, self.pause_action, self.step_action):
            w = self.widgetForAction(act)
            if w is not None:
                w.setObjectName(act.objectName().replace("Action", "ToolButton"))
                w.setAccessibleName(act.text())

        self.live_action.triggered.connect(self._live)
        self.slow_action.triggered.connect(self._slow)
        self.pause_action.triggered.connect(self._pause)
        self.step_action.triggered.connect(commands.step)
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderReleased.connect(self._slider_released)
        self.show_clock("live", 0.0)

    def _action(self, key: str, text: str, tip: str, checkable: bool,
                shortcut: str | None = None) -> QAction:
        act = QAction(text, self)
        act.setObjectName(f"{key}Action")
        act.setCheckable(checkable)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            tip += f" ({key_text(QKeySequence(shortcut))})"
        act.setToolTip(tip)
        return act

    def shortcut_actions(self) -> list[QAction]:
        """Actions with a shortcut: the window adds them so the keys work anywhere in it."""
        return [self.pause_action, self.step_action]

    # -- the clock in -------------------------------------------------------------------------------
    def show_clock(self, mode: str, seconds: float) -> None:
        """The cluster's clock changed (or is first known): show it; nothing is sent."""
        if self.crashed:
            return
        self.mode = mode
        if seconds > 0:
            self.travel = seconds
        if mode != "pause":
            self.chosen = None
        self.live_action.setChecked(mode == "live")
        self.slow_action.setChecked(mode == "slow")
        self.pause_action.setChecked(mode == "pause")
        self.pause_action.setText("Resume" if mode == "pause" else "Pause")
        self.step_action.setEnabled(mode == "pause")
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(seconds_to_slider(self.chosen or self.travel))
            self.slider.blockSignals(False)
        self._label()

    def _label(self) -> None:
        shown = self.chosen or slider_to_seconds(self.slider.value())
        self.travel_label.setText(f"{shown:.2g} s")
        if self.crashed:
            text = "no network: this node crashed"
        else:
            text = clock_words(self.mode, self.travel)
        self.state_label.setText(text)

    def show_crashed(self) -> None:
        """This window's node crashed: it has no network left to pace. The bar goes grey and
        its keys (Space, →) stop acting; no mode is shown as chosen."""
        self.crashed = True
        for act in (self.live_action, self.slow_action, self.pause_action, self.step_action):
            act.setChecked(False)
            act.setEnabled(False)
        self.setEnabled(False)
        self._label()

    # -- the buttons out ----------------------------------------------------------------------------
    def _live(self) -> None:
        self.live_action.setChecked(self.mode == "live")  # the clock event sets it
        self.commands.live()

    def _slow(self) -> None:
        self.slow_action.setChecked(self.mode == "slow")
        self.commands.slow(slider_to_seconds(self.slider.value()))

    def _pause(self) -> None:
        self.pause_action.setChecked(self.mode == "pause")
        if self.mode == "pause":
            self.commands.resume(self.chosen)
        else:
            self.commands.pause()

    def _slider_moved(self, value: int) -> None:
        seconds = slider_to_seconds(value)
        if self.mode == "pause":
            self.chosen = seconds  # the speed to resume at; the pause goes on
        self._label()
        if not self.slider.isSliderDown() and self.mode == "slow":
            self.commands.slow(seconds)  # keyboard or a click on the groove

    def _slider_released(self) -> None:
        if self.mode == "slow" or self.mode == "live":
            self.commands.slow(slider_to_seconds(self.slider.value()))

    # -- the Partition menu -------------------------------------------------------------------------
    def _fill_partition_menu(self) -> None:
        menu = self.partition_menu
        menu.clear()
        isolate = menu.addMenu("Isolate a node")
        isolate.setObjectName("isolateMenu")
        for name in self.commands.cluster():
            act = isolate.addAction(short_node(name))
            act.setObjectName(f"isolate:{short_node(name)}")
            act.triggered.connect(lambda *_, n=name: self.commands.isolate(n))
        split = menu.addAction("Split in two halves")
        split.setObjectName("splitHalvesAction")
        split.triggered.connect(self.commands.split_halves)
        heal = menu.addAction("Heal all")
        heal.setObjectName("healAllAction")
        heal.triggered.connect(self.commands.heal_all)
