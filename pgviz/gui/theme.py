"""Themes (light, dark, or follow the system), the stylesheet and the SVG icons.

Both come from the `pgviz.resources` package (top-level `resources/` in a checkout), so they
are there in an installed wheel too. Icons are drawn with `currentColor` and recoloured for the
theme when loaded; the stylesheet is a template filled from the theme's palette.
"""

from __future__ import annotations

import functools
import tempfile
from importlib import resources
from pathlib import Path
from string import Template

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

__all__ = ["Theme", "THEMES", "resolve_theme", "stylesheet", "icon", "app_icon",
           "GROUP_COLOURS"]


class Theme(dict):
    """A palette: colour names -> '#rrggbb' (plus `name` and `dark`)."""

    @property
    def name(self) -> str:
        return self["name"]

    def qcolor(self, key: str) -> QColor:
        return QColor(self[key])


LIGHT = Theme(
    name="light", dark=False, window="#eef1f6", panel="#f9fafc", input="#ffffff",
    button="#ffffff", hover="#e8eefb", border="#d4dae4", fg="#1f2430", muted="#677185",
    accent="#2563eb", accent_hover="#1d4ed8", on_accent="#ffffff", danger="#dc2626",
    selection_bg="#dbe6fd", overlay="rgba(249,250,252,230)", badge_bg="#2563eb", badge_fg="#ffffff",
    badge_border="#1d4ed8",
    scene_bg="#f4f6fa", grid="#e6eaf1", link="#7d8aa1", mesh="#c3cbd8", node_fill="#ffffff",
    node_stroke="#5f6d85", member_ring="#ffffff", member_label="#2b3240", self_fill="#2563eb",
    self_text="#ffffff", ghost="#c3cad6",
    user_dot="#e11d48", user_ring="#1f2430", pg_dot="#64748b", control_dot="#a3aec0",
    idle_member="#b3bccb",
)
DARK = Theme(
    name="dark", dark=True, window="#12151b", panel="#191d25", input="#11141a",
    button="#232936", hover="#2a3242", border="#2f3747", fg="#e6e9ef", muted="#9aa4b5",
    accent="#4f8cff", accent_hover="#6b9fff", on_accent="#0b1020", danger="#f87171",
    selection_bg="#253553", overlay="rgba(25,29,37,230)", badge_bg="#4f8cff", badge_fg="#0b1020",
    badge_border="#8fb5ff",
    scene_bg="#151922", grid="#1c212b", link="#6f7d97", mesh="#343d4f", node_fill="#1f2530",
    node_stroke="#8793ab", member_ring="#0d1016", member_label="#d5dae3", self_fill="#4f8cff",
    self_text="#0b1020", ghost="#4a5366",
    user_dot="#fb7185", user_ring="#f1f5f9", pg_dot="#8a96ab", control_dot="#56627a",
    idle_member="#5b6476",
)
THEMES = {"light": LIGHT, "dark": DARK}

#: Group colours, readable on both backgrounds; a group keeps its colour in every window.
GROUP_COLOURS = ("#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899",
                 "#14b8a6", "#84cc16", "#f97316", "#06b6d4", "#a855f7", "#eab308")


def resolve_theme(choice: str) -> Theme:
    """"light", "dark" or "system" (the desktop's colour scheme; light when unknown)."""
    if choice in THEMES:
        return THEMES[choice]
    try:
        scheme = QGuiApplication.styleHints().colorScheme()
        return DARK if scheme == Qt.ColorScheme.Dark else LIGHT
    except AttributeError:  # Qt < 6.5
        return LIGHT


def _resource_text(*parts: str) -> str:
    return resources.files("pgviz.resources").joinpath(*parts).read_text(encoding="utf-8")


def stylesheet(theme: Theme, font_size: float = 10.0) -> str:
    values = {k: v for k, v in theme.items() if isinstance(v, str)}
    values.update(font_size=f"{font_size:g}", small_size=f"{font_size - 1:g}",
                  badge_size=f"{font_size * 2.4:g}", large_size=f"{font_size + 2:g}",
                  arrow_down=arrow_file("down", theme["muted"]),
                  arrow_up=arrow_file("up", theme["muted"]),
                  arrow_down_off=arrow_file("down", theme["border"]),
                  arrow_up_off=arrow_file("up", theme["border"]),
                  check=arrow_file("check", theme["on_accent"]),
                  check_off=arrow_file("check", theme["muted"]))
    return Template(_resource_text("themes", "app.qss")).safe_substitute(values)


#: Chevrons for combo boxes, spin boxes and menu buttons, the tick of check boxes (24x24).
_ARROWS = {"down": "M4.5 8.5l7.5 7.5 7.5-7.5", "up": "M4.5 15.5l7.5-7.5 7.5 7.5",
           "check": "M4.5 12.5l5 5 10-11"}


@functools.lru_cache(maxsize=1)
def _arrow_dir() -> tempfile.TemporaryDirectory[str]:
    # a stylesheet's `image:` takes a file name only (no data: URLs, no recolouring), so the
    # arrows of each theme's colour are written once per process (the cache keeps the
    # directory alive; it is removed at exit)
    return tempfile.TemporaryDirectory(prefix="pgviz-arrows-")


@functools.lru_cache(maxsize=32)
def arrow_file(shape: str, colour: str) -> str:
    """The path of an SVG chevron ("down", "up") or tick ("check") drawn in `colour`."""
    path = Path(_arrow_dir().name) / f"{shape}-{colour.lstrip('#')}.svg"
    width = 3.2 if shape == "check" else 2.6
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
                    f'stroke="{colour}" stroke-width="{width}" stroke-linecap="round" '
                    f'stroke-linejoin="round"><path d="{_ARROWS[shape]}"/></svg>',
                    encoding="utf-8")
    return path.as_posix()


@functools.lru_cache(maxsize=128)
def _svg(name: str) -> str:
    return _resource_text("icons", f"{name}.svg")


#: Icons drawn here rather than shipped as SVG files: name -> SVG body (24x24 viewBox).
_DRAWN = {
    # three nodes, all linked: the whole cluster
    "cluster": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
               'stroke="currentColor" stroke-width="2"><path d="M12 6.5 5.8 17M12 6.5 18.2 17'
               'M6.5 18h11"/><circle cx="12" cy="5" r="2.6" fill="currentColor"/>'
               '<circle cx="5" cy="18.5" r="2.6" fill="currentColor"/>'
               '<circle cx="19" cy="18.5" r="2.6" fill="currentColor"/></svg>',
    # the replay's transport: previous event, play, pause, next event
    "previous": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" '
                'fill="currentColor"><rect x="5" y="5" width="2.4" height="14" rx="0.6"/>'
                '<path d="M19 5.5v13L8.8 12z"/></svg>',
    "play": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" '
            'fill="currentColor"><path d="M7 4.5v15L19.5 12z"/></svg>',
    "pause": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" '
             'fill="currentColor"><rect x="6" y="5" width="4" height="14" rx="0.8"/>'
             '<rect x="14" y="5" width="4" height="14" rx="0.8"/></svg>',
    "next": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" '
            'fill="currentColor"><rect x="16.6" y="5" width="2.4" height="14" rx="0.6"/>'
            '<path d="M5 5.5v13L15.2 12z"/></svg>',
    # a red recording dot with a ring in the theme's colour
    "record": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
              '<circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" '
              'stroke-width="1.6"/><circle cx="12" cy="12" r="5.5" fill="#e11d48"/></svg>',
}


def icon(name: str, colour: str, disabled: str | None = None) -> QIcon:
    """The SVG icon `name` drawn in `colour`, at the sizes toolbars and buttons use; in
    `disabled` when its button or action is off (Qt's own dimming of a white icon on a
    greyed button leaves nothing visible)."""
    svg = _DRAWN.get(name) or _svg(name)
    result = QIcon()
    for mode, drawn in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)):
        if drawn is not None:
            _add_sizes(result, svg.replace("currentColor", drawn).encode(),
                       (16, 20, 24, 32, 48), mode)
    return result


def app_icon() -> QIcon:
    data = resources.files("pgviz.resources").joinpath("pgviz.svg").read_bytes()
    result = QIcon()
    _add_sizes(result, data, (16, 32, 64, 128), QIcon.Mode.Normal)
    return result


def _add_sizes(into: QIcon, svg: bytes, sizes: tuple[int, ...], mode: QIcon.Mode) -> None:
    renderer = QSvgRenderer(QByteArray(svg))
    for size in sizes:
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p, QRectF(0, 0, size, size))
        p.end()
        into.addPixmap(pm, mode)


def group_colour_map(groups: list[str]) -> dict[str, str]:
    """Group text -> colour. A colour follows from the group's name (so `chat` has the same
    colour in every window); a clash within this window moves to the next free colour."""
    import zlib

    out: dict[str, str] = {}
    used: set[int] = set()
    n = len(GROUP_COLOURS)
    for g in sorted(groups):
        i = zlib.crc32(g.encode()) % n
        for _ in range(n):
            if i not in used:
                break
            i = (i + 1) % n
        used.add(i)
        out[g] = GROUP_COLOURS[i]
    return out
