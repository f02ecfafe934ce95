"""Issue 11 in the main window: the menu bar, the diagram dock fed by the window's events and
linked to the graph, File ▸ Export writing files that parse, F11, the keys overlay, a first
size within the screen, the compact layout, the event log wrapping, the title, the inbox
header following the selected member's groups."""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QPlainTextEdit

from pgviz.gui.main_window import first_size
from tests.export.mermaid_check import mermaid_accepts, parser_file
from tests.export.test_shiviz import check_shiviz

from .drivers import join_one


def _menu_actions(w, menu_name):
    menu = w.findChild(QMenu, menu_name)
    assert menu is not None, menu_name
    out = []
    for act in menu.actions():
        if act.menu() is not None:
            out.append(act.menu().objectName())
        elif not act.isSeparator():
            out.append(act.objectName())
    return out


def press(qtbot, w, key, target=None):
    """A key as the user types it: shortcuts need their window active."""
    w.activateWindow()
    w.raise_()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    qtbot.keyClick(target if target is not None else w.view, key)


def _broadcasting_pair(qtbot, run, open_windows):
    alice, bob = open_windows("alice", "bob")
    run(bob.session.connect(alice.session.node.address))
    qtbot.waitUntil(lambda: bool(alice.session.node.nodes() and bob.session.node.nodes()),
                    timeout=5000)
    join_one(qtbot, alice, "room")
    join_one(qtbot, bob, "room")
    qtbot.waitUntil(lambda: len(alice.session.scope.get_members("room")) == 2, timeout=5000)
    alice.session.broadcast("room", "hello class")
    qtbot.waitUntil(lambda: any(a.category == "user" and a.delivered is not None
                                for a in alice.diagram.view.history.arrows), timeout=5000)
    return alice, bob


def test_menu_bar_offers_file_view_lessons_and_help(qtbot, open_windows):
    (w,) = open_windows("alice")
    titles = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert titles == ["File", "View", "Lessons", "Help"]
    assert _menu_actions(w, "fileMenu") == ["recordAction", "recordToAction",
                                            "openRecordingAction", "exportMenu", "closeAction"]
    view = _menu_actions(w, "viewMenu")
    for name in ("wholeClusterAction", "diagramAction", "themeAction", "presenterAction",
                 "fullScreenAction", "controlsAction"):
        assert name in view
    lessons = _menu_actions(w, "lessonsMenu")
    assert lessons[:3] == ["lesson1Action", "lesson2Action", "lesson3Action"]
    assert {"openLessonFileAction", "nextStepAction", "previousStepAction"} <= set(lessons)
    assert _menu_actions(w, "helpMenu") == ["keysAction", "aboutAction"]
    assert w.windowTitle().count("pgviz") == 1 and w.windowTitle().endswith("— pgviz")
    about = w.findChild(QAction, "aboutAction")
    about.trigger()
    qtbot.waitUntil(lambda: w._about is not None and w._about.isVisible(), timeout=2000)
    w._about.close()


def test_diagram_dock_follows_the_events_and_links_to_the_graph(qtbot, run, open_windows):
    alice, _bob = _broadcasting_pair(qtbot, run, open_windows)
    alice.diagram.hide()  # (a window remembers its docks: a test before may have shown it)
    press(qtbot, alice, Qt.Key.Key_F9)
    qtbot.waitUntil(alice.diagram.isVisible, timeout=2000)
    view = alice.diagram.view
    assert any(lane.startswith("bob") for lane in view.history.lanes)
    # a delivered arrow, clicked: its receiver is selected in the model and the graph
    qtbot.waitUntil(lambda: view.width() > 300 and view.height() > 100, timeout=2000)
    view.set_scale(2000)
    view.repaint()
    qtbot.waitUntil(lambda: any(s.id for s in view._segments), timeout=2000)
    user = {a.id for a in view.history.arrows if a.category == "user"}
    seg = next(s for s in view._segments if s.id in user)
    pos = QPointF((seg.x1 + seg.x2) / 2, (seg.y1 + seg.y2) / 2).toPoint()
    with qtbot.waitSignal(view.frameClicked, timeout=2000) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pos)
    arrow = view.history.arrow(clicked.args[0])
    assert alice.selection.item == arrow.dst
    assert view.selected == arrow.id
    # a frame in flight, clicked in the diagram, is inspected in the graph (its dot ringed)
    alice.session.node.net.pause()
    alice.session.broadcast("room", "held")
    qtbot.waitUntil(lambda: bool(alice.session.model.traffic().in_flight), timeout=3000)
    held = alice.session.model.traffic().in_flight[-1].id
    alice.frame_clicked(held)
    assert alice.net.inspector.isVisible() and alice.net.inspector.frame_id == held
    assert alice.view.animator.highlighted == held
    alice.session.node.net.resume()
    press(qtbot, alice, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: not alice.diagram.isVisible(), timeout=2000)


def test_selecting_a_dot_lights_its_arrow(qtbot, run, open_windows):
    alice, _bob = _broadcasting_pair(qtbot, run, open_windows)

    class Dot:
        ids = ("f-probe",)
        count = 1
    alice.view.dotClicked.emit(Dot())
    assert alice.diagram.view.selected == "f-probe"


def test_export_menu_writes_files_that_parse(qtbot, run, open_windows, tmp_path):
    alice, _bob = _broadcasting_pair(qtbot, run, open_windows)
    written = {}
    for key, suffix in (("mermaid", ".mmd"), ("shiviz", ".log"), ("diagram-svg", ".svg"),
                        ("diagram-png", ".png"), ("view-svg", ".svg"), ("view-png", ".png")):
        act = alice.exports.actions[key]
        act.trigger()
        dialog = alice.exports.dialog
        assert dialog.objectName() == "exportFileDialog"
        qtbot.waitUntil(lambda d=dialog: d is not None and d.isVisible(), timeout=2000)
        target = tmp_path / f"{key}{suffix}"
        dialog.selectFile(str(target))
        dialog.accept()
        qtbot.waitUntil(target.exists, timeout=5000)
        written[key] = target
    text = written["mermaid"].read_text()
    assert text.startswith("sequenceDiagram") and "hello class" in text
    if parser_file() is not None:
        assert mermaid_accepts([text]) == [True]
    events = check_shiviz(written["shiviz"].read_text())
    assert {e["host"] for e in events} >= {"alice", "bob"}
    for key in ("diagram-svg", "view-svg"):
        svg = written[key].read_text()
        assert "<svg" in svg and "</svg>" in svg
    for key in ("diagram-png", "view-png"):
        assert written[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_f11_full_screen_and_back(qtbot, open_windows):
    (w,) = open_windows("alice")
    press(qtbot, w, Qt.Key.Key_F11)
    qtbot.waitUntil(w.isFullScreen, timeout=2000)
    assert w.actions_["fullScreen"].isChecked()
    press(qtbot, w, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not w.isFullScreen(), timeout=2000)


def test_question_mark_shows_every_key_and_escape_hides_it(qtbot, open_windows):
    (w,) = open_windows("alice")
    w.actions_["keys"].trigger()
    overlay = w.keys_overlay
    qtbot.waitUntil(overlay.isVisible, timeout=2000)
    text = overlay.label.text()
    for key in ("F11", "F9", "Page Down", "Ctrl+Shift+R"):
        assert key in text, key
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=2000)
    press(qtbot, w, Qt.Key.Key_Question)
    qtbot.waitUntil(overlay.isVisible, timeout=2000)
    overlay.hide()


def test_first_size_fits_the_screen(qtbot, open_windows):
    (w,) = open_windows("alice")
    area = w.screen().availableGeometry()
    width, height = first_size(w, (5000, 5000))
    assert width <= area.width() and height <= area.height()
    assert first_size(w, (400, 300)) == (400, 300)


def test_narrow_short_window_is_compact_and_the_controls_come_back(qtbot, open_windows):
    (w,) = open_windows("alice", size=(480, 540))
    qtbot.waitUntil(lambda: w.arrangement.compact, timeout=2000)
    assert not w.side_scroll.isVisible() and not w.actions_["controls"].isChecked()
    assert w.minimumSizeHint().width() <= 480
    press(qtbot, w, Qt.Key.Key_F8)
    qtbot.waitUntil(w.side_scroll.isVisible, timeout=2000)
    assert w.view.height() > 80  # the view stays first
    w.resize(1200, 780)
    qtbot.waitUntil(lambda: not w.arrangement.compact and w.side_scroll.isVisible(),
                    timeout=2000)


def test_event_log_wraps_long_lines(qtbot, open_windows):
    (w,) = open_windows("alice")
    assert w.event_log.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth


def test_inbox_header_follows_the_selected_members_groups(qtbot, open_windows):
    (w,) = open_windows("alice")
    pid = join_one(qtbot, w, "chat")
    qtbot.waitUntil(lambda: any(m.pid == pid for m in w.view.members), timeout=3000)
    w.select_member(next(m for m in w.view.members if m.pid == pid))
    qtbot.waitUntil(lambda: "chat" in w.panel.inbox_label.text(), timeout=3000)
    w.session.join("games", [pid])
    qtbot.waitUntil(lambda: bool(re.search(r"chat, games|games, chat", w.panel.inbox_label.text())),
                    timeout=3000)


def test_open_recording_from_the_file_menu(qtbot, open_windows, tmp_path):
    (w,) = open_windows("alice")
    path = w.record.start(tmp_path / "rec.jsonl")
    assert path is not None
    w.session.spawn_member()
    w.record.stop()
    qtbot.waitUntil(lambda: w.session.recorder is None, timeout=2000)
    replay = w.open_recording(str(path))
    assert replay is not None and replay.isVisible()
    assert replay.windowTitle().count("pgviz") == 1
    assert replay.diagram.view.history.lanes
    replay.close()
    assert w.open_recording(str(tmp_path / "missing.jsonl")) is None
    QApplication.processEvents()
