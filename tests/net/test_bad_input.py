"""Hostile bytes against a live node's port: the node stays up, keeps its members and keeps
serving good peers."""

from __future__ import annotations

import asyncio
import os
import struct

import pytest

from pgviz import Node

from ..support import COOKIE, raw_peer, run, spawn_idle, wait_until


async def _poke(address: str, data: bytes, *, read: bool = True) -> bytes:
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(data)
    await writer.drain()
    got = b""
    if read:
        try:
            got = await asyncio.wait_for(reader.read(), 3)
        except (TimeoutError, ConnectionResetError):
            pass
    writer.close()
    return got


@pytest.mark.parametrize("name,data", [
    ("random bytes", os.urandom(4096)),
    ("huge length prefix", struct.pack(">I", 0xFFFFFFF0) + b"\x00" * 64),
    ("truncated frame", struct.pack(">I", 100) + b"abc"),
    ("msgpack garbage", struct.pack(">I", 3) + b"\xc1\xc1\xc1"),
    ("http request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
])
def test_garbage_on_the_port(name, data):
    async def main():
        node = Node("victim", cookie=COOKIE, handshake_timeout=0.5)
        good = Node("good", cookie=COOKIE)
        await node.start()
        await good.start()
        try:
            pid = spawn_idle(node)
            node.pg.join("g", pid)
            await _poke(node.address, data)
            assert node.running and node.pg.get_members("g") == [pid]
            assert await good.connect(node.address) == node.name
            await wait_until(lambda: good.pg.get_members("g") == [pid])
        finally:
            await good.stop()
            await node.stop()
    run(main())


def test_wrong_cookie_then_a_good_peer():
    async def main():
        node = Node("victim", cookie=COOKIE)
        await node.start()
        try:
            pid = spawn_idle(node)
            node.pg.join("g", pid)
            for _ in range(3):
                intruder = Node("intruder", cookie="guess")
                await intruder.start()
                with pytest.raises(Exception, match="cookie"):
                    await intruder.connect(node.address)
                await intruder.stop()
            good = Node("good", cookie=COOKIE)
            await good.start()
            await good.connect(node.address)
            await wait_until(lambda: good.pg.get_members("g") == [pid])
            await good.stop()
            assert node.pg.get_members("g") == [pid]
        finally:
            await node.stop()
    run(main())


def test_a_client_that_never_finishes_the_handshake_is_cut_off():
    async def main():
        node = Node("victim", cookie=COOKIE, handshake_timeout=0.3)
        await node.start()
        try:
            host, port = node.address.rsplit(":", 1)
            idle = [await asyncio.open_connection(host, int(port)) for _ in range(5)]
            # The node closes each of them after the handshake timeout (EOF on read).
            for reader, writer in idle:
                assert await asyncio.wait_for(reader.read(), 3) == b""
                writer.close()
            good = Node("good", cookie=COOKIE)
            await good.start()
            assert await good.connect(node.address) == node.name
            await good.stop()
        finally:
            await node.stop()
    run(main())


def test_garbage_after_a_valid_handshake_drops_only_that_connection():
    async def main():
        node = Node("victim", cookie=COOKIE)
        await node.start()
        try:
            pid = spawn_idle(node)
            node.pg.join("g", pid)
            _, writer = await raw_peer(node, "evil@127.0.0.1")
            writer.write(struct.pack(">I", 5) + b"\xc1" * 5)
            await wait_until(lambda: node.nodes() == [], what="evil peer dropped")
            writer.close()
            assert node.running and node.pg.get_members("g") == [pid]
        finally:
            await node.stop()
    run(main())
