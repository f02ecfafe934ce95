"""EPMD, the Erlang Port Mapper Daemon: register this node's name and port (ALIVE2_REQ, the
socket kept open for as long as the node is registered), look up another node's port
(PORT_PLEASE2_REQ) -- and so which of some nodes listens at an address (`node_at`).

The messages are built and parsed by pure functions; `register` and `port_please` are the
small asyncio glue. pgviz never starts an EPMD on its own: `start_epmd()` does it only when
asked (`start_epmd=True` on the node). A missing EPMD is an EpmdError saying how to get one.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import struct
from dataclasses import dataclass

from ..errors import PgvizConnectionError

__all__ = ["EpmdError", "EpmdRegistration", "register", "port_please", "node_at", "start_epmd",
           "alive2_request", "parse_alive2_response", "port_please2_request",
           "parse_port2_response", "EPMD_PORT_DEFAULT"]

log = logging.getLogger(__name__)

EPMD_PORT_DEFAULT = 4369
ALIVE2_REQ = 120
ALIVE2_RESP = 121
ALIVE2_X_RESP = 118
PORT_PLEASE2_REQ = 122
PORT2_RESP = 119
NODE_TYPE_NORMAL = 77
DIST_VERSION = 6


class EpmdError(PgvizConnectionError):
    """EPMD is missing, refused the name, or does not know the node."""


def _missing(host: str, port: int, exc: BaseException) -> EpmdError:
    return EpmdError(
        f"no EPMD at {host}:{port} ({exc}); start one (`epmd -daemon`, or any `erl -name`), "
        f"or pass the port of a running one (epmd_port=, --epmd-port), or start_epmd=True")


def alive2_request(alive: str, port: int) -> bytes:
    name = alive.encode("utf-8")
    body = (struct.pack(">BHBBHHH", ALIVE2_REQ, port, NODE_TYPE_NORMAL, 0, DIST_VERSION,
                        DIST_VERSION, len(name)) + name + struct.pack(">H", 0))
    return struct.pack(">H", len(body)) + body


def parse_alive2_response(data: bytes) -> int | None:
    """The creation EPMD assigned, None if more bytes are needed; EpmdError if refused."""
    if not data:
        return None
    tag = data[0]
    if tag == ALIVE2_X_RESP:
        if len(data) < 6:
            return None
        result, creation = struct.unpack_from(">BI", data, 1)
    elif tag == ALIVE2_RESP:
        if len(data) < 4:
            return None
        result, creation = struct.unpack_from(">BH", data, 1)
    else:
        raise EpmdError(f"EPMD answered ALIVE2 with message {tag}")
    if result != 0:
        raise EpmdError(f"EPMD refused the name (result {result}): is a node of that name "
                        "already registered on this host?")
    return int(creation)


def port_please2_request(alive: str) -> bytes:
    body = bytes([PORT_PLEASE2_REQ]) + alive.encode("utf-8")
    return struct.pack(">H", len(body)) + body


def parse_port2_response(data: bytes) -> int:
    """The node's distribution port; EpmdError if EPMD does not know it."""
    if len(data) < 2 or data[0] != PORT2_RESP:
        raise EpmdError("bad PORT2_RESP from EPMD")
    if data[1] != 0:
        raise EpmdError("EPMD does not know that node (is it running, with -name or -sname?)")
    if len(data) < 12:
        raise EpmdError("short PORT2_RESP from EPMD")
    port, ntype, proto, high, low = struct.unpack_from(">HBBHH", data, 2)
    if not low <= DIST_VERSION <= high:
        raise EpmdError(f"the node speaks distribution versions {low}..{high}, not 6")
    return int(port)


@dataclass
class EpmdRegistration:
    """A live registration: EPMD forgets the name when this socket closes."""

    creation: int
    writer: asyncio.StreamWriter

    def close(self) -> None:
        self.writer.close()


async def register(alive: str, port: int, *, host: str = "127.0.0.1",
                   epmd_port: int = EPMD_PORT_DEFAULT,
                   timeout: float = 5.0) -> EpmdRegistration:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, epmd_port), timeout)
    except (OSError, TimeoutError) as exc:
        raise _missing(host, epmd_port, exc) from None
    writer.write(alive2_request(alive, port))
    data = b""
    try:
        while True:
            chunk = await asyncio.wait_for(reader.read(16), timeout)
            if not chunk:
                raise EpmdError("EPMD closed the connection while registering")
            data += chunk
            creation = parse_alive2_response(data)
            if creation is not None:
                return EpmdRegistration(creation, writer)
    except BaseException:
        writer.close()
        raise


async def port_please(alive: str, host: str, *, epmd_port: int = EPMD_PORT_DEFAULT,
                      timeout: float = 5.0) -> int:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, epmd_port), timeout)
    except (OSError, TimeoutError) as exc:
        raise _missing(host, epmd_port, exc) from None
    try:
        writer.write(port_please2_request(alive))
        data = await asyncio.wait_for(reader.read(), timeout)
    except (OSError, TimeoutError) as exc:
        raise EpmdError(f"EPMD at {host}:{epmd_port} did not answer: {exc}") from None
    finally:
        writer.close()
    return parse_port2_response(data)


async def node_at(address: str, names: list[str], *, epmd_port: int = EPMD_PORT_DEFAULT,
                  timeout: float = 1.0) -> str | None:
    """Which of `names` (name@host) listens at `address` (host:port), by asking each host's
    EPMD for the node's port (looked up together); None if none does, or nobody answers."""
    host, _, port_text = address.rpartition(":")
    host = host.strip("[]")
    loop = asyncio.get_running_loop()

    async def ips(h: str) -> set[str]:
        return {str(ai[4][0]) for ai in await loop.getaddrinfo(h, None)}

    async def listens_there(name: str) -> bool:
        alive, _, node_host = name.partition("@")
        try:
            port = await port_please(alive, node_host, epmd_port=epmd_port, timeout=timeout)
            return str(port) == port_text and bool(await ips(host) & await ips(node_host))
        except (PgvizConnectionError, OSError):
            return False

    found = await asyncio.gather(*(listens_there(name) for name in names))
    return next((name for name, hit in zip(names, found, strict=True) if hit), None)


async def start_epmd(port: int = EPMD_PORT_DEFAULT) -> None:
    """Start `epmd -daemon` (only when the node was asked to)."""
    exe = shutil.which("epmd")
    if exe is None:
        raise EpmdError("start_epmd: no `epmd` executable on PATH (install Erlang)")
    proc = await asyncio.create_subprocess_exec(exe, "-daemon", "-port", str(port))
    await proc.wait()
    log.info("started epmd on port %d", port)
