"""Backstage: frames for the tools that stage a show on the cluster (a lesson's conductor and
the agents on its nodes), kept out of the show itself.

A lesson pauses the network and then asks a node to join a group: the request must reach the
node at once (a paused link holds every frame of the show), must not be what `step` releases,
and must not appear as a frame in anyone's views or counts. So backstage frames travel as the
network's own control plane does (urgent, past the link's queue, never numbered) and publish no
event. A partition still cuts them: a cut link carries nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..ratelog import RateLimitedLog
from ..wire.render import safe_repr

if TYPE_CHECKING:
    from ..net import Distribution

__all__ = ["Backstage", "BACKSTAGE"]

BACKSTAGE = "BACKSTAGE"  # the frame: ["BACKSTAGE", topic, payload]

Handler = Callable[[str, Any], None]


class Backstage:
    def __init__(self, dist: Callable[[], Distribution | None], faults: RateLimitedLog,
                 node_name: str) -> None:
        self._dist = dist
        self._faults = faults
        self._node_name = node_name
        self._handlers: dict[str, Handler] = {}

    def send(self, peer: str, topic: str, payload: Any) -> bool:
        """Send `payload` to the handler of `topic` on `peer`; False when not connected.
        Raises LocalProtocolError for a payload that cannot be encoded or is too large."""
        dist = self._dist()
        if dist is None or not hasattr(dist, "control"):
            return False  # Erlang's distribution has no backstage
        conn = dist.conns.get(peer)
        if conn is None or conn.state != "up":
            return False  # (a link still closing would swallow it)
        return dist.send(peer, [BACKSTAGE, topic, payload], urgent=True) >= 0

    def serve(self, topic: str, handler: Handler | None) -> None:
        """handler(peer, payload) for every backstage frame of `topic` a peer sends (None:
        stop serving it). It runs in the connection's read path: it must not block, and what
        it raises is logged and dropped, never the link's problem."""
        if handler is None:
            self._handlers.pop(topic, None)
        else:
            self._handlers[topic] = handler

    def unserve(self, topic: str, handler: Handler) -> None:
        """Stop serving `topic` if `handler` still serves it (not one that took over since)."""
        if self._handlers.get(topic) == handler:
            del self._handlers[topic]

    def handler(self, topic: str) -> Handler | None:
        return self._handlers.get(topic)

    def serves(self, topic: str) -> bool:
        return topic in self._handlers

    def received(self, peer: str, topic: Any, payload: Any) -> None:
        handler = self._handlers.get(topic) if type(topic) is str else None
        if handler is None:
            self._faults.log(logging.INFO, "backstage unserved",
                             "%s: a backstage frame from %s about %s, which nothing here "
                             "serves", self._node_name, peer, safe_repr(topic, 40))
            return
        try:
            handler(peer, payload)
        except Exception as exc:
            self._faults.log(logging.WARNING, "backstage handler failed",
                             "%s: backstage frame from %s dropped (%s): %s", self._node_name,
                             peer, safe_repr(exc), safe_repr(payload))
