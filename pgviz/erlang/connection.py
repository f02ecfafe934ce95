"""One link to an Erlang node (or to another pgviz node speaking the Erlang protocol): the
handshake, then 4-byte-length frames (a zero-length frame is a tick) carrying a control
message and maybe a payload, translated by control.py.

It offers what the runtime uses of pgviz/net's Connection (send, drain, write_buffer_size,
frame_id, travel, peer_events, the counters), so the Router, Signals and EventLinks run on
it unchanged. A frame that cannot be decoded or is not understood is dropped and counted
(`faults`); the link goes on, as it does in pgviz's own protocol. A frame beyond `max_frame`
bytes ends the link: the stream cannot be trusted after it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import struct
from typing import TYPE_CHECKING, Any

from ..errors import AuthenticationError, ConnectionRefused, HandshakeError, Refusal
from .control import ControlError, Translator, build_frame, parse_frame
from .etf import EtfDecodeError, EtfEncodeError, Limits
from .handshake import (
    DFLAG_EXIT_PAYLOAD,
    DFLAG_UNLINK_ID,
    AliveReply,
    Established,
    Handshake,
    NameReceived,
    StatusReceived,
)
from .rivals import Refuse, Replace

if TYPE_CHECKING:
    from .distribution import ErlangDistribution

__all__ = ["ErlangConnection"]

log = logging.getLogger(__name__)

TICK = b"\0\0\0\0"


READ_SIZE = 256 * 1024  # bytes read per call (see ErlangConnection)


class ErlangConnection(asyncio.BufferedProtocol):
    """One link to an Erlang node. A BufferedProtocol for the reason pgviz's own connections
    are (net/connection.py, READ_SIZE): asyncio then reads into our buffer instead of
    allocating 256 KiB per read."""

    def __init__(self, dist: ErlangDistribution, *, initiator: bool, expect: str | None = None,
                 dial_address: str = "") -> None:
        self.dist = dist
        self.initiator = initiator
        self.dial_address = dial_address
        self.expect = expect
        self.state = "connecting"
        self.peer_name: str | None = None  # the acceptor's from the name, else once up
        # acceptor: this connection got status "alive" about this link (up then) ...
        self.alive_link: ErlangConnection | None = None
        self.alive_confirmed = False  # ... and the initiator answered "true"
        self.peer_creation = 0
        self.peer_flags = 0
        self.peer_address = dial_address
        self.close_reason = ""
        self.bytes_out = self.bytes_in = 0
        self.frames_out = self.frames_in = 0
        self.faults = 0  # frames dropped as malformed or not understood
        self.session = secrets.token_hex(3)
        self.peer_events = ""  # EventLinks reads and sets it; Erlang nodes never ask
        self.translator: Translator | None = None
        self._rbuf = memoryview(bytearray(READ_SIZE))
        self.established: asyncio.Future[str] = dist.loop.create_future()
        self._transport: asyncio.Transport | None = None
        self._hs = Handshake(initiator=initiator, name=dist.name, creation=dist.creation,
                             cookie=dist.cookie, expect=expect)
        self._buf = bytearray()
        self._hs_timer: asyncio.TimerHandle | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        now = dist.loop.time()
        self.last_recv = self.last_send = now

    # -- asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if peer and not self.peer_address:
            self.peer_address = f"{peer[0]}:{peer[1]}"
        self.state = "handshake"
        self.dist._pending.add(self)
        self._hs_timer = self.dist.loop.call_later(self.dist.handshake_timeout,
                                                   self._handshake_timeout)
        self._write_handshake()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._rbuf

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._rbuf[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        self.last_recv = self.dist.loop.time()
        self.bytes_in += len(data)
        if self.state == "handshake":
            self._receive_handshake(data)
        elif self.state == "up":
            self._buf += data
            self._receive_frames()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.close_reason:
            self.close_reason = f"connection lost ({exc})" if exc else "connection closed by peer"
        self._finish()

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    # -- handshake -----------------------------------------------------------------------------
    def _write_handshake(self) -> None:
        out = self._hs.data_to_send()
        if out and self._transport is not None:
            self._transport.write(out)
            self.bytes_out += len(out)

    def _receive_handshake(self, data: bytes) -> None:
        try:
            events = self._hs.receive(data)
            while events and self.state == "handshake":
                ev = events.pop(0)
                if isinstance(ev, NameReceived):
                    self.peer_name = ev.name
                    decision = self.dist._decide_incoming(self, ev)
                    if isinstance(decision, Refuse):
                        if decision.status is not None:
                            self._hs.refuse(decision.status)
                            self._write_handshake()
                        self._fail(ConnectionRefused(f"refused {ev.name}: {decision.reason}",
                                                     peer=ev.name))
                        return
                    self._hs.accept(decision.status)
                    if decision.status == "alive":
                        self.alive_link = self.dist.connection(ev.name)
                    events += self._hs.receive(b"")  # what came meanwhile, if anything
                elif isinstance(ev, AliveReply):
                    if not ev.keep:
                        self._fail(ConnectionRefused(
                            f"{self.peer_name} answered false to alive: it keeps its link",
                            peer=self.peer_name, reason=Refusal.ALREADY_CONNECTED))
                        return
                    self.alive_confirmed = True
                elif isinstance(ev, StatusReceived) and ev.status == "alive":
                    self.dist._answer_alive(self)
                    return  # now or once the distribution knows (an address dial)
                elif isinstance(ev, Established):
                    self._established(ev)
                    return
            self._write_handshake()
        except (HandshakeError, AuthenticationError, ValueError) as exc:
            self._write_handshake()  # a refusal status, if any
            self._fail(exc if isinstance(exc, (HandshakeError, AuthenticationError))
                       else HandshakeError(str(exc)))

    def answer_alive(self, keep: bool, holder: str | None = None) -> None:
        """Initiator, at status "alive": true (go on) or false (this node holds a link to
        the peer, `holder`: the dial ends with ALREADY_CONNECTED)."""
        if self.state != "handshake":
            return  # closed meanwhile
        self._hs.answer_alive(keep)
        self._write_handshake()
        if not keep:
            self._fail(ConnectionRefused(
                f"{holder} is connected already: answered false to its alive",
                peer=holder, reason=Refusal.ALREADY_CONNECTED))
            return
        self._receive_handshake(b"")  # what came meanwhile, if anything

    def _handshake_timeout(self) -> None:
        if self.state == "handshake":
            self._fail(ConnectionRefused(f"handshake with {self.peer_address} timed out"))

    def _fail(self, exc: Exception) -> None:
        level = logging.WARNING if isinstance(exc, AuthenticationError) else logging.INFO
        self.dist.faultlog.log(level, type(exc).__name__, "%s: handshake with %s failed: %s",
                               self.dist.name, self.peer_address, exc)
        if not self.established.done():
            self.established.set_exception(exc)
            self.established.exception()  # retrieved: nobody may be waiting
        self.close(f"handshake failed: {exc}")

    def _established(self, ev: Established) -> None:
        if self._hs_timer is not None:
            self._hs_timer.cancel()
        self.peer_name, self.peer_creation, self.peer_flags = ev.name, ev.creation, ev.flags
        decision = self.dist._decide_established(self, ev)
        if isinstance(decision, Refuse):
            # the acceptor's ack stays unsent: the initiator never goes up on this one
            self._hs.data_to_send()
            self._fail(ConnectionRefused(decision.reason, peer=ev.name,
                                         reason=Refusal.ALREADY_CONNECTED))
            return
        if isinstance(decision, Replace):
            self.dist._replace(ev.name, self, decision.reason)
        self._write_handshake()  # the acceptor's ack, once the old link is gone
        self.translator = Translator(self.dist.stand_in_pid(),
                                     unlink_id=bool(ev.flags & DFLAG_UNLINK_ID),
                                     exit_payload=bool(ev.flags & DFLAG_EXIT_PAYLOAD))
        self.state = "up"
        self.dist._connection_up(self)
        if not self.established.done():
            self.established.set_result(ev.name)
        if ev.rest:
            self._buf += ev.rest
            self._receive_frames()

    # -- frames --------------------------------------------------------------------------------
    def _receive_frames(self) -> None:
        buf = self._buf
        limits: Limits = self.dist.limits
        pos = 0
        while self.state == "up" and len(buf) - pos >= 4:
            size = struct.unpack_from(">I", buf, pos)[0]
            if size > self.dist.max_frame:
                self.close(f"a frame of {size} bytes from {self.peer_name} "
                           f"(limit {self.dist.max_frame})", log_level=logging.WARNING)
                return
            if len(buf) - pos - 4 < size:
                break
            frame = bytes(buf[pos + 4:pos + 4 + size])
            pos += 4 + size
            if not size:
                continue  # a tick
            self.frames_in += 1
            try:
                ctrl, payload, has_payload = parse_frame(frame, limits)
                assert self.translator is not None
                inbound = self.translator.inbound(ctrl, payload, has_payload)
            except (EtfDecodeError, ControlError) as exc:
                self.faults += 1
                self.dist.faultlog.log(logging.WARNING, "bad frame",
                                       "%s: dropped a frame from %s: %s", self.dist.name,
                                       self.peer_name, exc)
                continue
            for reply in inbound.replies:
                self._write_frames([build_frame(reply)])
            if inbound.term is not None:
                self.dist._received(self, inbound.term, size)
        del buf[:pos]

    def send(self, term: Any, *, urgent: bool = False) -> int:
        """Send a pgviz control list as the Erlang messages it maps to; returns the bytes
        written (0 for a pgviz-only frame). EtfEncodeError (a LocalProtocolError) for a term
        with no Erlang form: nothing is sent then."""
        if self.state != "up" or self.translator is None:
            return 0
        frames = [build_frame(ctrl, payload, has)
                  for ctrl, payload, has in self.translator.outbound(term)]
        return self._write_frames(frames)

    def send_raw(self, ctrl: tuple[Any, ...], payload: Any = None,
                 has_payload: bool = False) -> int:
        """An Erlang control message as it is (the distribution's own services)."""
        if self.state != "up":
            return 0
        return self._write_frames([build_frame(ctrl, payload, has_payload)])

    def _write_frames(self, frames: list[bytes]) -> int:
        if not frames or self._transport is None or self._transport.is_closing():
            return 0
        data = b"".join(frames)
        size = len(data)
        if size - 4 > self.dist.max_frame and len(frames) == 1:
            raise EtfEncodeError(f"a frame of {size} bytes (limit {self.dist.max_frame})")
        self._transport.write(data)
        self.bytes_out += size
        self.frames_out += len(frames)
        self.last_send = self.dist.loop.time()
        return size

    def send_tick(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(TICK)
            self.bytes_out += 4
            self.last_send = self.dist.loop.time()

    async def drain(self) -> None:
        if self._paused and self.state == "up":
            fut = self.dist.loop.create_future()
            self._drain_waiters.append(fut)
            await fut

    def frame_id(self, outgoing: bool) -> str:
        sender_is_initiator = self.initiator if outgoing else not self.initiator
        n = self.frames_out if outgoing else self.frames_in
        return f"{self.session}{'i' if sender_is_initiator else 'a'}{n}"

    @property
    def travel(self) -> float:
        return 0.0  # no network clock on Erlang links

    @property
    def link(self) -> None:
        return None

    @property
    def write_buffer_size(self) -> int:
        t = self._transport
        return t.get_write_buffer_size() if t is not None else 0

    # -- closing -------------------------------------------------------------------------------
    def close(self, reason: str, *, log_level: int = logging.DEBUG, kind: str = "",
              abort: bool = False) -> None:
        if self.state == "closed":
            return
        if not self.close_reason:
            self.close_reason = reason
        log.log(log_level, "%s: closing link to %s: %s", self.dist.name,
                self.peer_name or self.peer_address, reason)
        if self._transport is not None:
            if abort:
                self._transport.abort()
            else:
                self._transport.close()
        self._finish()

    def _finish(self) -> None:
        if self.state == "closed":
            return
        was_up = self.state == "up"
        self.state = "closed"
        if self._hs_timer is not None:
            self._hs_timer.cancel()
        if not self.established.done():
            self.established.set_exception(ConnectionRefused(
                f"connection to {self.peer_address} closed: {self.close_reason}"))
            self.established.exception()
        self.resume_writing()
        self.dist._connection_closed(self, was_up)

    def __repr__(self) -> str:
        return f"<ErlangConnection {self.peer_name or self.peer_address} {self.state}>"

