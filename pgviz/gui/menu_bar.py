"""The main window's menu bar: File (record, open a recording, export, quit), View (my node or
the whole cluster, the diagram, theme, presenter, full screen, the controls), Lessons, Help
(keys on `?`, About). Every entry is one of the window's actions: the same object as the
toolbar button and the shortcut."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar

__all__ = ["build_menu_bar"]


def _menu(bar: QMenuBar, title: str, name: str, items: list[QAction | QMenu | None]) -> QMenu:
    menu = bar.addMenu(title)
    menu.setObjectName(name)
    menu.setAccessibleName(title.replace("&", ""))
    for item in items:
        if item is None:
            menu.addSeparator()
        elif isinstance(item, QMenu):
            menu.addMenu(item)
        else:
            menu.addAction(item)
    return menu


def build_menu_bar(window: QMainWindow, a: dict[str, QAction], export: QMenu,
                   diagram: QAction, lessons: QMenu) -> QMenuBar:
    bar = window.menuBar()
    bar.setObjectName("menuBar")
    bar.setAccessibleName("Menu bar")
    _menu(bar, "&File", "fileMenu", [a["record"], a["recordTo"], a["openRecording"], None,
                                    export, None, a["close"]])
    _menu(bar, "&View", "viewMenu", [a["wholeCluster"], diagram, a["controls"], a["protocol"],
                                    None, a["fit"], a["zoomIn"], a["zoomOut"], None, a["theme"],
                                    a["presenter"], a["fullScreen"]])
    bar.addMenu(lessons)
    _menu(bar, "&Help", "helpMenu", [a["keys"], a["about"]])
    return bar
