"""No peer can exhaust a node: what a link cut releases, bounded echoes, a bounded gossip
queue, and quiet logs (regressions of measured attacks; counts, never timings)."""

from __future__ import annotations

import asyncio
import logging
import os

from pgviz import Pid
from pgviz.net.distribution import GOSSIP_DIALS, MAX_GOSSIP_QUEUE
from pgviz.wire.codec import encode
from pgviz.wire.frames import encode_frame

from ..support import cluster, raw_peer, raw_roundtrip, run, spawn_idle, wait_until

EVIL = "evil@127.0.0.1"


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_peer_that_stops_reading_is_cut_and_releases_its_socket():
    """The node cuts a peer that reads nothing at max_buffer, and the cut frees the queued
    bytes and the socket at once (a graceful close kept both for good)."""
    async def main():
        async with cluster(1, max_buffer=1024 * 1024) as (a,):
            before = _fds()
            reader, writer = await raw_peer(a, EVIL)
            writer.transport.pause_reading()  # the attacker stops reading
            target = Pid(EVIL, 1, 0, 1)
            blob = b"x" * (256 * 1024)
            for _ in range(400):  # 100 MiB offered, far past what the kernel buffers
                if EVIL not in a.nodes():
                    break
                a.send(target, blob)
                await asyncio.sleep(0)
            await wait_until(lambda: EVIL not in a.nodes(), what="slow peer cut")
            # our raw client socket is still open: one fd more than before, not two
            await wait_until(lambda: _fds() == before + 1, what="node-side socket freed")
            assert a.connection_info(EVIL) is None
            writer.close()
    run(main())


def test_monitor_replies_do_not_echo_big_peer_data():
    """MONITOR_P of a 1 MiB 'name' is refused; nothing of that size comes back."""
    async def main():
        async with cluster(1) as (a,):
            reader, writer = await raw_peer(a, EVIL)
            me = Pid(EVIL, 1, 0, 1)
            from pgviz import Ref
            for i in range(20):
                writer.write(encode_frame(encode(["MONITOR_P", me, "n" * (1 << 20),
                                                  Ref(EVIL, i, 1)])))
            writer.write(encode_frame(encode(["MONITOR_P", me, "nobody", Ref(EVIL, 99, 1)])))
            got = bytearray()

            async def read_some():
                while True:
                    chunk = await reader.read(65536)
                    if not chunk:
                        return
                    got.extend(chunk)
            reading = asyncio.ensure_future(read_some())
            from pgviz.wire.codec import decode
            from pgviz.wire.frames import FrameDecoder
            # the small one is answered (noproc): the node still serves MONITOR_P
            await wait_until(lambda: any(
                f and decode(f)[0] == "MONITOR_P_EXIT" for f in FrameDecoder().feed(bytes(got))),
                what="noproc reply")
            reading.cancel()
            assert len(got) < 64 * 1024
            assert EVIL in a.nodes()
            writer.close()
    run(main())


def test_a_gossip_flood_keeps_a_bounded_queue():
    """200 PEERS messages of 1,024 distinct unreachable addresses: at most MAX_GOSSIP_QUEUE
    dials wait, the rest are dropped and counted, and honest work goes on."""
    async def main():
        async with cluster(2, handshake_timeout=0.5) as (a, b):
            reader, writer = await raw_peer(a, EVIL)
            for m in range(200):
                peers = [[f"n{m}-{i}@127.0.0.1", f"127.0.0.1:{1 + (m * 1024 + i) % 60000}"]
                         for i in range(1024)]
                writer.write(encode_frame(encode(["PEERS", peers])))
            await raw_roundtrip(reader, writer, a, EVIL)
            dialer = a._dist.dialer
            assert dialer.queued <= MAX_GOSSIP_QUEUE
            assert dialer.dropped >= 200 * 1024 - MAX_GOSSIP_QUEUE - GOSSIP_DIALS - 1024
            member = spawn_idle(b)
            b.pg.join("room", member)
            await wait_until(lambda: a.pg.get_members("room") == [member])
            writer.close()
    run(main())


def test_gossip_never_completes_a_handshake_with_a_stranger():
    """A peer gossips c's address under another name: a dials it, sees the name differ and
    stops before proving the cookie; c does not get connected to a."""
    async def main():
        async with cluster(3, connect=False) as (a, b, c):
            reader, writer = await raw_peer(a, EVIL)
            writer.write(encode_frame(encode(["PEERS", [["ghost@127.0.0.1", c.address]]])))
            await raw_roundtrip(reader, writer, a, EVIL)
            await wait_until(lambda: a._dist.dialer.queued == 0 and not a._dist.dials._by_address)
            assert c.name not in a.nodes() and a.name not in c.nodes()
            writer.close()
    run(main())


def test_peer_faults_are_logged_at_a_bounded_rate(caplog):
    """1,000 bad frames from 1,000 connections: a handful of log lines, not 1,000."""
    async def main():
        async with cluster(1) as (a,):
            host, port = a.address.rsplit(":", 1)
            for _ in range(1000):
                _, w = await asyncio.open_connection(host, int(port))
                w.write(b"\x00\x00\x00\x05junk!")
                w.close()
            await wait_until(lambda: a._dist.faultlog.counts.get("failed handshake", 0) >= 1000,
                             timeout=30)
    with caplog.at_level(logging.INFO, logger="pgviz"):
        run(main())
    lines = [r for r in caplog.records if "handshake failed" in r.getMessage()]
    assert 1 <= len(lines) <= 5


def test_the_total_queued_for_all_peers_is_bounded():
    """Two peers that stop reading, each under its own max_buffer: once all queues together
    pass max_total_buffer, the one with the most queued is cut and its bytes freed."""
    async def main():
        async with cluster(1, max_buffer=64 << 20, max_total_buffer=8 << 20) as (a,):
            peers = {}
            for name in ("slow1@127.0.0.1", "slow2@127.0.0.1"):
                _, writer = await raw_peer(a, name)
                writer.transport.pause_reading()
                peers[name] = writer
            blob = b"x" * (256 * 1024)
            for _ in range(200):  # up to 50 MiB each, alternating
                if len(a.nodes()) < 2:
                    break
                for name in peers:
                    a.send(Pid(name, 1, 0, 1), blob)
                await asyncio.sleep(0)
            await wait_until(lambda: len(a.nodes()) == 1, what="one slow peer cut")
            survivor = a.nodes()[0]
            assert a.connection_info(survivor)["queued"] <= 8 << 20
            for writer in peers.values():
                writer.close()
    run(main())
