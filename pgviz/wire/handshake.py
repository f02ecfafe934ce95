"""The connection handshake, as a sans-IO state machine.

    initiator                                  acceptor
      hello(version, name, creation, nonce_i, address, explicit, caps)  ->
                                               <- welcome(name, creation, nonce_a, address, caps)
                                                  or refuse(reason)
      proof(HMAC(cookie, "i" nonce_a nonce_i name_i name_a))   ->
                                               <- ack(HMAC(cookie, "a" nonce_i nonce_a name_a name_i))
                                                  or refuse("authentication failed")

Both sides prove they hold the cookie without sending it, each over the other's fresh nonce, so
neither a replay nor a reflection of the other side's proof passes. From the cookie, both
nonces and both names each side then derives the session's per-direction MAC keys
(`Established.keys`, see mac.py): every frame after the handshake is tagged with them. Digests are compared in
constant time. Handshake frames are capped small: nobody unauthenticated gets to make us
buffer megabytes.

The acceptor decides whether to accept after `hello` (an event, `PeerHello`): that is where
simultaneous connects and explicit disconnects are resolved, by the dist layer, not here.
A side built with `arbitrate=True` (a node, which settles rival connections to one peer: see
pgviz/net/rivals.py) also decides at the two later steps, before it answers: the initiator at
the welcome (`PeerHello` again: accept() sends the proof, refuse() ends it) and the acceptor
once the proof checked out (`Established` in state "confirming": confirm() sends the ack,
refuse() sends a refusal in its place). The ack is then the initiator's only way up, and an
acceptor that refuses has never gone up: both sides always agree on which connection lives.
Without it (a lone hand-driven peer) both steps are answered at once, as before.

Every handshake frame is small and holds a msgpack array whose first item is a short string
tag, so a pgviz peer's first six bytes are `00 00 0L LL 9N AT` (length <= 4096, a fixarray, a
fixstr). Anything else -- an HTTP or SSH server, a browser, random bytes -- is `NotPgvizNode`
as soon as its first wrong byte arrives, rather than a frame-size error or a timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import (
    AuthenticationError,
    ConnectionRefused,
    FrameTooLarge,
    HandshakeError,
    LocalProtocolError,
    NotPgvizNode,
    Refusal,
    RemoteProtocolError,
)
from .codec import decode_plain, encode
from .frames import FrameDecoder, encode_frame
from .mac import SessionKeys, session_keys
from .render import safe_repr

__all__ = ["Handshake", "PeerHello", "Established", "PROTOCOL_VERSION", "HANDSHAKE_MAX_FRAME",
           "begins_like_pgviz"]

# 2: tuples are marked arrays, no longer nested ext payloads (see codec.py).
# 3: every frame after the handshake carries a MAC (see mac.py), unless the link is TLS.
PROTOCOL_VERSION = 3
HANDSHAKE_MAX_FRAME = 4096
NONCE_BYTES = 16
AUTH_FAILED = "authentication failed"

# What each of a handshake's first six bytes may be: a 4-byte length of 2..4096 (checked
# whole once it is in), a fixarray of 1-15 items, a fixstr tag of 1-31 characters.
_FIRST_BYTES = (range(0, 1), range(0, 1), range(0, (HANDSHAKE_MAX_FRAME >> 8) + 1),
                range(0, 256), range(0x91, 0xA0), range(0xA1, 0xC0))
_SHOWN_BYTES = 32  # of a foreign peer's first bytes, quoted in the error


def begins_like_pgviz(prefix: bytes) -> bool:
    """False when `prefix` (the first bytes a peer sent, however few) cannot begin a pgviz
    handshake; True while it still may."""
    if any(b not in allowed for b, allowed in zip(prefix, _FIRST_BYTES, strict=False)):
        return False
    return len(prefix) < 4 or 2 <= struct.unpack_from(">I", prefix)[0] <= HANDSHAKE_MAX_FRAME


@dataclass(frozen=True)
class PeerHello:
    """The peer introduced itself: the initiator's hello (acceptor side), or with `arbitrate`
    the acceptor's welcome (initiator side, `explicit` False); call accept() or refuse()."""

    name: str
    creation: int
    address: str
    explicit: bool
    caps: frozenset[str]


@dataclass(frozen=True)
class Established:
    """Both sides proved the cookie. `rest` holds bytes that already belong to the session."""

    name: str
    creation: int
    address: str
    caps: frozenset[str]
    initiator: bool
    session: str = ""  # the same on both sides, unique per connection (from both nonces)
    rest: bytes = field(default=b"", repr=False)
    keys: SessionKeys | None = field(default=None, repr=False)  # this side's MAC keys


def _digest(cookie: bytes, role: bytes, *parts: bytes) -> bytes:
    return hmac.new(cookie, b"pgviz/1 " + role + b"".join(
        len(p).to_bytes(2, "big") + p for p in parts), hashlib.sha256).digest()


def _reframe(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def _check(cond: bool, what: str) -> None:
    if not cond:
        raise HandshakeError(f"malformed handshake message: {what}")


class Handshake:
    """One side of one handshake. Feed it bytes; collect `data_to_send()` after each call."""

    def __init__(
        self,
        *,
        initiator: bool,
        name: str,
        creation: int,
        cookie: str | bytes,
        address: str,
        explicit: bool = False,
        caps: frozenset[str] = frozenset(),
        nonce: Callable[[int], bytes] = os.urandom,
        expect: str | None = None,
        check_peer: Callable[[str], str | None] | None = None,
        arbitrate: bool = False,
    ) -> None:
        """`expect` (initiator): the name the acceptor must have; another name ends the
        handshake before any proof is sent (a gossiped address that is not that node).
        `check_peer` (initiator): called with the acceptor's name at its welcome; a reason
        returned refuses it (a Refusal.CERTIFICATE: its TLS certificate is for another name)
        before any proof is sent. `arbitrate`: stop for a decision at the welcome and before
        the ack too (see the module docstring)."""
        self.initiator = initiator
        self.arbitrate = arbitrate
        self.expect = expect
        self.check_peer = check_peer
        self.name = name
        self.creation = creation
        self._cookie = cookie.encode() if isinstance(cookie, str) else cookie
        self.address = address
        self.explicit = explicit
        self.caps = caps
        self._nonce = nonce(NONCE_BYTES)
        self._peer: PeerHello | None = None
        self._peer_nonce = b""
        self._out = bytearray()
        self._frames = FrameDecoder(HANDSHAKE_MAX_FRAME)
        self._pending: deque[bytes] = deque()
        self._first = b""  # the peer's first bytes, until they are known to be pgviz's
        self._sniffing = True
        self.state = "start" if initiator else "await_hello"

    # -- output ---------------------------------------------------------------------------
    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def _emit(self, *msg: object) -> None:
        self._out += encode_frame(encode(list(msg)), HANDSHAKE_MAX_FRAME)

    # -- initiator ------------------------------------------------------------------------
    def start(self) -> None:
        if self.state != "start":
            raise LocalProtocolError(f"start() in state {self.state}")
        self._emit("hello", PROTOCOL_VERSION, self.name, self.creation, self._nonce,
                   self.address, self.explicit, sorted(self.caps))
        self.state = "await_welcome"

    # -- decisions ---------------------------------------------------------------------------
    def accept(self) -> None:
        """Go on after a PeerHello: the acceptor welcomes, the initiator sends its proof."""
        if self.state != "deciding":
            raise LocalProtocolError(f"accept() in state {self.state}")
        if self.initiator:
            self._prove()
            return
        self._emit("welcome", self.name, self.creation, self._nonce, self.address,
                   sorted(self.caps))
        self.state = "await_proof"

    def confirm(self) -> None:
        """Acceptor with `arbitrate`, after its Established: send the ack (the initiator is
        up once it reads it)."""
        if self.state != "confirming":
            raise LocalProtocolError(f"confirm() in state {self.state}")
        self._acknowledge()

    def refuse(self, reason: str, code: str = "") -> None:
        """Refuse the peer: `reason` for people, `code` (a Refusal) for its code."""
        if self.state not in ("deciding", "await_hello", "confirming"):
            raise LocalProtocolError(f"refuse() in state {self.state}")
        self._emit("refuse", reason, self.name, code)
        self.state = "closed"

    # -- input -----------------------------------------------------------------------------
    def receive_data(self, data: bytes) -> PeerHello | Established | None:
        """Consume bytes. Returns an event when there is one; raises on a broken or refused
        handshake: HandshakeError (NotPgvizNode at a foreign peer's first bytes),
        AuthenticationError, ConnectionRefused -- all of them ConnectionErrors."""
        if self.state in ("closed", "done", "start"):
            raise LocalProtocolError(f"receive_data() in state {self.state}")
        if data and self._sniffing:
            self._sniff(data)
        if data:
            try:
                self._pending.extend(self._frames.feed(data))
            except FrameTooLarge as exc:
                self.state = "closed"
                raise HandshakeError(f"handshake frame too large: {exc}") from None
        if self.state in ("deciding", "confirming"):  # nothing read before the decision
            return None
        return self._next()

    def _sniff(self, data: bytes) -> None:
        self._first += data[:_SHOWN_BYTES - len(self._first)]
        if not begins_like_pgviz(self._first[:len(_FIRST_BYTES)]):
            self.state = "closed"
            raise NotPgvizNode(f"the peer is not a pgviz node: it sent {self._first!r} where a "
                               "pgviz handshake begins", self._first)
        if len(self._first) >= len(_FIRST_BYTES):
            self._sniffing = False
            self._first = b""

    def _next(self) -> PeerHello | Established | None:
        # Feed gave us complete frames in order; handle at most one, keep the rest buffered:
        # the acceptor must decide on hello before reading further.
        if not self._pending:
            return None
        frame = self._pending.popleft()
        try:
            msg = decode_plain(frame)
        except RemoteProtocolError as exc:
            raise HandshakeError(f"malformed handshake message: {exc}") from None
        _check(isinstance(msg, list) and bool(msg) and isinstance(msg[0], str), "not a tagged list")
        tag = msg[0]
        if tag == "refuse":
            self.state = "closed"
            reason = str(msg[1]) if len(msg) > 1 else "refused"
            if reason == AUTH_FAILED:
                raise AuthenticationError(f"the peer refused our cookie ({reason})")
            peer = msg[2] if len(msg) > 2 and isinstance(msg[2], str) else None
            code = msg[3] if len(msg) > 3 and isinstance(msg[3], str) else ""
            raise ConnectionRefused(f"the peer refused the connection: {reason}", peer, code)
        handler = {
            "await_hello": self._on_hello,
            "await_welcome": self._on_welcome,
            "await_proof": self._on_proof,
            "await_ack": self._on_ack,
        }.get(self.state)
        if handler is None:
            raise LocalProtocolError(f"data while {self.state}")
        event = handler(tag, msg)
        if isinstance(event, Established):
            # Whatever followed the last handshake frame already belongs to the session
            # (frames may be bigger there, so hand back raw bytes, re-framed).
            rest = b"".join(_reframe(f) for f in self._pending) + self._frames.take_rest()
            self._pending.clear()
            return Established(**{**event.__dict__, "rest": rest})
        return event

    def _on_hello(self, tag: str, msg: list) -> PeerHello:
        _check(tag == "hello" and len(msg) >= 8, f"expected hello, got {tag!r}")
        _, version, name, creation, nonce, address, explicit, caps = msg[:8]
        if version != PROTOCOL_VERSION:
            # The version is the peer's data: quoted short, so the refusal fits its frame.
            shown = safe_repr(version, 40)
            self.refuse(f"unsupported protocol version {shown} (this node speaks "
                        f"{PROTOCOL_VERSION})")
            raise HandshakeError(f"peer speaks protocol version {shown}")
        _check(isinstance(name, str) and "@" in name and len(name) < 256, "bad node name")
        _check(type(creation) is int and isinstance(nonce, bytes) and len(nonce) == NONCE_BYTES,
               "bad creation or nonce")
        _check(isinstance(address, str) and isinstance(caps, list), "bad address or caps")
        self._peer_nonce = nonce
        self._peer = PeerHello(name, creation, address, bool(explicit),
                               frozenset(c for c in caps if isinstance(c, str)))
        self.state = "deciding"
        return self._peer

    def _on_welcome(self, tag: str, msg: list) -> PeerHello | None:
        _check(tag == "welcome" and len(msg) >= 6, f"expected welcome, got {tag!r}")
        _, name, creation, nonce, address, caps = msg[:6]
        _check(isinstance(name, str) and "@" in name and type(creation) is int, "bad identity")
        _check(isinstance(nonce, bytes) and len(nonce) == NONCE_BYTES, "bad nonce")
        _check(isinstance(address, str) and isinstance(caps, list), "bad address or caps")
        if self.expect is not None and name != self.expect:
            self.state = "closed"
            raise ConnectionRefused(f"expected {self.expect} there, found {name}", name,
                                    Refusal.WRONG_NODE)
        problem = self.check_peer(name) if self.check_peer is not None else None
        if problem is not None:
            self._emit("refuse", problem, self.name, Refusal.CERTIFICATE)
            self.state = "closed"
            raise ConnectionRefused(problem, name, Refusal.CERTIFICATE)
        self._peer_nonce = nonce
        self._peer = PeerHello(name, creation, address, False,
                               frozenset(c for c in caps if isinstance(c, str)))
        if self.arbitrate:
            self.state = "deciding"
            return self._peer
        self._prove()
        return None

    def _prove(self) -> None:
        assert self._peer is not None
        self._emit("proof", _digest(self._cookie, b"i", self._peer_nonce, self._nonce,
                                    self.name.encode(), self._peer.name.encode()))
        self.state = "await_ack"

    def _on_proof(self, tag: str, msg: list) -> Established:
        _check(tag == "proof" and len(msg) >= 2 and isinstance(msg[1], bytes), "expected proof")
        assert self._peer is not None
        want = _digest(self._cookie, b"i", self._nonce, self._peer_nonce,
                       self._peer.name.encode(), self.name.encode())
        if not hmac.compare_digest(want, msg[1]):
            self._emit("refuse", AUTH_FAILED)
            self.state = "closed"
            raise AuthenticationError(f"{self._peer.name} does not share our cookie")
        if self.arbitrate:
            self.state = "confirming"
        else:
            self._acknowledge()
        return self._established(initiator=False)

    def _acknowledge(self) -> None:
        assert self._peer is not None
        self._emit("ack", _digest(self._cookie, b"a", self._peer_nonce, self._nonce,
                                  self.name.encode(), self._peer.name.encode()))
        self.state = "done"

    def _on_ack(self, tag: str, msg: list) -> Established:
        _check(tag == "ack" and len(msg) >= 2 and isinstance(msg[1], bytes), "expected ack")
        assert self._peer is not None
        want = _digest(self._cookie, b"a", self._nonce, self._peer_nonce,
                       self._peer.name.encode(), self.name.encode())
        if not hmac.compare_digest(want, msg[1]):
            self.state = "closed"
            raise AuthenticationError(f"{self._peer.name} could not prove it holds our cookie")
        self.state = "done"
        return self._established(initiator=True)

    @property
    def session(self) -> str:
        """The connection's id, the same on both sides, once both nonces are known."""
        if not self._peer_nonce:
            return ""
        first, second = (self._nonce, self._peer_nonce) if self.initiator else (
            self._peer_nonce, self._nonce)
        return hashlib.sha256(first + second).hexdigest()[:12]

    def _established(self, *, initiator: bool) -> Established:
        assert self._peer is not None
        p = self._peer
        nonce_i, nonce_a = (self._nonce, self._peer_nonce) if initiator else (
            self._peer_nonce, self._nonce)
        name_i, name_a = (self.name, p.name) if initiator else (p.name, self.name)
        keys = session_keys(self._cookie, initiator=initiator, nonce_i=nonce_i,
                            nonce_a=nonce_a, name_i=name_i, name_a=name_a)
        return Established(p.name, p.creation, p.address, p.caps, initiator, self.session,
                           keys=keys)
