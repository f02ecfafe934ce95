"""The space-time diagram as a dock (View ▸ Diagram, F9), in a live window or a replay.

The dock holds a `SpaceTimeView` and a small bar (follow the newest events, show every frame);
the window feeds it (a live window: the same events its model folds, through `session.watch`;
a replay: the whole recording once, then `set_time` as the scrubber moves) and links it to its
other views: `frameClicked` and `select_frame` (see main_window.py and replay_window.py).

Opened (F9) in a short window, a `pgviz demo` tile of 640×400, the diagram goes beside the
graph rather than under it: under it, at its smallest (a few lanes, 172 px with its bar and
title), it left the graph a strip of 100 px with peers 15 px across. Beside it, each gets
half the tile and keeps its full height. That place belongs to the short window: when the
window grows tall enough, or closes (its docks' places are remembered for the next window of
that node, perhaps a large one), the diagram goes back under the graph. A place the user
chose (dragged, floating) is theirs and kept.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..export.filters import ALL_FRAMES, DEFAULT_FILTER
from .side_panel import named
from .spacetime import SpaceTimeView
from .theme import Theme

__all__ = ["DiagramDock", "DIAGRAM_SHORTCUT", "SHORT_WINDOW_HEIGHT", "BESIDE_MAX_WIDTH",
           "opens_beside", "beside_width"]

DIAGRAM_SHORTCUT = "F9"
#: A window shorter than this (and wider than tall) opens the diagram beside the graph.
#: main_window uses it too (a window this short opens without the diagram it remembered
#: open): the graph under its toolbars keeps 400 px above a diagram of a third of the
#: window from there.
SHORT_WINDOW_HEIGHT = 620
#: Beside the graph the diagram takes half the window, at most this.
BESIDE_MAX_WIDTH = 480

_BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
_RIGHT = Qt.DockWidgetArea.RightDockWidgetArea


def opens_beside(width: int, height: int) -> bool:
    """The diagram opens beside the graph: the window is too short for both one above the
    other, and wide enough for them side by side."""
    return height < SHORT_WINDOW_HEIGHT and width > height


def beside_width(window_width: int, smallest: int) -> int:
    return max(smallest, min(window_width // 2, BESIDE_MAX_WIDTH))


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
        # after the dock's own slot (it shows the dock): then choose where it goes
        action.triggered.connect(self._opened)
        self.placed_beside = False  # by _opened, not by the user: undone when tall, closing
        self.user_placed = False
        self._moving = False
        self.dockLocationChanged.connect(self._moved)

    def _moved(self, _area: Qt.DockWidgetArea) -> None:
        if self.placed_beside and not self._moving:
            # the user dragged it from beside the graph: from now on its place is theirs
            self.placed_beside = False
            self.user_placed = True

    def _opened(self, checked: bool) -> None:
        """F9 or View ▸ Space-time diagram opened the dock: beside the graph in a short
        window (see the module's docstring)."""
        window = self.parentWidget()
        if (not checked or self.isFloating() or not isinstance(window, QMainWindow)
                or self.user_placed or window.dockWidgetArea(self) != _BOTTOM
                or not opens_beside(window.width(), window.height())):
            return
        self._move_to(window, _RIGHT)
        self.placed_beside = True
        window.installEventFilter(self)  # (once: Qt does not install a filter twice)
        width = beside_width(window.width(), self.minimumSizeHint().width())
        QTimer.singleShot(0, lambda: window.resizeDocks(
            [self], [width], Qt.Orientation.Horizontal))

    def _move_to(self, window: QMainWindow, area: Qt.DockWidgetArea) -> None:
        self._moving = True
        try:
            window.addDockWidget(area, self)
        finally:
            self._moving = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """The window it was put beside grows tall enough, or closes: back under the graph."""
        if (self.placed_beside and watched is self.parentWidget()
                and isinstance(watched, QMainWindow)
                and (event.type() == QEvent.Type.Close
                     or (event.type() == QEvent.Type.Resize
                         and watched.height() >= SHORT_WINDOW_HEIGHT))):
            self.put_under(watched)
        return False

    def put_under(self, window: QMainWindow) -> None:
        """Back under the graph, a third of the window's height (as main_window opens it)."""
        self.placed_beside = False
        self._move_to(window, _BOTTOM)
        if self.isVisible() and window.isVisible():
            height = max(self.minimumSizeHint().height(), window.height() // 3)
            QTimer.singleShot(0, lambda: window.resizeDocks(
                [self], [height], Qt.Orientation.Vertical))

    @property
    def action(self) -> QAction:
        return self.toggleViewAction()

    def set_theme(self, theme: Theme, font_size: float) -> None:
        self.view.set_theme(theme)
        self.view.set_font_size(font_size)
