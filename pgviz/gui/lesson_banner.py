"""The lesson step a teacher shows, in a student's window: a dock at the top of a node window
whose node plays in a lesson run from elsewhere (another laptop, another window of
`pgviz demo`). The teacher's lesson agent request carries the step (pgviz/lessons/agent.py);
the narration appears where the class is already looking.

Compact on purpose: the window is small in a tiled classroom and its graph is what matters,
so the step's title is the dock's title and the narration takes at most three lines (all of it
in the tooltip; the teacher's lesson window has it large)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget

from ..lessons import Shown
from .side_panel import named

__all__ = ["LessonBanner"]

_LINES = 3


class LessonBanner(QDockWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("Lesson", parent)
        named(self, "lessonBanner", "The lesson step the teacher shows")
        self.setAllowedAreas(Qt.DockWidgetArea.TopDockWidgetArea
                             | Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.say = named(QLabel(), "lessonBannerSay", "What the teacher says")
        self.say.setWordWrap(True)
        self.say.setTextFormat(Qt.TextFormat.RichText)
        self.say.setContentsMargins(10, 2, 10, 4)
        self.say.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        line = self.say.fontMetrics().lineSpacing()
        # fixed: a dock ignores a wrapped label's height for its width, and cuts a line in half
        self.say.setFixedHeight(line * _LINES + 12)
        self.setWidget(self.say)
        self.shown: Shown | None = None
        self.hide()

    @property
    def title(self) -> str:
        return self.windowTitle()

    def show_step(self, shown: Shown) -> None:
        self.shown = shown
        self.setWindowTitle(f"Lesson ▸ Step {shown.number}: {shown.title}")
        text = html.escape(" ".join(shown.say.split()))
        look = f" <i>— look at: {html.escape(shown.look)}</i>" if shown.look else ""
        self.say.setText(text + look)
        # Escaped: Qt would take text that looks like HTML as rich text.
        tip = (f"{shown.lesson}\n\nStep {shown.number}: {shown.title}\n\n{shown.say}"
               + (f"\n\nLook at: {shown.look}" if shown.look else ""))
        self.say.setToolTip(html.escape(tip).replace("\n", "<br>"))
        self.show()
