"""A window's theme and presenter mode are its own: windows that share a process (a lesson's
node windows) keep theirs when one of them changes, and so do windows without a theme."""

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from pgviz.gui.look import FONT_PT, PRESENTER_FONT_PT
from pgviz.gui.theme import DARK, LIGHT
from pgviz.gui.view_menus import link_menu


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


def _dark(w) -> None:
    w.look.set_choice("dark")
    w.look.apply()


def _distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def _ink(image, rect, background: str) -> QColor:
    """The colour in `rect` of `image` farthest from `background`: the text's colour."""
    bg = QColor(background)
    best, far = bg, -1
    for x in range(rect.left(), rect.right()):
        for y in range(rect.top(), rect.bottom()):
            c = QColor(image.pixel(x, y))
            if _distance(c, bg) > far:
                best, far = c, _distance(c, bg)
    return best


def test_dark_menu_bar_is_dark_with_light_text(qtbot, open_windows):
    """In dark mode the menu bar is the panel's colour and its titles are the theme's ink."""
    (alice,) = open_windows("alice")
    _dark(alice)
    bar = alice.menuBar()
    qtbot.waitUntil(lambda: _pixel(bar, 2, 2) == DARK["panel"])
    image = bar.grab().toImage()
    file_menu = bar.actions()[0]
    ink = _ink(image, bar.actionGeometry(file_menu), DARK["panel"])
    assert _distance(ink, QColor(DARK["fg"])) < 60


def test_disabled_menu_entries_read_as_disabled_in_every_theme(qtbot, open_windows):
    """A link's menu: its title row and "Heal" (the link is not cut) are drawn in the muted
    colour, "Cut" in the theme's ink."""
    (alice,) = open_windows("alice")
    for name, theme in (("light", LIGHT), ("dark", DARK)):
        alice.look.set_choice(name)
        alice.look.apply()
        menu = link_menu(alice, "alice@127.0.0.1", "bob@127.0.0.1", False, None)
        menu.popup(alice.mapToGlobal(alice.rect().center()))
        qtbot.waitUntil(menu.isVisible)
        title, cut, heal = menu.actions()[:3]
        assert cut.isEnabled() and not title.isEnabled() and not heal.isEnabled()
        image = menu.grab().toImage()
        on = _ink(image, menu.actionGeometry(cut), theme["panel"])
        menu.hide()
        assert _distance(on, QColor(theme["fg"])) < 60, name
        for off in (title, heal):
            ink = _ink(image, menu.actionGeometry(off), theme["panel"])
            assert _distance(ink, QColor(theme["muted"])) < 60, (name, off.text())
            assert _distance(ink, on) > 80, (name, off.text())


def test_combo_boxes_draw_their_drop_down_arrow(qtbot, open_windows):
    """Scope and Group end in a chevron of the theme's muted colour on the input's background:
    no dark frame of the native style (the reviewer's black bar) at their right edge."""
    (alice,) = open_windows("alice")
    for name, theme in (("light", LIGHT), ("dark", DARK)):
        alice.look.set_choice(name)
        alice.look.apply()
        shades = [QColor(theme[k]).lightness() for k in ("input", "muted")]
        low, high = min(shades) - 12, max(shades) + 12
        for combo in (alice.panel.scope_combo, alice.panel.group_combo):
            image = combo.grab().toImage()
            area = [QColor(image.pixel(x, y)) for x in range(image.width() - 24, image.width())
                    for y in range(image.height())]
            outside = {c.name() for c in area if not low <= c.lightness() <= high}
            assert not outside, (name, combo.objectName(), outside)
            assert any(_distance(c, QColor(theme["muted"])) < 40 for c in area), name


def test_checked_menu_entries_show_that_they_are_checked(qtbot, open_windows):
    """View ▸ Whole cluster (an icon) and Controls (no icon) show their check in the accent
    colour while checked, and lose it when unchecked."""
    (alice,) = open_windows("alice")
    _dark(alice)
    menu = alice.menuBar().actions()[1].menu()
    whole, controls = alice.actions_["wholeCluster"], alice.actions_["controls"]

    def accents(action) -> int:
        image = menu.grab().toImage()
        rect = menu.actionGeometry(action)
        accent = QColor(DARK["accent"])
        return sum(_distance(QColor(image.pixel(x, y)), accent) < 40
                   for x in range(rect.left(), rect.left() + 40)
                   for y in range(rect.top(), rect.bottom()))

    for checked in (True, False):
        whole.setChecked(checked)
        controls.setChecked(checked)
        menu.popup(alice.mapToGlobal(alice.rect().center()))
        qtbot.waitUntil(menu.isVisible)
        counts = accents(whole), accents(controls)
        menu.hide()
        assert all(counts) if checked else not any(counts), (checked, counts)


def _icon_ink(icon, mode, background: str) -> QColor:
    """The colour of `icon`'s 24 px pixmap in `mode` farthest from `background`."""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QImage, QPainter
    image = QImage(24, 24, QImage.Format.Format_RGB32)
    image.fill(QColor(background))
    painter = QPainter(image)  # on the background: a transparent pixel is not black ink
    painter.drawPixmap(0, 0, icon.pixmap(QSize(24, 24), mode))
    painter.end()
    return _ink(image, QRect(0, 0, 24, 24), background)


def test_a_disabled_buttons_icon_is_drawn_in_the_muted_colour(qtbot, open_windows):
    """Connect's icon is white on the accent; once the button is off (a crashed node) it is
    drawn in the muted colour, not left white on a grey button where it vanishes."""
    from PySide6.QtGui import QIcon
    (alice,) = open_windows("alice")
    for name, theme in (("light", LIGHT), ("dark", DARK)):
        alice.look.set_choice(name)
        alice.look.apply()
        icon = alice.panel.connect_button.icon()
        assert _distance(_icon_ink(icon, QIcon.Mode.Normal, theme["accent"]),
                         QColor(theme["on_accent"])) < 60, name
        assert _distance(_icon_ink(icon, QIcon.Mode.Disabled, theme["panel"]),
                         QColor(theme["muted"])) < 60, name


def test_the_replay_transport_icons_follow_the_theme(qtbot, tmp_path):
    """Previous, play/pause and next are drawn in the theme's text colour: light on the dark
    theme's bar (the style's standard icons were black there)."""
    from PySide6.QtGui import QIcon

    from pgviz.gui.replay_window import open_replay

    from .test_record_replay import _small_recording
    path = _small_recording(tmp_path / "small.jsonl")
    for name, theme in (("light", LIGHT), ("dark", DARK)):
        w = open_replay(path, theme=name)
        qtbot.addWidget(w)
        buttons = (w.prev_button, w.play_button, w.next_button)
        for b in buttons:
            ink = _icon_ink(b.icon(), QIcon.Mode.Normal, theme["panel"])
            assert _distance(ink, QColor(theme["fg"])) < 60, (name, b.objectName(), ink.name())
        w.play()
        assert w.playhead.playing
        ink = _icon_ink(w.play_button.icon(), QIcon.Mode.Normal, theme["panel"])
        assert _distance(ink, QColor(theme["fg"])) < 60, name
        w.pause()
        w.close()


def test_the_replay_lists_events_to_come_in_the_muted_ink(qtbot, tmp_path):
    """Events after the playhead are dimmed in the theme's muted colour, readable on both
    themes (the palette's dimmed black was nearly invisible on the dark list)."""
    from pgviz.gui.replay_window import open_replay

    from .test_record_replay import _small_recording
    path = _small_recording(tmp_path / "small.jsonl")
    for name, theme in (("light", LIGHT), ("dark", DARK)):
        w = open_replay(path, theme=name)
        qtbot.addWidget(w)
        items = [w.events_list.item(i) for i in range(w.events_list.count())]
        later = [it for it in items if it.data(0x0100) >= w.playhead.count]
        assert later, name
        assert {it.foreground().color().name() for it in later} == {theme["muted"]}, name
        # no advice to spawn a process: there is none to spawn in a replay
        assert "spawn" not in w.view.overlays.legend.text(), name
        w.close()
