"""Shared test helpers: run a coroutine, wait on a condition, build clusters, barriers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pgviz
from pgviz import Node, Pid, Process

COOKIE = "test-cookie"


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    # PGVIZ_TEST_LOOP=uvloop runs the same tests on uvloop (tests/test_uvloop.py does).
    if os.environ.get("PGVIZ_TEST_LOOP") == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None


def run(coro: Any, timeout: float = 60.0) -> Any:
    """Run one test coroutine on a fresh loop, with a hard timeout."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(asyncio.wait_for(coro, timeout))


async def wait_until(pred: Callable[[], Any], timeout: float = 5.0, what: str = "",
                     interval: float = 0.002) -> Any:
    """Poll `pred` until it is truthy; fail with `what` after `timeout` seconds. interval=0
    checks on every loop iteration, for a state that lasts only a few iterations."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or pred}")
        await asyncio.sleep(interval)


async def holds_for(pred: Callable[[], Any], seconds: float, what: str = "") -> None:
    """Check `pred` stays true for `seconds`, on every poll (an absence cannot be awaited as a
    condition: it has to be watched for its whole duration)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        assert pred(), what or pred
        await asyncio.sleep(0.01)


async def idle(proc: Process) -> None:
    while True:
        await proc.receive()


def spawn_idle(node: Node) -> Pid:
    return node.spawn(idle)


async def _sleeper(proc: Process) -> None:
    await proc.receive(match=lambda m: m == "never")


def spawn_sleeper(node: Node) -> Pid:
    """A process that never takes a message: its mailbox shows what was delivered to it."""
    return node.spawn(_sleeper)


async def _barrier(proc: Process) -> None:
    while True:
        msg = await proc.receive()
        if type(msg) is tuple and msg[0] == "ping":
            proc.send(msg[1], ("pong", msg[2]))


async def start_node(name: str, **opts: Any) -> Node:
    opts.setdefault("cookie", COOKIE)
    node = Node(name, **opts)
    await node.start()
    node.spawn(_barrier, name="barrier")
    return node


@contextlib.asynccontextmanager
async def cluster(n: int, *, connect: bool = True, names: list[str] | None = None,
                  **opts: Any) -> AsyncIterator[list[Node]]:
    """n started nodes (TCP on loopback unless network= is given), connected as a mesh."""
    names = names or [f"n{i}" for i in range(1, n + 1)]
    nodes = [await start_node(name, **opts) for name in names]
    try:
        if connect:
            for other in nodes[1:]:
                await nodes[0].connect(other.address)
            await wait_until(lambda: all(len(x.nodes()) == n - 1 for x in nodes),
                             what="full mesh")
            await settle(nodes)
        yield nodes
    finally:
        for node in nodes:
            await node.stop()


async def settle(nodes: list[Node], rounds: int = 3) -> None:
    """A barrier: every message sent between these nodes before the call has been handled.

    Each round, every node pings every connected peer's barrier process and awaits the pong.
    Per-connection FIFO means what was sent before the ping was processed before the pong came
    back; the scope's replies (sync after discover ...) need the extra rounds, as OTP's suite
    needs its three sync barriers."""
    names = {n.name for n in nodes}
    for _ in range(rounds):
        waits = []
        for node in nodes:
            if not node.running:
                continue
            waits.append(_ping(node, node.name))
            for peer in node.nodes():
                if peer in names:
                    waits.append(_ping(node, peer))
        await asyncio.gather(*waits)
        await asyncio.sleep(0)


async def _ping(node: Node, peer: str) -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def pinger(proc: Process) -> None:
        # The monitor ends the wait early if the link drops meanwhile (DOWN noconnection).
        ref = proc.monitor(("barrier", peer))
        proc.send(("barrier", peer), ("ping", proc.pid, 0))
        try:
            await proc.receive(timeout=5, match=lambda m: m == ("pong", 0) or (
                type(m) is tuple and m[0] == "DOWN" and m[1] == ref))
        finally:
            if not done.done():
                done.set_result(None)

    node.spawn(pinger)
    await done


async def raw_peer(node: Node, name: str) -> tuple[Any, Any]:
    """A hand-driven TCP peer that completes the handshake with `node` as `name`, then does
    whatever the test wants with the raw stream (garbage, never reading ...). It holds the
    cookie, so the frames it writes are sealed with the session's MAC (`write_raw` skips
    that), and what it reads comes back as plain frames: a peer that lies, not a relay."""
    from pgviz.wire.handshake import Established, Handshake

    host, port = node.address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    hs = Handshake(initiator=True, name=name, creation=1, cookie=COOKIE, address="127.0.0.1:9",
                   explicit=True)
    hs.start()
    writer.write(hs.data_to_send())
    event = None
    while not isinstance(event, Established):
        event = hs.receive_data(await reader.read(4096))
        writer.write(hs.data_to_send())
    assert event.keys is not None
    await wait_until(lambda: name in node.nodes(), what=f"{name} connected")
    return OpenedReader(reader, event.keys.receive, event.rest), SealedWriter(writer,
                                                                              event.keys.send)


class SealedWriter:
    """A StreamWriter whose write() seals whole frames (as encode_frame makes them) with a
    session's MAC, numbering them as a node does; a partial frame waits for its rest."""

    def __init__(self, writer: asyncio.StreamWriter, key: bytes) -> None:
        from pgviz.wire.mac import FrameSealer

        self._writer = writer
        self._sealer = FrameSealer(key)
        self._pending = b""

    def write(self, data: bytes) -> None:
        buf = self._pending + bytes(data)
        pos = 0
        while len(buf) - pos >= 4:
            length = int.from_bytes(buf[pos:pos + 4], "big")
            if len(buf) - pos - 4 < length:
                break
            pos += 4 + length
        self._pending = buf[pos:]
        if pos:
            self._writer.write(self._sealer.seal(buf[:pos]))

    def write_raw(self, data: bytes) -> None:
        self._writer.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)


class OpenedReader:
    """A StreamReader whose read() checks and strips the session's MAC: it returns plain
    frames (encode_frame's), b"" at the end of the stream."""

    def __init__(self, reader: asyncio.StreamReader, key: bytes, rest: bytes) -> None:
        from pgviz.wire.mac import FrameOpener

        self._reader = reader
        self._opener = FrameOpener(key, 64 * 1024 * 1024)
        self._ready = self._reframe(rest)

    def _reframe(self, data: bytes) -> bytes:
        frames = self._opener.feed(data)
        if self._opener.error is not None:
            raise self._opener.error
        return b"".join(len(f).to_bytes(4, "big") + f for f in frames)

    async def read(self, n: int = -1) -> bytes:
        if self._ready:
            data, self._ready = self._ready, b""
            return data
        while True:
            chunk = await self._reader.read(n if n > 0 else 65536)
            if not chunk:
                return b""
            data = self._reframe(chunk)
            if data:
                return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


class Inbox:
    """A process that records what it receives, for tests."""

    def __init__(self, node: Node, name: str | None = None) -> None:
        self.messages: list[Any] = []
        self.node = node
        self.pid = node.spawn(self._loop, name=name)

    async def _loop(self, proc: Process) -> None:
        while True:
            msg = await proc.receive()
            self.messages.append(msg)  # not bound before the await: take() swaps the list

    async def next(self, timeout: float = 2.0) -> Any:
        await wait_until(lambda: self.messages, timeout, what=f"a message at {self.pid}")
        return self.messages.pop(0)

    def take(self) -> list[Any]:
        msgs, self.messages = self.messages, []
        return msgs


def members(node: Node, group: Any, scope: str = "pg") -> list[Pid]:
    return sorted(node.scope(scope).get_members(group))


__all__ = ["run", "wait_until", "cluster", "settle", "start_node", "spawn_idle", "Inbox",
           "members", "COOKIE", "pgviz"]


async def raw_roundtrip(reader: Any, writer: Any, node: Node, as_node: str) -> None:
    """A barrier for a raw peer: ping `node`'s barrier process and read frames until the pong
    comes back. Per-connection FIFO: every frame written before has been handled by then."""
    from pgviz.wire.codec import decode, encode
    from pgviz.wire.frames import FrameDecoder, encode_frame

    me = Pid(as_node, 1, 0, 1)
    writer.write(encode_frame(encode(["REG_SEND", "barrier", ("ping", me, "raw")])))
    await writer.drain()
    frames = FrameDecoder()
    while True:
        chunk = await asyncio.wait_for(reader.read(65536), 5)
        if not chunk:
            raise AssertionError(f"{node.name} closed the raw connection")
        for frame in frames.feed(chunk):
            term = decode(frame) if frame else None
            if type(term) is list and term[:1] == ["LC"]:  # stamped with a Lamport clock
                term = term[2]
            if term == ["SEND", me, ("pong", "raw")]:
                return
