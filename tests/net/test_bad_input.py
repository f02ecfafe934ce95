"""Hostile bytes against a live node's port: the node stays up, keeps its members and keeps
serving good peers."""

from __future__ import annotations

import asyncio
import os
import socket
import struct

import pytest

import pgviz
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


async def _foreign_server(first: bytes, *, wait_for_request: bool):
    """A TCP server that is not pgviz: it answers (or greets) with `first`, then stays open."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if wait_for_request:
                await reader.read(1)
            writer.write(first)
            await writer.drain()
            await reader.read()  # until the client hangs up
        except ConnectionError:
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize("name,first,wait", [
    ("http server", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", True),
    ("ssh server", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", False),
    ("random bytes", bytes(range(255, 0, -1)), False),
])
def test_connecting_to_something_else_says_it_is_not_a_pgviz_node(name, first, wait):
    """At once (its first bytes), not after the handshake timeout, and as an OSError."""
    async def main():
        server = await _foreign_server(first, wait_for_request=wait)
        port = server.sockets[0].getsockname()[1]
        node = Node("prober", cookie=COOKIE, handshake_timeout=10)
        await node.start()
        loop = asyncio.get_running_loop()
        try:
            t0 = loop.time()
            with pytest.raises(OSError) as caught:  # `except OSError` is enough
                await node.connect(f"127.0.0.1:{port}")
            assert loop.time() - t0 < 2  # far below the 10 s handshake timeout
            assert isinstance(caught.value, pgviz.NotPgvizNode)
            assert f"127.0.0.1:{port} is not a pgviz node" in str(caught.value)
            assert repr(first[:8])[2:-1] in str(caught.value)  # what it sent, quoted
            assert node.running and node.nodes() == []
        finally:
            await node.stop()
            server.close()
    run(main())


def test_refused_and_wrong_cookie_are_oserrors_too():
    async def main():
        async with Node("a", cookie=COOKIE) as node, Node("b", cookie="another") as other:
            free = socket.socket()
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
            free.close()  # nothing listens there now
            with pytest.raises(OSError) as refused:
                await node.connect(f"127.0.0.1:{port}")
            assert isinstance(refused.value, pgviz.ConnectionRefused)
            assert refused.value.reason == pgviz.Refusal.UNREACHABLE
            with pytest.raises(ConnectionError) as denied:
                await node.connect(other.address)
            assert isinstance(denied.value, pgviz.AuthenticationError)
    run(main())
