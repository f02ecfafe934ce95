"""The words a window uses: counts in the status bar, a failed connect said like a person,
frames by what they are (not their ids), the network clock said the same way in the bar and
the status bar, keys written the same way in the overlay and the toolbar, and the replay's
event list as sentences."""

from __future__ import annotations

from pgviz.events import Clock, NodeUp, ScopeView, Send, Spawn
from pgviz.gui.event_words import event_words
from pgviz.gui.keys_overlay import shortcut_rows
from pgviz.runtime import Pid

from .drivers import log_lines
from .test_transport_bar import click, cluster_of, held


def test_a_refused_connect_says_nothing_listens_there_and_logs_the_detail(qtbot, open_windows):
    alice, = open_windows("alice")
    alice.commands.connect("127.0.0.1:1")
    qtbot.waitUntil(lambda: any("cannot connect" in line for line in log_lines(alice)),
                    timeout=5000)
    said = alice.statusBar().currentMessage()
    assert said == "cannot connect to 127.0.0.1:1: nothing listens there"
    assert "Errno" not in said
    assert "Errno 111" in log_lines(alice)[-1]  # the detail, one line below


def test_the_paused_clock_reads_the_same_in_the_bar_and_the_status_bar(qtbot, open_windows,
                                                                      run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    click(qtbot, alice, "pauseToolButton")
    qtbot.waitUntil(lambda: alice.net.bar.mode == "pause", timeout=5000)
    assert alice.net.bar.state_label.text() == alice.statusBar().currentMessage()
    assert "Step (→)" in alice.net.bar.state_label.text()


def test_a_step_names_the_frame_it_let_go_not_its_id(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    alice.session.node.net.pause()
    qtbot.waitUntil(lambda: alice.net.bar.mode == "pause", timeout=5000)
    alice.session.join("chat", [alice.session.spawn_member()])
    qtbot.waitUntil(lambda: len(held(alice)) == 1, timeout=3000)
    frame, = held(alice)
    click(qtbot, alice, "stepToolButton")
    qtbot.waitUntil(lambda: "step:" in alice.statusBar().currentMessage(), timeout=3000)
    said = alice.statusBar().currentMessage()
    assert said == "step: let pg join alice → bob go" and frame.id not in said


def test_the_keys_overlay_writes_step_as_the_toolbar_does(open_windows):
    alice, = open_windows("alice")
    rows = dict((what, keys) for keys, what in shortcut_rows(alice))
    assert rows["Step"] == "→"
    assert "(→)" in alice.net.bar.step_action.toolTip()


def test_replay_events_read_as_sentences():
    alice, bob = "alice@127.0.0.1", "bob@127.0.0.1"
    pid = Pid(alice, 4, 0, 1)
    assert event_words(NodeUp(alice, 0.0, 0, bob)) == "alice: connected to bob"
    assert event_words(ScopeView(alice, 0.0, 0, "pg", ())) == "alice: knows no group yet"
    assert event_words(Spawn(alice, 0.0, 1, pid)) == f"alice: started {pid}"
    assert event_words(Send(alice, 0.0, 2, "f1", alice, bob, "join", 40, "room")) \
        == "alice: sends pg join to bob: room"
    assert event_words(Clock(alice, 0.0, 3, "pause")) == "alice: network clock paused"


def test_the_replay_window_lists_events_as_sentences(qtbot, tmp_path):
    from .test_record_replay import _replay, _small_recording

    replay = _replay(qtbot, _small_recording(tmp_path / "small.jsonl"))
    rows = [replay.events_list.item(i) for i in range(replay.events_list.count())]
    assert rows[0].text() == "  0.000 s   alice: connected to bob"
    assert rows[2].text() == "  0.000 s   alice: knows no group yet"
    assert "^" not in rows[0].text() and "node up" in rows[0].toolTip()  # the trace line
