"""The Lessons menu of every window: the shipped lessons, a lesson file, and Next/Back
(PageDown/PageUp, what presentation clickers send) for the lesson running in this process.

Opening a lesson opens its lesson window and either one node window per lesson node, in this
process (`WindowStage`), or, with "Run lessons on this cluster" ticked (the default in
`pgviz demo`), casts it on the cluster this window belongs to: the nodes that let lessons
drive them (`ClusterStage`, pgviz/lessons/cluster.py). "Let lessons drive this node" is that
opt-in for this window's node; a step a teacher shows then appears in the window's lesson
banner. A lesson file that cannot be used is reported with its line (`mine.toml:12: unknown
node 'zed'`) in the window's log and status bar, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QWidget

from ..lessons import (
    ClusterStage,
    Lesson,
    LessonAgent,
    LessonError,
    Shown,
    load_lesson,
    shipped_lessons,
)
from .lesson_look import parse_look, show_look
from .tiling import tile_rects

if TYPE_CHECKING:
    from .lesson_banner import LessonBanner
    from .lesson_window import LessonWindow
    from .main_window import MainWindow

__all__ = ["LessonsMenu", "open_lesson", "active_lesson", "place_lesson"]

_ACTIVE: list[LessonWindow] = []


def active_lesson() -> LessonWindow | None:
    """The lesson running in this process (the last one opened), if any."""
    while _ACTIVE and _ACTIVE[-1].stopped.done():
        _ACTIVE.pop()
    return _ACTIVE[-1] if _ACTIVE else None


def place_lesson(lesson_window: QWidget, node_windows: Sequence[QWidget]) -> None:
    """The lesson window and its node windows tile the screen (the lesson window first)."""
    screen = lesson_window.screen() or QApplication.primaryScreen()
    area = screen.availableGeometry()
    rects = tile_rects(len(node_windows) + 1, area.x(), area.y(), area.width(), area.height())
    lesson_window.setGeometry(*rects[0])
    for w, rect in zip(node_windows, rects[1:], strict=False):
        w.setGeometry(*rect)


def cluster_stage(window: MainWindow, cast: Mapping[str, str] | None = None) -> ClusterStage:
    """A stage on the cluster `window` belongs to. A window whose node may be cast (it lets
    lessons drive it) gets a conductor node of its own in this process, so that it can play;
    a teacher's window conducts itself, a spectator of the lesson."""
    node = window.session.node
    if window.lessons.agent is None:
        return ClusterStage(node=node, cast=cast)
    return ClusterStage(seeds=[node.address], cast=cast, cookie=window.cookie, host=node.host,
                        **window.node_options)


def open_lesson(which: str | Lesson, report: Callable[[str, bool], None] | None = None,
                on_cluster: MainWindow | None = None, cast: Mapping[str, str] | None = None
                ) -> LessonWindow | None:
    """Open lesson `which` (a shipped name or number, or a file) and start its nodes (or, with
    `on_cluster`, cast it on that window's cluster); None (and a one-line report naming the
    line) when the lesson cannot be used."""
    from .lesson_stage import WindowStage
    from .lesson_window import LessonWindow

    try:
        lesson = which if isinstance(which, Lesson) else load_lesson(which)
    except (LessonError, OSError) as exc:
        if report is not None:
            report(f"lesson: {exc}", True)
        return None
    previous = active_lesson()
    if previous is not None:
        previous.close()  # one lesson at a time: its nodes stop
    holder: list[LessonWindow] = []
    if on_cluster is not None:
        stage = cluster_stage(on_cluster, cast)
        window = LessonWindow(lesson, stage, views={on_cluster.session.short_name: on_cluster})
        if os.environ.get("PGVIZ_DEMO") == "1":
            # Every demo window is the presenter's: a clicker aimed at any of them steps it.
            stage.on_key = lambda what: window.next() if what == "next" else window.back()
        place_lesson(window, [])
    else:
        window = LessonWindow(lesson, WindowStage(
            place=lambda windows: place_lesson(holder[0], windows)))
    holder.append(window)
    _ACTIVE.append(window)
    window.show()
    window.start(after=previous.stopped if previous is not None else None)
    return window


class LessonsMenu:
    def __init__(self, owner: QWidget, report: Callable[[str, bool], None],
                 live: MainWindow | None = None) -> None:
        self.owner = owner
        self.live = live  # a live node's window (a replay has no node to cast or drive)
        self.report = report
        self.dialog: QFileDialog | None = None
        self.menu = QMenu("&Lessons", owner)
        self.menu.setObjectName("lessonsMenu")
        self.menu.setAccessibleName("Lessons")
        self.actions: dict[str, QAction] = {}
        for name in shipped_lessons():
            try:
                title = load_lesson(name).title
            except LessonError:
                continue
            number = name.partition("-")[0]
            act = QAction(f"&{number}. {title}", owner)
            act.setObjectName(f"lesson{number}Action")
            act.triggered.connect(lambda *_, name=name: self.open(name))
            self.menu.addAction(act)
            self.actions[name] = act
        self.menu.addSeparator()
        self.actions["file"] = self._add("openLessonFileAction", "Open a lesson file…", (),
                                         self.ask_file)
        self.menu.addSeparator()
        self.on_cluster = self._add("lessonsOnClusterAction", "Run lessons on this &cluster",
                                    (), lambda: None)
        self.on_cluster.setCheckable(True)
        self.on_cluster.setChecked(os.environ.get("PGVIZ_DEMO") == "1")
        self.on_cluster.setToolTip("Cast a lesson on this cluster's nodes that let lessons "
                                   "drive them, instead of opening windows of its own")
        self.agent: LessonAgent | None = None
        self.banner: LessonBanner | None = None
        self.drive = self._add("lessonAgentAction", "Let lessons &drive this node", (),
                               lambda: self.set_agent(self.drive.isChecked()))
        self.drive.setCheckable(True)
        self.on_cluster.setVisible(live is not None)
        self.drive.setVisible(live is not None)
        self.drive.setToolTip("A teacher's lesson, from another laptop or window, may spawn "
                              "processes here, join, leave, broadcast, and crash this node")
        self.menu.addSeparator()
        self.actions["next"] = self._add("nextStepAction", "Next step", ("PgDown",),
                                         lambda: self._forward("next"))
        self.actions["back"] = self._add("previousStepAction", "Previous step", ("PgUp",),
                                         lambda: self._forward("back"))
        self.menu.aboutToShow.connect(self.sync)
        self.sync()

    def _add(self, name: str, text: str, keys: tuple[str, ...], slot: Callable[[], object]
             ) -> QAction:
        act = QAction(text, self.owner)
        act.setObjectName(name)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(lambda *_: slot())
        self.menu.addAction(act)
        self.owner.addAction(act)
        return act

    def sync(self) -> None:
        """Next/Back say whether a lesson runs (their keys stay live: a lesson started from
        another window of this process is stepped from this one too)."""
        lesson = active_lesson()
        suffix = f" ({lesson.lesson.title})" if lesson is not None else " (no lesson running)"
        self.actions["next"].setText("Next step" + suffix)
        self.actions["back"].setText("Previous step" + suffix)

    def _forward(self, what: str) -> None:
        lesson = active_lesson()
        if lesson is not None:
            lesson.next() if what == "next" else lesson.back()
        elif self.agent is not None:  # a lesson run from another window's process (demo)
            self.agent.press(what)

    def open(self, which: str) -> LessonWindow | None:
        on = self.live if self.on_cluster.isChecked() else None
        window = open_lesson(which, self.report, on_cluster=on)
        if window is not None:
            where = "on this cluster" if on is not None else "starting its nodes"
            self.report(f"lesson {window.lesson.title}: {where}", False)
        self.sync()
        return window

    # -- this node in others' lessons -------------------------------------------------------------
    def set_agent(self, on: bool) -> None:
        """Let lessons drive this window's node (a lesson agent), or stop letting them."""
        if self.live is None:
            return
        node = self.live.session.node
        if on and self.agent is None and node.running:
            self.agent = LessonAgent(node, on_show=self._shown)
            self.report("lessons may drive this node (Lessons ▸ Let lessons drive this node)",
                        False)
        elif not on and self.agent is not None:
            self.agent.close()
            self.agent = None
            self.report("lessons no longer drive this node", False)
        self.drive.setChecked(self.agent is not None)

    def _shown(self, shown: Shown) -> None:
        from .lesson_banner import LessonBanner

        if self.live is None:
            return
        if self.banner is None:
            self.banner = LessonBanner(self.live)
            self.live.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, self.banner)
        self.banner.show_step(shown)
        look = parse_look(shown.look) if shown.look else None
        if look is None:
            show_look(self.live, None)
        elif look[0] != "process":  # (a process is the teacher's name for it: not known here)
            show_look(self.live, *look)
        self.report(f"lesson {shown.lesson}, step {shown.number}: {shown.title}", False)

    def ask_file(self) -> QFileDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = QFileDialog(self.owner, "Open a lesson file")
        dialog.setObjectName("lessonFileDialog")
        dialog.setAccessibleName("Open a lesson file")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter("Lessons (*.toml)")
        dialog.fileSelected.connect(lambda path: self.open(str(Path(path))))
        self.dialog = dialog
        dialog.open()
        return dialog
