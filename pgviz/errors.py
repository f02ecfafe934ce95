"""Exceptions of the public API, split by who was wrong (this side or the peer).

    PgvizError
    ├── ProtocolError                     bytes that break the protocol
    │   ├── LocalProtocolError            ... by this side (a bug here)
    │   └── RemoteProtocolError           ... by the peer
    │       ├── FrameTooLarge
    │       ├── IntegrityError            a frame's MAC does not verify (tampered on the way)
    │       └── HandshakeError *
    │           └── NotPgvizNode *        the peer does not speak pgviz at all
    ├── PgvizConnectionError *            no link to a peer could be made
    │   ├── ConnectionRefused             refused, unreachable, timed out (`reason`: a Refusal)
    │   ├── AuthenticationError           the cookies differ
    │   └── HandshakeError *
    ├── CookieError (ValueError), TLSConfigError (ValueError), NotLocalError (ValueError),
    │   NoScopeError (LookupError),
    └── NodeNotRunning (RuntimeError)

* also a builtin ConnectionError (an OSError): `except OSError` around `await node.connect()`
  catches a refused, unreachable or foreign peer together with the socket's own errors.
"""

from __future__ import annotations

__all__ = [
    "PgvizError",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "FrameTooLarge",
    "IntegrityError",
    "PgvizConnectionError",
    "HandshakeError",
    "NotPgvizNode",
    "AuthenticationError",
    "CookieError",
    "TLSConfigError",
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


class IntegrityError(RemoteProtocolError):
    """A frame after the handshake failed its MAC check: something between the two nodes
    injected, altered, replayed, reordered or removed frames (see pgviz/wire/mac.py)."""


class PgvizConnectionError(PgvizError, ConnectionError):
    """No link to a peer could be made: the base of every error `node.connect()` raises for
    the peer's sake. A builtin ConnectionError, hence an OSError."""

    def __init__(self, message: str) -> None:
        super().__init__(message)  # one argument: OSError's (errno, strerror) form is not used

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HandshakeError(RemoteProtocolError, PgvizConnectionError):
    """The peer broke the handshake: a malformed or oversized handshake message, another
    protocol version."""


class NotPgvizNode(HandshakeError):
    """What answered is not a pgviz node (an HTTP or SSH server, random bytes): its very first
    bytes are not a pgviz handshake frame. `first_bytes` holds what it sent first."""

    def __init__(self, message: str, first_bytes: bytes = b"") -> None:
        super().__init__(message)
        self.first_bytes = first_bytes


class AuthenticationError(PgvizConnectionError):
    """The peer does not share our cookie (its challenge response was wrong), or refused ours."""


class CookieError(PgvizError, ValueError):
    """This node's cookie cannot be used: its file is accessible to other users, missing or
    empty, or the cookie is too short for a node that listens on a non-loopback address.
    Raised by `await node.start()`; the message names the file or rule and the fix."""


class TLSConfigError(PgvizError, ValueError):
    """This node's TLS files cannot be used (missing, unreadable, a key that does not match
    its certificate, not PEM). The message names the file and the problem."""


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
    TLS_MISMATCH = "tls-mismatch"  # one side speaks TLS, the other plaintext
    CERTIFICATE = "certificate"  # TLS failed: a certificate not from our CA, or for another name
    OTHER = ""


class ConnectionRefused(PgvizConnectionError):
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
