"""What an unauthenticated client or a misbehaving authenticated peer cannot do."""

from __future__ import annotations

import asyncio
import os

import msgpack

from pgviz.net.distribution import GOSSIP_DIALS
from pgviz.wire.codec import EXT_PID, encode
from pgviz.wire.frames import encode_frame
from pgviz.wire.handshake import PROTOCOL_VERSION

from ..support import cluster, raw_peer, run, spawn_idle, start_node, wait_until


async def _hello_only(address: str, claimed: str) -> None:
    host, port = address.rsplit(":", 1)
    _, w = await asyncio.open_connection(host, int(port))
    w.write(encode_frame(encode(["hello", PROTOCOL_VERSION, claimed, 1, os.urandom(16), "x:1", True,
                                 []])))
    await w.drain()
    w.close()


def test_an_unauthenticated_hello_does_not_lift_an_explicit_disconnect():
    async def main():
        async with cluster(3) as (a, b, c):
            await a.disconnect(b.name)
            await wait_until(lambda: b.name not in a.nodes())
            await _hello_only(a.address, b.name)
            await _hello_only(b.address, a.name)
            downs = []
            c.add_node_callback(lambda ev, peer, why: downs.append(peer) if ev == "nodedown"
                                else None)
            a._dist.sever(c.name, "blip")  # any later gossip would re-dial a-b if unblocked
            await wait_until(lambda: downs == [a.name])
            await c.connect(a.address)  # (or the link heals by itself: either way, gossip)
            await wait_until(lambda: c.name in a.nodes())
            await asyncio.sleep(0.3)
            assert b.name not in a.nodes()
            assert await b.connect(a.address) == a.name  # an explicit connect still lifts it
    run(main())


def test_an_explicit_connect_is_not_refused_because_of_a_gossip_dial():
    async def main():
        async with cluster(3) as (a, b, c):
            await a.disconnect(b.name)
            await wait_until(lambda: b.name not in a.nodes())
            for _ in range(5):
                a._dist.sever(c.name, "blip")
                results = await asyncio.gather(c.connect(a.address), b.connect(a.address))
                assert results[1] == a.name
    run(main())


def test_pids_with_huge_node_names_are_refused():
    """A frame holding a pid with a 100,000-character node name closes that link; the node
    goes on serving: a fresh peer connects and memberships propagate both ways."""
    async def main():
        async with cluster(1) as (a,):
            _, writer = await raw_peer(a, "big@127.0.0.1")
            fat = msgpack.ExtType(EXT_PID, msgpack.packb(["x" * 100_000, 1, 0, 1]))
            payload = msgpack.packb(["SEND", fat, "hi"])
            writer.write(encode_frame(payload))
            await wait_until(lambda: a.nodes() == [], what="peer dropped")
            writer.close()
            await _assert_serving(a)
    run(main())


async def _assert_serving(a) -> None:
    other = await start_node("other")
    try:
        assert await other.connect(a.address) == a.name
        theirs, mine = spawn_idle(other), spawn_idle(a)
        other.pg.join("room", theirs)
        a.pg.join("room", mine)
        for node in (a, other):
            await wait_until(lambda n=node: sorted(n.pg.get_members("room")) ==
                             sorted([mine, theirs]), what=f"members on {node.name}")
    finally:
        await other.stop()


def test_a_huge_peers_list_dials_a_bounded_number_at_once():
    """3,000 gossiped peers at 40 addresses that accept and never answer: the node dials
    them, never more than GOSSIP_DIALS at a time, and keeps serving."""
    async def main():
        open_now, most, total = 0, 0, 0
        writers = []

        async def silent(reader, writer):
            nonlocal open_now, most, total
            open_now += 1
            total += 1
            most = max(most, open_now)
            writers.append(writer)
            try:
                await reader.read()  # until the dialler gives up on the handshake
            finally:
                open_now -= 1
                writer.close()

        servers = [await asyncio.start_server(silent, f"127.0.0.{i}", 0) for i in range(2, 42)]
        addresses = [f"127.0.0.{i}:{s.sockets[0].getsockname()[1]}"
                     for i, s in zip(range(2, 42), servers, strict=True)]
        try:
            async with cluster(1, handshake_timeout=0.5) as (a,):
                _, writer = await raw_peer(a, "gossip@127.0.0.1")
                peers = [[f"n{i}@127.0.0.1", addresses[i % 40]] for i in range(3000)]
                writer.write(encode_frame(encode(["PEERS", peers])))
                await wait_until(lambda: total >= 2 * GOSSIP_DIALS, timeout=15,
                                 what="gossip dials")
                assert most <= GOSSIP_DIALS
                writer.close()
                await _assert_serving(a)
        finally:
            for s in servers:
                s.close()
    run(main())
