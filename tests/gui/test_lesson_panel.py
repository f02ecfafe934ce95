"""A shipped lesson stepped end to end in the lesson window (PageDown/PageUp, → and ←), on a
stage of app windows in this process; a malformed lesson file named by its line."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pgviz.gui.lessons_menu import active_lesson, open_lesson


def _press(qtbot, window, key):
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window, key)


def _checks(lesson_window):
    """Each check as read out (its accessible text: "✓ …" or "✗ …"; the window shows the
    mark as a coloured badge)."""
    lst = lesson_window.checks
    return [lst.item(i).data(Qt.ItemDataRole.AccessibleTextRole) for i in range(lst.count())]


def test_joins_in_flight_lesson_steps_through_with_clicker_and_arrow_keys(qtbot, run):
    lw = open_lesson("3")
    assert lw is not None and active_lesson() is lw
    try:
        qtbot.waitUntil(lambda: not lw.busy and len(lw.windows) == 2, timeout=15000)
        alice, bob = lw.windows["alice"], lw.windows["bob"]
        assert alice.isVisible() and bob.isVisible()
        assert "step 1" not in lw.step_label.text()
        steps = len(lw.lesson.steps)
        for i in range(steps):
            key = Qt.Key.Key_PageDown if i % 2 == 0 else Qt.Key.Key_Right
            _press(qtbot, lw, key)
            qtbot.waitUntil(lambda i=i: not lw.busy and lw.run.position == i, timeout=15000)
            checks = _checks(lw)
            assert lw.result is not None and lw.result.ok, (i, checks, lw.status.text())
            assert all(c.startswith("✓") for c in checks), checks
            assert lw.step_label.text() == f"step {i + 1} of {steps}"
            assert lw.step_title.text() == lw.lesson.steps[i].title
            if i == 2:  # look = "frames join": the diagram lights the join arrows
                assert alice.diagram.view.highlight.kind == "frames"
                assert alice.diagram.view.highlight.target == ("join",)
            if i == 1:  # look = "diagram": the diagram opens in every window
                assert all(w.diagram.isVisible() for w in lw.windows.values())
        assert not lw.next_button.isEnabled()
        # Back (PageUp): the nodes restart and the steps before are replayed
        old = lw.windows["alice"]
        _press(qtbot, lw, Qt.Key.Key_PageUp)
        qtbot.waitUntil(lambda: not lw.busy and lw.run.position == steps - 2, timeout=20000)
        assert lw.windows["alice"] is not old and old.stopped.done()
        assert lw.step_title.text() == lw.lesson.steps[steps - 2].title
        assert all(c.startswith("✓") for c in _checks(lw)), _checks(lw)
        _press(qtbot, lw, Qt.Key.Key_Left)
        qtbot.waitUntil(lambda: not lw.busy and lw.run.position == steps - 3, timeout=20000)
        # PageDown in a node window is Next too (a clicker aimed at whichever window has focus)
        node_window = lw.windows["bob"]
        _press(qtbot, node_window, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda: not lw.busy and lw.run.position == steps - 2, timeout=20000)
    finally:
        windows = list(lw.windows.values())
        lw.close()
        qtbot.waitUntil(lw.stopped.done, timeout=10000)
    assert all(w.stopped.done() for w in windows)
    assert active_lesson() is None


def test_a_malformed_lesson_file_is_reported_with_its_line(qtbot, open_windows, tmp_path):
    (w,) = open_windows("alice")
    bad = tmp_path / "mine.toml"
    bad.write_text('title = "Mine"\nnodes = ["alice"]\n\n[[step]]\ntitle = "one"\n'
                   'say = "hi"\ndo = ["spawn zed p"]\n')
    assert w.lessons.open(str(bad)) is None
    last = w.event_log.toPlainText().splitlines()[-1]
    assert "mine.toml:7:" in last and "zed" in last
    assert "Traceback" not in w.event_log.toPlainText()
