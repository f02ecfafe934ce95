"""Recordings: written as JSON Lines, read back forgivingly, replayed at any point."""

from __future__ import annotations

import json

import pytest

from pgviz import Pid
from pgviz.events import Join, NodeUp, Send, Spawn
from pgviz.model import Recorder, RecordingError, Replay, load_recording

A, B = "a@h", "b@h"


def _events(n: int):
    for i in range(n):
        yield Spawn(A, 1000.0 + i, i + 1, Pid(A, i + 1, 0, 1))


def test_a_recording_round_trips(tmp_path):
    path = tmp_path / "r.jsonl"
    rec = Recorder(path, nodes=[A, B], started=1000.0)
    evs = [NodeUp(A, 1000.0, 1, B), Join(A, 1001.0, 2, "pg", ("t", b"x"), (Pid(A, 1, 0, 1),)),
           Send(A, 1002.0, 3, "s1", A, B, "user", 5, "hi")]
    for ev in evs:
        rec(ev)
    rec.close()
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"pgviz_recording": 1, "started": 1000.0, "nodes": [A, B]}
    loaded = load_recording(path)
    assert loaded.events == evs and loaded.problems == [] and loaded.nodes == [A, B]


def test_bad_lines_are_skipped_and_reported(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = [e.to_dict() for e in _events(3)]
    path.write_text("\n".join([
        json.dumps({"pgviz_recording": 9, "started": 1, "nodes": []}),
        json.dumps(good[0]),
        "this is not json",
        json.dumps({"event": "teleport", "node": A, "t": 1, "lc": 1}),
        json.dumps(good[1]),
        json.dumps({"event": "spawn", "node": A}),
        json.dumps(good[2])[:-5],  # torn last line, no newline
    ]))
    rec = load_recording(path)
    assert [e.lc for e in rec.events] == [1, 2]
    text = " | ".join(rec.problems)
    assert "newer" in text and "not JSON" in text and "teleport" in text
    assert "torn last line" in text and "without 't'" in text


@pytest.mark.parametrize("content", ["", "hello\nworld\n", "{}\n[]\n"])
def test_a_file_with_nothing_usable_is_a_clear_error(tmp_path, content):
    path = tmp_path / "x.jsonl"
    path.write_text(content)
    with pytest.raises(RecordingError, match="not a pgviz recording"):
        load_recording(path)
    with pytest.raises(RecordingError, match="cannot read"):
        load_recording(tmp_path / "missing.jsonl")


def test_replay_gives_the_snapshot_after_any_number_of_events(tmp_path):
    path = tmp_path / "big.jsonl"
    rec = Recorder(path, nodes=[A])
    for ev in _events(5000):
        rec(ev)
    rec.close()
    replay = Replay(load_recording(path))
    assert len(replay) == 5000
    for count in (0, 1, 1999, 2000, 2001, 4321, 5000):
        assert len(replay.snapshot_at(count).processes.get(A, ())) == count
    assert replay.index_at(1000.0 + 2500) == 2501
