"""Local sends and broadcasts deliver an isolated copy of mutable messages, as Erlang does and
as every wire send does; immutable messages are shared, not copied."""

from __future__ import annotations

import pytest

from pgviz import LocalProtocolError

from ..support import cluster, run, settle, spawn_sleeper


def _queued(node, pid):
    return node.process(pid).flush()


def test_dict_broadcast_to_a_local_member_and_mutated_afterwards_arrives_unchanged():
    async def main():
        async with cluster(1) as (a,):
            p = spawn_sleeper(a)
            a.pg.join("g", p)
            msg = {"user": "carol", "tags": ["a"], "nested": ({"n": 1},)}
            a.pg.broadcast("g", msg)
            msg["user"] = "mallory"
            msg["tags"].append("b")
            msg["nested"][0]["n"] = 2
            assert _queued(a, p) == [{"user": "carol", "tags": ["a"], "nested": ({"n": 1},)}]
    run(main())


def test_local_send_isolates_mutables_nested_in_tuples():
    async def main():
        async with cluster(1) as (a,):
            p = spawn_sleeper(a)
            payload = [1, 2]
            a.send(p, ("data", payload, {"k": payload}))
            payload.append(3)
            assert _queued(a, p) == [("data", [1, 2], {"k": [1, 2]})]
    run(main())


def test_each_local_member_gets_its_own_copy():
    """One receiver changing its copy is not seen by another receiver."""
    async def main():
        async with cluster(1) as (a,):
            p1, p2 = spawn_sleeper(a), spawn_sleeper(a)
            a.pg.join("g", [p1, p2])
            a.pg.broadcast("g", {"seen_by": []})
            (m1,), (m2,) = _queued(a, p1), _queued(a, p2)
            m1["seen_by"].append("p1")
            assert m2 == {"seen_by": []}
    run(main())


def test_immutable_messages_are_shared_not_copied():
    async def main():
        async with cluster(1) as (a,):
            p = spawn_sleeper(a)
            msgs = [("data", b"x" * 100, 1, 2.5, None, True, p), "text", b"bytes", 42,
                    (("nested", ("tuple",)), frozenset({1}))]
            for m in msgs:
                a.send(p, m)
            assert all(got is sent for got, sent in zip(_queued(a, p), msgs, strict=True))
    run(main())


def test_local_send_accepts_values_the_wire_cannot_carry():
    """As in Erlang, any value can be sent locally: a set is copied, an object of another
    class is passed by reference (only broadcast and remote sends must be encodable)."""
    class Handle:
        pass

    async def main():
        async with cluster(1) as (a,):
            p = spawn_sleeper(a)
            tags, handle = {1, 2}, Handle()
            a.send(p, ("tags", tags, handle))
            tags.add(3)
            ((_, got_tags, got_handle),) = _queued(a, p)
            assert got_tags == {1, 2} and got_handle is handle
    run(main())


def test_local_send_of_a_self_containing_or_too_deep_message_raises():
    """What the codec refuses for being too deep cannot be copied either: the sender gets
    LocalProtocolError, not a RecursionError, and nothing is queued."""
    async def main():
        async with cluster(1) as (a,):
            p = spawn_sleeper(a)
            loop_: list = []
            loop_.append(loop_)
            deep: list = []
            for _ in range(200):
                deep = [deep]
            for bad in (loop_, deep, ("t", {"k": deep})):
                with pytest.raises(LocalProtocolError, match="nested deeper"):
                    a.send(p, bad)
            assert _queued(a, p) == []
    run(main())


def test_members_on_a_remote_node_get_their_own_copies():
    """A broadcast crosses the wire once per node: the receiving node still hands each member
    its own copy."""
    async def main():
        async with cluster(2) as (a, b):
            p1, p2 = spawn_sleeper(b), spawn_sleeper(b)
            b.pg.join("g", [p1, p2])
            await settle([a, b])
            a.pg.broadcast("g", {"seen_by": []})
            await settle([a, b])
            (m1,), (m2,) = _queued(b, p1), _queued(b, p2)
            m1["seen_by"].append("p1")
            assert m2 == {"seen_by": []}
    run(main())
