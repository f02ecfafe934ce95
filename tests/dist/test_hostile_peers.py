"""What an unauthenticated client or a misbehaving authenticated peer cannot do."""

from __future__ import annotations

import asyncio
import os

import msgpack

from pgviz import Pid
from pgviz.wire.codec import EXT_PID, encode
from pgviz.wire.frames import encode_frame

from ..support import cluster, raw_peer, run, start_node, wait_until


async def _hello_only(address: str, claimed: str) -> None:
    host, port = address.rsplit(":", 1)
    _, w = await asyncio.open_connection(host, int(port))
    w.write(encode_frame(encode(["hello", 1, claimed, 1, os.urandom(16), "x:1", True, []])))
    await w.drain()
    w.close()


def test_an_unauthenticated_hello_does_not_lift_an_explicit_disconnect():
    async def main():
        async with cluster(3) as (a, b, c):
            await a.disconnect(b.name)
            await wait_until(lambda: b.name not in a.nodes())
            await _hello_only(a.address, b.name)
            await _hello_only(b.address, a.name)
            a._dist.sever(c.name, "blip")  # any later gossip would re-dial a-b if unblocked
            await wait_until(lambda: a.name not in c.nodes())
            await c.connect(a.address)
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
    async def main():
        async with cluster(1) as (a,):
            _, writer = await raw_peer(a, "big@127.0.0.1")
            fat = msgpack.ExtType(EXT_PID, msgpack.packb(["x" * 100_000, 1, 0, 1]))
            payload = msgpack.packb(["SEND", fat, "hi"])
            writer.write(encode_frame(payload))
            await wait_until(lambda: a.nodes() == [], what="peer dropped")
            writer.close()
            assert a.running and Pid("a@h", 1) is not None
    run(main())


def test_a_huge_peers_list_dials_a_bounded_number_at_once():
    async def main():
        async with cluster(1) as (a,):
            sink = await start_node("sink")
            try:
                _, writer = await raw_peer(a, "gossip@127.0.0.1")
                peers = [[f"n{i}@127.0.0.1", sink.address] for i in range(3000)]
                writer.write(encode_frame(encode(["PEERS", peers])))
                await asyncio.sleep(0.2)
                assert len(a._dist._pending) <= 16
                writer.close()
            finally:
                await sink.stop()
    run(main())
