"""The labels over the cluster view: the "you are" badge and, under it, what the view shows
(top left); the group legend with the keys of the member marks (bottom left).

They are child widgets of the view, not scene items: they stay put while the picture is zoomed
or panned, and the picture is fitted into the room they leave (`free_area`).

They are sized with the view, not only with the font: `size_factor` grows them in a large view
(a 2560×1440 screen, where the graph grows too) and shrinks them in a small one (a
`pgviz demo` tile, a window with the diagram docked), where the mode line also gives way, so
that the graph keeps at least GRAPH_SHARE of the view's height and no label covers another.
Their text sizes are set in their rich text (the stylesheet's sizes are the normal ones: the
badge's colours may be restyled by others, a crashed node's window for one).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGraphicsView, QLabel

from ..wire.terms import short_node
from .picture import GroupRow, Picture, group_text
from .theme import Theme

__all__ = ["Overlays", "EMPTY_HINT"]

LEGEND_GROUPS = 14  # groups listed by name; the rest are "+N more"
BADGE_PT = 24.0     # the badge's text at the normal font size (10 pt) in a normal view
BADGE_MIN_PT = 12.0
MODE_PT = 10.0      # the line under it
LEGEND_PT = 12.0
LEGEND_MIN_FACTOR = 0.8  # the legend is read, not only seen: 9.6 pt at least
#: The view size at which the overlays have their normal size; they shrink below it, and
#: grow (more slowly) once the view is GROW_FROM times larger.
NORMAL_VIEW = (820.0, 580.0)
GROW_FROM = 1.25
SIZE_RANGE = (0.5, 1.7)
GRAPH_SHARE = 0.5   # of the view's height, at least, left to the graph
MODE_MIN_FACTOR = 0.7  # below this size the mode line gives way (its text is the tooltip)


EMPTY_HINT = "no groups yet — spawn a process and join a group"

class Overlays:
    def __init__(self, view: QGraphicsView, centre: str) -> None:
        self.view = view
        self.badge = QLabel(view)
        self.badge.setObjectName("youAreBadge")
        self.badge.setAccessibleName("This node")
        self.badge.setTextFormat(Qt.TextFormat.RichText)
        self.badge_html = (f"<span style='font-weight:normal'>you are</span>&nbsp;"
                           f"<b>{short_node(centre)}</b>")
        # what the legend says with no group to show (a replay or a crashed node has no
        # process to spawn: their windows say something else)
        self.empty_hint = EMPTY_HINT
        self.mode_label = QLabel(view)
        self.mode_label.setObjectName("viewModeLabel")
        self.mode_label.setAccessibleName("What the view shows")
        self.legend = QLabel(view)
        self.legend.setObjectName("legend")
        self.legend.setAccessibleName("Group legend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend_html = ""
        self.mode_text = ""
        self.mode_colour = "#888"
        self.text_scale = 1.0   # presenter mode: the application's font size / 10 pt
        self.factor = 1.0       # the view's size (size_factor), as last placed
        self.compact = False    # the mode line given way

    def set_badge(self, html: str) -> None:
        self.badge_html = html
        self.show_badge()
        self.place()

    def set_text_scale(self, scale: float) -> None:
        self.text_scale = scale
        self.place()

    def badge_pt(self) -> float:
        """The badge's text size now (points)."""
        f = self.factor * (0.8 if self.compact else 1.0)
        return round(self.text_scale * max(BADGE_MIN_PT, BADGE_PT * f), 1)

    def show_badge(self) -> None:
        self.badge.setText(_sized(self.badge_html, self.badge_pt()))
        self.badge.adjustSize()

    def set_theme(self, theme: Theme) -> None:
        self.mode_colour = theme["muted"]
        self._style_mode()

    def _style_mode(self) -> None:
        pt = round(MODE_PT * self.text_scale * max(1.0, self.factor), 1)
        self.mode_label.setStyleSheet(
            f"QLabel#viewModeLabel {{ color: {self.mode_colour}; background: transparent; "
            f"font-size: {pt:g}pt; }}")

    def size_factor(self) -> float:
        """How large the overlays are for the view's size: 1 in a normal window, less in a
        small view, more in a large one."""
        vp = self.view.viewport()
        f = min(vp.width() / NORMAL_VIEW[0], vp.height() / NORMAL_VIEW[1])
        if f > GROW_FROM:
            f = 1.0 + 0.6 * (f - GROW_FROM)
        elif f > 1.0:
            f = 1.0
        return max(SIZE_RANGE[0], min(SIZE_RANGE[1], f))

    def free_area(self) -> QRectF:
        """The part of the viewport the picture may fill: below the badge and above the
        legend, or, in a short wide view where that leaves more, beside them."""
        vp = self.view.viewport()
        top = self._top()
        bottom = self.legend.height() + 24 if self.legend.isVisible() else 12
        below = QRectF(12, top, max(50, vp.width() - 24), max(50, vp.height() - top - bottom))
        left = max((w.geometry().right() for w in (self.badge, self.mode_label, self.legend)
                    if w.isVisible() and w.width() > 0), default=0) + 16
        beside = QRectF(left, 12, max(50, vp.width() - left - 12), max(50, vp.height() - 24))
        return beside if _room(beside) > 1.15 * _room(below) else below

    def _top(self) -> int:
        top = 12
        if self.badge.isVisible():
            top = self.badge.geometry().bottom() + 14
        if self.mode_label.isVisible() and self.mode_label.text():
            top = self.mode_label.geometry().bottom() + 10
        return top

    def show_mode(self, pic: Picture) -> None:
        text = ("whole cluster: every node's links and its own members" if pic.whole
                else f"my node: {short_node(pic.me)}'s links and its view of the members")
        if pic.scope != "pg":
            text += f"  ·  scope {pic.scope}"
        if text != self.mode_text:
            self.mode_text = text
            self.mode_label.setText(text)
            self.badge.setToolTip(text)
            self.place()

    def show_legend(self, pic: Picture, colours: dict[str, str], theme: Theme) -> None:
        rows = pic.groups
        muted = theme["muted"]
        parts = [f"<span style='color:{colours.get(group_text(r.group), '#888')}'>●"
                 f"</span>&nbsp;<b>{_escape(group_text(r.group))}</b>"
                 f"&nbsp;{_count(r, pic.me, muted)}"
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
            parts.append(f"<span style='color:{muted}'>{_escape(self.empty_hint)}</span>")
        text = "&nbsp;&nbsp;&nbsp; ".join(parts)
        if keys:
            text += "<br>" + "<br>".join(keys)
        if text != self.legend_html:
            self.legend_html = text
            self.legend.setText(_sized(text, self._legend_pt()))
            self.place_legend()

    def _legend_pt(self) -> float:
        return round(LEGEND_PT * self.text_scale * max(LEGEND_MIN_FACTOR, self.factor), 1)

    def place(self) -> None:
        """Badge and mode line top left, legend bottom left, sized for the view (call after
        a text, font or size change; adjustSize of rich text is not free). In a short view
        the mode line gives way and the badge shrinks until the graph keeps GRAPH_SHARE of
        the height."""
        factor = self.size_factor()
        height = self.view.viewport().height()
        for compact in (False, True):
            if self.factor != factor or self.compact != compact:
                self.factor, self.compact = factor, compact
                self.show_badge()
                self._style_mode()
                self.legend.setText(_sized(self.legend_html, self._legend_pt()))
            self.mode_label.setVisible(not compact and factor >= MODE_MIN_FACTOR)
            self._place_top()
            self.place_legend()
            if self.free_area().height() >= GRAPH_SHARE * height - 1:
                break

    def _place_top(self) -> None:
        self.badge.ensurePolished()
        self.badge.adjustSize()
        margin = round(14 * min(1.0, self.factor) + (self.factor - 1) * 10 * (self.factor > 1))
        self.badge.move(margin, margin)
        self.mode_label.adjustSize()
        self.mode_label.move(margin + 4, self.badge.geometry().bottom() + 4)

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


def _count(row: GroupRow, me: str, muted: str) -> str:
    """A group's count in the legend. The window is a node: first what that node's pg gives
    it (get_members), which is what its code acts on; the whole cluster's picture adds the
    count of the drawn nodes' own members (what each member's node says) when the two
    differ: a split, a join or a leave on its way."""
    elsewhere = row.elsewhere(me)
    if elsewhere is None:
        return f"<span style='color:{muted}'>{row.members}</span>"
    return f"{row.here}&nbsp;<span style='color:{muted}'>{_escape(elsewhere)}</span>"


def _room(rect: QRectF) -> float:
    """How large a cluster picture (a little wider than tall) can be drawn in `rect`."""
    return min(rect.width() / 1.3, rect.height())


def _sized(html: str, pt: float) -> str:
    return f"<span style='font-size:{pt:g}pt'>{html}</span>" if html else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
