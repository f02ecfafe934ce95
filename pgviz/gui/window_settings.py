"""What a node's window remembers between runs, and the size it opens with the first time.

Settings live in one INI file per user (QSettings), grouped per node name ("node/alice"), so
several windows on one machine, one per node, each come back as they were.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QWidget

__all__ = ["settings", "first_size", "fits_screen", "SavedWindow"]


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "pgviz", "pgviz")


def first_size(window: QWidget, want: tuple[int, int] = (1200, 780)) -> tuple[int, int]:
    """The window's first size: `want`, within the screen's available geometry (less room for
    the window frame) at any scale factor (QT_SCALE_FACTOR=1.5 on 1920×1080 leaves
    1280×720 logical pixels)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return want
    area = screen.availableGeometry()
    return (max(320, min(want[0], area.width() - 16)),
            max(240, min(want[1], area.height() - 48)))


def fits_screen(window: QWidget) -> bool:
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return True
    area = screen.availableGeometry()
    return window.width() <= area.width() and window.height() <= area.height()


class SavedWindow(NamedTuple):
    """One node window's settings: where it was, its docks and toolbars, and the view choices."""

    geometry: QByteArray | None      # None: never saved (or saved empty)
    window_state: QByteArray | None  # docks and toolbars
    theme: str
    presenter: bool
    show_protocol: bool
    whole_cluster: bool

    @classmethod
    def load(cls, group: str) -> SavedWindow:
        s = settings()
        s.beginGroup(group)
        geometry = s.value("geometry")
        state = s.value("windowState")
        saved = cls(geometry if isinstance(geometry, QByteArray) and not geometry.isEmpty()
                    else None,
                    state if isinstance(state, QByteArray) else None,
                    str(s.value("theme", "system")),
                    _flag(s.value("presenter", "false")),
                    _flag(s.value("showProtocol", "true")),
                    _flag(s.value("wholeCluster", "false")))
        s.endGroup()
        return saved

    def save(self, group: str) -> None:
        s = settings()
        s.beginGroup(group)
        s.setValue("geometry", self.geometry)
        s.setValue("windowState", self.window_state)
        s.setValue("theme", self.theme)
        s.setValue("showProtocol", "true" if self.show_protocol else "false")
        s.setValue("presenter", "true" if self.presenter else "false")
        s.setValue("wholeCluster", "true" if self.whole_cluster else "false")
        s.endGroup()
        s.sync()

    def restore_geometry(self, window: QMainWindow) -> None:
        """Where the window was (but never larger than the screen it opens on now), then its
        docks and toolbars."""
        if self.geometry is not None:
            window.restoreGeometry(self.geometry)
        else:
            window.resize(*first_size(window))
        if not fits_screen(window):
            window.resize(*first_size(window))
        if self.window_state is not None:
            window.restoreState(self.window_state)


def _flag(value: object) -> bool:
    return str(value).lower() == "true"
