"""The note above a replay's view listing what the reader skipped in a damaged file.

Never a modal dialog: the recording opens with everything that could be read, and this note
(dismissable with its ✕) says what was left out. Hidden when nothing was skipped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from .side_panel import named
from .theme import Theme

__all__ = ["ProblemsArea", "problems_style"]

MAX_SHOWN = 12  # lines; then "… and N more"


def problems_style(theme: Theme) -> str:
    """The note's rules, for the window's stylesheet."""
    return (f"#problemsArea {{ background: {theme['selection_bg']}; border-bottom: 2px solid "
            f"{theme['danger']}; }} #problemsLabel {{ color: {theme['fg']}; }}")


class ProblemsArea(QFrame):
    def __init__(self, problems: list[str], loaded: int) -> None:
        """`problems`: the reader's lines about what it skipped; `loaded`: how many events
        it kept."""
        super().__init__()
        named(self, "problemsArea", "Problems in the recording")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        self.label = named(QLabel(), "problemsLabel", "What was skipped")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dismiss = named(QToolButton(), "dismissProblemsButton", "Dismiss the problems")
        dismiss.setText("✕")
        dismiss.setAutoRaise(True)
        dismiss.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignTop)
        if problems:
            shown = problems[:MAX_SHOWN] + ([f"… and {len(problems) - MAX_SHOWN} more"]
                                            if len(problems) > MAX_SHOWN else [])
            self.label.setText(
                f"<b>Loaded {loaded} events; some of the file was "
                f"skipped:</b><br>" + "<br>".join("• " + _escape(p) for p in shown))
        self.setVisible(bool(problems))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
