"""A name in a send_name is not proved until the cookie is: a stranger WITHOUT the cookie that
opens a handshake claiming a real node's name, and then says nothing, must not stop that node
from connecting, nor our own connect() to it (pgviz's own protocol: commit 23cacbc).

Two pgviz nodes on the Erlang protocol: V, whose name is the greater (so that an unproved
rival would make it answer `nok` to the real L), and L. Each connect is bounded well below
the handshake timeout (5 s), after which the stranger's handshake would end by itself."""

from __future__ import annotations

import asyncio
import contextlib
import struct

from pgviz.erlang.handshake import OUR_FLAGS, Handshake, StatusReceived
from pgviz.events import NodeDown, NodeUp

from ..support import run, wait_until
from .beam import start_py
from .conftest import COOKIE

PROMPT = 3.0  # well below the handshake timeout (5 s), which ends the stranger's handshake


class Stranger:
    """A raw socket to `port` that sends a send_name claiming `claim` and reads the status;
    it never proves the cookie (it has none)."""

    def __init__(self) -> None:
        self.writer: asyncio.StreamWriter | None = None
        self.reader: asyncio.StreamReader | None = None

    async def claim(self, address: str, claim: str) -> str:
        host, _, port = address.rpartition(":")
        self.reader, self.writer = await asyncio.open_connection(host, int(port))
        msg = b"N" + struct.pack(">QIH", OUR_FLAGS, 1234, len(claim)) + claim.encode()
        self.writer.write(struct.pack(">H", len(msg)) + msg)
        return await self._status()

    async def answer_alive(self) -> None:
        assert self.writer is not None
        self.writer.write(b"\x00\x05strue")
        await self._message()  # the challenge: it stays unanswered

    async def _message(self) -> bytes:
        assert self.reader is not None
        (size,) = struct.unpack(">H", await asyncio.wait_for(self.reader.readexactly(2), 5))
        return await asyncio.wait_for(self.reader.readexactly(size), 5)

    async def _status(self) -> str:
        msg = await self._message()
        assert msg[:1] == b"s", msg
        return msg[1:].decode()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _pair(epmd, py_name):
    v = await start_py(py_name + "z", epmd.port, COOKIE)
    l_ = await start_py(py_name + "a", epmd.port, COOKIE)
    assert v.name > l_.name
    return v, l_


@contextlib.asynccontextmanager
async def _pair_and_stranger(epmd, py_name):
    """V and L (V's name the greater) and a raw stranger without the cookie; all closed after."""
    v, l_ = await _pair(epmd, py_name)
    stranger = Stranger()
    try:
        yield v, l_, stranger
    finally:
        stranger.close()
        await v.stop()
        await l_.stop()


def test_a_strangers_unproved_name_does_not_make_the_node_refuse_the_real_one(epmd, py_name):
    """A stranger claims L's name to V and stays silent; the real L then dials V: V answers
    it `ok` (an unproved name is no rival: it used to answer `nok`, V's name being the
    greater, and L waited 5 s for a connection from V that never came)."""
    async def main():
        async with _pair_and_stranger(epmd, py_name) as (v, l_, stranger):
            assert await stranger.claim(v.address, l_.name) == "ok"
            assert await asyncio.wait_for(l_.connect(v.name), PROMPT) == v.name
            assert v.nodes() == [l_.name] and l_.nodes() == [v.name]
    run(main())


def test_a_strangers_unproved_name_does_not_hold_our_connect(epmd, py_name):
    """A stranger claims L's name to V and stays silent; V then connects to L: V does not
    wait on the stranger's handshake as on one L started (it used to, until that handshake
    timed out)."""
    async def main():
        async with _pair_and_stranger(epmd, py_name) as (v, l_, stranger):
            assert await stranger.claim(v.address, l_.name) == "ok"
            assert await asyncio.wait_for(v.connect(l_.name), PROMPT) == l_.name
            assert v.nodes() == [l_.name] and l_.nodes() == [v.name]
    run(main())


def test_a_strangers_held_alive_does_not_silence_the_real_node(epmd, py_name):
    """V dialled L; a stranger claims L's name to V, gets `alive`, answers `true` and proves
    nothing. L then dials V's address: V answers it `alive` as well (it used to
    close L's connection without a status, so L's connect failed), L answers `false`, and
    the link stays."""
    async def main():
        async with _pair_and_stranger(epmd, py_name) as (v, l_, stranger):
            # V dials: L's link then has no dial address to recognise V's by, so L dials it
            assert await v.connect(l_.name) == l_.name
            await wait_until(lambda: l_.nodes() == [v.name], what="L's side of the link")
            link = v._dist.connection(l_.name)
            assert await stranger.claim(v.address, l_.name) == "alive"
            await stranger.answer_alive()
            assert await asyncio.wait_for(l_.connect(v.address), PROMPT) == v.name
            assert v._dist.connection(l_.name) is link and link.state == "up"
            assert v.nodes() == [l_.name] and l_.nodes() == [v.name]
    run(main())


class Claimant:
    """A raw connection that claims `name` AND proves it (it has the cookie): the sans-IO
    Handshake driven by hand, so that two such connections can be held at each step."""

    def __init__(self, name: str, expect: str) -> None:
        self.hs = Handshake(initiator=True, name=name, creation=4321, cookie=COOKIE,
                            expect=expect)
        self.events: list[object] = []
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.reader, self.writer = await asyncio.open_connection(host, int(port))
        self.flush()

    def flush(self) -> None:
        assert self.writer is not None
        self.writer.write(self.hs.data_to_send())

    async def read_until(self, done) -> bool:
        """Feed what arrives until done(); False if the acceptor closed first."""
        assert self.reader is not None
        while not done():
            data = await asyncio.wait_for(self.reader.read(4096), 5)
            if not data:
                return False
            self.events += self.hs.receive(data)
        return True

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def test_two_proved_connections_answering_true_replace_the_link_once(epmd, py_name):
    """V holds a link to L; two connections that prove L's name both get `alive` and both
    answer `true` (no connection is refused at the name any more). The first to prove
    replaces the link; the second finds a link up that its `alive` was not about and is
    dropped unacknowledged: one nodedown and one nodeup on V, not two (no flap)."""
    async def main():
        v, l_ = await _pair(epmd, py_name)
        events: list[str] = []
        v.add_listener(lambda ev: events.append(type(ev).__name__)
                       if isinstance(ev, (NodeUp, NodeDown)) else None)
        first, second = Claimant(l_.name, v.name), Claimant(l_.name, v.name)
        try:
            assert await l_.connect(v.name) == v.name
            old = v._dist.connection(l_.name)
            for c in (first, second):
                await c.open(v.address)
                assert await c.read_until(lambda c=c: c.events)
                assert c.events == [StatusReceived("alive")]
                c.hs.answer_alive(True)
                c.flush()
                assert await c.read_until(lambda c=c: c.hs.state == "recv_ack")  # challenged
            first.flush()  # its challenge reply: the cookie proved
            assert await first.read_until(lambda: first.hs.done)
            await wait_until(lambda: v._dist.connection(l_.name) not in (None, old),
                             what="the first claimant's link up on V")
            new = v._dist.connection(l_.name)
            assert old.state == "closed"
            second.flush()
            assert not await second.read_until(lambda: second.hs.done)  # closed, no ack
            assert v._dist.connection(l_.name) is new and new.state == "up"
            assert events == ["NodeUp", "NodeDown", "NodeUp"], events
        finally:
            first.close()
            second.close()
            await v.stop()
            await l_.stop()
    run(main())
