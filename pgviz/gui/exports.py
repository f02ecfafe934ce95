"""File ▸ Export in a window: the events it has (a live window's journal, a replay's recording)
as Mermaid, a ShiViz log, or the space-time diagram as SVG/PNG; the cluster view as SVG/PNG.

The file is chosen in a non-modal file dialog (`open()`, never `exec()`: qasync); what is
written is reported in the window's log/status bar, and a failure too (never a dialog).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QAction, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from ..events import Event
from ..export import to_mermaid, to_shiviz
from ..model.recording import Recording
from .cluster_view import ClusterView
from .spacetime_export import save_png, save_svg, view_of_recording

__all__ = ["ExportSpec", "EXPORTS", "write_export", "ExportMenu", "save_widget_svg"]


@dataclass(frozen=True)
class ExportSpec:
    key: str
    object_name: str
    text: str
    suffix: str
    file_filter: str


EXPORTS = (
    ExportSpec("mermaid", "exportMermaidAction", "Mermaid sequence diagram…", ".mmd",
               "Mermaid (*.mmd *.md *.txt)"),
    ExportSpec("shiviz", "exportShivizAction", "ShiViz log…", ".log", "ShiViz log (*.log *.txt)"),
    ExportSpec("diagram-svg", "exportDiagramSvgAction", "Space-time diagram as SVG…", ".svg",
               "SVG (*.svg)"),
    ExportSpec("diagram-png", "exportDiagramPngAction", "Space-time diagram as PNG…", ".png",
               "PNG (*.png)"),
    ExportSpec("view-svg", "exportViewSvgAction", "Cluster view as SVG…", ".svg", "SVG (*.svg)"),
    ExportSpec("view-png", "exportViewPngAction", "Cluster view as PNG…", ".png", "PNG (*.png)"),
)


def save_widget_svg(widget: QWidget, path: str | Path, title: str) -> Path:
    path = Path(path)
    path.parent.stat()  # a missing folder is an OSError, not a silent empty file
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(title)
    # Text in points is written as the generator's pixels at its resolution (72 dpi unless
    # told): at the widget's own dpi a 24 pt badge is as wide in the SVG as on screen, not
    # a smaller font in the same boxes ("you are    alice").
    generator.setResolution(widget.logicalDpiX())
    painter = QPainter(generator)
    try:
        if isinstance(widget, ClusterView):  # the graph painted afresh, not its cached bitmap
            widget.render_uncached(painter)
        else:
            QWidget.render(widget, painter, QPoint())  # the widget as shown (not the scene)
    finally:
        painter.end()
    return path


def write_export(key: str, path: str | Path, events: Sequence[Event], nodes: Sequence[str],
                 cluster_view: QWidget) -> Path:
    """Write export `key` to `path`; ValueError when there is nothing to export, OSError
    when the file cannot be written."""
    path = Path(path)
    if key.startswith("view-"):
        if key == "view-png":
            if not cluster_view.grab().save(str(path), "PNG"):
                raise OSError(f"Qt could not write {path}")
            return path
        return save_widget_svg(cluster_view, path, "pgviz cluster view")
    if not events:
        raise ValueError("no events yet: nothing to export")
    if key == "mermaid":
        path.write_text(to_mermaid(events, nodes=nodes), encoding="utf-8")
    elif key == "shiviz":
        path.write_text(to_shiviz(events).file_text(), encoding="utf-8")
    else:
        view = view_of_recording(Recording({"nodes": list(nodes)}, list(events)))
        if key == "diagram-svg":
            save_svg(view, path)
        else:
            save_png(view, path)
        view.deleteLater()
    return path


class ExportMenu:
    """File ▸ Export: one action per format; each asks where (non-modal) and writes."""

    def __init__(self, owner: QWidget, events: Callable[[], Sequence[Event]],
                 nodes: Callable[[], Sequence[str]], cluster_view: QWidget,
                 report: Callable[[str, bool], None], default_stem: Callable[[], str]) -> None:
        self.owner = owner
        self.events = events
        self.nodes = nodes
        self.cluster_view = cluster_view
        self.report = report
        self.default_stem = default_stem
        self.dialog: QFileDialog | None = None  # the open one, referenced while it shows
        self.menu = QMenu("&Export", owner)
        self.menu.setObjectName("exportMenu")
        self.menu.setAccessibleName("Export")
        self.actions: dict[str, QAction] = {}
        for spec in EXPORTS:
            act = QAction(spec.text, owner)
            act.setObjectName(spec.object_name)
            act.triggered.connect(lambda *_, spec=spec: self.ask(spec))
            self.menu.addAction(act)
            self.actions[spec.key] = act

    def ask(self, spec: ExportSpec) -> QFileDialog:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        dialog = QFileDialog(self.owner, f"Export {spec.text.rstrip('…')}")
        dialog.setObjectName("exportFileDialog")
        dialog.setAccessibleName("Export to a file")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setNameFilter(spec.file_filter)
        dialog.setDefaultSuffix(spec.suffix.lstrip("."))
        dialog.selectFile(self.default_stem() + spec.suffix)
        dialog.fileSelected.connect(lambda path, key=spec.key: self.write(key, path))
        self.dialog = dialog
        dialog.open()
        return dialog

    def write(self, key: str, path: str) -> Path | None:
        try:
            written = write_export(key, path, self.events(), self.nodes(), self.cluster_view)
        except (OSError, ValueError) as exc:
            self.report(f"export failed: {exc}", True)
            return None
        self.report(f"exported {written}", False)
        return written
