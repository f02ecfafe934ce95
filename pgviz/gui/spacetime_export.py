"""The space-time diagram as a picture: PNG (QWidget.grab) or SVG (QSvgGenerator), of a live
view or of a whole recording (`pgviz export RECORDING --format svg|png`)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication

from ..export.filters import DEFAULT_FILTER, FrameFilter
from ..model.recording import Recording
from .spacetime import SpaceTimeView
from .spacetime_geometry import LABEL_WIDTH
from .theme import LIGHT, Theme

__all__ = ["save_png", "save_svg", "render_recording", "view_of_recording"]


def save_png(view: SpaceTimeView, path: str | Path) -> Path:
    path = Path(path)
    if not view.grab().save(str(path), "PNG"):
        raise OSError(f"Qt could not write {path}")
    return path


def save_svg(view: SpaceTimeView, path: str | Path, title: str = "pgviz space-time diagram"
             ) -> Path:
    path = Path(path)
    path.parent.stat()  # a missing folder is an OSError here, not a silent empty file
    width, height = view.width(), view.height()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    generator.setTitle(title)
    painter = QPainter(generator)
    try:
        view.paint_on(painter, width, height)
    finally:
        painter.end()
    return path


def view_of_recording(recording: Recording, *, frames: FrameFilter = DEFAULT_FILTER,
                      width: int = 1600, theme: Theme = LIGHT) -> SpaceTimeView:
    """An offscreen view of the whole recording, scaled so that all of it fits `width`."""
    view = SpaceTimeView(theme)
    view.set_filter(frames)
    view.feed_many(recording.events)
    history = view.history
    start = history.start or 0.0
    span = max(history.end - start, 1e-3)
    view.set_time(history.end)
    usable = width - LABEL_WIDTH - 40
    view.set_scale(usable / span)
    view.scroll_to(history.end + 16 / view.scale)
    view.resize(width, max(240, 64 * len(history.lanes) + 40))
    return view


def render_recording(recording: Recording, path: str | Path, fmt: str, *,
                     frames: FrameFilter = DEFAULT_FILTER, width: int = 1600) -> Path:
    """Write the recording's diagram as `fmt` ("svg" or "png"); makes a QApplication
    (offscreen when there is no display) if none exists."""
    if QApplication.instance() is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        QApplication([])
    view = view_of_recording(recording, frames=frames, width=width)
    return save_svg(view, path) if fmt == "svg" else save_png(view, path)
