"""The list of local nodes follows the node registry's directory (inotify: no polling)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer

from ..net import registry

__all__ = ["RegistryWatch"]


class RegistryWatch:
    """Calls `refresh` a moment after the registry directory changes (a burst of changes, one
    refresh), or after `soon()`."""

    def __init__(self, parent: QObject, refresh: Callable[[], object]) -> None:
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(refresh)
        self.watcher: QFileSystemWatcher | None = None
        directory = registry.registry_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        self.watcher = QFileSystemWatcher([str(directory)], parent)
        self.watcher.directoryChanged.connect(lambda _d: self.timer.start())

    def soon(self) -> None:
        self.timer.start()
