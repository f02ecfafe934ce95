"""A screenshot script's own registry, recordings and settings: a theme or a window size that
someone chose for "carol" on this machine must not show up in the README's pictures.

    import isolated; SCRATCH = isolated.environment()   # before pgviz or Qt is imported
    ...; isolated.settings(SCRATCH)                      # once the QApplication exists
"""

from __future__ import annotations

import os
import tempfile


def environment() -> str:
    scratch = tempfile.mkdtemp(prefix="pgviz-shots-")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QT_API"] = "pyside6"
    os.environ["PGVIZ_REGISTRY_DIR"] = f"{scratch}/registry"
    os.environ["PGVIZ_RECORDINGS_DIR"] = f"{scratch}/recordings"
    os.environ["XDG_CONFIG_HOME"] = f"{scratch}/config"
    return scratch


def settings(scratch: str) -> None:
    from PySide6.QtCore import QSettings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      f"{scratch}/settings")
