"""A cookie holder cannot speak for other nodes: each node is the only authority on its own
processes (hardening regressions, each measured first as an attack that worked)."""

from __future__ import annotations

import asyncio

import pytest

from pgviz import ConnectionRefused, Pid
from pgviz.wire.codec import encode
from pgviz.wire.frames import encode_frame

from ..support import (
    cluster,
    raw_peer,
    raw_roundtrip,
    run,
    settle,
    spawn_idle,
    start_node,
    wait_until,
)
from .hand_driven import HandDriven, nodedowns

EVIL = "evil@127.0.0.1"


def _frame(term) -> bytes:
    return encode_frame(encode(term))


def test_sync_for_another_nodes_scope_is_refused():
    """A sync naming b's scope pid, sent by evil, does not replace what a knows of b."""
    async def main():
        async with cluster(2) as (a, b):
            member = spawn_idle(b)
            b.pg.join("room", member)
            await wait_until(lambda: a.pg.get_members("room") == [member])
            reader, writer = await raw_peer(a, EVIL)
            fake = Pid(b.name, 999, 0, b.creation)
            writer.write(_frame(["REG_SEND", "pg", ("sync", b.pg.pid, [("room", [fake])])]))
            writer.write(_frame(["REG_SEND", "pg", ("join", b.pg.pid, "room", fake)]))
            writer.write(_frame(["REG_SEND", "pg", ("leave", b.pg.pid, member, ["room"])]))
            await raw_roundtrip(reader, writer, a, EVIL)
            assert a.pg.ignored == 3
            writer.close()
            await wait_until(lambda: EVIL not in a.nodes())
            await settle([a, b])
            assert a.pg.get_members("room") == [member]
    run(main())


def test_a_peer_cannot_join_or_sync_members_of_other_nodes():
    """evil's own scope pid, but members of b: refused; evil's own members: accepted."""
    async def main():
        async with cluster(2) as (a, b):
            reader, writer = await raw_peer(a, EVIL)
            evil_scope = Pid(EVIL, 1, 0, 1)
            mine, bs = Pid(EVIL, 2, 0, 1), Pid(b.name, 5, 0, b.creation)
            writer.write(_frame(["REG_SEND", "pg", ("sync", evil_scope, [("room", [bs])])]))
            writer.write(_frame(["REG_SEND", "pg", ("discover", Pid(b.name, 1, 0, 1))]))
            writer.write(_frame(["REG_SEND", "pg", ("sync", evil_scope, [("room", [mine])])]))
            writer.write(_frame(["REG_SEND", "pg", ("join", evil_scope, "room", [mine, bs])]))
            await raw_roundtrip(reader, writer, a, EVIL)
            assert a.pg.ignored == 3
            assert a.pg.get_members("room") == [mine]
            writer.close()
            await wait_until(lambda: a.pg.get_members("room") == [], what="evil's members go")
    run(main())


def test_a_second_incarnation_cannot_evict_a_live_node():
    """Connecting as b (another creation) while b's link is alive is refused, in place of
    the ack (the claimant never counts as connected): b stays connected and its members
    stay; no fake pid of b appears, not even one sent right behind the proof."""
    async def main():
        async with cluster(2) as (a, b):
            member = spawn_idle(b)
            b.pg.join("room", member)
            await wait_until(lambda: a.pg.get_members("room") == [member])
            host, port = a.address.rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
            from pgviz import ConnectionRefused, Refusal
            from pgviz.wire.handshake import Handshake

            from ..support import COOKIE
            hs = Handshake(initiator=True, name=b.name, creation=666, cookie=COOKIE,
                           address="127.0.0.1:9", explicit=True)
            hs.start()
            writer.write(hs.data_to_send())
            while hs.state == "await_welcome":
                hs.receive_data(await reader.read(4096))
            writer.write(hs.data_to_send() + _frame(  # the proof, and a sync at once
                ["REG_SEND", "pg", ("sync", Pid(b.name, 1, 0, 666),
                                    [("room", [Pid(b.name, 7, 0, 666)])])]))
            with pytest.raises(ConnectionRefused) as refused:
                while True:
                    data = await asyncio.wait_for(reader.read(4096), 5)
                    assert data, "closed without a refusal"
                    hs.receive_data(data)
            assert refused.value.reason == Refusal.NAME_TAKEN
            assert await asyncio.wait_for(reader.read(4096), 5) == b""  # closed by a
            writer.close()
            await settle([a, b])
            assert b.name in a.nodes() and a.name in b.nodes()
            assert a._dist.peer_creation(b.name) == b.creation
            assert a.pg.get_members("room") == [member]
    run(main())


def test_a_claim_of_a_live_nodes_name_and_creation_cannot_evict_it():
    """A cookie holder connects to n2 as n1 with n1's own creation (n1's welcome tells it to
    anyone) while the link n1 dialled to n2 is up: n2 asks that link, n1 answers, and the
    claimant is refused in place of the ack. n2 reports no nodedown; its link is the same."""
    async def main():
        async with cluster(2) as (n1, n2):
            info = n2.connection_info(n1.name)
            assert info is not None and not info["initiator"]  # n1 dialled n2
            downs: list[tuple[str, str]] = []
            n2.add_node_callback(lambda ev, peer, why: downs.append((ev, peer))
                                 if ev == "nodedown" else None)
            link = n2._dist.conns[n1.name]
            host, port = n2.address.rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
            from pgviz import ConnectionRefused, Refusal
            from pgviz.wire.handshake import Handshake

            from ..support import COOKIE
            hs = Handshake(initiator=True, name=n1.name, creation=n1.creation, cookie=COOKIE,
                           address=n1.address, explicit=True)
            hs.start()
            writer.write(hs.data_to_send())
            while hs.state == "await_welcome":
                hs.receive_data(await reader.read(4096))
            writer.write(hs.data_to_send())  # the proof
            with pytest.raises(ConnectionRefused) as refused:  # (not acknowledged)
                while hs.state != "done":
                    data = await asyncio.wait_for(reader.read(4096), 5)
                    assert data, "closed without a refusal"
                    hs.receive_data(data)
            assert refused.value.reason == Refusal.ALREADY_CONNECTED
            assert await asyncio.wait_for(reader.read(4096), 5) == b""  # closed by n2
            writer.close()
            await settle([n1, n2])
            assert downs == []
            assert n2._dist.conns.get(n1.name) is link and link.state == "up"
            assert n1.name in n2.nodes() and n2.name in n1.nodes()
    run(main())


def test_a_claim_held_until_the_named_nodes_link_is_up_cannot_evict_it():
    """n2 dials x by address; x, a cookie holder, welcomes it in n1's name and creation and
    holds its ack until the real n1 has connected to n2 (n2's welcome check is passed by
    then). At the ack n2 asks n1's link, n1 answers, and n2 gives x's connection up: its
    connect() fails, n2 reports no nodedown, and n1's link is the same (x's ack used to
    replace it: x spoke as n1 until n1 healed and evicted it in turn)."""
    async def main():
        n1 = await start_node("n1")
        n2 = await start_node("n2")
        x = HandDriven()
        x.name, x.creation, x.hold = n1.name, n1.creation, "ack"
        await x.listen()
        try:
            downs = nodedowns(n2)
            dial = asyncio.ensure_future(n2.connect(x.address))
            await wait_until(lambda: x.holding, what="x holding its ack")
            assert await n1.connect(n2.address) == n2.name
            await wait_until(lambda: n1.name in n2.nodes(), what="n1 up on n2")
            link = n2._dist.conns[n1.name]
            x.release()
            with pytest.raises(ConnectionRefused):
                await asyncio.wait_for(dial, 5)
            await settle([n1, n2])
            assert downs == []
            assert n2._dist.conns.get(n1.name) is link and link.state == "up"
        finally:
            await n2.stop()
            await n1.stop()
            await x.close()
    run(main())


def test_forged_downs_with_guessed_refs_leave_members_alone():
    """DOWN messages sent by a peer (refs 0-199 as a counter would give, to the scope's
    name and pid) do not remove a live member anywhere."""
    async def main():
        async with cluster(2) as (a, b):
            member = spawn_idle(a)
            a.pg.join("room", member)
            await wait_until(lambda: b.pg.get_members("room") == [member])
            reader, writer = await raw_peer(a, EVIL)
            for ref in range(200):
                down = ("DOWN", ref, "process", member, "killed")
                writer.write(_frame(["REG_SEND", "pg", down]))
                writer.write(_frame(["SEND", a.pg.pid, down]))
            await raw_roundtrip(reader, writer, a, EVIL)
            assert a.pg.ignored == 400
            await settle([a, b])
            assert a.pg.get_members("room") == [member]
            assert b.pg.get_members("room") == [member]
            writer.close()
    run(main())


def test_monitor_refs_are_not_a_counter():
    async def main():
        async with cluster(1) as (a,):
            watcher = spawn_idle(a)
            refs = [a.process(watcher).monitor(spawn_idle(a)) for _ in range(50)]
            ids = [r.id for r in refs]
            assert len(set(ids)) == 50
            assert max(ids) > 2**40  # random 63-bit ids, not 1, 2, 3 ...
            assert sorted(ids) != ids or sorted(ids, reverse=True) != ids
    run(main())


def test_exit_signals_from_peers_do_not_stop_system_processes():
    """EXIT2 (kill or any reason, any claimed sender) and link exits from a peer leave the
    pg scope running with the same pid."""
    async def main():
        async with cluster(2) as (a, b):
            member = spawn_idle(a)
            a.pg.join("room", member)
            scope_pid = a.pg.pid
            reader, writer = await raw_peer(a, EVIL)
            me = Pid(EVIL, 3, 0, 1)
            for sender in (None, me, Pid(b.name, 1, 0, b.creation)):
                for reason in ("kill", "boom", "normal"):
                    writer.write(_frame(["EXIT2", sender, scope_pid, reason]))
            writer.write(_frame(["LINK", me, scope_pid]))
            writer.write(_frame(["EXIT", me, scope_pid, "boom"]))
            await raw_roundtrip(reader, writer, a, EVIL)
            assert a.pg.running and a.pg.pid == scope_pid
            assert a.pg.get_local_members("room") == [member]
            # b still hears a's scope: its members are there
            await settle([a, b])
            assert b.pg.get_members("room") == [member]
            writer.close()
    run(main())


def test_exit2_kills_user_processes_only_when_the_sender_is_the_peers():
    async def main():
        async with cluster(1) as (a,):
            victim = spawn_idle(a)
            reader, writer = await raw_peer(a, EVIL)
            writer.write(_frame(["EXIT2", Pid("third@127.0.0.1", 1, 0, 1), victim, "kill"]))
            await raw_roundtrip(reader, writer, a, EVIL)
            assert a.is_alive(victim)
            writer.write(_frame(["EXIT2", Pid(EVIL, 1, 0, 1), victim, "kill"]))
            await raw_roundtrip(reader, writer, a, EVIL)
            assert not a.is_alive(victim)
            writer.close()
    run(main())


def test_scope_restart():
    """A scope killed on its own node is restarted (as OTP's supervisor does): same name, new
    pid, empty local table; peers drop its old members and resync with the new process."""
    async def main():
        async with cluster(2) as (a, b):
            mine, theirs = spawn_idle(a), spawn_idle(b)
            a.pg.join("room", mine)
            b.pg.join("room", theirs)
            await wait_until(lambda: len(b.pg.get_members("room")) == 2)
            old = a.pg.pid
            a.exit(old, "kill")
            await wait_until(lambda: "pg" in a.scopes() and a.pg.pid != old, what="restarted")
            await wait_until(lambda: b.pg.get_members("room") == [theirs], what="b drops")
            await wait_until(lambda: a.pg.get_members("room") == [theirs], what="resynced")
            a.pg.join("room", mine)
            await wait_until(lambda: sorted(b.pg.get_members("room")) == sorted([mine, theirs]))
    run(main())


def test_a_stopped_scope_is_not_restarted():
    async def main():
        async with cluster(1) as (a,):
            scope = await a.start_scope("orders")
            assert await a.stop_scope("orders")
            await settle([a])
            assert "orders" not in a.scopes() and not scope.running
    run(main())


def test_deep_and_odd_terms_to_pg_are_ignored_safely(caplog):
    """Terms at the nesting limit, unhashable heads and huge ints sent to the scope are each
    refused and counted; the link stays, nothing escapes into asyncio's error handler."""
    async def main():
        async with cluster(1) as (a,):
            reader, writer = await raw_peer(a, EVIL)
            deep: object = 1
            for _ in range(94):  # with the frame's own levels: at the limit of 100
                deep = [deep]
            odd = [deep, ("join", deep, deep, deep), ({"a": 1}, 1, 2, 3), (2**63, "x"),
                   ("sync", Pid(EVIL, 1, 0, 1), [("g", deep)]), ("DOWN",), ()]
            for term in odd:
                writer.write(_frame(["REG_SEND", "pg", term]))
            await raw_roundtrip(reader, writer, a, EVIL)
            assert a.pg.ignored == len(odd)
            assert EVIL in a.nodes()
            writer.close()
    run(main())
    assert not [r for r in caplog.records if "Fatal error" in r.getMessage()]
