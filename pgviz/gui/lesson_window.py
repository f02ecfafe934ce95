"""The lesson panel: a window of its own beside the lesson's node windows (one window per
lesson node, in this process: `WindowStage`). It shows the step's title and narration large,
the step's checks (✓/✗ with what was measured), and Back/Next.

Keys: PageDown/PageUp (what presentation clickers send) are Next/Back in every window of the
process while a lesson runs; → and ← are Next/Back here, in the lesson window. In a node
window → stays the network clock's Step (a lesson may pause the network and ask the class to
step frames), so arrows there never jump a step by accident.

Back restarts the lesson's nodes and replays the steps before (pgviz.lessons.engine): the node
windows close and open again in the same places. A lesson cast on a running cluster (a
`ClusterStage`: a class's laptops, `pgviz demo`) has no node windows here: it highlights in
the `views` it was given (the window it was opened from), and Back resets the cast's nodes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..lessons import ClusterStage, Lesson, LessonRun, StepResult
from ..lessons.format import Highlight
from .lesson_checks import ChecksList
from .lesson_look import show_look
from .lesson_stage import WindowStage
from .lesson_style import lesson_stylesheet
from .main_window import MainWindow
from .side_panel import named
from .theme import app_icon, resolve_theme

__all__ = ["LessonWindow", "NEXT_KEYS", "BACK_KEYS"]

log = logging.getLogger(__name__)

NEXT_KEYS = ("PgDown", "Right")
BACK_KEYS = ("PgUp", "Left")


class LessonWindow(QMainWindow):
    closed = Signal()
    stepShown = Signal(object)  # noqa: N815: the StepResult shown (or None: before step 1)

    def __init__(self, lesson: Lesson, stage: WindowStage | ClusterStage | None = None,
                 views: Mapping[str, MainWindow] | None = None) -> None:
        super().__init__()
        named(self, "lessonWindow", f"Lesson: {lesson.title}")
        self.setWindowTitle(f"Lesson: {lesson.title} — pgviz")
        self.setWindowIcon(app_icon())
        self.lesson = lesson
        self.stage = stage if stage is not None else WindowStage()
        self.views = dict(views or {})
        self.run = LessonRun(lesson, self.stage, on_step=self._on_step)
        self.result: StepResult | None = None
        self.busy = False
        self.error = ""
        self._tasks: set[asyncio.Task[Any]] = set()
        self.stopped: asyncio.Future[bool] = asyncio.get_event_loop().create_future()

        body = QWidget()
        body.setObjectName("lessonBody")
        outer = QVBoxLayout(body)
        outer.setContentsMargins(28, 20, 28, 20)
        outer.setSpacing(10)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        self.lesson_label = named(QLabel(lesson.title), "lessonTitle", "Lesson")
        self.lesson_label.setWordWrap(True)
        self.step_label = named(QLabel(), "lessonStepLabel", "Step")
        self.step_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.step_title = named(QLabel(), "lessonStepTitle", "Step title")
        self.step_title.setWordWrap(True)
        self.narration = named(QLabel(), "lessonNarration", "Narration")
        self.narration.setWordWrap(True)
        self.narration.setTextFormat(Qt.TextFormat.MarkdownText)
        self.narration.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.checks = named(ChecksList(), "lessonChecks", "What the cluster shows (checks)")
        self.status = named(QLabel(), "lessonStatus", "Lesson status")
        self.status.setWordWrap(True)
        for label in (self.lesson_label, self.step_title, self.narration, self.status):
            label.setIndent(0)  # flush left with the checks' badges, padding or not
        self.back_button = named(QPushButton("◀ Back"), "lessonBackButton", "Previous step",
                                 "Previous step (PageUp, ←)")
        self.next_button = named(QPushButton("Next ▶"), "lessonNextButton", "Next step",
                                 "Next step (PageDown, →)")
        self.next_button.setDefault(True)
        for b in (self.back_button, self.next_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setCursor(Qt.CursorShape.PointingHandCursor)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        # the lesson's name and where the class is in it, as a slide's header (the button
        # row keeps only the buttons: a third of a 1280 px screen still holds them)
        header = QHBoxLayout()
        header.setSpacing(16)
        header.addWidget(self.lesson_label, 1)
        header.addWidget(self.step_label, 0, Qt.AlignmentFlag.AlignTop)
        # The narration, then its checks right under it; the room left over goes below them,
        # above the status line and the buttons, which stay at the bottom where a teacher's
        # hand expects them. A window too short for the text scrolls it (never squeezes a
        # line of narration in half).
        lay.addLayout(header)
        lay.addWidget(self.step_title)
        lay.addWidget(self.narration)
        lay.addSpacing(6)
        lay.addWidget(self.checks)
        lay.addStretch(1)
        self.page_scroll = named(QScrollArea(), "lessonScroll", "Lesson page")
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.page_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_scroll.setWidget(page)
        outer.addWidget(self.page_scroll, 1)
        outer.addWidget(self.status)
        outer.addLayout(buttons)
        self.setCentralWidget(body)
        self._restyle()
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._restyle)
        self.actions_ = {
            "next": self._action("lessonNextAction", "Next step", NEXT_KEYS, self.next),
            "back": self._action("lessonBackAction", "Previous step", BACK_KEYS, self.back),
            "close": self._action("lessonCloseAction", "End the lesson", ("Ctrl+W",),
                                  self.close),
        }
        self._show_intro()
        self.resize(640, 720)

    def _restyle(self, *_: object) -> None:
        """The desktop's theme (as the application's base look), in this window's own
        stylesheet."""
        self.setStyleSheet(lesson_stylesheet(resolve_theme("system")))

    def _action(self, name: str, text: str, keys: tuple[str, ...], slot: Any) -> QAction:
        act = QAction(text, self)
        act.setObjectName(name)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(lambda *_: slot())
        self.addAction(act)
        return act

    # -- the node windows -----------------------------------------------------------------------
    @property
    def windows(self) -> dict[str, MainWindow]:
        """The node windows that show this lesson in this process."""
        if isinstance(self.stage, WindowStage):
            return self.stage.windows
        return self.views

    @property
    def on_cluster(self) -> bool:
        return isinstance(self.stage, ClusterStage)

    def short(self, lesson_node: str) -> str:
        """The short name of the node that plays `lesson_node` (the same name, on a stage of
        this process's windows)."""
        world = self.run.world
        if world is None or lesson_node not in world.players:
            return lesson_node
        return world.node_name(lesson_node).split("@", 1)[0]

    # -- running --------------------------------------------------------------------------------
    def start(self, after: asyncio.Future[Any] | None = None) -> asyncio.Task[Any]:
        """Start the lesson (`after`: once the previous lesson has stopped, so that the two
        never drive the same nodes)."""
        return self._do(self._start(after),
                        "finding the cluster's nodes that let lessons drive them…"
                        if self.on_cluster else "starting the lesson's nodes…")

    def next(self) -> asyncio.Task[Any] | None:
        if self.busy or (self.run.at_end and self.run.world is not None):
            return None
        return self._do(self.run.next(), "running the step…")

    def back(self) -> asyncio.Task[Any] | None:
        if self.busy or self.run.position < 0:
            return None
        return self._do(self._back(), "going back: resetting the nodes and replaying…"
                        if self.on_cluster else
                        "going back: restarting the nodes and replaying…")

    async def _start(self, after: asyncio.Future[Any] | None) -> None:
        if after is not None:
            await asyncio.shield(after)
        await self.run.start()
        if self.run.position < 0:
            self._show_intro()  # now with who plays each lesson node

    async def _back(self) -> None:
        result = await self.run.back()
        if result is None:
            self.result = None
            self._show_intro()
            self.stepShown.emit(None)

    def _do(self, coro: Any, what: str) -> asyncio.Task[Any]:
        self.busy = True
        self.error = ""
        self.status.setText(what)
        self._buttons()
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self.busy = False
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.warning("lesson %s: %s", self.lesson.name, exc)
            self.error = f"⚠ {exc}"
            self.status.setText(self.error)
        elif self.result is not None and self.result.error:
            self.status.setText(f"⚠ {self.result.error}")
        else:
            self.status.setText("")
        self._buttons()

    def _buttons(self) -> None:
        pos, total = self.run.position, len(self.lesson.steps)
        self.back_button.setEnabled(not self.busy and pos >= 0)
        self.next_button.setEnabled(not self.busy and pos < total - 1)
        self.step_label.setText(f"step {pos + 1} of {total}" if pos >= 0
                                else f"{total} steps")

    # -- showing --------------------------------------------------------------------------------
    def _show_intro(self) -> None:
        if self.on_cluster and self.run.world is not None:
            nodes = ", ".join(f"{n} (played by {self.short(n)})" for n in self.lesson.nodes)
            where = "on this cluster's nodes that let lessons drive them"
        elif self.on_cluster:
            nodes = ", ".join(self.lesson.nodes)
            where = ("played by this cluster's nodes that let lessons drive them (`pgviz "
                     "--lesson-agent`, or Lessons ▸ Let lessons drive this node)")
        else:
            nodes = ", ".join(self.lesson.nodes)
            where = "one window each"
        self.step_title.setText(self.lesson.title)
        self.narration.setText(f"{self.lesson.summary}\n\nNodes: {nodes}, {where}. "
                               "Press **Next** (PageDown, →) for step 1.")
        self.checks.show_checks(())
        self._buttons()
        self._look(None)

    def _on_step(self, result: StepResult) -> None:
        self.result = result
        step = result.step
        self.step_title.setText(step.title)
        self.narration.setText(step.say.strip())
        self.checks.show_checks(result.checks, result.error)
        self._buttons()
        self._look(step.look)
        self.stepShown.emit(result)

    def _look(self, look: Highlight | None) -> None:
        """What the step points at, in every node window: its diagram and its graph."""
        world = self.run.world
        for w in self.windows.values():
            if look is None:
                show_look(w, None)
            elif look.kind == "process":
                proc = world.processes.get(look.target[0]) if world is not None else None
                if proc is None:
                    show_look(w, "process")
                else:
                    show_look(w, "process", (self.short(proc.node),), str(proc.pid))
            elif look.kind in ("node", "link"):
                show_look(w, look.kind, tuple(self.short(t) for t in look.target))
            else:
                show_look(w, look.kind, look.target)

    # -- closing ----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.stopped.done():
            event.ignore()
            if not getattr(self, "_closing", False):
                self._closing = True
                task = asyncio.get_event_loop().create_task(self.shutdown())
                self._tasks.add(task)
            return
        super().closeEvent(event)

    async def shutdown(self) -> None:
        if self.stopped.done():
            return
        # A start or step still running (a find that waits for agents, a step's `wait`) is
        # cancelled, not waited for: closing the window ends the lesson now.
        me = asyncio.current_task()
        running = [t for t in self._tasks if not t.done() and t is not me]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        try:
            await self.run.stop()
        finally:
            self.stopped.set_result(True)
            self.hide()
            self.closed.emit()
