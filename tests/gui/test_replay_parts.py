"""The replay window's parts on their own (replay_transport.py, replay_events.py,
replay_problems.py): what each says to the window and what it shows, with no window."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pgviz.events import NodeUp, Spawn
from pgviz.gui.replay_events import LIST_AFTER, LIST_BEFORE, EventsAround
from pgviz.gui.replay_problems import ProblemsArea
from pgviz.gui.replay_transport import ReplayTransport
from pgviz.gui.theme import DARK, LIGHT
from pgviz.runtime import Pid


def test_the_slider_s_end_asks_for_the_recording_s_end_not_a_rounded_time(qtbot):
    bar = ReplayTransport(0.4444, ["pg"], "pg", LIGHT)
    qtbot.addWidget(bar)
    said = []
    bar.scrubbed.connect(lambda s: said.append(("at", s)))
    bar.scrubbedToEnd.connect(lambda: said.append(("end",)))
    bar.slider.setValue(200)
    bar.slider.setValue(bar.slider.maximum())
    assert said == [("at", 0.2), ("end",)]


def test_showing_the_time_moves_the_slider_without_a_scrub(qtbot):
    bar = ReplayTransport(2.0, ["pg"], "pg", LIGHT)
    qtbot.addWidget(bar)
    said = []
    bar.scrubbed.connect(said.append)
    bar.show_time(1.25, 2.0)
    assert bar.slider.value() == 1250 and said == []
    assert bar.time_label.text() == "   1.250 s / 2.000 s"


def test_buttons_and_combos_say_what_the_reader_asked(qtbot):
    bar = ReplayTransport(1.0, ["other", "pg"], "pg", LIGHT)
    qtbot.addWidget(bar)
    bar.show()
    said = []
    bar.stepped.connect(lambda n: said.append(("step", n)))
    bar.playPressed.connect(lambda: said.append(("play",)))
    bar.speedChosen.connect(lambda s: said.append(("speed", s)))
    bar.scopeChosen.connect(lambda s: said.append(("scope", s)))
    for b in (bar.prev_button, bar.play_button, bar.next_button):
        qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
    bar.step_speed(1)
    bar.scope_combo.setCurrentText("other")
    assert said == [("step", -1), ("play",), ("step", 1), ("speed", 2.0), ("scope", "other")]
    assert bar.scope_combo.isVisible()  # two scopes: the reader chooses


def test_the_play_button_shows_pause_while_playing(qtbot):
    bar = ReplayTransport(1.0, ["pg"], "pg", DARK)
    qtbot.addWidget(bar)
    play = bar.play_button.icon().pixmap(16, 16).toImage()
    bar.show_playing(True)
    pause = bar.play_button.icon().pixmap(16, 16).toImage()
    bar.show_playing(False)
    assert play != pause
    assert bar.play_button.icon().pixmap(16, 16).toImage() == play


def test_the_list_centres_the_playhead_and_a_click_chooses_an_event(qtbot):
    a = "alice@h"
    events = [NodeUp(a, 100.0, 1, "bob@h")] + [
        Spawn(a, 100.0 + i / 10, 2 + i, Pid(a, 10 + i, 0, 1)) for i in range(60)]
    chosen = []
    around = EventsAround(events, 100.0, LIGHT, chosen.append)
    qtbot.addWidget(around.widget)
    around.show_around(40)
    lst = around.widget
    assert lst.count() == LIST_BEFORE + LIST_AFTER
    assert [it.data(Qt.ItemDataRole.UserRole) for it in lst.selectedItems()] == [39]
    assert lst.item(0).text() == "  0.900 s   alice: started <alice.19>"  # event 10
    lst.itemClicked.emit(lst.item(5))
    assert chosen == [40 - LIST_BEFORE + 5]


def test_the_problems_note_lists_twelve_lines_then_how_many_more(qtbot):
    note = ProblemsArea([f"line {i}: not JSON <x>" for i in range(15)], 99)
    qtbot.addWidget(note)
    text = note.label.text()
    assert "Loaded 99 events" in text and "line 11:" in text and "line 12:" not in text
    assert "… and 3 more" in text and "&lt;x&gt;" in text
    clean = ProblemsArea([], 5)
    qtbot.addWidget(clean)
    assert clean.isHidden()  # nothing skipped: no note
