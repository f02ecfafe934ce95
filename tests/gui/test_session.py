"""NodeSession without a window: its model is seeded with the node's state and fed by one
cluster-wide listener; it records the cluster; its log says what its node did."""

import pytest

from pgviz import Node
from pgviz.events import NodeUp, Spawn
from pgviz.gui.session import NodeSession
from pgviz.model import load_recording

from .conftest import COOKIE


@pytest.fixture
def sessions(run):
    started = []

    def _start(*names):
        out = []
        for name in names:
            s = NodeSession(Node(name, cookie=COOKIE))
            run(s.start())
            started.append(s)
            out.append(s)
        return out
    yield _start
    for s in started:
        if s.node.running:
            run(s.stop())


def _links(s):
    return {tuple(sorted(link)) for link in s.model.snapshot().links}


def test_the_model_holds_both_ends_of_a_link_and_forgets_a_closed_node(qtbot, run, sessions):
    a, b = sessions("alice", "bob")
    logs = []
    a.listen(lambda kind, payload: logs.append(payload) if kind == "log" else None)
    seen = []
    a.watch(seen.append)
    run(b.connect(a.node.address))
    qtbot.waitUntil(lambda: _links(a) == {(a.name, b.name)} == _links(b), timeout=5000)
    qtbot.waitUntil(lambda: any(isinstance(e, NodeUp) and e.node == b.name for e in seen),
                    timeout=5000)  # bob's own events reach alice's model
    assert "nodeup bob" in logs
    run(b.stop())
    qtbot.waitUntil(lambda: _links(a) == set(), timeout=5000)
    assert b.name in a.model.snapshot().nodes  # known, no longer linked
    assert any(line.startswith("nodedown bob") for line in logs)


def test_recording_starts_with_the_state_and_follows_the_events(qtbot, run, sessions, tmp_path):
    a, b = sessions("alice", "bob")
    run(b.connect(a.node.address))
    qtbot.waitUntil(lambda: len(_links(a)) == 1, timeout=5000)
    path = a.start_recording(tmp_path / "r.jsonl")
    with pytest.raises(RuntimeError, match="already recording"):
        a.start_recording(tmp_path / "other.jsonl")
    pid = b.spawn_member()
    qtbot.waitUntil(lambda: pid in a.model.snapshot().processes.get(b.name, ()), timeout=5000)
    recorder = a.stop_recording()
    assert recorder is not None and a.recorder is None and a.stop_recording() is None
    rec = load_recording(path)
    assert rec.problems == [] and rec.nodes[:2] == [a.name, b.name]
    first = rec.events[0]
    assert isinstance(first, NodeUp) and first.lc == 0  # the state first
    assert any(isinstance(e, Spawn) and e.pid == pid for e in rec.events)


def test_a_recording_that_cannot_be_written_stops_and_says_so(qtbot, run, sessions, tmp_path):
    (a,) = sessions("alice")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError):
        a.start_recording(blocker / "r.jsonl")  # a file where a directory should be
    assert a.recorder is None
    errors = []
    a.listen(lambda kind, payload: errors.append(payload) if kind == "error" else None)
    a.start_recording("/dev/full")  # a full disk: writes fail when the buffer is flushed
    for _ in range(400):
        a.spawn_member()  # events to write
        if a.recorder is None:
            break
    assert a.recorder is None and any("stopped" in e for e in errors), errors
    assert a.node.running
