"""The opening of one connection: its handshake phase, from the peer's first bytes until the
link is up or refused.

A Connection builds one Opening and hands it what it needs (its writers, its peer's socket
name, whether the link is TLS); the Opening drives the sans-IO Handshake (wire/handshake.py),
tells a TLS peer from a plaintext one at the first bytes, checks the peer's certificate against
the name it claims, bounds the handshake in time, asks the distribution at each decision point
whether this connection may go on (rival connections to one peer, explicit disconnects: see
rivals.py and settling.py), and keeps what the peer sends while the distribution decides.
When the connection may go up it calls Connection.go_up(); the live session (frames, link,
ticks) is the Connection's. Nothing here runs per frame.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import (
    AuthenticationError,
    ConnectionRefused,
    NotPgvizNode,
    ProtocolError,
    Refusal,
)
from ..wire.codec import encode
from ..wire.frames import encode_frame
from ..wire.handshake import HANDSHAKE_MAX_FRAME, Established, Handshake, PeerHello
from ..wire.mac import FrameSealer
from .rivals import AskOld, Verdict
from .tls import certificate_problem, transport_mismatch

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["Opening"]

log = logging.getLogger(__name__)

# Refusals that settle rival connections to one peer: another connection lives on.
_SETTLED = frozenset({Refusal.SIMULTANEOUS, Refusal.ALREADY_CONNECTED})


class Opening:
    def __init__(self, conn: Connection, *, expect: str | None, tls: bool,
                 write: Callable[[bytes], None], write_raw: Callable[[bytes], None],
                 peername: Callable[[], str]) -> None:
        """`write`: bytes of the protocol to the peer (through TLS when `tls`); `write_raw`:
        bytes straight to the transport; `peername`: the transport's peer, for messages."""
        self.conn = conn
        self._tls = tls
        self._write = write
        self._write_raw = write_raw
        self._peername = peername
        dist = conn.dist
        self._hs = Handshake(initiator=conn.initiator, name=dist.name, creation=dist.creation,
                             cookie=dist.cookie, address=dist.address, explicit=conn.explicit,
                             expect=expect, caps=dist.control.hello_caps(),
                             check_peer=self._certificate_problem, arbitrate=True)
        self._timer: asyncio.TimerHandle | None = None
        self._early: bytearray | None = None  # not None while the distribution decides

    def arm_timer(self) -> None:
        """The handshake must finish within the distribution's handshake_timeout."""
        dist = self.conn.dist
        self._timer = dist.loop.call_later(dist.handshake_timeout, self._timed_out)

    def disarm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def start(self) -> None:
        """Initiator: send the hello (once TLS is up, when the link is TLS)."""
        self._hs.start()
        self._write_handshake()

    @property
    def committed(self) -> bool:
        """We dialled and sent our proof: up as soon as the acceptor acknowledges it."""
        return self.conn.initiator and self._hs.state in ("await_ack", "done")

    def where(self) -> str:
        return self.conn.dial_address or self._peername() or "the peer"

    # -- TLS -------------------------------------------------------------------------------------------
    def mismatch(self, first: bytes) -> bool:
        """At the peer's first bytes: True (and this connection failed, the peer told why)
        when one side speaks TLS and the other does not."""
        verdict = transport_mismatch(self._tls, first, initiator=self.conn.initiator,
                                     where=self.where())
        if verdict is None:
            return False
        if verdict.tell_peer:
            # Refused in plaintext, so that a peer without TLS can read why.
            self._hs.refuse(verdict.tell_peer, Refusal.TLS_MISMATCH)
            self._write_raw(self._hs.data_to_send())
        if verdict.foreign:
            self.fail(NotPgvizNode(verdict.message, first[:32]))
        else:
            self.fail(ConnectionRefused(verdict.message, reason=Refusal.TLS_MISMATCH))
        return True

    def _certificate_problem(self, name: str) -> str | None:
        """With TLS: why the peer's certificate does not let it be `name` (None: it does)."""
        if not self._tls:
            return None
        return certificate_problem(name, self.conn.peer_cert_names)

    # -- handshake ---------------------------------------------------------------------------------
    def receive(self, data: bytes) -> None:
        """Bytes from the peer (plaintext) while the connection is not up."""
        if self._early is not None:
            # The session's first bytes (only a peer that does not wait for our ack sends
            # any), kept until the distribution decides; a little is plenty.
            self._early += data
            if len(self._early) > HANDSHAKE_MAX_FRAME:
                self.fail(ProtocolError("data sent before the handshake was acknowledged"))
        elif self.conn.state == "handshake":
            self._receive_handshake(data)

    def _receive_handshake(self, data: bytes) -> None:
        try:
            event = self._hs.receive_data(data)
            while event is not None:
                if isinstance(event, PeerHello):
                    if not self._introduced(event):
                        return
                    self._write_handshake()
                    event = self._hs.receive_data(b"")
                    continue
                assert isinstance(event, Established)
                self._established(event)
                return
            self._write_handshake()
        except NotPgvizNode as exc:
            # Say where: "127.0.0.1:80 is not a pgviz node: it sent b'HTTP/1.1 400 ...'".
            where = self.where()
            self.fail(NotPgvizNode(f"{where} is not a pgviz node: it sent "
                                   f"{exc.first_bytes!r} where a pgviz handshake begins",
                                   exc.first_bytes))
        except (AuthenticationError, ProtocolError, ConnectionRefused) as exc:
            self._write_handshake()
            self.fail(exc)
        except Exception as exc:  # a bug here must cost this connection, never the node
            log.error("%s: handshake with %s failed unexpectedly", self.conn.dist.name,
                      self.conn.peer_address or "?", exc_info=exc)
            self.fail(exc)

    def _introduced(self, event: PeerHello) -> bool:
        """The peer's hello (we accept) or welcome (we dial): go on, or refuse it and close
        (False). Where rival connections to one peer are settled (see rivals.py)."""
        conn = self.conn
        conn.peer_name = event.name
        conn.peer_creation = event.creation
        conn.peer_address = event.address
        if conn.initiator:
            verdict = conn.dist.settling.decide_welcome(conn, event)
        else:
            conn.peer_explicit = event.explicit
            problem = self._certificate_problem(event.name)
            verdict = ((Refusal.CERTIFICATE, problem) if problem is not None
                       else conn.dist.settling.decide_incoming(conn, event))
        if verdict is None:
            self._hs.accept()
            return True
        code, text = verdict
        self._hs.refuse(text, code)
        self._write_handshake()
        if conn.initiator:  # the dial learns why, typed (it may wait for the other link)
            self.fail(ConnectionRefused(text, event.name, code))
        else:
            conn.close(f"refused {event.name}: {text}", log_level=logging.INFO)
        return False

    def _write_handshake(self) -> None:
        out = self._hs.data_to_send()
        if out:
            self._write(out)

    def _timed_out(self) -> None:
        conn = self.conn
        if conn.state == "handshake":
            self.fail(ConnectionRefused(
                f"handshake with {conn.peer_name or conn.peer_address or 'peer'} did not "
                f"finish within {conn.dist.handshake_timeout:g} s", reason=Refusal.TIMEOUT))

    def fail(self, exc: Exception) -> None:
        """The handshake failed: the connection closes, and its dial learns why."""
        conn = self.conn
        if not conn.established.done():
            conn.established.set_exception(exc)
            conn.established.exception()  # retrieved: a dial may never await it
        # Strangers failing handshakes on our port cost one line per interval, not one each;
        # a peer that gave its dial up for another connection to us is no fault at all.
        settled = isinstance(exc, ConnectionRefused) and exc.reason in _SETTLED
        level = logging.WARNING if not (conn.initiator or settled) else logging.INFO
        conn.close(f"handshake failed: {exc}", log_level=level, kind="failed handshake")

    def _established(self, ev: Established) -> None:
        self.disarm_timer()
        conn = self.conn
        conn.peer_name = ev.name
        conn.peer_creation = ev.creation
        conn.peer_address = ev.address
        conn.session = ev.session
        verdict = conn.dist.settling.decide_established(conn, ev)
        if isinstance(verdict, AskOld):
            # The distribution asks the old link to that name first (bounded) and calls
            # settle(); what the peer sends meanwhile waits in _early.
            self._early = bytearray()
            return
        self.settle(ev, verdict)

    def settle(self, ev: Established, verdict: Verdict | None) -> None:
        """Acknowledge (acceptor) and go up, or refuse: the decision on a connection whose
        cookie checked out (the distribution's, see _established)."""
        early, self._early = self._early, None
        conn = self.conn
        if conn.state != "handshake":
            return  # closed while the distribution decided
        if verdict is not None:
            code, text = verdict
            if not conn.initiator:
                self._hs.refuse(text, code)  # in place of the ack: it never goes up
                self._write_handshake()
            elif code == Refusal.DISCONNECTED:
                # disconnect() came while we waited for this ack: the acceptor is up
                # already. It is told as disconnect() tells a peer that is up, so that it
                # remembers it too rather than dial us again.
                self._goodbye_unopened(ev, ["BYE", "disconnect"])
            if not conn.established.done():
                conn.established.set_exception(ConnectionRefused(text, ev.name, code))
                conn.established.exception()
            conn.close(text, log_level=logging.INFO)
            return
        if not conn.initiator:
            self._hs.confirm()  # the ack: the initiator goes up when it reads it
            self._write_handshake()
        conn.go_up(ev, early)

    def _goodbye_unopened(self, ev: Established, term: list[Any]) -> None:
        """The one frame of a session this side never opens (sealed as the first would be)."""
        frame = encode_frame(encode(term), self.conn.dist.max_frame)
        if not self._tls and ev.keys is not None:
            frame = FrameSealer(ev.keys.send).seal(frame)
        self._write(frame)
