"""node.add_listener / node.events(): typed events of one node and of the whole cluster."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from pgviz import Pid
from pgviz.events import (
    Deliver,
    Event,
    EventError,
    Exit,
    Join,
    Leave,
    NodeDown,
    NodeUp,
    Overflow,
    Send,
    Spawn,
)
from pgviz.wire.codec import encode
from pgviz.wire.frames import encode_frame

from ..support import Inbox, cluster, raw_peer, raw_roundtrip, run, spawn_idle, wait_until

pids = st.builds(Pid, st.text(min_size=1, max_size=5).map(lambda s: s + "@h"),
                 st.integers(0, 2**31), st.integers(0, 3), st.integers(0, 2**32 - 1))
groups = st.recursive(st.text(max_size=5) | st.integers(-5, 5) | st.binary(max_size=3),
                      lambda c: st.tuples(c, c), max_leaves=4)
events = st.one_of(
    st.builds(NodeUp, st.just("a@h"), st.floats(0, 1e10), st.integers(0, 10**9), st.text()),
    st.builds(NodeDown, st.just("a@h"), st.floats(0, 1e10), st.integers(0, 9), st.text(),
              st.text()),
    st.builds(Join, st.just("a@h"), st.floats(0, 1e10), st.integers(0, 9), st.text(), groups,
              st.lists(pids, max_size=3).map(tuple)),
    st.builds(Leave, st.just("a@h"), st.floats(0, 1e10), st.integers(0, 9), st.text(), groups,
              st.lists(pids, max_size=3).map(tuple), st.sampled_from(["leave", "exit"])),
    st.builds(Spawn, st.just("a@h"), st.floats(0, 1e10), st.integers(0, 9), pids,
              st.none() | st.text()),
    st.builds(Send, st.just("a@h"), st.floats(0, 1e10), st.integers(0, 9), st.text(),
              st.text(), st.text(), st.text(), st.integers(0, 10**6), st.text()),
)


@given(events)
@settings(max_examples=200)
def test_events_survive_dict_json_and_msgpack_forms(ev):
    import json

    assert Event.from_dict(ev.to_dict()) == ev
    assert Event.from_dict(json.loads(json.dumps(ev.to_dict()))) == ev
    from pgviz.wire.codec import decode
    assert Event.from_dict(decode(encode(ev.to_dict()))) == ev


def test_bad_event_dicts_are_clear_errors():
    import pytest

    for bad in ([], {"event": "nope"}, {"event": "spawn", "node": "a", "t": 0, "lc": 1},
                {"event": "spawn", "node": "a", "t": 0, "lc": 1, "pid": [1], "name": None}):
        with pytest.raises(EventError):
            Event.from_dict(bad)


def test_a_listener_sees_this_nodes_lifecycle_and_can_unsubscribe():
    async def main():
        async with cluster(2) as (a, b):
            seen: list[Event] = []
            unsubscribe = a.add_listener(seen.append)
            pid = spawn_idle(a)
            a.exit(pid, "kill")
            await a.disconnect(b.name)
            await wait_until(lambda: any(isinstance(e, NodeDown) for e in seen))
            await a.connect(b.address)
            await wait_until(lambda: any(isinstance(e, NodeUp) for e in seen))
            kinds = [e.event for e in seen if e.event in ("spawn", "exit", "nodedown", "nodeup")]
            assert kinds == ["spawn", "exit", "nodedown", "nodeup"]
            assert [e.pid for e in seen if isinstance(e, (Spawn, Exit))] == [pid, pid]
            assert all(e.node == a.name for e in seen)
            lcs = [e.lc for e in seen]
            assert lcs == sorted(lcs) and len(set(lcs)) == len(lcs)
            unsubscribe()
            n = len(seen)
            spawn_idle(a)
            assert len(seen) == n
    run(main())


def test_send_and_deliver_share_an_id_and_deliver_comes_later():
    """Both ends listening, or only the receiver: each frame's deliver has its send's id and
    a larger Lamport clock."""
    async def main():
        async with cluster(2) as (a, b):
            for sender_listens in (True, False):
                sent: list[Event] = []
                got: list[Event] = []
                unsub_a = a.add_listener(sent.append) if sender_listens else (lambda: None)
                unsub_b = b.add_listener(got.append)
                box = Inbox(b)
                await wait_until(lambda: a._dist.connection(b.name).peer_events == "lc")
                for i in range(20):
                    a.send(box.pid, ("hello", i))
                await wait_until(lambda box=box: len(box.messages) == 20)
                delivers = [e for e in got if isinstance(e, Deliver) and e.kind == "user"]
                assert len(delivers) == 20
                assert all(d.src == a.name and d.dst == b.name for d in delivers)
                assert "hello" in delivers[0].summary
                if sender_listens:
                    sends = {e.id: e for e in sent if isinstance(e, Send) and e.kind == "user"}
                    assert len(sends) == 20
                    for d in delivers:
                        assert d.id in sends and d.lc > sends[d.id].lc
                else:
                    # the sender stamped its frames anyway, because the receiver asked
                    assert len({d.id for d in delivers}) == 20
                unsub_a()
                unsub_b()
    run(main())


def test_cluster_listener_gets_every_nodes_events_and_resumes_after_reconnect():
    async def main():
        async with cluster(3) as (a, b, c):
            seen: list[Event] = []
            a.add_listener(seen.append, cluster=True)
            await wait_until(lambda: all(
                a._dist.connection(n) is not None and
                x._dist.connection(a.name).peer_events == "cluster"
                for n, x in ((b.name, b), (c.name, c))))
            pb, pc = spawn_idle(b), spawn_idle(c)
            await wait_until(lambda: {(e.node, e.pid) for e in seen if isinstance(e, Spawn)}
                             >= {(b.name, pb), (c.name, pc)})
            await a.disconnect(b.name)
            await wait_until(lambda: b.name not in a.nodes())
            await a.connect(b.address)
            pb2 = spawn_idle(b)
            await wait_until(lambda: any(isinstance(e, Spawn) and e.pid == pb2 for e in seen),
                             what="b's events again after reconnect")
    run(main())


def test_a_forwarded_event_naming_another_node_is_refused():
    async def main():
        async with cluster(2) as (a, b):
            seen: list[Event] = []
            a.add_listener(seen.append, cluster=True)
            reader, writer = await raw_peer(a, "evil@127.0.0.1")
            lie = Spawn(b.name, 0.0, 1, Pid(b.name, 666, 0, 1)).to_dict()
            truth = Spawn("evil@127.0.0.1", 0.0, 1, Pid("evil@127.0.0.1", 5, 0, 1)).to_dict()
            writer.write(encode_frame(encode(["EV", lie])))
            writer.write(encode_frame(encode(["EV", truth])))
            await raw_roundtrip(reader, writer, a, "evil@127.0.0.1")
            spawned = [e.pid for e in seen if isinstance(e, Spawn)]
            assert Pid("evil@127.0.0.1", 5, 0, 1) in spawned
            assert Pid(b.name, 666, 0, 1) not in spawned
            writer.close()
    run(main())


def test_a_slow_stream_consumer_gets_an_overflow_count():
    async def main():
        async with cluster(1) as (a,):
            stream = a.events(limit=10)
            first = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0)
            for _ in range(100):
                spawn_idle(a)
            got = [await first]
            while not any(isinstance(e, Overflow) for e in got):
                got.append(await stream.__anext__())
            overflow = got.pop()
            assert len(got) == 10 and all(isinstance(e, Spawn) for e in got)
            assert overflow.dropped == 90
            await stream.aclose()
    run(main())


def test_nobody_listening_sends_no_event_traffic():
    async def main():
        async with cluster(2) as (a, b):
            box = Inbox(b)
            a.send(box.pid, "x")
            await wait_until(lambda: box.messages == ["x"])
            assert a._dist.connection(b.name).peer_events == ""
            assert b._dist.connection(a.name).peer_events == ""
    run(main())
