"""Explicit disconnects a node remembers: which peers it may not link with again, and since when.

A pair that was explicitly disconnected is never re-dialled by the mesh's gossip or the healer
(both sides remember it: the peer learns it from the BYE) until someone calls connect() for
that pair again; and a connection between them begun before that disconnect() never comes up,
even one already in its handshake (the later wish wins: checked again at each step of the
handshake, see settling.py).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["DisconnectBlocks"]


class Dialled(Protocol):
    """What a block checks of a connection (Connection is one)."""

    initiator: bool
    explicit: bool  # initiator: its connect() was called explicitly (not gossip)
    peer_explicit: bool  # acceptor: the initiator's connect() was explicit
    begun: int  # `count` when its connect() was called


class DisconnectBlocks:
    def __init__(self) -> None:
        # Explicitly disconnected peers -> the number of this node's disconnect() that did
        # it (0: the peer's, by its BYE). A connection begun before it never comes up.
        self._blocked: dict[str, int] = {}
        self.count = 0  # disconnect() calls so far (Connection.begun counts them)

    def __contains__(self, name: object) -> bool:
        return name in self._blocked

    def block(self, peer: str) -> None:
        """This node's disconnect() of `peer`."""
        self.count += 1
        self._blocked[peer] = self.count

    def peer_wished(self, peer: str) -> None:
        """`peer` said goodbye with "disconnect": a block numbered 0, which any explicit
        connect() of the pair lifts (see Distribution._received)."""
        self._blocked.setdefault(peer, 0)

    def lift(self, name: str, begun: int) -> None:
        """An explicit connect() begun after `begun` disconnects lifts an explicit disconnect
        of `name` made before it (a later one stands)."""
        if self._blocked.get(name, 0) <= begun:
            self._blocked.pop(name, None)

    def lift_now(self, name: str) -> None:
        """An explicit connect() to a peer already linked, or an explicit dial of ours by a
        peer that proved the cookie, lifts any block of that peer."""
        self._blocked.pop(name, None)

    def stops(self, conn: Dialled, name: str) -> bool:
        """`conn` to `name` may not come up: `name` was disconnected explicitly, and this
        connection is gossip's or the healer's, or it was begun before that disconnect()
        (it started first, but the disconnect is the later wish)."""
        blocked = self._blocked.get(name)
        if blocked is None:
            return False
        explicit = conn.explicit if conn.initiator else conn.peer_explicit
        return blocked > conn.begun or not explicit
