"""Exceptions of the public API, split by who was wrong (this side or the peer)."""

from __future__ import annotations

__all__ = [
    "PgvizError",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "FrameTooLarge",
    "AuthenticationError",
    "CookieError",
    "ConnectionRefused",
    "Refusal",
    "NotLocalError",
    "NoScopeError",
    "NodeNotRunning",
]


class PgvizError(Exception):
    """Base class of every pgviz error."""


class ProtocolError(PgvizError):
    """Bytes on a connection that break the pgviz protocol."""


class LocalProtocolError(ProtocolError):
    """This side used the protocol wrongly (a bug here, not the peer's fault)."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something that breaks the protocol: garbage, a bad frame, a bad message."""


class FrameTooLarge(RemoteProtocolError):
    """A length prefix announced a frame larger than the configured maximum."""


class AuthenticationError(PgvizError):
    """The peer does not share our cookie (its challenge response was wrong), or refused ours."""


class CookieError(PgvizError, ValueError):
    """This node's cookie cannot be used: its file is accessible to other users, missing or
    empty, or the cookie is too short for a node that listens on a non-loopback address.
    Raised by `await node.start()`; the message names the file or rule and the fix."""


class Refusal:
    """Why a connection was refused: the `reason` of a ConnectionRefused (typed, so that code
    decides on it without parsing messages)."""

    SIMULTANEOUS = "simultaneous"  # both dialled at once; the other connection wins
    ALREADY_CONNECTED = "already-connected"  # a duplicate of a live link
    NAME_TAKEN = "name-taken"  # another incarnation of that name has a live link
    PARTITIONED = "partitioned"
    DISCONNECTED = "disconnected"  # an explicit disconnect that only connect() lifts
    STOPPING = "stopping"
    SAME_NAME = "same-name"  # the peer has this node's own name
    WRONG_NODE = "wrong-node"  # the node found at the address is not the one expected
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    OTHER = ""


class ConnectionRefused(PgvizError):
    """The peer completed no handshake: it refused us, or could not be reached in time.
    `peer` names the refusing node when it said who it is; `reason` is a Refusal code."""

    def __init__(self, message: str, peer: str | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.peer = peer
        self.reason = reason


class NotLocalError(PgvizError, ValueError):
    """A pid that must live on this node (a member to join or leave, a subscriber) does not."""


class NoScopeError(PgvizError, LookupError):
    """No pg scope of that name runs on this node."""


class NodeNotRunning(PgvizError, RuntimeError):
    """The node was used before start() or after stop()."""
