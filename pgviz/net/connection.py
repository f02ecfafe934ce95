"""One connection to one peer node, over any asyncio transport (TCP or in-memory).

Lifecycle: handshake (bounded in time and bytes) -> up (frames of msgpack control terms, ticks)
-> closed with a reason that is logged and reported as the nodedown reason. Writes are coalesced:
a frame sent right after another (COALESCE_WINDOW) waits for the end of the loop iteration and
goes out in one transport write with the rest; a lone frame is written at once. The transport's
buffer is bounded: past `max_buffer` bytes queued for a peer that does not read, the connection
is closed with a logged reason rather than growing memory or dropping messages silently.

Layers of one connection's bytes, bottom up: TLS (when the distribution has a TLSConfig; see
tls.py), then frames -- sealed with a MAC when the link is not TLS (see wire/mac.py) -- then
msgpack terms. The first bytes a peer sends tell a TLS peer from a plaintext one: a mismatch
is refused on both sides with Refusal.TLS_MISMATCH and a message that says which flags to use.

This class holds the transport, the TLS layer and the live session: what runs per frame is
here, in place. The handshake phase, up to "up" or a refusal, is the connection's Opening
(opening.py), which it builds and hands its writers; the Opening calls go_up() at its end.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING, Any

from ..errors import ConnectionRefused, IntegrityError, ProtocolError, Refusal
from ..wire.codec import decode, encode
from ..wire.frames import TICK, FrameDecoder, encode_frame
from ..wire.handshake import Established
from ..wire.mac import FrameOpener, FrameSealer
from .control import ALIVE_QUESTION
from .link import Link
from .opening import Opening
from .rivals import Verdict
from .tls import TLSSession, describe_tls_error

if TYPE_CHECKING:
    from .distribution import Distribution

# The network's own control plane: never held by a paused link, never numbered as frames
# (BACKSTAGE: the frames of the tools that stage a show, pgviz/runtime/backstage.py).
URGENT = frozenset({"NETCTL", "EV", "EVENTS", "BACKSTAGE"})


def _urgent(term: Any) -> bool:
    # A peer's term: its head may be anything, a dict or a list included (unhashable).
    return type(term) is list and bool(term) and type(term[0]) is str and term[0] in URGENT


__all__ = ["Connection", "BACKLOG_CHECK"]

# Past this many bytes queued for one peer, the total queued for all peers is checked too.
BACKLOG_CHECK = 1024 * 1024

log = logging.getLogger(__name__)

# Bytes read from the socket per call. A BufferedProtocol: asyncio then reads with recv_into()
# into this connection's own buffer. With a plain Protocol, asyncio (3.11, selector loop) calls
# sock.recv(256 KiB), which allocates a 256 KiB bytes object per read -- over glibc's mmap
# threshold, so an mmap, page faults and a munmap for every frame that arrives: ~18 us per
# read on this machine, more than all of pgviz's own work on a pg hop.
READ_SIZE = 256 * 1024
# A frame queued less than this long (loop seconds) after this link's last write waits for
# the end of the loop iteration, coalesced with whatever else is sent in it; one queued later
# is written at once. Far below a pgviz round trip (~100 us on loopback), so a reply or a
# lone notification never waits; a burst (a broadcast flood) is coalesced as before.
COALESCE_WINDOW = 30e-6


class Connection(asyncio.BufferedProtocol):
    def __init__(self, dist: Distribution, *, initiator: bool, explicit: bool = False,
                 dial_address: str | None = None, expect: str | None = None,
                 begun: int | None = None) -> None:
        """`begun` (initiator): dist.blocks.count (disconnect() calls) when its connect() was
        called (default: now); a disconnect() of that peer made after it stops this
        connection."""
        self.dist = dist
        self.initiator = initiator
        self.explicit = explicit  # initiator: its connect() was called explicitly (not gossip)
        self.begun = dist.blocks.count if begun is None else begun
        self.dial_address = dial_address
        self.state = "connecting"
        self.peer_name: str | None = None
        self.peer_creation = 0
        self.peer_address = dial_address or ""
        self.peer_explicit = False  # the initiator called connect() itself (not gossip)
        self.close_reason = ""
        self.goodbye = False  # the peer said it is going (BYE): not a failure to heal
        self.established: asyncio.Future[Established] = dist.loop.create_future()
        self.bytes_out = 0
        self.bytes_in = 0
        # Frames (ticks aside) sent and received: both ends count the same frames in the same
        # order, so "session, direction, number" names one frame on both sides (events' ids).
        self.frames_out = 0
        self.frames_in = 0
        self.session = ""
        self.peer_events = ""  # what the peer asked of our events: "", "lc" or "cluster"
        self._transport: asyncio.Transport | None = None
        tls = dist.tls
        self._tls = (TLSSession(tls.context(server_side=not initiator), server_side=not initiator)
                     if tls is not None else None)
        self.peer_cert_names: frozenset[str] | None = None  # once TLS verified the peer
        self._sniffing = True  # until the peer's first bytes said TLS or plaintext
        self._opening = Opening(self, expect=expect, tls=self._tls is not None,
                                write=self._write, write_raw=self._write_raw,
                                peername=self._peername)
        self._decoder: FrameDecoder | FrameOpener = FrameDecoder(dist.max_frame)
        self._sealer: FrameSealer | None = None  # the MAC of outgoing frames (not with TLS)
        self._rbuf = memoryview(bytearray(READ_SIZE))
        self._wbuf: list[bytes] = []
        self._flush_pending = False
        self._link: Link | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        # answers(): pending until anything comes in (True) or the link closes (False)
        self._heard: asyncio.Future[bool] | None = None
        now = dist.loop.time()
        self.last_recv = now
        self.last_send = now

    # -- asyncio.Protocol ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Any transport with write/close/get_write_buffer_size works (asyncio's, uvloop's,
        # the in-memory one); uvloop's is not an asyncio.Transport subclass.
        self._transport = transport  # type: ignore[assignment]
        transport.set_write_buffer_limits(high=256 * 1024)  # type: ignore[attr-defined]
        self.state = "handshake"
        self._opening.arm_timer()
        if self.initiator and self._tls is not None:
            self._tls.start()  # the cookie handshake starts once TLS is up
            self._write_tls()
        elif self.initiator:
            self._opening.start()
        self.dist._connection_started(self)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._rbuf

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._rbuf[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        """Bytes from the peer (buffer_updated; the in-memory transport calls it directly)."""
        self.last_recv = self.dist.loop.time()
        self.bytes_in += len(data)
        if self._sniffing and data:
            self._sniffing = False
            if self.state == "handshake" and self._opening.mismatch(data):
                return
        if self._tls is not None:
            if self.state not in ("up", "handshake"):
                return
            data = self._tls_receive(data)
            if not data:
                return
        if self._heard is not None:  # (never done while set)
            self._heard.set_result(True)
            self._heard = None
        if self.state == "up":
            self._receive_frames(data)
        else:
            self._opening.receive(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.close_reason:
            self.close_reason = f"connection lost ({exc})" if exc else "connection closed by peer"
        self._finish()

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    # -- TLS -------------------------------------------------------------------------------------------
    def _tls_receive(self, data: bytes) -> bytes:
        """Raw bytes in, plaintext out (b"" while TLS has nothing for us, or failed)."""
        tls = self._tls
        assert tls is not None
        was_ready = tls.ready
        try:
            plain = tls.receive(data)
        except ssl.SSLError as exc:
            self._write_tls()  # the alert that tells the peer why
            why = describe_tls_error(exc)
            if self.state == "handshake":
                self._opening.fail(ConnectionRefused(
                    f"TLS with {self._opening.where()} failed: {why}", self.peer_name,
                    Refusal.CERTIFICATE))
            else:
                self.close(f"TLS error from {self.peer_name}: {why}", log_level=logging.WARNING,
                           kind="TLS error", abort=True)
            return b""
        self._write_tls()
        if tls.ready and not was_ready:
            self.peer_cert_names = tls.peer_names()
            if self.initiator:
                self._opening.start()
        return plain

    def _write_raw(self, data: bytes) -> None:
        t = self._transport
        if data and t is not None and not t.is_closing():
            t.write(data)

    def _write_tls(self) -> None:
        tls = self._tls
        if tls is not None:
            self._write_raw(tls.data_to_send())

    def _write(self, data: bytes) -> None:
        """Bytes of the protocol to the peer: through TLS when the link is TLS."""
        tls = self._tls
        if tls is not None:
            tls.send(data)
            data = tls.data_to_send()
        self._write_raw(data)

    # -- the opening (opening.py) ---------------------------------------------------------------
    @property
    def committed(self) -> bool:
        """We dialled and sent our proof: up as soon as the acceptor acknowledges it."""
        return self._opening.committed

    def settle(self, ev: Established, verdict: Verdict | None) -> None:
        """Acknowledge (acceptor) and go up, or refuse: the distribution's decision on a
        connection whose cookie checked out, once it asked the old link (see settling.py)."""
        self._opening.settle(ev, verdict)

    def go_up(self, ev: Established, early: bytearray | None) -> None:
        """The opening's end: the session begins (the acceptor sent its ack, the initiator
        read it); `early`: what the peer sent while the distribution decided."""
        if self._tls is None and ev.keys is not None:
            # Without TLS every frame from now on carries a MAC (see wire/mac.py).
            self._sealer = FrameSealer(ev.keys.send)
            self._decoder = FrameOpener(ev.keys.receive, self.dist.max_frame)
        self.state = "up"
        self._link = Link(self.dist.loop, self._transport_write, self.dist.faults,
                          self.dist.name, ev.name, on_drop=self._dropped_by_grudge,
                          clock=self.dist.clock, frame_id=self._outgoing_id)
        if not self.established.done():
            self.established.set_result(ev)
        self.dist._connection_up(self)
        rest = ev.rest + early if early else ev.rest
        if rest and self.state == "up":
            self._receive_frames(rest)

    def _peername(self) -> str:
        peer = self._transport.get_extra_info("peername") if self._transport else None
        if isinstance(peer, tuple) and len(peer) >= 2:
            return f"[{peer[0]}]:{peer[1]}" if ":" in str(peer[0]) else f"{peer[0]}:{peer[1]}"
        return str(peer) if peer else ""

    # -- session -------------------------------------------------------------------------------------
    def _receive_frames(self, data: bytes) -> None:
        try:
            frames = self._decoder.feed(data)
        except ProtocolError as exc:
            self.close(f"protocol error from {self.peer_name}: {exc}",
                       log_level=logging.WARNING, kind="protocol error", abort=True)
            return
        dist = self.dist
        for frame in frames:
            if not frame:
                continue  # tick
            try:
                term = decode(frame)
            except ProtocolError as exc:
                self.close(f"protocol error from {self.peer_name}: {exc}",
                           log_level=logging.WARNING, kind="protocol error", abort=True)
                return
            if not (type(term) is list and term and type(term[0]) is str
                    and term[0] in URGENT):  # _urgent(term), inline: once per frame
                self.frames_in += 1  # numbered as the sender did: urgent frames are not
            try:
                dist._received(self, term, len(frame))
            except Exception as exc:
                # Nothing a peer sends may escape into asyncio ("Fatal error:
                # protocol.data_received() call failed"): this link closes with a reason.
                log.error("%s: error handling a frame from %s", dist.name, self.peer_name,
                          exc_info=exc)
                self.close(f"error handling a frame from {self.peer_name}: "
                           f"{type(exc).__name__}", log_level=logging.WARNING, abort=True)
                return
            if self.state != "up":
                return
        tampered = getattr(self._decoder, "error", None)
        if tampered is not None:  # after the authentic frames that came before it
            self._tampered(tampered)

    def _tampered(self, exc: IntegrityError) -> None:
        self.close(f"integrity check failed on the link from {self.peer_name}: {exc}; "
                   "something between the two nodes tampers with frames",
                   log_level=logging.WARNING, kind="bad MAC", abort=True)

    def send(self, term: Any, *, urgent: bool = False) -> int:
        """Queue one control term; returns its encoded size. Raises LocalProtocolError when the
        term cannot be encoded or exceeds the maximum frame size (nothing is queued then).
        `urgent` frames (the network's own control plane: the clock, forwarded events) go
        past the link's queue: a paused network must still hear "resume"."""
        payload = encode(term)
        if not urgent:
            return self.send_payload(payload)
        frame = encode_frame(payload, self.dist.max_frame)
        if self.state != "up":
            return len(payload)
        if not _urgent(term):
            raise ValueError(f"only {sorted(URGENT)} frames go past the link's queue")
        self._transport_write(frame)
        return len(payload)

    def send_payload(self, payload: bytes) -> int:
        """Queue one control term already encoded (codec.encode, or encode_send for the same
        message to many pids); as send(), never urgent."""
        size = len(payload)
        if size > self.dist.max_frame:
            encode_frame(payload, self.dist.max_frame)  # raises LocalProtocolError
        if self.state != "up":
            return size
        self.frames_out += 1
        link = self._link
        if (link is not None and link.direct and not self._wbuf
                and self.dist.loop.time() - self.last_send >= COALESCE_WINDOW):
            # A lone frame on a quiet live link (a reply, a notification) goes out at once,
            # sealed straight from its payload, and nothing is scheduled: no extra loop turn.
            sealer = self._sealer
            self._emit(sealer.seal_payload(payload) if sealer is not None
                       else encode_frame(payload, self.dist.max_frame))
            return size
        frame = encode_frame(payload, self.dist.max_frame)
        if link is not None and not link.direct:
            if self._wbuf:
                self._write_now()
            link.push(frame, self.frames_out)  # held, delayed or travelling: one by one
            return size
        self._wbuf.append(frame)
        if not self._flush_pending:
            # Within a burst: this frame and the ones that follow in this loop iteration
            # are coalesced into one write, on the next turn (throughput).
            self._flush_pending = True
            self.dist.loop.call_soon(self._flush)
        return size

    def send_tick(self) -> None:
        if self.state != "up" or self._wbuf:
            return
        if self._link is not None and not self._link.direct:
            self._link.tick(TICK)
        else:
            self._wbuf.append(TICK)
            self._flush()

    def _write_now(self) -> None:
        link = self._link
        if link is None or self.state != "up":
            self._wbuf.clear()
            return
        wbuf = self._wbuf
        if link.direct:
            link.push(b"".join(wbuf) if len(wbuf) > 1 else wbuf[0])
        else:
            # The clock or a fault began within this loop iteration: from now on every frame
            # waits on its own (numbered as send() counted them; a lone tick goes past).
            first = self.frames_out - sum(1 for f in wbuf if f is not TICK) + 1
            for frame in wbuf:
                if frame is TICK:
                    link.tick(frame)
                else:
                    link.push(frame, first)
                    first += 1
        wbuf.clear()

    def _flush(self) -> None:
        self._flush_pending = False
        if self._wbuf:
            self._write_now()

    def _transport_write(self, data: bytes) -> None:
        sealer = self._sealer
        if sealer is not None:
            # Numbered here, where frames really leave (urgent ones and ticks overtake
            # frames that the link holds): the peer counts them in this order. (On a
            # closing transport nothing leaves, and nothing ever will: a number is spent.)
            data = sealer.seal(data)
        self._emit(data)

    def _emit(self, data: bytes) -> None:
        """Frames ready for the wire (sealed when the link seals them) to the transport."""
        t = self._transport
        if t is None or t.is_closing():
            return
        self.bytes_out += len(data)
        self.last_send = self.dist.loop.time()
        self._write(data)
        queued = t.get_write_buffer_size()
        if queued > self.dist.max_buffer:
            self.close(f"{self.peer_name} is too slow: {queued} bytes queued for it "
                       f"(limit {self.dist.max_buffer}); disconnecting",
                       log_level=logging.WARNING, kind="slow peer", abort=True)
        elif queued > BACKLOG_CHECK:
            self.dist._check_total_backlog()

    def _dropped_by_grudge(self) -> None:
        self.close(f"frames to {self.peer_name} dropped (grudge): link cut",
                   log_level=logging.INFO)

    async def answers(self, within: float) -> bool:
        """Ask the peer a question every node answers at once (urgent: past any hold);
        True when anything arrives from it within `within` seconds, False when nothing
        does or the link closes first."""
        if self.state != "up":
            return False
        heard = self._heard
        if heard is None:  # (else: asked already, and the answer is awaited)
            heard = self._heard = self.dist.loop.create_future()
            self.send(list(ALIVE_QUESTION), urgent=True)
        try:
            return await asyncio.wait_for(asyncio.shield(heard), within)
        except TimeoutError:
            return False

    async def drain(self) -> None:
        """Wait until the transport's buffer is below its high-water mark (back-pressure)."""
        if self._paused and self.state == "up":
            fut = self.dist.loop.create_future()
            self._drain_waiters.append(fut)
            await fut

    def frame_id(self, outgoing: bool) -> str:
        """The cluster-unique id of the last frame sent (or received) on this connection."""
        # The direction is named by who sends: "i" the initiator, "a" the acceptor.
        sender_is_initiator = self.initiator if outgoing else not self.initiator
        n = self.frames_out if outgoing else self.frames_in
        return f"{self.session}{'i' if sender_is_initiator else 'a'}{n}"

    def _outgoing_id(self, n: int) -> str:
        return f"{self.session}{'i' if self.initiator else 'a'}{n}"

    @property
    def link(self) -> Link | None:
        """The outgoing queue of this connection (None until it is up)."""
        return self._link

    @property
    def travel(self) -> float:
        """Seconds of network time a frame sent now spends on this link."""
        link = self._link
        return link.travel if link is not None else 0.0

    @property
    def write_buffer_size(self) -> int:
        """Bytes sent and not yet taken by the peer: the transport's buffer, this iteration's
        frames, and frames waiting on the link (paused, slowed, delayed: back-pressure for
        senders that wait on it, like pg's sync pieces)."""
        t = self._transport
        link = self._link
        return ((t.get_write_buffer_size() if t else 0) + sum(map(len, self._wbuf))
                + (link.queued if link is not None and len(link) else 0))

    # -- closing ---------------------------------------------------------------------------------------
    def close(self, reason: str, *, log_level: int = logging.DEBUG, kind: str = "",
              abort: bool = False) -> None:
        """Close with a reason (the nodedown reason). `kind` names a fault a peer can repeat
        at will: such closes are logged through the distribution's rate limiter. `abort`
        (the peer is the problem) drops whatever is still queued for it at once: a graceful
        close would keep the buffer, the socket and the fd until a peer that has stopped
        reading reads again, which may be never."""
        if self.state == "closed":
            return
        if not self.close_reason:
            self.close_reason = reason
            args = (self.dist.name, self.peer_name or self.peer_address or self._peername()
                    or "?", reason)
            if kind:
                self.dist.faultlog.log(log_level, kind, "%s: connection to %s closed: %s",
                                       *args)
            else:
                log.log(log_level, "%s: connection to %s closed: %s", *args)
        if self.state == "up" and not abort:
            self._flush()
        t = self._transport
        if t is not None:
            if abort:
                t.abort()  # also after a close(): it frees the buffer a close waits on
            elif not t.is_closing():
                t.close()
        self._wbuf.clear()
        self._finish()

    def freeze(self) -> None:
        """A crash: from now on nothing is read or written, not even a goodbye or a tick; the
        peer finds out when its tick timer runs out. The socket stays open until `close`."""
        if self.state == "closed":
            return
        self.state = "frozen"
        self._wbuf.clear()
        self._opening.disarm_timer()
        if self._link is not None:
            self._link.close()
        t = self._transport
        if t is not None and not t.is_closing():
            t.pause_reading()

    def _finish(self) -> None:
        if self.state == "closed":
            return
        was_up = self.state == "up"
        self.state = "closed"
        self._opening.disarm_timer()
        if self._link is not None:
            self._link.close()
        if not self.established.done():
            self.established.set_exception(ConnectionRefused(
                f"connection closed during handshake: {self.close_reason}"))
            self.established.exception()
        self.resume_writing()
        if self._heard is not None:
            self._heard.set_result(False)
            self._heard = None
        self.dist._connection_closed(self, was_up)

    def __repr__(self) -> str:
        return (f"<Connection {self.dist.name}->{self.peer_name or self.peer_address} "
                f"{self.state} {'out' if self.initiator else 'in'}>")


