"""What a lesson step points at (its `look`), shown in one node window: lit in the space-time
diagram and selected in the graph. Used by the lesson window for the windows it shows and by
a driven window for the step its teacher shows (node names are then the window's own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["show_look", "parse_look"]

KINDS = ("node", "group", "process", "link", "frames", "diagram")


def parse_look(text: str) -> tuple[str, tuple[str, ...]] | None:
    """"link alice carol" -> ("link", ("alice", "carol")); None for nothing (or nonsense)."""
    parts = text.split()
    if not parts or parts[0] not in KINDS:
        return None
    return parts[0], tuple(parts[1:])


def show_look(w: MainWindow, kind: str | None, target: tuple[str, ...] = (),
              pid: str | None = None) -> None:
    """Light `kind target` in `w` (None: light nothing). Node names are short names; for a
    process, `target` is its node and `pid` its pid text."""
    if w.stopped.done():
        return
    diagram = w.diagram.view
    if kind is None:
        diagram.set_highlight(None)
        w.selection.select(None)
        return
    if kind not in ("node", "process"):
        w.selection.select(None)  # the last step's node or process no longer
    if kind == "diagram":
        w.diagram.show()
        diagram.set_highlight(None)
    elif kind == "process":
        diagram.set_highlight("node", list(target[:1]))
        if pid is not None and target and target[0] == w.session.short_name:
            w.selection.select(pid)
    else:
        diagram.set_highlight(kind, target)
        if kind == "node" and target:
            full = next((n for n in w.session.model.snapshot().nodes
                         if n.split("@", 1)[0] == target[0]), None)
            w.selection.select(full)
        elif kind == "group" and target:
            w.panel.group_combo.setEditText(target[0])
