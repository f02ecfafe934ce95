"""Peers driven by hand over blocking sockets, from the fuzzing thread: one that holds the
cookie and keeps a link to the victim (reconnecting when the victim drops it), and one-shot
connections that send what a client sends first. Each notices a victim that died or hung, and
names the input sent before."""

from __future__ import annotations

import socket
import time
from collections import deque
from typing import Any

from pgviz import Pid, Ref
from pgviz.errors import (
    AuthenticationError,
    ConnectionRefused,
    LocalProtocolError,
    RemoteProtocolError,
)
from pgviz.wire.codec import decode, encode
from pgviz.wire.frames import FrameDecoder, encode_frame
from pgviz.wire.handshake import Established, Handshake
from pgviz.wire.mac import FrameOpener, FrameSealer

from ..support import COOKIE
from .harness import Arena
from .strategies import Input

__all__ = ["Attacker", "VictimHung", "send_first"]


class VictimHung(AssertionError):
    pass


def dead_report(ar: Arena) -> str:
    deadline = time.monotonic() + 2
    while ar.victim_exit() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return ar.describe_victim()


def dial(ar: Arena, context: object) -> socket.socket:
    """A TCP connection to the victim; failing means it died of `context` (what was sent
    before)."""
    try:
        sock = socket.create_connection(ar.address, timeout=10)
    except OSError as exc:
        raise AssertionError(f"the victim stopped accepting connections ({exc}) after "
                             f"{context!r}; {dead_report(ar)}") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def handshake(sock: socket.socket, hs: Handshake) -> Established | str:
    """Run the initiator's side over a blocking socket: Established, or why it failed."""
    try:
        hs.start()
    except LocalProtocolError as exc:
        return f"not sendable: {exc}"
    sock.sendall(hs.data_to_send())
    while True:
        try:
            data = sock.recv(65536)
        except OSError as exc:
            return f"connection error {exc}"
        if not data:
            return "closed"
        try:
            event = hs.receive_data(data)
            while event is None and hs.state == "await_ack":
                event = hs.receive_data(b"")
                if event is None:
                    break
        except (AuthenticationError, ConnectionRefused, RemoteProtocolError) as exc:
            return f"refused: {exc}"
        out = hs.data_to_send()
        if out:
            sock.sendall(out)
        if isinstance(event, Established):
            return event


class Attacker:
    """A peer that holds the cookie and speaks the protocol by hand, as `name`."""

    def __init__(self, ar: Arena, name: str = "evil@127.0.0.1", creation: int = 7) -> None:
        self.ar = ar
        self.name = name
        self.creation = creation
        self.sock: socket.socket | None = None
        self.victim_creation = 0
        self.victim_scope: Pid | None = None
        self.handshakes = 0
        self._frames: FrameDecoder | FrameOpener = FrameDecoder(64 * 1024 * 1024)
        self._sealer: FrameSealer | None = None
        self._unsealed = b""  # the part of a frame written so far, sealed once whole
        self._terms: deque[Any] = deque()
        self._pings = 0
        self._watcher = Pid(name, 99, 0, creation)

    @property
    def connected(self) -> bool:
        return self.sock is not None

    def connect(self, context: object = None) -> None:
        sock = dial(self.ar, context)
        hs = Handshake(initiator=True, name=self.name, creation=self.creation, cookie=COOKIE,
                       address="127.0.0.1:9", explicit=True)
        event = handshake(sock, hs)
        if not isinstance(event, Established):
            sock.close()
            raise AssertionError(f"the victim broke off an honest handshake ({event}) after "
                                 f"{context!r}; {dead_report(self.ar)}")
        self.sock = sock
        self.handshakes += 1
        self.victim_creation = event.creation
        assert event.keys is not None
        # It holds the cookie: its frames carry the session's MAC, so that what is fuzzed is
        # what a node does with authentic frames (a relay's tampering: tests/net/test_relay).
        self._frames = FrameOpener(event.keys.receive, 64 * 1024 * 1024)
        self._sealer = FrameSealer(event.keys.send)
        self._unsealed = b""
        self._terms.clear()
        self._feed(event.rest)

    def _feed(self, data: bytes) -> None:
        for payload in self._frames.feed(data):
            if payload:
                self._terms.append(decode(payload))
        if getattr(self._frames, "error", None) is not None:
            raise AssertionError(f"the victim's frames fail their MAC: {self._frames.error}")

    def _next_term(self, deadline: float) -> Any:
        """The victim's next control term; None on EOF (the victim closed this link)."""
        assert self.sock is not None
        while not self._terms:
            left = deadline - time.monotonic()
            if left <= 0:
                raise VictimHung("the victim did not answer within the deadline")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            except OSError:
                return None
            if not data:
                return None
            self._feed(data)
        return self._terms.popleft()

    def learn_scope(self, timeout: float = 5.0) -> Pid:
        """The victim's pg scope introduces itself with a discover on nodeup."""
        deadline = time.monotonic() + timeout
        while True:
            term = self._next_term(deadline)
            if term is None:
                raise AssertionError("the victim closed the link before its pg discover")
            if (type(term) is list and len(term) == 3 and term[:2] == ["REG_SEND", "pg"]
                    and type(term[2]) is tuple and term[2][0] == "discover"):
                self.victim_scope = term[2][1]
                return term[2][1]

    def send(self, data: bytes, *, seal: bool = True) -> bool:
        """Write bytes; whole frames in them are sealed with the session's MAC (`seal`), a
        frame's beginning waits for its end. seal=False: as they are (lying framing)."""
        assert self.sock is not None
        if seal and self._sealer is not None:
            buf = self._unsealed + data
            pos = 0
            while len(buf) - pos >= 4:
                length = int.from_bytes(buf[pos:pos + 4], "big")
                if len(buf) - pos - 4 < length:
                    break
                pos += 4 + length
            self._unsealed = buf[pos:]
            data = self._sealer.seal(buf[:pos]) if pos else b""
            if not data:
                return True
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def ping(self, timeout: float = 10.0) -> bool:
        """True once the victim has handled everything sent before (it answers a monitor of
        a process it does not have); False when it closed the link instead."""
        self._pings += 1
        ref = Ref(self.name, 10**9 + self._pings, self.creation)
        target = Pid(self.ar.victim.name, 2**40 + self._pings, 0, self.victim_creation)
        if not self.send(encode_frame(encode(["MONITOR_P", self._watcher, target, ref]))):
            return self._drain_to_eof(timeout)
        deadline = time.monotonic() + timeout
        while True:
            term = self._next_term(deadline)
            if term is None:
                return False
            if type(term) is list and term[:1] == ["MONITOR_P_EXIT"] and len(term) > 3 \
                    and term[3] == ref:
                return True

    def _drain_to_eof(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._next_term(deadline) is not None:
            pass
        return False

    def hang_up(self, timeout: float = 10.0) -> None:
        """Half-close, wait for the victim to close too (it has then read everything)."""
        if self.sock is None:
            return
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self._drain_to_eof(timeout)
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def send_first(ar: Arena, inp: Input, timeout: float = 10.0) -> str:
    """One fresh connection: (with an identity, a handshake with the right cookie first),
    write the input, half-close, read until the victim closes. Returns how the handshake
    went; raises if the victim does not accept the connection or keeps it open."""
    sock = dial(ar, ar.last_input)
    ar.last_input = inp
    outcome = "unauthenticated"
    if inp.identity is not None:
        ident = inp.identity
        event = handshake(sock, Handshake(
            initiator=True, name=ident.name, creation=ident.creation, cookie=COOKIE,
            address=ident.address, explicit=ident.explicit, caps=frozenset(ident.caps)))
        if not isinstance(event, Established):
            sock.close()
            return event.split(":")[0]
        outcome = "authenticated"
    got = bytearray()
    try:
        for chunk in inp.chunks:
            sock.sendall(chunk)
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise VictimHung(f"the victim kept a half-closed handshake open: {inp!r}")
            sock.settimeout(left)
            data = sock.recv(65536)
            if not data:
                break
            got += data
    except TimeoutError:
        raise VictimHung(f"the victim kept a half-closed handshake open: {inp!r}") from None
    except OSError:
        pass  # a reset is a close (the victim closed with our bytes unread); ENOTCONN too
    finally:
        sock.close()
    return outcome
