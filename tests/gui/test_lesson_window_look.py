"""The lesson window as a class sees it on a projector: the checks right under the narration
(no dead gap), a green ✓ badge for a check that holds and a red ✗ for one that does not, big
Back/Next with Next in the accent colour, and a lesson title line that reads (contrast)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from pgviz.gui.lesson_checks import OK_ROLE
from pgviz.gui.lessons_menu import open_lesson
from pgviz.gui.theme import resolve_theme
from pgviz.lessons import load_lesson

LESSON = '''
title = "Badges"
summary = "One check holds, one cannot."
nodes = ["alice", "bob"]

[[step]]
title = "Two nodes"
say = "alice and bob are connected: each sees one other node. Nobody sees five."
expect = ["nodes at alice == 1", "nodes at alice == 5"]
wait = 0.3
'''


def _luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def best_text_contrast(image: QImage) -> float:
    """The contrast of the label's most distinct pixel (its text) against its corner (its
    background)."""
    bg = image.pixelColor(0, 0)
    return max(contrast(image.pixelColor(x, y), bg)
               for x in range(0, image.width(), 2) for y in range(image.height()))


def disc_colour(item) -> QColor:
    return item.icon().pixmap(30, 30).toImage().pixelColor(5, 15)  # left of the glyph


def test_the_lesson_window_shows_checks_as_coloured_badges_under_the_narration(
        qtbot, tmp_path):
    path = tmp_path / "badges.toml"
    path.write_text(LESSON)
    lw = open_lesson(load_lesson(str(path)))
    assert lw is not None
    try:
        qtbot.waitUntil(lambda: not lw.busy and len(lw.windows) == 2, timeout=15000)
        lw.resize(640, 720)
        lw.next()
        qtbot.waitUntil(lambda: not lw.busy and lw.run.position == 0, timeout=15000)
        qtbot.waitUntil(lambda: lw.checks.count() == 2)
        ok, failed = lw.checks.item(0), lw.checks.item(1)
        assert ok.data(OK_ROLE) is True and failed.data(OK_ROLE) is False
        assert "alice" in ok.text() and not ok.text().startswith(("✓", "✗"))  # the badge says it
        green, red = disc_colour(ok), disc_colour(failed)
        assert green.green() > green.red() + 60 and green.green() > green.blue() + 60, green.name()
        assert red.red() > red.green() + 100 and red.red() > red.blue() + 100, red.name()

        # no dead gap: the narration is as tall as its text and the checks follow it
        narration, checks = lw.narration, lw.checks
        assert narration.height() <= narration.heightForWidth(narration.width()) + 4
        gap = checks.mapTo(lw, checks.rect().topLeft()).y() - \
            narration.mapTo(lw, narration.rect().bottomLeft()).y()
        assert 0 <= gap <= 30, gap
        # every line of the checks shows, without a scroll bar of their own
        last = checks.visualItemRect(checks.item(checks.count() - 1))
        assert last.bottom() < checks.viewport().height()
        assert not checks.verticalScrollBar().isVisible()

        # Back and Next: big, Next solid in the theme's accent colour
        back, nxt = lw.back_button, lw.next_button
        assert nxt.height() >= 44 and back.height() >= 44
        assert nxt.font().pointSizeF() >= 16 and back.font().pointSizeF() >= 16
        nxt.setEnabled(True)  # (at the last step it is disabled; look at its enabled colour)
        accent = QColor(resolve_theme("system")["accent"])
        image = nxt.grab().toImage()
        assert image.pixelColor(12, image.height() // 2) == accent

        # the lesson's title line reads: at least 4.5:1 against the window
        assert lw.lesson_label.font().pointSizeF() >= 13
        assert best_text_contrast(lw.lesson_label.grab().toImage()) >= 4.5
    finally:
        lw.close()
        qtbot.waitUntil(lw.stopped.done, timeout=10000)


def test_the_lesson_window_fits_a_third_of_a_1280_pixel_screen(qtbot, run, tmp_path):
    """place_lesson gives it a third of the screen beside the node windows: its big buttons
    and title must not push it wider than that (it would hide under alice's window)."""
    from pgviz.gui.lesson_window import LessonWindow

    path = tmp_path / "badges.toml"
    path.write_text(LESSON)
    lw = LessonWindow(load_lesson(str(path)))
    try:
        lw.show()
        qtbot.waitUntil(lw.isVisible)
        assert lw.minimumSizeHint().width() <= 1280 // 3
        lw.resize(1280 // 3, 400)
        qtbot.waitUntil(lambda: lw.width() == 1280 // 3)
        nxt = lw.next_button
        assert nxt.mapTo(lw, nxt.rect().topRight()).x() < lw.width()
    finally:
        run(lw.shutdown())
