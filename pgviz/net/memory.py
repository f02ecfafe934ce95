"""An in-memory transport with the asyncio Transport interface, for tests and simulation.

Nodes in one process share a MemoryNetwork; addresses look like "mem:3". Bytes are delivered on
a later loop iteration, in order, exactly like a socket would (never re-entrantly), so protocol
code cannot tell it from TCP. Faults (grudge, delay, hold) are applied above it, per link, by the
same code as for TCP.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

__all__ = ["MemoryNetwork", "MemoryTransport"]


class StreamProtocol(Protocol):
    """What the in-memory transport drives: an asyncio.Protocol, or a BufferedProtocol that
    also takes whole chunks through data_received (as pgviz's Connection does)."""

    def connection_made(self, transport: Any) -> None: ...
    def data_received(self, data: bytes) -> None: ...
    def eof_received(self) -> bool | None: ...
    def connection_lost(self, exc: Exception | None) -> None: ...


P = TypeVar("P", bound=StreamProtocol)
ProtocolFactory = Callable[[], StreamProtocol]


class MemoryTransport(asyncio.Transport):
    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: StreamProtocol,
                 local: str, remote: str) -> None:
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self._peer: MemoryTransport | None = None
        self._closing = False
        self._lost = False
        self._extra = {"peername": remote, "sockname": local}

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self._extra.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or not data:
            return
        peer = self._peer
        if peer is not None and not peer._closing:
            self._loop.call_soon(peer._deliver, bytes(data))

    def _deliver(self, data: bytes) -> None:
        if not self._lost:
            self._protocol.data_received(data)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._loop.call_soon(self._lose, None)
        peer = self._peer
        if peer is not None and not peer._closing:
            # Deliver in-flight bytes first, then the peer's end-of-stream.
            self._loop.call_soon(peer._remote_closed)

    def abort(self) -> None:
        self.close()

    def _remote_closed(self) -> None:
        if not self._closing:
            self._closing = True
            self._lose(None)

    def _lose(self, exc: Exception | None) -> None:
        if not self._lost:
            self._lost = True
            self._protocol.connection_lost(exc)

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (0, 0)

    def can_write_eof(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_reading(self) -> bool:
        return not self._closing


class MemoryNetwork:
    """A namespace of in-memory listeners. One per simulated cluster."""

    def __init__(self) -> None:
        self._listeners: dict[str, ProtocolFactory] = {}
        self._ids = itertools.count(1)

    def listen(self, factory: ProtocolFactory, port: int = 0) -> str:
        address = f"mem:{port or next(self._ids)}"
        while address in self._listeners:
            address = f"mem:{next(self._ids)}"
        self._listeners[address] = factory
        return address

    def unlisten(self, address: str) -> None:
        self._listeners.pop(address, None)

    def dial(self, address: str, factory: Callable[[], P]) -> P:
        loop = asyncio.get_running_loop()
        server_factory = self._listeners.get(address)
        if server_factory is None:
            raise ConnectionRefusedError(f"nothing listens at {address}")
        client = factory()
        server = server_factory()
        a = MemoryTransport(loop, client, f"client-of-{address}", address)
        b = MemoryTransport(loop, server, address, f"client-of-{address}")
        a._peer, b._peer = b, a
        server.connection_made(b)
        client.connection_made(a)
        return client
