"""The address a node is reached at: never a wildcard.

A node bound to 0.0.0.0 or :: listens on every interface, but "0.0.0.0:4000" dials nothing
from another machine; its name and every address it tells peers use the advertised host
instead: `advertise` when given, else the machine's primary address (the one its default
route leaves from, found without sending a packet). One node may still be dialled by several
spellings ("localhost:4000", "127.0.0.1:4000"): resolve() gives the endpoints one spells.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from ..errors import ConnectionRefused

__all__ = ["WILDCARDS", "advertised_host", "primary_address", "format_address", "split_address",
           "endpoint", "is_local_ip", "resolve"]

WILDCARDS = frozenset({"0.0.0.0", "::", "", "[::]"})


def primary_address(ipv6: bool = False) -> str:
    """The local address outgoing traffic would use (a UDP "connect" sends nothing)."""
    family, probe = ((socket.AF_INET6, ("2001:db8::1", 9)) if ipv6
                     else (socket.AF_INET, ("192.0.2.1", 9)))
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect(probe)
            return str(s.getsockname()[0])
    except OSError:
        pass
    # No default route (a LAN without a gateway, a lab namespace): the first address of an
    # interface that is not loopback.
    for address in _interface_addresses(ipv6):
        return address
    return "::1" if ipv6 else "127.0.0.1"  # no network at all: this machine is all there is


def _interface_addresses(ipv6: bool) -> list[str]:
    try:
        import ifaddr  # comes with zeroconf
    except ImportError:
        return []
    out: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if ipv6 != ip.is_IPv6:
                continue
            text = str(ip.ip[0] if isinstance(ip.ip, tuple) else ip.ip)
            if not (text.startswith("127.") or text == "::1" or text.startswith("fe80")):
                out.append(text)
    return out


def advertised_host(host: str, advertise: str | None = None) -> str:
    """The host part of this node's name and of the address it announces."""
    if advertise:
        return advertise.strip("[]")
    if host in WILDCARDS:
        return primary_address(ipv6=host in ("::", "[::]"))
    return host


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def split_address(address: str) -> tuple[str, int]:
    """"127.0.0.1:4000" or "[::1]:4000" -> (host, port); ValueError with a clear message."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConnectionRefused(f"{address!r} is not an address (expected host:port)")
    return host.strip("[]"), int(port)


def endpoint(sockaddr: tuple[object, ...]) -> tuple[str, int]:
    """A socket address (a peername, a getaddrinfo result) as (ip, port); an IPv4 address
    mapped into IPv6 (a dual-stack socket's view of it) as the IPv4 address."""
    ip = str(sockaddr[0])
    try:
        parsed = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip, int(sockaddr[1])  # type: ignore[call-overload]
    mapped = getattr(parsed, "ipv4_mapped", None)
    return str(mapped or parsed), int(sockaddr[1])  # type: ignore[call-overload]


def is_local_ip(ip: str) -> bool:
    """`ip` is one of this machine's addresses (loopback included): binding to it succeeds.
    A syscall, no lookup."""
    try:
        parsed = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if parsed.is_loopback:
        return True
    family = socket.AF_INET6 if parsed.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((ip, 0))
    except OSError:
        return False
    return True


async def resolve(address: str, timeout: float) -> set[tuple[str, int]]:
    """The TCP endpoints "host:port" names (empty when it names none within `timeout`)."""
    try:
        host, port = split_address(address)
        try:
            # a literal needs no lookup: no executor thread (a slow resolver would keep one
            # busy past the timeout, which wait_for cannot cancel)
            return {endpoint((ipaddress.ip_address(host.split("%", 1)[0]), port))}
        except ValueError:
            pass
        infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM), timeout)
    except (OSError, ValueError, UnicodeError, TimeoutError):
        return set()
    return {endpoint(info[4]) for info in infos}
