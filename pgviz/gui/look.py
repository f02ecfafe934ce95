"""How a window looks: its theme (system, light, dark), presenter mode (every text larger, for
a projector), and where the controls go (beside the view, or under it in a tall narrow window).

A window's theme and presenter mode are its own: the stylesheet is set on the window, never on
the application, because several windows share one process (a lesson's node windows, a replay)
and alice going dark on the projector must not darken bob's controls over bob's light graph.
The application keeps a base look, the desktop's scheme at the normal size
(`style_application`), for the windows that have no `Look` of their own: the lesson window, a
dialog without a parent.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QScrollArea,
    QSplitter,
    QWidget,
)

from .cluster_view import ClusterView
from .side_panel import SidePanel
from .theme import Theme, icon, resolve_theme, stylesheet

__all__ = ["Look", "Arrangement", "style_application", "FONT_PT", "PRESENTER_FONT_PT", "NARROW_WIDTH",
           "TALL_HEIGHT", "THEMES_ORDER"]

FONT_PT = 10.0
PRESENTER_FONT_PT = 13.0
#: Below this width (and when tall enough) the controls go under the view, in two columns.
NARROW_WIDTH = 820
TALL_HEIGHT = 700
THEMES_ORDER = ("system", "light", "dark")


class Look:
    """Theme and presenter mode of one window; `apply()` recolours everything."""

    def __init__(self, view: ClusterView, icons: dict[QAction, str],
                 buttons: dict[QAbstractButton, str], legend_hint: QLabel,
                 after: Callable[[], None]) -> None:
        self.view = view
        self.icons = icons        # actions -> icon name
        self.buttons = buttons    # panel buttons -> icon name
        self.legend_hint = legend_hint
        self.after = after        # what else must follow a change (the panel's size)
        self.choice = "system"
        self.theme: Theme = resolve_theme("system")
        self.presenter = False

    def font_size(self) -> float:
        return PRESENTER_FONT_PT if self.presenter else FONT_PT

    def cycle(self) -> str:
        self.choice = THEMES_ORDER[(THEMES_ORDER.index(self.choice) + 1) % len(THEMES_ORDER)]
        self.apply()
        return self.choice

    def set_choice(self, choice: str) -> None:
        self.choice = choice if choice in THEMES_ORDER else "system"

    def set_presenter(self, on: bool) -> None:
        self.presenter = bool(on)
        self.apply()

    def follow_system(self, owner: QObject) -> None:
        """While on "system", follow the desktop's colour scheme."""
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(
                lambda *_: self.apply() if self.choice == "system" else None)

    def apply(self) -> None:
        self.theme = resolve_theme(self.choice)
        style_application()
        # the window's own stylesheet: it cascades to its children only (docks, menus, dialogs
        # and pop-ups parented to it) and, being closer, wins over the application's base look
        self.view.window().setStyleSheet(stylesheet(self.theme, self.font_size()))
        self.view.set_text_scale(self.font_size() / FONT_PT)
        self.view.set_theme(self.theme)
        fg, muted = self.theme["fg"], self.theme["muted"]
        for act, name in self.icons.items():
            act.setIcon(icon(name, fg, muted))
        for button, name in self.buttons.items():
            on_accent = button.objectName() in ("connectButton", "broadcastButton")
            button.setIcon(icon(name, self.theme["on_accent"] if on_accent else fg, muted))
        self.legend_hint.setText(
            f"<span style='color:{self.theme['user_dot']}'>●</span> user message &nbsp; "
            f"<span style='color:{self.theme['pg_dot']}'>■</span> pg protocol &nbsp;")
        self.after()


def style_application() -> None:
    """The application's base look, once: the desktop's scheme at the normal size, for the
    windows that have no theme of their own. It follows the desktop while the process lives."""
    app = QApplication.instance()
    if not isinstance(app, QApplication) or app.property("pgvizBaseLook"):
        return
    app.setProperty("pgvizBaseLook", True)

    def restyle(*_: object) -> None:
        app.setStyleSheet(stylesheet(resolve_theme("system"), FONT_PT))

    restyle()
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(restyle)


class Arrangement:
    """Where the controls go. Wide: beside the view, in one column. Narrow and tall (a third of
    a wide screen): under the view, in two columns. Narrow and short (`pgviz demo --nodes 8`:
    480×540 each): compact, the view first and the controls collapsed; View ▸ Controls (F8)
    shows them under the view, and hides them again."""

    def __init__(self, window: QWidget, splitter: QSplitter, panel: SidePanel,
                 scroll: QScrollArea, on_panel: Callable[[bool], None] | None = None) -> None:
        self.window = window
        self.splitter = splitter
        self.panel = panel
        self.scroll = scroll
        self.on_panel = on_panel  # the Controls action follows
        self.pending = False
        self.compact = False
        self.panel_shown = True

    def arrange(self) -> None:
        w, h = self.window.width(), self.window.height()
        narrow = w < NARROW_WIDTH
        compact = narrow and h < TALL_HEIGHT
        if compact != self.compact:
            self.compact = compact
            self.set_panel(not compact)  # each mode starts with its own default
        orientation = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
        if orientation == self.splitter.orientation() and self.panel.columns:
            return
        self.panel.set_columns(2 if narrow else 1)
        self.splitter.setOrientation(orientation)
        self.fit_panel()
        # size the two parts once the new layout has settled (the splitter's size is stale
        # inside a resize event, and meaningless before the window is shown)
        self.pending = True
        QTimer.singleShot(0, self.size_splitter)

    def set_panel(self, shown: bool) -> None:
        """Show or collapse the controls (View ▸ Controls)."""
        self.panel_shown = bool(shown)
        self.scroll.setVisible(self.panel_shown)
        if self.on_panel is not None:
            self.on_panel(self.panel_shown)
        if self.panel_shown:
            self.pending = True
            QTimer.singleShot(0, self.size_splitter)

    def shown(self) -> None:
        if self.pending:
            QTimer.singleShot(0, self.size_splitter)

    def fit_panel(self) -> None:
        """The panel never clips its buttons: beside the view, the scroll area is as wide as
        its content; under the view it takes the window's width."""
        self.panel.adjustSize()
        if self.splitter.orientation() == Qt.Orientation.Vertical:
            self.scroll.setMinimumWidth(0)
            return
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        self.scroll.setMinimumWidth(self.panel.minimumSizeHint().width() + bar + 2)

    def after_restyle(self) -> None:
        self.fit_panel()
        QTimer.singleShot(0, self.ensure_panel_fits)

    def ensure_panel_fits(self) -> None:
        """Under the view, a larger font (presenter mode, a theme) can make the controls
        taller than their part of the splitter: give them the room, or the tabs scroll away."""
        if not self.window.isVisible() or self.splitter.orientation() != Qt.Orientation.Vertical:
            return
        if self.splitter.sizes()[1] < self.panel.minimumSizeHint().height() + 8:
            self.size_splitter()

    def size_splitter(self) -> None:
        if not self.window.isVisible():
            return
        self.pending = False
        if self.splitter.orientation() == Qt.Orientation.Vertical:
            h = self.splitter.height()
            panel = min(self.panel.minimumSizeHint().height() + 8, int(h * 0.6))
            self.splitter.setSizes([h - panel, panel])
        else:
            w = self.splitter.width()
            panel = max(self.scroll.minimumWidth() + 40, 360)
            self.splitter.setSizes([w - panel, panel])
