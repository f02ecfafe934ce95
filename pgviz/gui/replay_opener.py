"""File ▸ Open a recording, in a live window: a non-modal file dialog (`open()`, never `exec()`:
no nested event loop under qasync), then a replay window beside the live one, kept referenced
until it closes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget

from ..model import RecordingError
from .recordings import recordings_dir
from .replay_window import open_replay

__all__ = ["ReplayOpener"]


class ReplayOpener:
    def __init__(self, parent: QWidget, theme_choice: Callable[[], str],
                 report: Callable[..., None]) -> None:
        self.parent = parent
        self.theme_choice = theme_choice  # a replay opens in the live window's theme
        self.report = report
        self.dialog: QFileDialog | None = None
        self.replays: list[QMainWindow] = []

    def ask(self) -> QFileDialog:
        dialog = QFileDialog(self.parent, "Open a recording", str(recordings_dir()),
                             "Recordings (*.jsonl *.json);;All files (*)")
        dialog.setObjectName("openRecordingDialog")
        dialog.setAccessibleName("Open a recording")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.open)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open(self, path: str) -> QMainWindow | None:
        """A replay window for `path` (a one-line report if unusable)."""
        try:
            window = open_replay(path, self.theme_choice())
        except (RecordingError, OSError) as exc:
            self.report(f"cannot open {path}: {exc}", error=True)
            return None
        self.replays.append(window)
        window.closed.connect(lambda: self.replays.remove(window)
                              if window in self.replays else None)
        window.show()
        return window
