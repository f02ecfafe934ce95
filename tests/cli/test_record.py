"""The shell's `record FILE` / `record stop`: the cluster's events as a recording."""

from __future__ import annotations

from pgviz.events import Join, NodeUp, Spawn
from pgviz.model import ClusterModel, load_recording

from ..support import run
from .nodeproc import NodeProc


def test_record_writes_a_loadable_recording_of_the_cluster(tmp_path):
    path = tmp_path / "class.jsonl"

    async def main():
        a = await NodeProc.start("rec_a")
        b = await NodeProc.start("rec_b")
        try:
            assert (await a.cmd(f"connect {b.address}"))["ok"]
            reply = await a.cmd(f"record {path}")
            assert reply["ok"] and reply["file"] == str(path)
            assert not (await a.cmd(f"record {path}"))["ok"]  # once at a time
            assert (await b.cmd("spawn w"))["ok"] and (await b.cmd("join room w"))["ok"]
            assert (await a.cmd("monitor room"))["ok"]
            if not (await a.cmd("members room"))["members"]:
                await a.event("join", group="room")
            stop = await a.cmd("record stop")
            assert stop["ok"] and stop["events"] > 0
            assert not (await a.cmd("record stop"))["ok"]
            assert not (await a.cmd("record /nonexistent/dir/x.jsonl"))["ok"]
        finally:
            await a.close()
            await b.close()
    run(main(), timeout=60)
    rec = load_recording(path)
    assert rec.problems == []
    assert rec.nodes[:2] == ["rec_a@127.0.0.1", "rec_b@127.0.0.1"]
    kinds = {type(e) for e in rec.events}
    assert NodeUp in kinds and Spawn in kinds
    spawned_on_b = [e for e in rec.events if isinstance(e, Spawn) and e.node == "rec_b@127.0.0.1"]
    assert spawned_on_b, "b's events reach a's recording (cluster-wide)"
    assert any(isinstance(e, Join) for e in rec.events)
    snap = ClusterModel(rec.events).snapshot()
    room = snap.members("rec_a@127.0.0.1", "pg", "room")
    assert len(room) == 1 and room == snap.members("rec_b@127.0.0.1", "pg", "room")
