"""Why a connect failed, said as a person would say it (Qt-free).

`node.connect()` raises typed errors whose messages are written for logs and tracebacks:
"could not reach 127.0.0.1:1: [Errno 111] Connect call failed ('127.0.0.1', 1)". A window
shows the sentence `connect_failure` makes of one, and keeps the error's own text in its log
for whoever needs the detail.
"""

from __future__ import annotations

import errno
import socket

from ..errors import AuthenticationError, ConnectionRefused, NotPgvizNode, Refusal

__all__ = ["connect_failure"]

#: a refusal the peer said out loud (its reason), in words
REFUSALS = {
    Refusal.PARTITIONED: "a partition cuts this node off from it",
    Refusal.DISCONNECTED: "it was disconnected from this node",
    Refusal.STOPPING: "it is shutting down",
    Refusal.SAME_NAME: "it has this node's own name",
    Refusal.NAME_TAKEN: "another node of that name is connected already",
    Refusal.WRONG_NODE: "another node answers there than the one expected",
    Refusal.TIMEOUT: "it answered, but the handshake never finished (is it a pgviz node?)",
    Refusal.TLS_MISMATCH: "one side speaks TLS and the other does not",
    Refusal.CERTIFICATE: "its TLS certificate is not one this node trusts",
}


def connect_failure(address: str, exc: BaseException) -> str:
    """ "cannot connect to 127.0.0.1:1: nothing listens there" for `exc`, raised by a
    connect to `address`."""
    return f"cannot connect to {address}: {_why(address, exc)}"


def _why(address: str, exc: BaseException) -> str:
    if isinstance(exc, AuthenticationError):
        return "its cookie is not this node's (start both with the same --cookie)"
    if isinstance(exc, NotPgvizNode):
        return "what answers there is not a pgviz node"
    cause = exc.__cause__ or exc.__context__  # the socket's own error, under a refusal
    if isinstance(exc, ConnectionRefused) and exc.reason in REFUSALS:
        return REFUSALS[exc.reason]
    for err in (cause, exc):
        if isinstance(err, ConnectionRefusedError):
            return "nothing listens there"
        if isinstance(err, socket.gaierror):
            host = address.rpartition(":")[0] or address
            return f"no host named {host} is known here"
        if isinstance(err, TimeoutError):
            return "no answer (the host may be down, or a firewall drops the connection)"
        if isinstance(err, OSError) and err.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return "that host cannot be reached from this machine's network"
    if isinstance(exc, ConnectionRefused) and exc.reason == Refusal.UNREACHABLE:
        return "it cannot be reached"
    return str(exc) or type(exc).__name__
