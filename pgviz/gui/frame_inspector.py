"""The dot inspector: a panel over the cluster view (never a modal dialog) describing the frame
under a clicked dot, as the model holds it, with "Deliver now" and "Drop".

It follows the frame: while it is in flight it says how far along it is (or that it waits).
Once the frame has ended (delivered, or lost with its link) it says how, its buttons go grey,
and a moment later (`SETTLED_MS`) it closes by itself: a panel about a frame that no longer
exists would stay over the view through everything that follows (Live, a partition...).
Its title says what the frame is ("pg join bob → alice"); the frame's id, which the exports
and the space-time diagram use, is in the title's tooltip.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model import InFlight, Snapshot
from ..wire.terms import short_node
from .net_commands import NetCommands, frame_words
from .theme import Theme

__all__ = ["FrameInspector", "SETTLED_MS", "FATE_WORDS"]

#: how long the inspector shows how its frame ended before it closes
SETTLED_MS = 2500

#: how a frame ended (the model's fates, pgviz/model/ledger.py), in words
FATE_WORDS = {
    "delivered": "delivered",
    "arrived": "arrived (a later frame on its link was delivered)",
    "lost": "lost: its link went down with it",
    "unknown": "out of sight: the node that would report it is gone",
}

FIELDS = (("kind", "Kind"), ("content", "Content"), ("size", "Size"), ("route", "From → to"),
          ("sent", "Sent at"), ("lamport", "Lamport time"), ("state", "Now"))


class FrameInspector(QFrame):
    closed = Signal()

    def __init__(self, commands: NetCommands, parent: QWidget | None = None,
                 fate: Callable[[str], str | None] = lambda _id: None) -> None:
        super().__init__(parent)
        self.setObjectName("frameInspector")
        self.setAccessibleName("Frame inspector")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.commands = commands
        self.frame_id: str | None = None
        self.frame: InFlight | None = None
        self.others = 0
        self.fate = fate  # how a frame ended, by id (the model's)
        self.settled = QTimer(self)
        self.settled.setSingleShot(True)
        self.settled.setInterval(SETTLED_MS)
        self.settled.timeout.connect(self.close_inspector)

        self.title = QLabel()
        self.title.setObjectName("inspectorTitle")
        self.title.setAccessibleName("Inspected frame")
        close = QToolButton()
        close.setObjectName("inspectorCloseButton")
        close.setAccessibleName("Close the frame inspector")
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.close_inspector)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(close)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for key, text in FIELDS:
            value = QLabel()
            value.setObjectName(f"inspector{key.capitalize()}")
            value.setAccessibleName(text)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setMaximumWidth(260)
            form.addRow(text, value)
            self.values[key] = value
        self.deliver_button = QPushButton("Deliver now")
        self.deliver_button.setObjectName("inspectorDeliverButton")
        self.deliver_button.setAccessibleName("Deliver this frame now")
        self.deliver_button.setToolTip("Let this frame go now, whatever the clock (frames "
                                       "ahead of it on its link go first)")
        self.drop_button = QPushButton("Drop")
        self.drop_button.setObjectName("inspectorDropButton")
        self.drop_button.setAccessibleName("Drop this frame")
        self.drop_button.setToolTip("Lose this frame: its link is cut, as a real network "
                                    "losing it would be; pg resyncs when it is back")
        self.deliver_button.clicked.connect(self._deliver)
        self.drop_button.clicked.connect(self._drop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.deliver_button)
        buttons.addWidget(self.drop_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 8, 12, 12)
        box.addLayout(top)
        box.addLayout(form)
        box.addLayout(buttons)
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        self.setStyleSheet(
            f"QFrame#frameInspector {{ background: {theme['panel']}; "
            f"border: 2px solid {theme['accent']}; border-radius: 8px; }}")

    # -- what it shows ----------------------------------------------------------------------------
    def inspect(self, frame_id: str, others: int, traffic: Snapshot) -> None:
        """Show the frame `frame_id` (`others`: frames stacked with it under the dot)."""
        self.frame_id = frame_id
        self.others = others
        self.frame = None
        self.settled.stop()
        self.refresh(traffic)
        self.show()
        self.raise_()
        self.adjustSize()

    def refresh(self, traffic: Snapshot, now: float | None = None) -> None:
        if self.frame_id is None:
            return
        found = next((f for f in traffic.in_flight if f.id == self.frame_id), None)
        if found is not None:
            self.frame = found
        f = self.frame
        self.title.setToolTip(f"frame {self.frame_id}")
        if f is None:
            self.title.setText("<b>A frame</b>")
            self._settle(self.fate(self.frame_id))
            return
        self.title.setText(f"<b>{frame_words(f)}</b>")
        v = self.values
        v["kind"].setText(f.kind)
        v["content"].setText(f.summary or "—")
        v["size"].setText(f"{f.size} bytes")
        v["route"].setText(f"{short_node(f.src)} → {short_node(f.dst)}")
        v["sent"].setText(time.strftime("%H:%M:%S", time.localtime(f.sent_t))
                          + f".{int(f.sent_t * 1000) % 1000:03d}")
        v["lamport"].setText(str(f.sent_lc))
        if found is None:
            self._settle(self.fate(self.frame_id))
            return
        p = traffic.progress(f, time.time() if now is None else now)
        if traffic.paused:
            where = "paused"
            if p is not None:
                where += f", {p:.0%} of the way"
        elif p is None:
            where = "waiting on its link"
        elif p >= 1.0:
            where = "arrived at the end of its link, waiting its turn"
        else:
            where = f"travelling, {p:.0%} of the way ({f.travel:.2g} s on the link)"
        if self.others:
            where += f"; {self.others} more frame{'s' if self.others > 1 else ''} in this dot"
        self._state(where, True)

    def _state(self, text: str, actionable: bool) -> None:
        self.values["state"].setText(text)
        self.deliver_button.setEnabled(actionable)
        self.drop_button.setEnabled(actionable)
        self.adjustSize()

    def _settle(self, fate: str | None) -> None:
        """The frame ended: say how, then close in a moment."""
        words = FATE_WORDS.get(fate or "", "no longer in flight")
        self._state(f"{words} — closing", False)
        if not self.settled.isActive():
            self.settled.start()

    def close_inspector(self) -> None:
        self.settled.stop()
        was_open = self.frame_id is not None
        self.frame_id = None
        self.frame = None
        self.hide()
        if was_open:
            self.closed.emit()

    def _deliver(self) -> None:
        if self.frame_id is not None:
            self.commands.deliver_now(self.frame_id)

    def _drop(self) -> None:
        if self.frame_id is not None:
            self.commands.drop(self.frame_id)
