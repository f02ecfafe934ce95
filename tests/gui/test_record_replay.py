"""Record a cluster from a window, play it back in the replay window; damaged files load what
can be loaded and say what was skipped; `pgviz replay` on garbage exits 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QToolButton

from pgviz.events import Join, NodeUp, ScopeView, Send, Spawn
from pgviz.gui.replay_window import ReplayWindow, open_replay
from pgviz.model import Recorder, load_recording
from pgviz.runtime import Pid

from .drivers import connect_cluster, join_one, shown_pids
from .test_model_views import CAROL, _feed_cluster


def _replay(qtbot, path):
    w = open_replay(path, theme="light")
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    return w


def _to_end(qtbot, replay):
    replay.slider.setValue(replay.slider.maximum())  # a scrub, as a drag does
    qtbot.waitUntil(lambda: replay.playhead.at_end, timeout=2000)


def test_record_then_replay_shows_the_same_members(qtbot, open_windows, tmp_path):
    """Record a live three-node cluster from alice's window (Record button), then open the
    file in the replay window and scrub to the end: the same members, on the same nodes."""
    alice, bob, carol = open_windows("alice", "bob", "carol", whole=True)
    connect_cluster(qtbot, alice, bob, carol)
    first = join_one(qtbot, bob, "chat")
    qtbot.waitUntil(lambda: first in shown_pids(alice), timeout=5000)
    button = alice.findChild(QToolButton, "recordToolButton")
    button.click()
    assert alice.record.recording and alice.actions_["record"].isChecked()
    path = alice.session.recorder.path
    assert path.parent == tmp_path / "recordings"
    assert str(path) in alice.event_log.toPlainText()  # the name is shown in the log
    assert alice.status["Recording"].isVisible()
    join_one(qtbot, alice, "chat")
    doomed = join_one(qtbot, carol, "news")
    join_one(qtbot, carol, "chat")
    bob.panel.group_combo.setEditText("chat")
    bob.commands.broadcast()
    carol.session.kill(doomed)
    qtbot.waitUntil(lambda: doomed not in shown_pids(alice) and len(shown_pids(alice)) == 3
                    and shown_pids(alice) == shown_pids(bob) == shown_pids(carol), timeout=5000)
    expected = {(m.pid, m.node, m.groups) for m in alice.view.members}
    button.click()
    assert not alice.record.recording and not alice.status["Recording"].isVisible()
    assert "recording stopped" in alice.event_log.toPlainText()

    replay = _replay(qtbot, path)
    assert not replay.problems.isVisible()
    # it opens on the state recording started from: bob's first member already there
    assert first in {m.pid for m in replay.view.members}
    _to_end(qtbot, replay)
    assert {(m.pid, m.node, m.groups) for m in replay.view.members} == expected
    assert len(replay.view.picture.links) == 3


def test_a_recording_starts_with_the_cluster_as_it_is(qtbot, open_windows):
    """What the window knows when Record is pressed (other nodes' views too) is written
    first, so the replay opens on that picture, not on an empty one."""
    (alice,) = open_windows("alice", whole=True)
    a1, b1, c1 = _feed_cluster(alice)
    qtbot.waitUntil(lambda: shown_pids(alice) == {a1, b1, c1}, timeout=2000)
    path = alice.record.start()
    alice.session.feed(Join(CAROL, 1003.0, 40, "pg", "news", (Pid(CAROL, 9, 0, 1),)))
    alice.record.stop()
    rec = load_recording(path)
    assert rec.problems == [] and rec.nodes[0] == alice.session.name
    replay = _replay(qtbot, path)
    assert {m.pid for m in replay.view.members} == {a1, b1, c1}
    assert replay.playhead.count == replay.playhead.total - 1
    replay.actions_["next"].trigger()
    assert len(replay.view.members) == 4


def test_record_to_a_chosen_file_without_a_modal_loop(qtbot, open_windows, tmp_path):
    (alice,) = open_windows("alice")
    alice.actions_["recordTo"].trigger()  # returns at once: open(), not exec()
    dialog = alice.findChild(QFileDialog, "recordFileDialog")
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "mine.jsonl"
    dialog.selectFile(str(target))
    dialog.accept()
    qtbot.waitUntil(lambda: alice.record.recording, timeout=2000)
    assert alice.session.recorder.path == target and alice.actions_["record"].isChecked()
    alice.actions_["record"].trigger()
    assert not alice.record.recording
    assert json.loads(target.read_text().splitlines()[0])["pgviz_recording"] == 1


def _small_recording(path, n_joins=6):
    a, b = "alice@h", "bob@h"
    rec = Recorder(path, nodes=[a, b], started=100.0)
    t = 100.0
    for ev in (NodeUp(a, t, 1, b), NodeUp(b, t, 1, a), ScopeView(a, t, 2, "pg", ()),
               ScopeView(b, t, 2, "pg", ())):
        rec(ev)
    for i in range(n_joins):
        t += 0.05
        pid = Pid(b, 10 + i, 0, 1)
        rec(Spawn(b, t, 10 + 4 * i, pid))
        rec(Join(b, t, 11 + 4 * i, "pg", "chat", (pid,)))
        rec(Send(b, t, 12 + 4 * i, f"f{i}", b, a, "join", 40, "(join …)"))
        rec(Join(a, t + 0.01, 13 + 4 * i, "pg", "chat", (pid,)))
    rec.close()
    return path


def test_replay_controls_step_scrub_play_and_speed(qtbot, tmp_path):
    replay = _replay(qtbot, _small_recording(tmp_path / "small.jsonl"))
    ph = replay.playhead
    assert ph.count == 4 and replay.view.members == ()  # opens after the starting state
    qtbot.mouseClick(replay.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(replay.next_button, Qt.MouseButton.LeftButton)
    assert ph.count == 6 and [m.pid.id for m in replay.view.members] == [10]
    qtbot.mouseClick(replay.prev_button, Qt.MouseButton.LeftButton)
    assert ph.count == 5 and replay.view.members == ()  # alive, in no group yet
    assert "event 5 of 28" in replay.event_label.text()
    replay.slider.setValue(replay.slider.maximum() // 2)
    assert 4 < ph.count < 28
    replay.speed_combo.setCurrentIndex(replay.speed_combo.findText("10×"))
    assert ph.speed == 10.0
    replay.jump(0)
    replay.activateWindow()
    replay.view.setFocus()
    qtbot.waitUntil(replay.isActiveWindow, timeout=2000)
    qtbot.keyClick(replay.view, Qt.Key.Key_Space)  # play
    assert ph.playing and replay.timer.isActive()
    qtbot.waitUntil(lambda: ph.at_end and not ph.playing, timeout=5000)
    assert not replay.timer.isActive()  # nothing runs once it stopped
    assert len(replay.view.members) == 6
    qtbot.keyClick(replay.view, Qt.Key.Key_Space)  # at the end, Space plays from the start
    assert ph.playing
    qtbot.keyClick(replay.view, Qt.Key.Key_Space)
    assert not ph.playing and not replay.timer.isActive()


def test_replay_of_a_damaged_file_shows_what_was_skipped(qtbot, tmp_path):
    good = _small_recording(tmp_path / "good.jsonl").read_text().splitlines()
    header = json.loads(good[0])
    header["pgviz_recording"] = 9
    lines = [json.dumps(header), *good[1:8], "this is not json",
             json.dumps({"event": "teleport", "node": "alice@h", "t": 1, "lc": 1}),
             *good[8:12], good[12][:-7]]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines))  # the last line torn, no newline
    replay = _replay(qtbot, path)
    assert replay.problems.isVisible()
    text = replay.problems_label.text()
    for expected in ("newer", "not JSON", "teleport", "torn last line"):
        assert expected in text, text
    assert replay.playhead.total == 11
    _to_end(qtbot, replay)
    assert len(replay.view.members) == 2  # what could be loaded is shown
    qtbot.mouseClick(replay.findChild(QToolButton, "dismissProblemsButton"),
                     Qt.MouseButton.LeftButton)
    assert not replay.problems.isVisible()
    assert isinstance(replay, ReplayWindow)


def _pgviz(*args, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "pgviz", *args], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)


def test_pgviz_replay_of_a_file_with_nothing_usable_exits_2(tmp_path):
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"\x00\x01 not a recording\n{]\n")
    res = _pgviz("replay", str(garbage), tmp_path=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "not a pgviz recording" in res.stderr and "Traceback" not in res.stderr
    header_only = tmp_path / "empty.jsonl"
    header_only.write_text(json.dumps({"pgviz_recording": 1, "started": 1, "nodes": []}) + "\n")
    res = _pgviz("replay", str(header_only), tmp_path=tmp_path)
    assert res.returncode == 2 and "no events" in res.stderr
    res = _pgviz("replay", str(tmp_path / "missing.jsonl"), tmp_path=tmp_path)
    assert res.returncode == 2 and "cannot read" in res.stderr
    assert Path(tmp_path).is_dir()
