"""A relay between two nodes, holding no cookie, that tampers with frames: it can read them
(the MAC protects integrity, not secrecy; TLS adds that), but whatever it injects, alters,
replays, reorders or removes is caught by the frame MAC (wire/mac.py): the link closes with
a reason naming the MAC, and nothing forged reaches pg."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import pytest

from pgviz import Pid
from pgviz.events import Join, NodeDown
from pgviz.wire.codec import decode, encode
from pgviz.wire.mac import TAG_BYTES

from ..support import run, settle, spawn_idle, start_node, wait_until

HANDSHAKE_FRAMES = 2  # the initiator's hello and proof; its session frames follow


class Relay:
    """A TCP proxy from a dialler to `target`. Frames the dialler sends after its handshake
    go through `tamper` (frame bytes in, the bytes to forward out); the other way is copied."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.tamper: Callable[[bytes], list[bytes]] = lambda frame: [frame]
        self.session: list[bytes] = []  # the dialler's session frames seen, as sent
        self.upstream: asyncio.StreamWriter | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = self.target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        self.upstream = up_writer
        for task in (self._frames(reader, up_writer), self._copy(up_reader, writer)):
            t = asyncio.get_running_loop().create_task(task)
            self._tasks.add(t)

    async def _copy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
        writer.close()

    async def _frames(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf, count = b"", 0
        while data := await reader.read(65536):
            buf += data
            while len(buf) >= 4 and len(buf) - 4 >= (n := int.from_bytes(buf[:4], "big")):
                frame, buf = buf[:4 + n], buf[4 + n:]
                count += 1
                if count <= HANDSHAKE_FRAMES:
                    writer.write(frame)
                    continue
                self.session.append(frame)
                for out in self.tamper(frame):
                    writer.write(out)
        writer.close()

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        if self._server is not None:
            self._server.close()


def payload(frame: bytes) -> Any:
    """What a relay reads in a sealed frame: the term (the tag it cannot check nor make)."""
    return decode(frame[4:-TAG_BYTES])


def forged(frame: bytes, old: Pid, new: Pid) -> bytes:
    """A copy of a sealed frame with pid `old` swapped for `new`, and a made-up tag (the
    relay has no key to make a real one)."""
    body = frame[4:-TAG_BYTES]
    assert encode(old) in body
    body = body.replace(encode(old), encode(new))
    return (len(body) + TAG_BYTES).to_bytes(4, "big") + body + os.urandom(TAG_BYTES)


async def _setup():
    """a dials b through a relay; b records its nodedowns and the joins it learns."""
    # Long ticks: no tick frame in the way of the frames a test tampers with.
    a = await start_node("a", heal=False, tick_time=60)
    b = await start_node("b", heal=False, tick_time=60)
    relay = Relay(b.address)
    seen: list[Any] = []
    b.add_listener(seen.append)
    await a.connect(await relay.start())
    await wait_until(lambda: a.name in b.nodes(), what="a linked to b through the relay")
    await settle([a, b])
    return a, b, relay, seen


def _joined_at_b(seen: list[Any], pid: Pid) -> bool:
    return any(isinstance(e, Join) and pid in e.pids for e in seen)


async def _closed_for_mac(b, a, seen: list[Any]) -> str:
    down = await wait_until(lambda: next((e for e in seen if isinstance(e, NodeDown)
                                          and e.peer == a.name), None),
                            what="b dropped the link")
    assert "MAC" in down.reason and "integrity" in down.reason, down.reason
    return down.reason


async def _teardown(a, b, relay) -> None:
    await relay.stop()
    await a.stop()
    await b.stop()


def test_the_relay_reads_frames_and_honest_traffic_passes():
    """Sanity: an honest relay changes nothing (and can read the pg traffic: no secrecy)."""
    async def main():
        a, b, relay, seen = await _setup()
        try:
            pid = spawn_idle(a)
            a.pg.join("g", pid)
            await wait_until(lambda: b.pg.get_members("g") == [pid])
            assert any("join" in repr(payload(f)) for f in relay.session)
            assert not any(isinstance(e, NodeDown) for e in seen)
        finally:
            await _teardown(a, b, relay)
    run(main())


def test_an_injected_join_is_refused():
    async def main():
        a, b, relay, seen = await _setup()
        try:
            real = spawn_idle(a)
            a.pg.join("g", real)
            await wait_until(lambda: b.pg.get_members("g") == [real])
            join = next(f for f in relay.session if "join" in repr(payload(f)))
            fake = Pid(a.name, 4242, 0, a.creation)
            assert relay.upstream is not None
            relay.upstream.write(forged(join, real, fake))
            await _closed_for_mac(b, a, seen)
            assert not _joined_at_b(seen, fake) and fake not in b.pg.get_members("g")
        finally:
            await _teardown(a, b, relay)
    run(main())


@pytest.mark.parametrize("how", ["alter", "replay", "reorder", "drop"])
def test_a_tampered_stream_closes_the_link_naming_the_mac(how):
    """The next two frames a sends (two joins) are altered (a bit flipped), replayed (the
    first sent twice), reordered (second first) or thinned (the first removed)."""
    async def main():
        a, b, relay, seen = await _setup()
        try:
            held: list[bytes] = []

            def tamper(frame: bytes) -> list[bytes]:
                if how == "alter":
                    body = bytearray(frame)
                    body[-TAG_BYTES - 1] ^= 1
                    relay.tamper = lambda f: [f]
                    return [bytes(body)]
                if how == "replay":
                    relay.tamper = lambda f: [f]
                    return [frame, frame]
                held.append(frame)
                if len(held) < 2:
                    return []
                relay.tamper = lambda f: [f]
                return [held[1], held[0]] if how == "reorder" else [held[1]]

            relay.tamper = tamper
            first, second = spawn_idle(a), spawn_idle(a)
            a.pg.join("g1", first)
            await wait_until(lambda: len(relay.session) >= 1 or held, what="the first frame")
            a.pg.join("g2", second)
            await _closed_for_mac(b, a, seen)
            if how == "alter":
                assert not _joined_at_b(seen, first)
            elif how == "replay":
                # The genuine join passed; its replay closed the link.
                assert sum(isinstance(e, Join) and first in e.pids for e in seen) == 1
            else:  # reordered or one removed: the one that arrived out of turn is refused
                assert not _joined_at_b(seen, second)
        finally:
            await _teardown(a, b, relay)
    run(main())


def test_a_tick_from_a_relay_does_not_keep_a_dead_link_alive():
    """Ticks are sealed too: an empty frame made up by a relay closes the link."""
    async def main():
        a, b, relay, seen = await _setup()
        try:
            assert relay.upstream is not None
            relay.upstream.write(b"\x00\x00\x00\x00")  # an unsealed tick
            await _closed_for_mac(b, a, seen)
        finally:
            await _teardown(a, b, relay)
    run(main())


def test_frames_held_by_a_paused_clock_and_overtaken_by_urgent_ones_still_verify():
    """Numbers are given where frames reach the wire: a join held by a paused link, then
    overtaken by ticks, clock messages (NETCTL) and forwarded events (EV), still verifies
    when a step releases it, and the link stays up."""
    async def main():
        a = await start_node("a", tick_time=0.4)
        b = await start_node("b", tick_time=0.4)
        try:
            seen: list[Any] = []
            b.add_listener(seen.append, cluster=True)  # a forwards its events: EV, urgent
            await a.connect(b.address)
            await settle([a, b])
            a.net.pause()
            await wait_until(lambda: b.net.clock.paused)
            pid = spawn_idle(a)  # its spawn event travels urgently, past the held join
            a.pg.join("room", pid)
            await wait_until(lambda: len(a.net.held()) == 1, what="the join held")
            await wait_until(lambda: any(getattr(e, "pid", None) == pid for e in seen),
                             what="the spawn event past the held frame")
            await b.net.step()  # a NETCTL from b; a releases its held join
            await wait_until(lambda: b.pg.get_members("room") == [pid])
            b.net.resume()
            await wait_until(lambda: not a.net.clock.paused)
            assert not any(isinstance(e, NodeDown) for e in seen)
            assert a.nodes() == [b.name]
        finally:
            await a.stop()
            await b.stop()
    run(main())
