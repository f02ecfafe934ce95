"""Connections and the mesh over loopback TCP and in memory."""

from __future__ import annotations

import asyncio
import logging
import os
import stat

import pytest

import pgviz
from pgviz import AuthenticationError, ConnectionRefused, Faults, MemoryNetwork, Node
from pgviz.net.cookie import resolve_cookie

from ..support import Inbox, cluster, raw_peer, run, spawn_idle, start_node, wait_until


def test_connect_returns_the_peer_name_and_is_idempotent():
    async def main():
        async with cluster(2, connect=False) as (a, b):
            assert await a.connect(b.address) == b.name
            assert await a.connect(b.address) == b.name
            assert await b.connect(a.address) == a.name
            assert a.nodes() == [b.name] and b.nodes() == [a.name]
            assert await a.connect(a.address) == a.name
    run(main())


@pytest.mark.parametrize("transport", ["tcp", "memory"])
def test_transitive_full_mesh(transport):
    """A node that connects to one member of a cluster ends up connected to all."""
    async def main():
        opts = {"network": MemoryNetwork()} if transport == "memory" else {}
        async with cluster(5, connect=False, **opts) as nodes:
            for n in nodes[1:3]:
                await nodes[0].connect(n.address)
            await nodes[3].connect(nodes[4].address)
            await nodes[4].connect(nodes[2].address)
            await wait_until(lambda: all(len(n.nodes()) == 4 for n in nodes), what="mesh")
    run(main())


def test_simultaneous_connects_leave_exactly_one_connection():
    async def main():
        for _ in range(10):
            async with cluster(2, connect=False) as (a, b):
                ra, rb = await asyncio.gather(a.connect(b.address), b.connect(a.address))
                assert (ra, rb) == (b.name, a.name)
                await asyncio.sleep(0.05)
                assert a.nodes() == [b.name] and b.nodes() == [a.name]
                box = Inbox(b)
                for i in range(100):
                    a.send(box.pid, i)
                await wait_until(lambda box=box: len(box.messages) == 100)
                assert box.messages == list(range(100))
    run(main())


def test_disconnect_is_not_undone_by_the_mesh_until_connect():
    async def main():
        async with cluster(3) as (a, b, c):
            assert await a.disconnect(b.name) is True
            assert await a.disconnect(b.name) is False
            await wait_until(lambda: b.name not in a.nodes() and a.name not in b.nodes())
            # c gossips its peers to both whenever something connects; nobody redials a-b.
            d = await start_node("d")
            try:
                await d.connect(c.address)
                await wait_until(lambda: len(d.nodes()) == 3, what="d meshed")
                await asyncio.sleep(0.2)
                assert b.name not in a.nodes() and a.name not in b.nodes()
                assert await b.connect(a.address) == a.name
                assert b.name in a.nodes()
            finally:
                await d.stop()
    run(main())


def test_peer_restarted_under_the_same_name_is_accepted_and_old_pids_stay_dead():
    async def main():
        a = await start_node("a")
        b = await start_node("b")
        try:
            await a.connect(b.address)
            old = Inbox(b)
            a.pg.join("g", spawn_idle(a))
            await b.stop()
            b2 = await start_node("b")
            await b2.connect(a.address)
            await wait_until(lambda: b2.name in a.nodes())
            new = Inbox(b2)
            assert new.pid.id == old.pid.id or new.pid != old.pid
            a.send(old.pid, "to the old incarnation")
            a.send(new.pid, "to the new one")
            assert await new.next() == "to the new one"
            assert new.take() == []
            await wait_until(lambda: len(b2.pg.get_members("g")) == 1)
            await b2.stop()
        finally:
            await a.stop()
    run(main())


def test_wrong_cookie_and_unreachable_addresses_are_clear_errors():
    async def main():
        async with cluster(1) as (a,):
            bad = Node("bad", cookie="not-the-cookie")
            await bad.start()
            try:
                with pytest.raises(AuthenticationError):
                    await bad.connect(a.address)
                assert a.nodes() == [] and bad.nodes() == []
            finally:
                await bad.stop()
            with pytest.raises(ConnectionRefused, match="could not reach"):
                await a.connect("127.0.0.1:1")
            with pytest.raises(ConnectionRefused, match="not an address"):
                await a.connect("nonsense")
    run(main())


def test_a_silent_peer_is_dropped_after_the_tick_time():
    """A one-way grudge drops frames (ticks included): both sides notice within tick_time."""
    async def main():
        faults = Faults()
        net = MemoryNetwork()
        async with cluster(2, network=net, faults=faults, tick_time=0.4) as (a, b):
            pid = spawn_idle(b)
            b.pg.join("g", pid)
            await wait_until(lambda: a.pg.get_members("g") == [pid])
            faults.grudge(a.name, b.name)
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await wait_until(lambda: not a.nodes() and not b.nodes(), timeout=3)
            assert loop.time() - t0 < 1.0
            await wait_until(lambda: a.pg.get_members("g") == [])
            faults.heal()
            await a.connect(b.address)
            await wait_until(lambda: a.pg.get_members("g") == [pid])
    run(main())


def test_partition_and_heal():
    async def main():
        faults = Faults()
        async with cluster(4, network=MemoryNetwork(), faults=faults) as nodes:
            a, b, c, d = nodes
            for n in nodes:
                n.pg.join("g", spawn_idle(n))
            await wait_until(lambda: all(len(n.pg.get_members("g")) == 4 for n in nodes))
            faults.partition([a.name, b.name], [c.name, d.name])
            await wait_until(lambda: all(len(n.pg.get_members("g")) == 2 for n in nodes))
            with pytest.raises(ConnectionRefused):
                await a.connect(c.address)
            faults.heal()
            await a.connect(c.address)
            await wait_until(lambda: all(len(n.pg.get_members("g")) == 4 for n in nodes))
    run(main())


def test_delay_and_hold_keep_fifo():
    async def main():
        faults = Faults()
        async with cluster(2, network=MemoryNetwork(), faults=faults) as (a, b):
            box = Inbox(b)
            faults.set_delay(a.name, b.name, 0.05)
            t0 = asyncio.get_running_loop().time()
            for i in range(5):
                a.send(box.pid, i)
            await wait_until(lambda: len(box.messages) == 5, what="delayed frames")
            assert asyncio.get_running_loop().time() - t0 >= 0.05
            assert box.messages == list(range(5))
            faults.set_delay(a.name, b.name, 0)
            faults.hold(a.name, b.name)
            for i in range(5, 10):
                a.send(box.pid, i)
            await asyncio.sleep(0.1)  # a negative check: held frames must not arrive
            assert box.messages == list(range(5))
            faults.release(a.name, b.name)
            await wait_until(lambda: len(box.messages) == 10)
            assert box.messages == list(range(10))
    run(main())


def test_a_peer_that_never_reads_is_disconnected_with_a_logged_reason(caplog):
    async def main():
        async with cluster(1, max_buffer=256 * 1024) as (a,):
            _, writer = await raw_peer(a, "lazy@127.0.0.1")
            sock = writer.get_extra_info("socket")
            sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
            target = pgviz.Pid("lazy@127.0.0.1", 1, 0, 1)
            with caplog.at_level(logging.WARNING):
                for _ in range(20_000):
                    a.send(target, b"x" * 10_000)
                    await asyncio.sleep(0)
                    if not a.nodes():
                        break
                await wait_until(lambda: not a.nodes(), what="slow peer dropped")
            assert any("too slow" in r.getMessage() for r in caplog.records)
            writer.close()
    run(main())


def test_cookie_file_is_created_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("PGVIZ_COOKIE", raising=False)
    first = resolve_cookie(None)
    path = tmp_path / "pgviz" / "cookie"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert resolve_cookie(None) == first and len(first) >= 20
    monkeypatch.setenv("PGVIZ_COOKIE", "from-env")
    assert resolve_cookie(None) == "from-env"
    assert resolve_cookie("explicit") == "explicit"


def test_a_node_that_proves_a_second_connection_has_given_its_first_one_up():
    """Two connections from the same node (x dialled twice), proved one after the other: b
    keeps the one proved last. A node proves a connection only while no link to that peer is
    up on its side and no other dial of its own to it is proved (net/rivals.py), so a second
    proof says the first link is gone over there (OTP's `alive`, answered true). Each side
    must keep the same one: "the first to finish" lost a pair once (the soak found it), when
    acceptors acknowledged before deciding. (The order by session id is from the rule before
    this one, which kept the smaller; here the smaller is the one proved last.)"""
    from pgviz.wire.handshake import Handshake

    from ..support import COOKIE

    async def main():
        async with cluster(1) as (b,):
            host, port = b.address.rsplit(":", 1)
            conns = []
            for _ in range(2):
                reader, writer = await asyncio.open_connection(host, int(port))
                hs = Handshake(initiator=True, name="x@127.0.0.1", creation=7, cookie=COOKIE,
                               address="127.0.0.1:9", explicit=True)
                hs.start()
                writer.write(hs.data_to_send())
                while not hs.session:  # until the welcome (both nonces known)
                    hs.receive_data(await reader.read(4096))
                conns.append((hs.session, hs, reader, writer))
            conns.sort(key=lambda c: c[0], reverse=True)  # the larger session finishes first
            for _, hs, reader, writer in conns:
                writer.write(hs.data_to_send())  # the proof
                while hs.state != "done":
                    hs.receive_data(await reader.read(4096))
                await wait_until(lambda: "x@127.0.0.1" in b.nodes())
            larger, smaller = conns
            while await asyncio.wait_for(larger[2].read(65536), 5):
                pass  # what b sent on it before closing it
            # the larger session was closed by b; the smaller one is the link
            assert b.connection_info("x@127.0.0.1") is not None
            assert b._dist.connection("x@127.0.0.1").session == smaller[0]
            for _, _, _, writer in conns:
                writer.close()
    run(main())


def test_a_refusal_says_why_as_a_typed_reason():
    """ConnectionRefused.reason is a Refusal code, not something to parse out of a message."""
    import pytest

    from pgviz import ConnectionRefused, Refusal

    async def main():
        async with cluster(2, connect=False, names=["twin", "twin"]) as (a, b):
            with pytest.raises(ConnectionRefused) as info:
                await a.connect(b.address)
            assert info.value.reason == Refusal.SAME_NAME and info.value.peer == b.name
            with pytest.raises(ConnectionRefused) as info:
                await a.connect("127.0.0.1:1")
            assert info.value.reason == Refusal.UNREACHABLE
    run(main())
