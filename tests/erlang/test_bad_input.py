"""Bad input on a live Erlang link (issue 14, deliver 4): malformed ETF, unknown control
messages, atoms beyond the limit, an oversized frame; a missing EPMD, an unknown node. Each
gets a clear error or is dropped and counted; the node stays up and the link (where it can
be trusted) goes on."""

from __future__ import annotations

import asyncio
import struct

import pytest

from pgviz.erlang import Atom, EpmdError, encode
from pgviz.erlang.control import SEND, build_frame
from pgviz.erlang.handshake import Handshake

from ..support import run, wait_until
from .beam import free_port, start_py
from .conftest import COOKIE


async def _raw_peer(node, name: str = "evil@127.0.0.1"):
    """A hand-driven Erlang-protocol peer: handshake done, frames sent as raw bytes."""
    host, port = node.address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    hs = Handshake(initiator=True, name=name, creation=5, cookie=COOKIE)
    writer.write(hs.data_to_send())
    while not hs.done:
        data = await asyncio.wait_for(reader.read(4096), 5)
        assert data, "closed during the handshake"
        hs.receive(data)
        writer.write(hs.data_to_send())
    return reader, writer


def _frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def test_garbage_frames_are_dropped_and_the_link_goes_on(epmd, py_name):
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        got = []

        async def sink(proc):
            while True:
                got.append(await proc.receive())

        try:
            pid = node.spawn(sink, name="sink")
            reader, writer = await _raw_peer(node)
            await wait_until(lambda: node.nodes() == ["evil@127.0.0.1"])
            bad = [
                b"\x70\x83\xff",  # unknown term tag
                b"\x83h\x01a\x02",  # no pass-through byte
                b"\x70\x83h\x01c\x00\x99",  # truncated
                b"\x70\x83v\x01\x2c" + b"a" * 300,  # a 300-character atom
                b"\x70\x83l\xff\xff\xff\xff",  # a list claiming 2**32 elements
                b"\x70" + encode((99, Atom("x"))),  # unknown control message
                b"\x70" + encode((2, Atom(""), pid)),  # SEND without its message
                b"\x70" + encode("not a tuple"),
                b"\x70" + encode((2, Atom(""), pid)) + b"\x83" + b"h\x01" * 500 + b"j",  # deep
            ]
            for body in bad:
                writer.write(_frame(body))
            writer.write(build_frame((SEND, Atom(""), pid), (Atom("still"), "here"), True))
            await writer.drain()
            await wait_until(lambda: got, what="the good frame after the bad ones")
            assert got == [(Atom("still"), "here")]
            assert node._dist.connection("evil@127.0.0.1").faults == len(bad)
            assert node.running and node.nodes() == ["evil@127.0.0.1"]
            # a frame beyond max_frame: the stream cannot be trusted, the link goes
            writer.write(struct.pack(">I", node.max_frame + 1))
            await writer.drain()
            await wait_until(lambda: not node.nodes(), what="the link closed")
            assert node.running
            writer.close()
        finally:
            await node.stop()
    run(main())


def test_epmd_missing_is_a_clear_error(py_name):
    import pgviz

    async def main():
        node = pgviz.Node(py_name, cookie=COOKIE, protocol="erlang", epmd_port=free_port())
        with pytest.raises(EpmdError, match="no EPMD"):
            await node.start()
        assert not node.running
    run(main())


def test_unknown_node_and_unreachable(epmd, py_name):
    import pgviz

    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            with pytest.raises(EpmdError, match="does not know"):
                await node.connect("nobody@127.0.0.1")
            with pytest.raises(pgviz.ConnectionRefused):
                await node.connect(f"127.0.0.1:{free_port()}")
            assert node.running
        finally:
            await node.stop()
    run(main())
