"""Events as people read them: listeners, the one-line description, the shell's --trace."""

from __future__ import annotations

import json
import subprocess
import sys

import msgpack

from pgviz.events import Deliver, Event, Join, NodeDown, Send
from pgviz.trace import describe

from .support import Inbox, cluster, run, spawn_idle, wait_until


def test_listener_sees_messages_membership_processes_and_nodes():
    """One node's events: frames it sends and delivers, membership as it sees it (its own
    joins and its peers'), processes and node events, each with a one-line description."""
    async def main():
        async with cluster(2) as (a, b):
            seen: list[Event] = []
            a.add_listener(seen.append)
            box = Inbox(b)
            a.send(box.pid, ("hello", 1))
            pid = spawn_idle(a)
            a.pg.join("g", pid)
            theirs = spawn_idle(b)
            b.pg.join("g", theirs)
            await wait_until(lambda: sorted(b.pg.get_members("g")) == sorted([pid, theirs]),
                             what="b sees both")
            await wait_until(lambda: sorted(a.pg.get_members("g")) == sorted([pid, theirs]),
                             what="a sees both")
            b.send(pid, "back")
            a.exit(pid, "kill")
            await b.stop()
            await wait_until(lambda: any(isinstance(e, NodeDown) for e in seen), what="down")
            kinds = {e.event for e in seen}
            assert {"send", "deliver", "spawn", "exit", "join", "leave", "nodedown"} <= kinds
            user = next(e for e in seen if isinstance(e, Send) and e.kind == "user")
            assert user.dst == b.name and user.size > 0 and "hello" in user.summary
            assert any(isinstance(e, Send) and e.kind == "join" for e in seen)
            back = next(e for e in seen if isinstance(e, Deliver) and e.kind == "user")
            assert back.src == b.name and "back" in back.summary
            joins = [e for e in seen if isinstance(e, Join)]
            assert {p for e in joins for p in e.pids} == {pid, theirs}
            for ev in seen:
                assert Event.from_dict(msgpack.unpackb(msgpack.packb(ev.to_dict()))) == ev
                assert describe(ev).startswith("n1 ") and "\n" not in describe(ev)
    run(main())


def test_a_failing_listener_is_removed_and_the_node_carries_on():
    async def main():
        async with cluster(1) as (a,):
            calls = []

            def broken(ev):
                calls.append(ev)
                raise RuntimeError("listener bug")

            a.add_listener(broken)
            spawn_idle(a)
            spawn_idle(a)
            assert len(calls) == 1 and not a.events_active
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


def test_the_frame_watermark_and_a_lost_watch_read_as_sentences():
    from pgviz.events import Received, Unwatched

    got = Received("a@h", 1.0, 7, peer="b@h", id="b>a#12")
    lost = Unwatched("a@h", 1.0, 8, peer="c@h")
    assert describe(got) == "a     7 <= everything from b up to b>a#12 arrived"
    assert describe(lost) == "a     8 -  no longer hears c's events"
