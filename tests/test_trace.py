"""The trace hook: plain-data events for messages, membership, processes and nodes."""

from __future__ import annotations

import json
import subprocess
import sys

import msgpack

from pgviz.trace import TraceRecorder, format_event

from .support import Inbox, cluster, run, spawn_idle, wait_until


def test_observer_sees_messages_membership_processes_and_nodes():
    async def main():
        async with cluster(2) as (a, b):
            rec = TraceRecorder()
            a.add_observer(rec)
            box = Inbox(b)
            a.send(box.pid, ("hello", 1))
            pid = spawn_idle(a)
            a.pg.join("g", pid)
            await wait_until(lambda: b.pg.get_members("g") == [pid])
            b.send(pid, "back")
            a.exit(pid, "kill")
            await b.stop()
            await wait_until(lambda: any(e["event"] == "nodedown" for e in rec.events))
            kinds = {e["event"] for e in rec.events}
            assert {"send", "recv", "spawn", "exit", "membership", "nodedown"} <= kinds
            sent = [e for e in rec.events if e["event"] == "send"]
            user = next(e for e in sent if e["kind"] == "user")
            assert user["peer"] == b.name and user["to"] == str(box.pid)
            assert user["op"] == "SEND" and user["size"] > 0 and "hello" in user["summary"]
            assert any(e["kind"] == "pg" and "join" in e["summary"] for e in sent)
            recv = next(e for e in rec.events if e["event"] == "recv" and e["kind"] == "user")
            assert recv["summary"] == "back"
            joined = next(e for e in rec.events if e["event"] == "membership")
            assert joined["change"] == "join" and joined["pids"] == [str(pid)]
            for ev in rec.events:  # plain data: a node can forward it to observers elsewhere
                assert msgpack.unpackb(msgpack.packb(ev)) == ev
                assert format_event(ev)
            diagram = rec.to_mermaid()
            assert diagram.startswith("sequenceDiagram") and "n1->>n2" in diagram
    run(main())


def test_a_failing_observer_is_removed_and_the_node_carries_on():
    async def main():
        async with cluster(1) as (a,):
            def broken(ev):
                raise RuntimeError("observer bug")

            a.add_observer(broken)
            spawn_idle(a)
            assert broken not in a._observers
            a.pg.join("g", spawn_idle(a))
    run(main())


def test_headless_trace_flag_prints_trace_events():
    res = subprocess.run(
        [sys.executable, "-m", "pgviz", "node", "--json", "--trace", "--cookie", "x", "--name",
         "tracer"], input="spawn w\njoin g w\nsend w hi\nquit\n", capture_output=True,
        text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    events = [json.loads(line) for line in res.stdout.splitlines()]
    traces = [e for e in events if e.get("event") == "trace"]
    spawned = [e for e in traces if e["trace"]["event"] == "spawn"]
    assert spawned and spawned[0]["trace"]["node"] == "tracer@127.0.0.1"
    assert spawned[0]["text"].startswith("tracer") and "spawned <tracer." in spawned[0]["text"]
    joins = [e["trace"] for e in traces if e["trace"]["event"] == "join"]
    assert joins and joins[0]["group"] == "g" and joins[0]["scope"] == "pg"
