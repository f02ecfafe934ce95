"""How a window looks: its theme (system, light, dark), presenter mode (every text larger, for
a projector), and where the controls go (beside the view, or under it in a tall narrow window).

A large window (a 2560×1440 screen, a projector at that resolution) is not presenter mode, yet
the graph grows in it, so the controls grow too: the side panel takes about a quarter of the
width (360 to 560 px) and the window's text is set at LARGE_FONT_PT rather than FONT_PT.
Presenter mode multiplies whichever size applies by the same factor (13 pt in a normal window,
15.5 pt in a large one), so turning it on always makes the text larger.

A window's theme and presenter mode are its own: the stylesheet is set on the window, never on
the application, because several windows share one process (a lesson's node windows, a replay)
and alice going dark on the projector must not darken bob's controls over bob's light graph.
The application keeps a base look, the desktop's scheme at the normal size
(`style_application`), for the windows that have no `Look` of their own: the lesson window, a
dialog without a parent.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
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
from .side_panel import LIST_ROWS, SidePanel
from .theme import Theme, icon, resolve_theme, stylesheet

__all__ = ["Look", "Arrangement", "style_application", "FONT_PT", "PRESENTER_FONT_PT",
           "PRESENTER_SCALE", "LARGE_FONT_PT", "LARGE_WIDTH", "LARGE_HEIGHT", "is_large",
           "panel_width", "PANEL_MIN_WIDTH", "PANEL_MAX_WIDTH", "NARROW_WIDTH", "TALL_HEIGHT",
           "TALL_LISTS_HEIGHT", "TALL_LIST_ROWS", "THEMES_ORDER"]

FONT_PT = 10.0
PRESENTER_FONT_PT = 13.0
#: Presenter mode: every text this much larger than the window's size without it.
PRESENTER_SCALE = PRESENTER_FONT_PT / FONT_PT
#: A window at least this large (a maximised 2560×1440 screen, less its task bar; a full-HD
#: screen stays at FONT_PT, the desktop's usual size) sets its text at LARGE_FONT_PT.
LARGE_WIDTH = 2200
LARGE_HEIGHT = 1150
LARGE_FONT_PT = 12.0
#: The side panel beside the view: a quarter of the window, within these bounds.
PANEL_MIN_WIDTH = 360
PANEL_MAX_WIDTH = 560
PANEL_SHARE = 0.24
#: Below this width (and when tall enough) the controls go under the view, in two columns.
NARROW_WIDTH = 820
TALL_HEIGHT = 700
#: From this window height the node lists beside the view show TALL_LIST_ROWS rows.
TALL_LISTS_HEIGHT = 1100
TALL_LIST_ROWS = 4
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
        self.large = False  # the window is large (is_large): its text is LARGE_FONT_PT
        self._size_watch = _ResizeWatch(view.window(), self._window_resized)

    def font_size(self) -> float:
        base = LARGE_FONT_PT if self.large else FONT_PT
        # to the half point: 15.6 would be drawn as 15.5 or 16 depending on the widget
        return round(base * PRESENTER_SCALE * 2) / 2 if self.presenter else base

    def text_scale(self) -> float:
        """The graph's labels follow presenter mode only: the view already scales its picture
        and overlays with its own size, a large window's text would count twice."""
        return PRESENTER_SCALE if self.presenter else 1.0

    def _window_resized(self, width: int, height: int) -> None:
        large = is_large(width, height)
        if large != self.large:
            self.large = large
            # not inside the resize event: the stylesheet relayouts the whole window
            QTimer.singleShot(0, self.apply)

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
        window = self.view.window()
        self.large = is_large(window.width(), window.height())
        style_application()
        # the window's own stylesheet: it cascades to its children only (docks, menus, dialogs
        # and pop-ups parented to it) and, being closer, wins over the application's base look
        window.setStyleSheet(stylesheet(self.theme, self.font_size()))
        self.view.set_text_scale(self.text_scale())
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


def is_large(width: int, height: int) -> bool:
    """A window large enough that the normal text reads small beside its graph."""
    return width >= LARGE_WIDTH and height >= LARGE_HEIGHT


def panel_width(window_width: int, smallest: int = 0) -> int:
    """The side panel's width beside the view: a quarter of the window, at least
    PANEL_MIN_WIDTH (and `smallest`, what its controls need), at most PANEL_MAX_WIDTH
    unless its controls need more."""
    share = min(max(round(PANEL_SHARE * window_width), PANEL_MIN_WIDTH), PANEL_MAX_WIDTH)
    return max(share, smallest)


class _ResizeWatch(QObject):
    """Calls `resized(width, height)` when `window` is resized (Look is not a QObject and the
    window's own resizeEvent is the window's)."""

    def __init__(self, window: QWidget, resized: Callable[[int, int], None]) -> None:
        super().__init__(window)
        self.resized = resized
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.resized(watched.width(), watched.height())
        return False


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
    shows them under the view, and hides them again.

    Beside the view the panel follows the window's width (`panel_width`) until the user drags
    the splitter's handle: from then on the width is theirs, as in any desktop application.
    In a tall window the node lists show TALL_LIST_ROWS rows rather than LIST_ROWS; in a
    short one the panel gives way (SidePanel.fit_height) to fit its height without scrolling."""

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
        self.dragged = False  # the user moved the splitter's handle: keep their width
        splitter.splitterMoved.connect(self._dragged)
        self._height_watch = _ResizeWatch(scroll, lambda _w, _h: self.fit_height())

    def fit_height(self) -> None:
        """Beside the view the panel fits the scroll area's height if it can (a short window,
        presenter mode's larger text); under the view its part of the splitter is sized to it."""
        beside = self.splitter.orientation() == Qt.Orientation.Horizontal
        self.panel.fit_height(self.scroll.height() if beside else None)

    def _dragged(self, *_: object) -> None:
        self.dragged = True

    def arrange(self) -> None:
        w, h = self.window.width(), self.window.height()
        narrow = w < NARROW_WIDTH
        compact = narrow and h < TALL_HEIGHT
        if compact != self.compact:
            self.compact = compact
            self.set_panel(not compact)  # each mode starts with its own default
        tall = h >= TALL_LISTS_HEIGHT and not narrow  # (under the view they stretch)
        self.panel.set_list_rows(TALL_LIST_ROWS if tall else LIST_ROWS)
        orientation = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
        if orientation == self.splitter.orientation() and self.panel.columns:
            if orientation == Qt.Orientation.Horizontal and not self.dragged:
                self._size_soon()  # the panel follows the window's width
            return
        self.dragged = False  # a new arrangement starts with its own sizes
        self.panel.set_columns(2 if narrow else 1)
        self.splitter.setOrientation(orientation)
        self.fit_height()
        self.fit_panel()
        self._size_soon()

    def _size_soon(self) -> None:
        """Size the two parts once the new layout has settled (the splitter's size is stale
        inside a resize event, and meaningless before the window is shown); a burst of
        resizes costs one."""
        if not self.pending:
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
        self.fit_height()
        QTimer.singleShot(0, self.fit_height)  # once the new font's rows are measured
        self.fit_panel()
        QTimer.singleShot(0, self.ensure_panel_fits)
        if self.splitter.orientation() == Qt.Orientation.Horizontal and not self.dragged:
            self._size_soon()  # a larger font (a large window, presenter) needs more width

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
        elif not self.dragged:  # (a sizing queued before the user's drag keeps theirs)
            w = self.splitter.width()
            panel = panel_width(self.window.width(), self.scroll.minimumWidth() + 40)
            if self.splitter.sizes()[1] != panel:
                self.splitter.setSizes([w - panel, panel])
