"""pgviz: Erlang/OTP's pg (distributed named process groups) on asyncio.

    import pgviz

    async with pgviz.Node("alice", cookie="secret") as node:
        await node.connect("127.0.0.1:40124")
        pid = node.spawn(worker)
        node.pg.join("chat", pid)
        node.pg.broadcast("chat", ("hello", "world"))

Importing pgviz loads no Qt: the desktop app lives in pgviz.gui.
"""

from ._version import __version__
from .errors import (
    AuthenticationError,
    ConnectionRefused,
    CookieError,
    FrameTooLarge,
    HandshakeError,
    IntegrityError,
    LocalProtocolError,
    NodeNotRunning,
    NoScopeError,
    NotLocalError,
    NotPgvizNode,
    PgvizConnectionError,
    PgvizError,
    ProtocolError,
    Refusal,
    RemoteProtocolError,
    TLSConfigError,
)
from .net import Faults, MemoryNetwork, TLSConfig
from .node import DEFAULT_SCOPE, Node
from .pg import MembershipChange, Scope, Subscription, Watch
from .runtime import Pid, Process, Ref

__all__ = [
    "__version__",
    "Node",
    "Process",
    "Pid",
    "Ref",
    "Scope",
    "Subscription",
    "Watch",
    "MembershipChange",
    "DEFAULT_SCOPE",
    "MemoryNetwork",
    "Faults",
    "TLSConfig",
    "TLSConfigError",
    "IntegrityError",
    "PgvizError",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "FrameTooLarge",
    "PgvizConnectionError",
    "HandshakeError",
    "NotPgvizNode",
    "AuthenticationError",
    "CookieError",
    "ConnectionRefused",
    "Refusal",
    "NotLocalError",
    "NoScopeError",
    "NodeNotRunning",
]
