"""The headless node on a LAN: announce it and list the others (DNS-SD, net/discovery.py).

Discovery runs only when the node listens beyond this machine (a wildcard or a non-loopback
--host): a node on 127.0.0.1 is found through the per-user registry instead, and sends
nothing onto the network. --no-discovery turns it off.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any

from ..net.discovery import Discovery, Found, reaches_lan
from ..node import Node
from ..wire.handshake import PROTOCOL_VERSION

__all__ = ["start_discovery", "wanted"]

log = logging.getLogger(__name__)


def wanted(args: argparse.Namespace, node: Node) -> bool:
    return not getattr(args, "no_discovery", False) and reaches_lan(node.address)


async def start_discovery(node: Node, emit: Callable[[dict[str, Any]], None]
                          ) -> Discovery | None:
    def changed(kind: str, found: Found) -> None:
        emit({"event": "discovered" if kind == "found" else "vanished", "node": found.name,
              "address": found.address, "tls": found.tls})

    host = node.address.rpartition(":")[0].strip("[]")
    discovery = Discovery(node.name, node.address, proto=str(PROTOCOL_VERSION),
                          tls=node.tls is not None,
                          on_change=changed, interfaces=[host])
    try:
        await discovery.start()
    except OSError as exc:  # no multicast on that interface, port 5353 refused ...
        log.warning("LAN discovery is off: %s", exc)
        return None
    return discovery
