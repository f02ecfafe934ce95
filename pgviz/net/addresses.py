"""The address a node is reached at: never a wildcard.

A node bound to 0.0.0.0 or :: listens on every interface, but "0.0.0.0:4000" dials nothing
from another machine; its name and every address it tells peers use the advertised host
instead: `advertise` when given, else the machine's primary address (the one its default
route leaves from, found without sending a packet).
"""

from __future__ import annotations

import socket

__all__ = ["WILDCARDS", "advertised_host", "primary_address", "format_address"]

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
