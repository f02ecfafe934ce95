"""LAN discovery: DNS-SD over mDNS (python-zeroconf), service type `_pgviz._tcp.local.`.

Each node announces itself (instance name = its node name; TXT: `node`, `proto` (protocol
version), `tls` (1 or 0) -- never the cookie) and browses for the others; `found()` lists the
nodes seen on the network, updated as they appear, change and vanish (a node that stops says
goodbye; one that crashed ages out with its record's TTL). Discovery only finds: connecting
is still `node.connect(address)` and the cookie handshake.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Discovery", "Found", "SERVICE", "reaches_lan"]

log = logging.getLogger(__name__)

SERVICE = "_pgviz._tcp.local."
MAX_FOUND = 1024  # nodes remembered: a flood of announcements costs bounded memory


@dataclass(frozen=True, slots=True)
class Found:
    """A node announced on the network."""
    name: str
    address: str  # host:port to dial
    proto: str
    tls: bool


def reaches_lan(address: str) -> bool:
    """Whether a node at `address` (host:port) listens beyond this machine, and so is worth
    announcing: a node on loopback is found through the per-user registry instead, and sends
    nothing onto the network."""
    host = address.rpartition(":")[0].strip("[]")
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _instance(name: str) -> str:
    # A DNS-SD instance label is at most 63 bytes; node names are shorter in practice.
    label = name.replace(".", "-")
    return label.encode()[:63].decode(errors="ignore")


class Discovery:
    def __init__(self, name: str, address: str, *, proto: str, tls: bool = False,
                 on_change: Callable[[str, Found], None] | None = None,
                 interfaces: list[str] | None = None) -> None:
        """`address`: this node's dialable host:port (never a wildcard). on_change(kind,
        found) with kind "found" or "lost". `interfaces`: addresses to use (default all)."""
        self.name = name
        self.address = address
        self.proto = proto
        self.tls = tls
        self._on_change = on_change
        self._interfaces = interfaces
        self._found: dict[str, Found] = {}  # by service name
        self._zc: Any = None  # AsyncZeroconf, imported when started
        self._browser: Any = None
        self._info: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    def found(self) -> list[Found]:
        return sorted(self._found.values(), key=lambda f: f.name)

    async def start(self) -> None:
        from zeroconf import InterfaceChoice, IPVersion
        from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

        host, _, port = self.address.rpartition(":")
        host = host.strip("[]")
        ip = ipaddress.ip_address(host)
        self._zc = AsyncZeroconf(
            interfaces=self._interfaces or InterfaceChoice.All,
            ip_version=IPVersion.All if ip.version == 6 else IPVersion.V4Only)
        self._info = AsyncServiceInfo(
            SERVICE, f"{_instance(self.name)}.{SERVICE}", addresses=[ip.packed],
            port=int(port), properties={"node": self.name, "proto": self.proto,
                                        "tls": "1" if self.tls else "0"},
            server=f"{_instance(self.name)}.local.")
        # (zeroconf's async_* calls return a task: the announcement is done when it is.)
        await (await self._zc.async_register_service(self._info, allow_name_change=True))
        self._browser = AsyncServiceBrowser(self._zc.zeroconf, SERVICE,
                                            handlers=[self._on_service])

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.async_cancel()
        if self._zc is not None:
            with contextlib.suppress(Exception):
                if self._info is not None:
                    await (await self._zc.async_unregister_service(self._info))  # goodbye
                await self._zc.async_close()
        self._zc = self._browser = self._info = None

    # -- browsing --------------------------------------------------------------------------------
    def _on_service(self, zeroconf: object, service_type: str, name: str,
                    state_change: object) -> None:
        from zeroconf import ServiceStateChange

        if state_change is ServiceStateChange.Removed:
            gone = self._found.pop(name, None)
            if gone is not None and self._on_change is not None:
                self._on_change("lost", gone)
            return
        task = asyncio.get_running_loop().create_task(self._resolve(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resolve(self, service: str) -> None:
        from zeroconf.asyncio import AsyncServiceInfo

        if self._zc is None:
            return
        info = AsyncServiceInfo(SERVICE, service)
        if not await info.async_request(self._zc.zeroconf, 3000):
            return
        found = _parse(info)
        if found is None or found.name == self.name:
            return
        old = self._found.get(service)
        if old == found or (old is None and len(self._found) >= MAX_FOUND):
            return
        self._found[service] = found
        if self._on_change is not None:
            self._on_change("found", found)


def _parse(info: object) -> Found | None:
    """A Found from a resolved service, or None for one that is not a usable pgviz node (its
    TXT and addresses are strangers' data: checked, bounded)."""
    props = getattr(info, "decoded_properties", {}) or {}
    name, proto, tls = props.get("node"), props.get("proto"), props.get("tls")
    port = getattr(info, "port", None)
    addresses = info.parsed_scoped_addresses() if hasattr(info, "parsed_scoped_addresses") else []
    if not (isinstance(name, str) and 0 < len(name) < 256 and "@" in name
            and isinstance(port, int) and 0 < port < 65536 and addresses):
        return None
    host = next((a for a in addresses if ":" not in a), addresses[0])
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return Found(name, address, proto if isinstance(proto, str) else "?", tls == "1")
