"""The space-time diagram as a dock (View ▸ Diagram, F9), in a live window or a replay.

The dock holds a `SpaceTimeView` and a small bar (follow the newest events, show every frame);
the window feeds it (a live window: the same events its model folds, through `session.watch`;
a replay: the whole recording once, then `set_time` as the scrubber moves) and links it to its
other views: `frameClicked` and `select_frame` (see main_window.py and replay_window.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QDockWidget, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from ..export.filters import ALL_FRAMES, DEFAULT_FILTER
from .side_panel import named
from .spacetime import SpaceTimeView
from .theme import Theme

__all__ = ["DiagramDock", "DIAGRAM_SHORTCUT"]

DIAGRAM_SHORTCUT = "F9"


class DiagramDock(QDockWidget):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__("Space-time diagram", parent)
        named(self, "diagramDock", "Space-time diagram panel")
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea
                             | Qt.DockWidgetArea.TopDockWidgetArea
                             | Qt.DockWidgetArea.RightDockWidgetArea)
        self.view = SpaceTimeView(theme)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        self.follow_button = named(QToolButton(), "diagramFollowButton",
                                   "Follow the newest events",
                                   "Follow the newest events (Home, or double-click the diagram)")
        self.follow_button.setText("Follow")
        self.follow_button.setAutoRaise(True)
        self.follow_button.clicked.connect(lambda: self.view.set_follow(True))
        self.all_frames_check = named(QCheckBox("ticks and distribution"),
                                      "diagramAllFramesCheck",
                                      "Also show ticks and distribution traffic")
        self.all_frames_check.toggled.connect(
            lambda on: self.view.set_filter(ALL_FRAMES if on else DEFAULT_FILTER))
        self.view.setToolTip("Click an arrow: its frame. Wheel: back in time; Ctrl+wheel: "
                             "zoom; Home or a double click: follow the newest events")
        bar.addWidget(self.follow_button)
        bar.addWidget(self.all_frames_check)
        bar.addStretch(1)
        lay.addLayout(bar)
        lay.addWidget(self.view, 1)
        self.setWidget(body)
        action = self.toggleViewAction()
        action.setObjectName("diagramAction")
        action.setText("Space-time &diagram")
        action.setShortcut(QKeySequence(DIAGRAM_SHORTCUT))
        action.setToolTip(f"Space-time diagram ({DIAGRAM_SHORTCUT})")

    @property
    def action(self) -> QAction:
        return self.toggleViewAction()

    def set_theme(self, theme: Theme, font_size: float) -> None:
        self.view.set_theme(theme)
        self.view.set_font_size(font_size)
