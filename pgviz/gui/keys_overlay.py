"""Help ▸ Keys (`?`, F1): every keyboard shortcut of the window, over the window, readable from
the back of a classroom; `?`, F1, Esc or a click closes it. Built from the window's own actions,
so it never disagrees with them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from .side_panel import named

__all__ = ["KeysOverlay", "shortcut_rows", "key_text"]

#: keys that work without an action of their own (the diagram's, the clicker's notes)
EXTRA_ROWS = (
    ("Home", "Space-time diagram: follow the newest events again"),
    ("Ctrl+wheel", "Space-time diagram: zoom time"),
    ("Esc", "Close this overlay, the frame inspector or a menu"),
)

#: key names as the toolbar and the status bar write them (Qt says "Right", "PgDown")
KEY_WORDS = {"Right": "→", "Left": "←", "Up": "↑", "Down": "↓", "PgDown": "Page Down",
             "PgUp": "Page Up", "Del": "Delete", "Ins": "Insert", "Esc": "Esc"}


def key_text(seq: QKeySequence) -> str:
    """A shortcut as the window writes it everywhere: "→", "Ctrl+Q", "Page Down"."""
    text = seq.toString(QKeySequence.SequenceFormat.NativeText)
    mods, sep, key = text.rpartition("+")
    if not key:  # "Ctrl++": the key itself is "+"
        return text
    return mods + sep + KEY_WORDS.get(key, key)


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what) for each of the window's actions that has a shortcut, in menu order."""
    rows, seen = [], set()
    for act in window.findChildren(QAction):
        keys = [key_text(k) for k in act.shortcuts()]
        keys = [k for k in keys if k]
        if not keys or act.objectName() in seen:
            continue
        seen.add(act.objectName())
        text = act.text().replace("&", "").rstrip("…")
        rows.append((" / ".join(keys), text))
    return rows


class KeysOverlay(QFrame):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        named(self, "keysOverlay", "Keyboard shortcuts")
        self.window_ = window
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 20, 28, 20)
        self.label = named(QLabel(), "keysOverlayText", "Keyboard shortcuts")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.scroller = named(QScrollArea(), "keysOverlayScroll", "Keyboard shortcuts")
        self.scroller.setWidget(self.label)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay.addWidget(self.scroller)
        # the same on every theme: light text on a dark card, legible from the back row
        self.setStyleSheet("QFrame#keysOverlay { background: rgba(24, 26, 34, 238); "
                           "border-radius: 14px; } QLabel { color: #f4f4f6; font-size: 12pt; "
                           "background: transparent; } QScrollArea, QScrollArea > QWidget > QWidget "
                           "{ background: transparent; }")
        self.hide()
        window.installEventFilter(self)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.show_keys()

    def show_keys(self) -> None:
        rows = shortcut_rows(self.window_) + list(EXTRA_ROWS)
        # two pairs of columns: every key fits a 16:9 window without scrolling
        half = (len(rows) + 1) // 2 if self.window_.width() >= 900 else len(rows)
        pairs = [(rows[i], rows[i + half] if i + half < len(rows) else ("", ""))
                 for i in range(half)]
        cells = "".join(
            "<tr>" + "".join(f"<td style='padding:1px 10px 1px 0'><b>{_esc(k)}</b></td>"
                             f"<td style='padding:1px 26px 1px 0'>{_esc(t)}</td>"
                             for k, t in pair) + "</tr>" for pair in pairs)
        self.label.setText("<p style='font-size:130%'><b>Keys</b> &nbsp;<span "
                           "style='font-weight:normal'>(? or Esc closes)</span></p>"
                           f"<table>{cells}</table>")
        self._place()
        self.show()
        self.raise_()
        self.setFocus()

    def _place(self) -> None:
        w = self.window_
        margin = 24
        width = max(200, w.width() - 2 * margin)
        height = max(150, w.height() - 2 * margin)
        self.label.setFixedWidth(width - 80)
        self.resize(width, min(height, self.label.heightForWidth(width - 80) + 60))
        self.move(max(0, (w.width() - self.width()) // 2), max(0, (w.height() - self.height()) // 2))

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Question, Qt.Key.Key_F1):
            self.hide()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
