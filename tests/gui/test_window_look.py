"""A window's theme and presenter mode are its own: windows that share a process (a lesson's
node windows) keep theirs when one of them changes, and so do windows without a theme."""

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from pgviz.gui.look import FONT_PT, PRESENTER_FONT_PT
from pgviz.gui.theme import DARK, LIGHT


def _pixel(widget: QWidget, x: int = 3, y: int = 3) -> str:
    return QColor(widget.grab().toImage().pixel(x, y)).name()


def _light_and_dark(w) -> None:
    """Sets `w` to light then dark through its theme action (system -> light -> dark)."""
    while w.look.choice != "dark":
        w.actions_["theme"].trigger()


def test_one_window_dark_and_presenter_leaves_the_others_alone(qtbot, open_windows):
    """alice goes dark with presenter on; bob's controls stay light and normal-sized."""
    alice, bob = open_windows("alice", "bob")
    bob.look.set_choice("light")
    bob.look.apply()
    _light_and_dark(alice)
    alice.set_presenter(True)
    qtbot.waitUntil(lambda: _pixel(alice.side_scroll) == DARK["panel"])
    assert alice.panel.spawn_button.font().pointSizeF() == PRESENTER_FONT_PT
    # bob: light panel, normal-sized text, icons drawn in the light theme's ink
    assert _pixel(bob.side_scroll) == LIGHT["panel"]
    assert bob.panel.spawn_button.font().pointSizeF() == FONT_PT
    assert bob.menuBar().font().pointSizeF() == FONT_PT
    assert bob.theme is LIGHT and not bob.presenter


def test_a_window_without_a_look_keeps_the_base_look(qtbot, open_windows):
    """The lesson window (no theme of its own) is not darkened by a node window going dark."""
    (alice,) = open_windows("alice")
    other = QWidget()
    other.setObjectName("lessonWindow")
    label = QLabel("narration", other)
    qtbot.addWidget(other)
    other.resize(200, 100)
    other.show()
    before = _pixel(other)
    _light_and_dark(alice)
    alice.set_presenter(True)
    qtbot.waitUntil(lambda: _pixel(alice.side_scroll) == DARK["panel"])
    assert _pixel(other) == before
    assert label.font().pointSizeF() == FONT_PT

