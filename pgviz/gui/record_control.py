"""The Record button: write the cluster's events to a JSON Lines file while it is down.

Pressing Record starts at once, in ~/pgviz-recordings/ (or $PGVIZ_RECORDINGS_DIR) under a name
made of the node and the time, shown in the log; "Record to a file…" asks for a name first, in a
non-modal file dialog (`open()`, never `exec()`: no nested event loop under qasync). Replay a
recording with `pgviz replay FILE`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from ..events import Event
from .feedback import Feedback
from .recordings import recordings_dir
from .session import NodeSession

__all__ = ["RecordControl", "COUNT_UPDATE_MS"]

#: how soon the status bar's event count follows a burst of recorded events
COUNT_UPDATE_MS = 250


class RecordControl:
    def __init__(self, session: NodeSession, action: QAction, feedback: Feedback,
                 status: QLabel, parent: QWidget) -> None:
        self.session = session
        self.action = action
        self.feedback = feedback
        self.status = status
        self.parent = parent
        self.dialog: QFileDialog | None = None
        status.setVisible(False)
        # The count follows the recorded events themselves (every kind, not only messages):
        # one update a quarter second after an event, none while nothing happens.
        self.counter = QTimer(parent)
        self.counter.setSingleShot(True)
        self.counter.setInterval(COUNT_UPDATE_MS)
        self.counter.timeout.connect(self.update_status)
        session.watch(self._recorded)

    @property
    def recording(self) -> bool:
        return self.session.recorder is not None

    def toggle(self) -> None:
        if self.action.isChecked():
            self.start()
        else:
            self.stop()

    def start(self, path: str | Path | None = None) -> Path | None:
        try:
            target = self.session.start_recording(path)
        except (OSError, RuntimeError) as exc:
            self.feedback.report(f"cannot record: {exc}", error=True)
            target = None
        else:
            self.feedback.report(f"recording to {target} (replay it with: pgviz replay "
                                 f"{target})")
        self.sync()
        return target

    def stop(self) -> None:
        recorder = self.session.stop_recording()
        if recorder is not None:
            self.feedback.report(f"recording stopped: {recorder.count} events in "
                                 f"{recorder.path}")
        self.sync()

    def choose_file(self) -> None:
        """Ask where to record, without a modal loop; recording starts when a file is
        chosen (it stops the current recording first)."""
        if self.dialog is None:
            directory = recordings_dir()
            dlg = QFileDialog(self.parent, "Record the cluster's events to", str(directory),
                              "pgviz recordings (*.jsonl);;All files (*)")
            dlg.setObjectName("recordFileDialog")
            dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dlg.setDefaultSuffix("jsonl")
            dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
            dlg.fileSelected.connect(self._chosen)
            self.dialog = dlg
        self.dialog.open()

    def _chosen(self, path: str) -> None:
        if self.recording:
            self.stop()
        self.start(path)

    def sync(self) -> None:
        """The button and the status bar follow the session (a recording that failed on a
        full disk has stopped by itself)."""
        on = self.recording
        if self.action.isChecked() != on:
            self.action.setChecked(on)
        self.status.setVisible(on)
        self.update_status()

    def _recorded(self, _ev: Event) -> None:
        if self.session.recorder is not None and not self.counter.isActive():
            self.counter.start()

    def update_status(self) -> None:
        recorder = self.session.recorder
        if recorder is not None:
            self.status.setText(f"● REC {recorder.count} events → {recorder.path.name}")
            self.status.setToolTip(str(recorder.path))
