"""Erlang's distribution handshake, version 6 (OTP 23 and later), sans-IO, both directions.

    initiator (A)                                    acceptor (B)
    send_name       'N' flags:64 creation:32 len:16 name  ->
                                 <-  status  's' "ok" | "ok_simultaneous" | "nok" |
                                             "not_allowed" | "alive"
    after "alive":  status 's' "true" | "false"  ->     (false: A closes, B closes)
                    <-  challenge 'N' flags:64 challenge:32 creation:32 len:16 name
    challenge_reply 'r' challenge:32 digest:16  ->
                                 <-  challenge_ack 'a' digest:16

Every message is prefixed by a 2-byte length; after the ack, frames have a 4-byte length.
A digest is MD5(cookie ++ decimal(challenge)), as dist_util:gen_digest/2 computes it.

Flags: OTP 25 accepts DFLAG_MANDATORY_25_DIGEST as shorthand for the flags it made mandatory;
OTP 27 requires it. Its value is bit 26 (16#04000000, dist.hrl and the runtime), not
`1 bsl 36` as OTP 25's HTML documentation says. OTP 26 also makes DFLAG_UNLINK_ID (the
UNLINK_ID/UNLINK_ID_ACK link protocol) and DFLAG_V4_NC (32-bit pid fields, references of up
to 5 words) mandatory: this node announces and speaks both, so the same code serves 25 to 27.

Usage: feed bytes with `receive(data)`, which returns events; send `data_to_send()`. An
acceptor gets a `NameReceived` event and must call `accept(status)` or `refuse(status)`;
after `accept("alive")` it gets an `AliveReply`. An initiator gets `StatusReceived`; after
"alive" it must call `answer_alive(keep)`. Until then `receive` keeps what arrives (call
`receive(b"")` after deciding). Who decides what: rivals.py.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass

from ..errors import AuthenticationError, HandshakeError

__all__ = ["Handshake", "SimultaneousConnect", "NameReceived", "Established", "StatusReceived",
           "AliveReply", "digest", "OUR_FLAGS", "MANDATORY_DFLAGS_25", "flag_names"]

DFLAG_PUBLISHED = 0x01
DFLAG_ATOM_CACHE = 0x02
DFLAG_EXTENDED_REFERENCES = 0x04
DFLAG_DIST_MONITOR = 0x08
DFLAG_FUN_TAGS = 0x10
DFLAG_DIST_MONITOR_NAME = 0x20
DFLAG_HIDDEN_ATOM_CACHE = 0x40
DFLAG_NEW_FUN_TAGS = 0x80
DFLAG_EXTENDED_PIDS_PORTS = 0x100
DFLAG_EXPORT_PTR_TAG = 0x200
DFLAG_BIT_BINARIES = 0x400
DFLAG_NEW_FLOATS = 0x800
DFLAG_UNICODE_IO = 0x1000
DFLAG_DIST_HDR_ATOM_CACHE = 0x2000
DFLAG_SMALL_ATOM_TAGS = 0x4000
DFLAG_UTF8_ATOMS = 0x10000
DFLAG_MAP_TAG = 0x20000
DFLAG_BIG_CREATION = 0x40000
DFLAG_SEND_SENDER = 0x80000
DFLAG_BIG_SEQTRACE_LABELS = 0x100000
DFLAG_EXIT_PAYLOAD = 0x400000
DFLAG_FRAGMENTS = 0x800000
DFLAG_HANDSHAKE_23 = 0x1000000
DFLAG_UNLINK_ID = 0x2000000
DFLAG_MANDATORY_25_DIGEST = 0x4000000  # bit 26, as beam sends it (not 1 bsl 36)
DFLAG_SPAWN = 1 << 32
DFLAG_NAME_ME = 2 << 32
DFLAG_V4_NC = 4 << 32
DFLAG_ALIAS = 8 << 32

MANDATORY_DFLAGS_25 = (DFLAG_EXTENDED_REFERENCES | DFLAG_FUN_TAGS | DFLAG_EXTENDED_PIDS_PORTS
                       | DFLAG_NEW_FUN_TAGS | DFLAG_EXPORT_PTR_TAG | DFLAG_BIT_BINARIES
                       | DFLAG_NEW_FLOATS | DFLAG_UTF8_ATOMS | DFLAG_MAP_TAG
                       | DFLAG_BIG_CREATION | DFLAG_HANDSHAKE_23)

# What this node needs of a peer: OTP 25's mandatory set (implied by the digest flag).
REQUIRED_FLAGS = MANDATORY_DFLAGS_25

# What this node announces. No atom cache (frames start with the pass-through byte 112), no
# fragments, no spawn requests, no aliases: the peer then never sends those.
OUR_FLAGS = (DFLAG_PUBLISHED | DFLAG_DIST_MONITOR | DFLAG_DIST_MONITOR_NAME
             | MANDATORY_DFLAGS_25 | DFLAG_MANDATORY_25_DIGEST | DFLAG_EXIT_PAYLOAD
             | DFLAG_UNLINK_ID | DFLAG_V4_NC)

_FLAG_NAMES = {v: k[6:] for k, v in globals().items() if k.startswith("DFLAG_")}

MAX_NAME_BYTES = 255

# States in which `receive` stops: a decision is due (wait_*), or the handshake is over.
_WAITING = frozenset({"wait_decision", "wait_alive", "refused", "declined"})


def flag_names(flags: int) -> list[str]:
    return [_FLAG_NAMES.get(1 << i, f"bit{i}") for i in range(64) if flags >> i & 1]


def expand_flags(flags: int) -> int:
    return flags | MANDATORY_DFLAGS_25 if flags & DFLAG_MANDATORY_25_DIGEST else flags


def digest(challenge: int, cookie: str) -> bytes:
    return hashlib.md5(cookie.encode("latin-1") + str(challenge).encode()).digest()


class SimultaneousConnect(HandshakeError):
    """Both nodes dialled each other; the acceptor keeps the other connection ("nok")."""


@dataclass(frozen=True)
class NameReceived:
    """Acceptor: the initiator's name; call accept() or refuse(status)."""

    name: str
    flags: int
    creation: int


@dataclass(frozen=True)
class StatusReceived:
    """Initiator: the acceptor's status ("ok", "ok_simultaneous", "alive" ...)."""

    status: str


@dataclass(frozen=True)
class AliveReply:
    """Acceptor, after status "alive": the initiator still wants this connection (`keep`,
    "true": the handshake goes on) or holds a link to us ("false": it is over)."""

    keep: bool


@dataclass(frozen=True)
class Established:
    name: str
    flags: int  # the flags both sides use (ours AND theirs)
    creation: int
    rest: bytes  # bytes that followed the handshake: distribution frames


class Handshake:
    def __init__(self, *, initiator: bool, name: str, creation: int, cookie: str,
                 flags: int = OUR_FLAGS, expect: str | None = None) -> None:
        if len(name.encode()) > MAX_NAME_BYTES or name.count("@") != 1:
            raise ValueError(f"an Erlang node name is name@host, not {name!r}")
        self.initiator = initiator
        self.name = name
        self.creation = creation
        self.cookie = cookie
        self.flags = flags
        self.expect = expect  # initiator: the node name it dialled, if known
        self.peer_name = ""
        self.peer_flags = 0
        self.peer_creation = 0
        self._out = bytearray()
        self._in = bytearray()
        self._challenge = secrets.randbits(32)
        self._peer_challenge = 0
        self.state = "send_name" if initiator else "recv_name"
        self.done = False
        if initiator:
            self._send(b"N" + struct.pack(">QIH", flags, creation, len(name.encode()))
                       + name.encode())
            self.state = "recv_status"

    # -- io ------------------------------------------------------------------------------------
    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def _send(self, msg: bytes) -> None:
        self._out += struct.pack(">H", len(msg)) + msg

    def receive(self, data: bytes) -> list[object]:
        """Feed bytes from the peer; returns the events they complete. HandshakeError for a
        protocol violation, AuthenticationError for a wrong cookie."""
        if self.done:
            raise HandshakeError("handshake already finished")
        self._in += data
        events: list[object] = []
        while not self.done and self.state not in _WAITING:
            if len(self._in) < 2:
                break
            size = struct.unpack_from(">H", self._in)[0]
            if len(self._in) < 2 + size:
                break
            msg = bytes(self._in[2:2 + size])
            del self._in[:2 + size]
            ev = self._message(msg)
            if ev is not None:
                events.append(ev)
        if self.done:
            assert isinstance(events[-1], Established)
        return events

    # -- the acceptor's decision ---------------------------------------------------------------
    def accept(self, status: str = "ok") -> None:
        """"ok", "ok_simultaneous", or "alive" (a link to that node is up: the challenge
        waits for the initiator's "true")."""
        if self.state != "wait_decision":
            raise HandshakeError("accept() without a pending name")
        if status not in ("ok", "ok_simultaneous", "alive"):
            raise ValueError(f"accept() with status {status!r}")
        self._send(b"s" + status.encode())
        if status == "alive":
            self.state = "recv_alive_reply"
        else:
            self._send_challenge()

    def _send_challenge(self) -> None:
        self._send(b"N" + struct.pack(">QIIH", self.flags, self._challenge, self.creation,
                                      len(self.name.encode())) + self.name.encode())
        self.state = "recv_reply"

    def refuse(self, status: str = "nok") -> None:
        if self.state != "wait_decision":
            raise HandshakeError("refuse() without a pending name")
        self._send(b"s" + status.encode())
        self.state = "refused"

    def answer_alive(self, keep: bool) -> None:
        """Initiator, after status "alive": "true" goes on (the peer drops its old link once
        we prove the cookie), "false" ends the handshake (the peer keeps its link)."""
        if self.state != "wait_alive":
            raise HandshakeError("answer_alive() without an alive status")
        self._send(b"s" + (b"true" if keep else b"false"))
        self.state = "recv_challenge" if keep else "declined"

    # -- messages ------------------------------------------------------------------------------
    def _message(self, msg: bytes) -> object | None:
        if not msg:
            raise HandshakeError("empty handshake message")
        kind = msg[:1]
        state = self.state
        if state == "recv_name" and kind == b"N":
            if len(msg) < 15:
                raise HandshakeError("short send_name")
            flags, creation, nlen = struct.unpack_from(">QIH", msg, 1)
            name = self._peer_node(msg[15:15 + nlen], nlen, len(msg) - 15)
            self._check_flags(flags)
            self.peer_name, self.peer_flags, self.peer_creation = name, flags, creation
            self.state = "wait_decision"
            return NameReceived(name, flags, creation)
        if state == "recv_name" and kind == b"n":
            raise HandshakeError("a version 5 handshake (OTP 22 or older is not supported)")
        if state == "recv_status" and kind == b"s":
            status = msg[1:].decode("latin-1")
            if status in ("ok", "ok_simultaneous"):
                self.state = "recv_challenge"
            elif status == "alive":
                self.state = "wait_alive"
            elif status == "nok":
                raise SimultaneousConnect(
                    "the peer is connecting to us at the same time; its connection wins (nok)")
            elif status == "not_allowed":
                raise HandshakeError("the peer does not allow this node (not_allowed)")
            else:
                raise HandshakeError(f"unexpected handshake status {status!r}")
            return StatusReceived(status)
        if state == "recv_alive_reply" and kind == b"s":
            reply = msg[1:]
            if reply == b"true":
                self._send_challenge()
                return AliveReply(True)
            if reply == b"false":
                self.state = "declined"
                return AliveReply(False)
            raise HandshakeError(f"unexpected answer to alive {reply.decode('latin-1')!r}")
        if state == "recv_challenge" and kind == b"N":
            if len(msg) < 19:
                raise HandshakeError("short challenge")
            flags, challenge, creation, nlen = struct.unpack_from(">QIIH", msg, 1)
            name = self._peer_node(msg[19:19 + nlen], nlen, len(msg) - 19)
            if self.expect is not None and name != self.expect:
                raise HandshakeError(f"dialled {self.expect} but {name} answered")
            self._check_flags(flags)
            self.peer_name, self.peer_flags, self.peer_creation = name, flags, creation
            self._peer_challenge = challenge
            self._send(b"r" + struct.pack(">I", self._challenge)
                       + digest(challenge, self.cookie))
            self.state = "recv_ack"
            return None
        if state == "recv_reply" and kind == b"r":
            if len(msg) != 21:
                raise HandshakeError("bad challenge_reply")
            their_challenge = struct.unpack_from(">I", msg, 1)[0]
            if not secrets.compare_digest(msg[5:21], digest(self._challenge, self.cookie)):
                raise AuthenticationError(
                    f"{self.peer_name} has another cookie (challenge reply does not match)")
            self._send(b"a" + digest(their_challenge, self.cookie))
            return self._finish()
        if state == "recv_ack" and kind == b"a":
            if len(msg) != 17:
                raise HandshakeError("bad challenge_ack")
            if not secrets.compare_digest(msg[1:17], digest(self._challenge, self.cookie)):
                raise AuthenticationError(
                    f"{self.peer_name} has another cookie (challenge ack does not match)")
            return self._finish()
        raise HandshakeError(f"unexpected handshake message {kind!r} in state {state}")

    def _finish(self) -> Established:
        self.done = True
        self.state = "up"
        rest = bytes(self._in)
        self._in.clear()
        return Established(self.peer_name, self.flags & expand_flags(self.peer_flags),
                           self.peer_creation, rest)

    @staticmethod
    def _peer_node(raw: bytes, nlen: int, avail: int) -> str:
        if nlen > avail or nlen > MAX_NAME_BYTES:
            raise HandshakeError("bad node name length")
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HandshakeError("node name is not UTF-8") from None
        alive, _, host = name.partition("@")
        if not alive or not host or "@" in host:
            raise HandshakeError(f"bad node name {name!r}")
        return name

    def _check_flags(self, flags: int) -> None:
        missing = REQUIRED_FLAGS & ~expand_flags(flags)
        if missing:
            if not self.initiator:
                self._send(b"snot_allowed")
            raise HandshakeError("the peer lacks mandatory distribution flags: "
                                 + ", ".join(flag_names(missing)))
