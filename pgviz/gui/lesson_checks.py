"""The lesson window's checks: one line per expectation of the step, with a badge the class
can read from the back of the room: a green ✓ when the cluster shows it, a red ✗ when it does
not (the same in light and dark themes: white on a saturated disc), an amber ! for an action
the cluster refused. The list is exactly as tall as its lines (no empty box under them, no
scroll bar of its own: the lesson window scrolls its page when it is too short)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QListWidget, QListWidgetItem

from ..lessons import Check

__all__ = ["ChecksList", "BADGE_COLOURS", "OK_ROLE"]

#: the badges' discs: readable on a light and on a dark window alike
BADGE_COLOURS = {"ok": "#16a34a", "fail": "#dc2626", "error": "#d97706"}
OK_ROLE = Qt.ItemDataRole.UserRole + 1  # True, False, or None for the refused action's line
BADGE = 30  # logical pixels


@cache
def badge(kind: str) -> QIcon:
    """A disc in BADGE_COLOURS[kind] with a white ✓, ✗ or ! drawn as strokes (no font
    needed: the same on every machine)."""
    icon = QIcon()
    for ratio in (1.0, 2.0):
        pixmap = QPixmap(round(BADGE * ratio), round(BADGE * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(BADGE_COLOURS[kind]))
        p.drawEllipse(QRectF(1, 1, BADGE - 2, BADGE - 2))
        pen = QPen(QColor("#ffffff"), BADGE * 0.11, Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        s = BADGE / 30
        if kind == "ok":
            p.drawPolyline([QPointF(9 * s, 15.5 * s), QPointF(13.5 * s, 20 * s),
                            QPointF(21.5 * s, 10.5 * s)])
        elif kind == "fail":
            p.drawLine(QPointF(10.5 * s, 10.5 * s), QPointF(19.5 * s, 19.5 * s))
            p.drawLine(QPointF(19.5 * s, 10.5 * s), QPointF(10.5 * s, 19.5 * s))
        else:
            p.drawLine(QPointF(15 * s, 8.5 * s), QPointF(15 * s, 17 * s))
            p.drawPoint(QPointF(15 * s, 21.5 * s))
        p.end()
        icon.addPixmap(pixmap)
    return icon


class ChecksList(QListWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setIconSize(QSize(BADGE, BADGE))
        self.setSpacing(2)

    def show_checks(self, checks: Sequence[Check], error: str = "") -> None:
        self.clear()
        for check in checks:  # the badge says ✓ or ✗, in colour; the text says the rest
            self._add(check.words, str(check), "ok" if check.ok else "fail", check.ok)
        if error:
            self._add(error, f"⚠ {error}", "error", None)
        self.setVisible(self.count() > 0)
        self.fit()

    def _add(self, words: str, marked: str, kind: str, ok: bool | None) -> None:
        item = QListWidgetItem(badge(kind), words)
        item.setData(OK_ROLE, ok)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, marked)  # with its ✓ or ✗
        item.setToolTip(marked)
        self.addItem(item)

    def fit(self) -> None:
        """As tall as the lines (wrapped at this width), not a pixel more."""
        self.doItemsLayout()
        bottom = 0
        if self.count():
            bottom = self.visualItemRect(self.item(self.count() - 1)).bottom() + 1
            bottom += self.spacing() + self.verticalOffset()
        self.setFixedHeight(bottom + 2 * self.frameWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.fit()  # the lines wrap anew

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.fit()  # now with the stylesheet's font and padding
