"""The replay window's list of the events around the playhead.

A window of the recording (LIST_BEFORE events before the playhead, LIST_AFTER after), refilled
at each move: one line per event in words, the trace's line as its tooltip, the event at the
playhead selected and centred, the events still to come in the theme's muted ink. A click on
a line hands its event's index to `on_chosen` (the window jumps just after it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from ..events import Event
from ..trace import describe
from .event_words import event_words
from .side_panel import named
from .theme import Theme

__all__ = ["EventsAround", "LIST_BEFORE", "LIST_AFTER"]

LIST_BEFORE, LIST_AFTER = 30, 10


class EventsAround:
    def __init__(self, events: Sequence[Event], start: float, theme: Theme,
                 on_chosen: Callable[[int], None]) -> None:
        self._events = events
        self._start = start
        self._theme = theme
        self._on_chosen = on_chosen
        self.widget = named(QListWidget(), "replayEventsList", "Events around the playhead",
                            "Click an event to jump just after it")
        self.widget.setUniformItemSizes(True)
        self.widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.widget.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.widget.itemClicked.connect(self._clicked)
        self.widget.setMinimumWidth(300)

    def set_theme(self, theme: Theme) -> None:
        """Used from the next `show_around` on."""
        self._theme = theme

    def show_around(self, count: int) -> None:
        """The list around the playhead after the first `count` events."""
        lst = self.widget
        events = self._events
        lo, hi = max(0, count - LIST_BEFORE), min(len(events), count + LIST_AFTER)
        lst.setUpdatesEnabled(False)
        lst.clear()
        current = None
        # the theme's muted ink, not the palette's: the palette is the desktop's (light), and
        # its dimmed black was unreadable on the dark theme's list
        muted = QColor(self._theme["muted"])
        for i in range(lo, hi):
            ev = events[i]
            it = QListWidgetItem(f"{ev.t - self._start:7.3f} s   {event_words(ev)}")
            it.setToolTip(describe(ev))  # the trace's line: Lamport time, size, frame id
            it.setData(Qt.ItemDataRole.UserRole, i)
            if i >= count:
                it.setForeground(muted)  # not happened yet
            lst.addItem(it)
            if i == count - 1:
                current = it
        if current is not None:
            current.setSelected(True)
            lst.scrollToItem(current, QListWidget.ScrollHint.PositionAtCenter)
        lst.setUpdatesEnabled(True)

    def _clicked(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(index, int):
            self._on_chosen(index)
