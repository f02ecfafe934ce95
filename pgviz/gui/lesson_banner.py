"""The lesson step a teacher shows, in a student's window: a dock at the top of a node window
whose node plays in a lesson run from elsewhere (another laptop, another window of
`pgviz demo`). The teacher's lesson agent request carries the step (pgviz/lessons/agent.py);
the narration appears where the class is already looking."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QVBoxLayout, QWidget

from ..lessons import Shown
from .side_panel import named

__all__ = ["LessonBanner"]


class LessonBanner(QDockWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("Lesson", parent)
        named(self, "lessonBanner", "The lesson step the teacher shows")
        self.setAllowedAreas(Qt.DockWidgetArea.TopDockWidgetArea
                             | Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(10, 4, 10, 6)
        lay.setSpacing(2)
        self.title = named(QLabel(), "lessonBannerTitle", "Lesson step")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.say = named(QLabel(), "lessonBannerSay", "What the teacher says")
        self.say.setWordWrap(True)
        self.say.setTextFormat(Qt.TextFormat.MarkdownText)
        self.look = named(QLabel(), "lessonBannerLook", "What to look at")
        lay.addWidget(self.title)
        lay.addWidget(self.say)
        lay.addWidget(self.look)
        self.setWidget(body)
        self.shown: Shown | None = None
        self.hide()

    def show_step(self, shown: Shown) -> None:
        self.shown = shown
        self.setWindowTitle(f"Lesson: {shown.lesson}")
        self.title.setText(f"Step {shown.number}: {shown.title}")
        self.say.setText(shown.say)
        self.look.setText(f"Look at: {shown.look}" if shown.look else "")
        self.look.setVisible(bool(shown.look))
        self.show()
