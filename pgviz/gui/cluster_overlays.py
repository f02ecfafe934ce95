"""The labels over the cluster view: the "you are" badge and, under it, what the view shows
(top left); the group legend with the keys of the member marks (bottom left).

They are child widgets of the view, not scene items: they stay put while the picture is zoomed
or panned, and the picture is fitted into the room they leave (`free_area`).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGraphicsView, QLabel

from ..wire.terms import short_node
from .picture import Picture, group_text
from .theme import Theme

__all__ = ["Overlays"]

LEGEND_GROUPS = 14  # groups listed by name; the rest are "+N more"


class Overlays:
    def __init__(self, view: QGraphicsView, centre: str) -> None:
        self.view = view
        self.badge = QLabel(view)
        self.badge.setObjectName("youAreBadge")
        self.badge.setAccessibleName("This node")
        self.badge.setTextFormat(Qt.TextFormat.RichText)
        self.badge_html = (f"<span style='font-weight:normal'>you are</span>&nbsp;"
                           f"<b>{short_node(centre)}</b>")
        self.mode_label = QLabel(view)
        self.mode_label.setObjectName("viewModeLabel")
        self.mode_label.setAccessibleName("What the view shows")
        self.legend = QLabel(view)
        self.legend.setObjectName("legend")
        self.legend.setAccessibleName("Group legend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)

    def set_badge(self, html: str) -> None:
        self.badge_html = html
        self.show_badge()
        self.place()

    def show_badge(self) -> None:
        self.badge.setText(self.badge_html)
        self.badge.adjustSize()

    def set_theme(self, theme: Theme) -> None:
        self.mode_label.setStyleSheet(
            f"QLabel#viewModeLabel {{ color: {theme['muted']}; background: transparent; }}")

    def free_area(self) -> QRectF:
        """The part of the viewport the picture may fill: below the badge, above the legend."""
        vp = self.view.viewport()
        top = 12
        if self.badge.isVisible():
            top = self.badge.geometry().bottom() + 14
        if self.mode_label.isVisible() and self.mode_label.text():
            top = self.mode_label.geometry().bottom() + 10
        bottom = self.legend.height() + 24 if self.legend.isVisible() else 12
        return QRectF(12, top, max(50, vp.width() - 24), max(50, vp.height() - top - bottom))

    def show_mode(self, pic: Picture) -> None:
        text = ("whole cluster: every node's links and its own members" if pic.whole
                else f"my node: {short_node(pic.me)}'s links and its view of the members")
        if pic.scope != "pg":
            text += f"  ·  scope {pic.scope}"
        if text != self.mode_label.text():
            self.mode_label.setText(text)
            self.place()

    def show_legend(self, pic: Picture, colours: dict[str, str], theme: Theme) -> None:
        rows = pic.groups
        muted = theme["muted"]
        parts = [f"<span style='color:{colours.get(group_text(r.group), '#888')}'>●"
                 f"</span>&nbsp;<b>{_escape(group_text(r.group))}</b>"
                 f"&nbsp;<span style='color:{muted}'>{r.members}</span>"
                 for r in rows[:LEGEND_GROUPS]]
        more = len(rows) - LEGEND_GROUPS
        if more > 0:
            parts.append(f"<span style='color:{muted}'>+{more} more</span>")
        marks = {m.mark for m in pic.members}
        keys = []  # the marks' keys, a line each
        if "unseen" in marks:
            keys.append(f"<span style='color:{muted}'>○ hollow: not seen by every node "
                        "yet</span>")
        if "stale" in marks:
            keys.append(f"<span style='color:{muted}'>◌ dashed: left, still shown by a "
                        "node</span>")
        if not parts:
            parts.append(f"<span style='color:{muted}'>no groups yet — "
                         "spawn a process and join a group</span>")
        text = "&nbsp;&nbsp;&nbsp; ".join(parts)
        if keys:
            text += "<br>" + "<br>".join(keys)
        if text != self.legend.text():
            self.legend.setText(text)
            self.place_legend()

    def place(self) -> None:
        """Badge and mode line top left, legend bottom left (sized to their text: call after
        a text, font or size change; adjustSize of rich text is not free)."""
        self.badge.ensurePolished()
        self.badge.adjustSize()
        self.badge.move(14, 14)
        self.mode_label.adjustSize()
        self.mode_label.move(18, self.badge.geometry().bottom() + 4)
        self.place_legend()

    def place_legend(self) -> None:
        w = self.view.viewport().width()
        self.legend.setMaximumWidth(max(120, w - 28))
        wrap = self.legend.sizeHint().width() > w - 28
        self.legend.setWordWrap(wrap)
        if wrap:  # as wide as the view allows (adjustSize would pick a narrow column)
            self.legend.resize(w - 28, self.legend.heightForWidth(w - 28))
        else:
            self.legend.adjustSize()
        self.legend.move(14, self.view.height() - self.legend.height() - 14)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
