"""How a window tells the user what happened (the event log and the status bar, never a modal
dialog), and the background tasks it keeps references to."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QStatusBar

__all__ = ["Feedback", "Tasks", "RateMeter", "status_labels"]

log = logging.getLogger(__name__)


def status_labels(bar: QStatusBar, node: str, address: str) -> dict[str, QLabel]:
    """The status bar's permanent labels, by name: Recording, Node, Address, Peers, Members
    and Rate (the node and its address filled in; the others are kept up to date by their
    parts)."""
    bar.setObjectName("statusBar")
    bar.setAccessibleName("Status bar")
    status = {}
    for key in ("Recording", "Node", "Address", "Peers", "Members", "Rate"):
        lab = QLabel()
        lab.setObjectName(f"status{key}")
        lab.setAccessibleName(f"Status: {key.lower()}")
        bar.addPermanentWidget(lab)
        status[key] = lab
    status["Node"].setText(node)
    status["Address"].setText(address)
    status["Recording"].setStyleSheet("color: #e11d48; font-weight: bold;")
    return status


class Feedback:
    def __init__(self, event_log: QPlainTextEdit, status_bar: QStatusBar, who: str) -> None:
        self.event_log = event_log
        self.status_bar = status_bar
        self.who = who

    def log_line(self, text: str) -> None:
        self.event_log.appendPlainText(time.strftime("%H:%M:%S ") + text)

    def report(self, text: str, error: bool = False) -> None:
        self.log_line(("⚠ " if error else "") + text)
        self.status_bar.showMessage(text, 6000)
        if error:
            log.warning("%s: %s", self.who, text)


class Tasks:
    """Coroutines run as tasks, referenced until done; a failure is reported."""

    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback
        self._tasks: set[asyncio.Task[Any]] = set()

    def run(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.feedback.report(f"{what} failed: {t.exception()}", error=True)
        task.add_done_callback(done)
        return task


class RateMeter:
    """"N msg/s" in a label: counts the last second; its timer runs only while messages
    flow (and then calls `also`, e.g. to update the recording's event count)."""

    def __init__(self, label: QLabel, parent: QObject,
                 also: Callable[[], None] | None = None) -> None:
        self.label = label
        self.also = also
        self._times: deque[float] = deque()
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._update)
        label.setText("0 msg/s")

    def count(self) -> None:
        self._times.append(time.monotonic())
        if not self.timer.isActive():
            self.timer.start(250)

    def _update(self) -> None:
        now = time.monotonic()
        times = self._times
        while times and now - times[0] > 1.0:
            times.popleft()
        self.label.setText(f"{len(times)} msg/s")
        if self.also is not None:
            self.also()
        if times:
            self.timer.start(500)  # keeps running only while messages flow
