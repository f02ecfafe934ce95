"""A node's distribution: listener, connections by peer name, full mesh, ticks, node events.

Rules kept here (Erlang's, unless said):
* one connection per peer, the same on both sides. Simultaneous connects are settled during
  the handshakes, before either side is up: the connection initiated by the smaller name
  survives, and a link that is up is never dropped for a duplicate (see rivals.py);
* transitive full mesh: after a handshake each side sends the peers it knows (name, address) and
  the receiver dials those it lacks. A pair that was explicitly disconnected is never re-dialled
  by this gossip (both sides remember it) until someone calls connect() for that pair again,
  and a connection between them still in its handshake when disconnect() is called never
  comes up (the later wish wins: checked again at each step of the handshake);
* a peer restarted under the same name (new creation) is accepted once the old connection is
  gone. When it proves the cookie while that connection still looks up (its close never
  reached us), the old link is asked whether anyone is there (OTP's `alive`): no answer
  within a quarter tick and the old link goes at once; while it answers, a second
  incarnation claiming the name is refused;
* ticks: a frame at least every tick_time/4; nothing heard for tick_time means the peer is gone;
* with `tls` (a TLSConfig) every link, both directions, is TLS with mutual authentication and
  only TLS peers are accepted (see tls.py); without it every frame carries a MAC (wire/mac.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import AuthenticationError, ConnectionRefused, PgvizError, Refusal
from ..ratelog import RateLimitedLog
from ..wire.frames import MAX_FRAME_DEFAULT
from ..wire.handshake import Established, PeerHello
from .addresses import advertised_host, format_address
from .clock import NetClock
from .connection import Connection
from .control import NetControl
from .dialer import GossipDialer
from .faults import Faults
from .healer import Healer
from .link import Link
from .memory import MemoryNetwork
from .rivals import AskOld, Replace, Rivals, Verdict
from .tls import TLSConfig

__all__ = ["Distribution", "DistHandler", "new_creation"]

log = logging.getLogger(__name__)

TICK_TIME_DEFAULT = 8.0
HANDSHAKE_TIMEOUT_DEFAULT = 5.0
MAX_BUFFER_DEFAULT = 64 * 1024 * 1024  # queued for one peer
MAX_TOTAL_BUFFER_DEFAULT = 256 * 1024 * 1024  # queued for all peers together
MAX_GOSSIP_PEERS = 1024  # entries of one PEERS message considered
MAX_GOSSIP_QUEUE = 256  # gossip dials waiting, from all peers together
GOSSIP_DIALS = 8  # concurrent dials started by gossip


# The frames this layer handles itself; every other one goes to the handler (the runtime).
# (Only a str head reaches the set test: a peer's term may start with a list or a dict.)
_DIST_OPS = frozenset({"PEERS", "NETCTL", "BYE"})


def new_creation() -> int:
    # Unique per incarnation (time in ms plus randomness), in 32 bits like Erlang's creation.
    return (int(time.time() * 1000) ^ int.from_bytes(os.urandom(4), "big")) & 0xFFFFFFFF or 1


class DistHandler(Protocol):
    def dist_message(self, peer: str, term: Any, size: int) -> None: ...
    def dist_nodeup(self, peer: str) -> None: ...
    def dist_nodedown(self, peer: str, reason: str) -> None: ...


class Distribution:
    def __init__(
        self,
        handler: DistHandler,
        *,
        name: str,
        creation: int,
        cookie: str,
        host: str = "127.0.0.1",
        port: int = 0,
        network: MemoryNetwork | None = None,
        faults: Faults | None = None,
        tick_time: float = TICK_TIME_DEFAULT,
        handshake_timeout: float = HANDSHAKE_TIMEOUT_DEFAULT,
        max_frame: int = MAX_FRAME_DEFAULT,
        max_buffer: int = MAX_BUFFER_DEFAULT,
        max_total_buffer: int = MAX_TOTAL_BUFFER_DEFAULT,
        mesh: bool = True,
        seeds: tuple[str, ...] | list[str] = (),
        advertise: str | None = None,
        heal: bool = True,
        on_control: Callable[[str, dict[str, Any]], None] | None = None,
        tls: TLSConfig | None = None,
    ) -> None:
        self.handler = handler
        self.tls = tls
        self.name = name
        self.creation = creation
        self.cookie = cookie
        self.host = host
        self.port = port
        self.network = network
        # Every node has its own fault table (a test may share one between in-memory nodes).
        self.faults = faults if faults is not None else Faults()
        self.tick_time = tick_time
        self.handshake_timeout = handshake_timeout
        self.max_frame = max_frame
        self.max_buffer = max_buffer
        self.max_total_buffer = max_total_buffer
        self.mesh = mesh
        self.address = ""
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.conns: dict[str, Connection] = {}  # established, by peer name
        self._pending: set[Connection] = set()  # handshaking, both directions
        self._dials: dict[str, tuple[asyncio.Future[str], bool]] = {}  # address -> (, explicit)
        # Explicitly disconnected peers -> the number of this node's disconnect() that did
        # it (0: the peer's, by its BYE). A connection begun before it never comes up.
        self._blocked: dict[str, int] = {}
        self.disconnects = 0  # disconnect() calls so far (Connection.begun counts them)
        self._server: asyncio.AbstractServer | None = None
        self._tick_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # Dials given up for another connection to that peer, waiting for its link (by name).
        self._name_waiters: dict[str, set[asyncio.Future[None]]] = {}
        self.dialer = GossipDialer(self._gossip_dial, max_queued=MAX_GOSSIP_QUEUE,
                                   concurrency=GOSSIP_DIALS)
        self.faultlog = RateLimitedLog(log)
        self.rivals = Rivals(name, up=self.conns, pending=lambda: self._pending,
                             faultlog=self.faultlog)
        self.seeds = [s.strip() for s in seeds if s.strip()]
        self.advertise = advertise
        self.heal = heal
        self.healer = Healer(name, self._heal_dial, connected=self.conns.__contains__,
                             wanted=self._wanted)
        self.clock = NetClock(self._loop_time)
        self.control = NetControl(
            name, self.clock, self.faults, send=self._send_urgent, peers=self.nodes,
            links=self._links, address_of=self._address_of, dial=self.dialer.offer,
            on_change=on_control or (lambda kind, fields: None))
        self.running = False

    def _wanted(self, name: str) -> bool:
        """A peer to dial again after a failure: not disconnected explicitly, not cut off by
        the network clock's faults."""
        return (self.running and name not in self._blocked
                and not self.faults.drops(self.name, name))

    async def _heal_dial(self, name: str | None, address: str) -> str:
        # A lost peer is dialled as gossip would (a peer that disconnected us explicitly
        # refuses it); a seed is the operator's explicit wish.
        return await self.connect(address, explicit=name is None, expect=name)

    def _loop_time(self) -> float:
        return self.loop.time() if self.loop is not None else time.monotonic()

    def _send_urgent(self, peer: str, term: list[Any]) -> None:
        conn = self.conns.get(peer)
        if conn is not None:
            conn.send(term, urgent=True)

    def _links(self) -> list[Link]:
        return [c.link for c in self.conns.values() if c.link is not None]

    def _address_of(self, peer: str) -> str | None:
        conn = self.conns.get(peer)
        return conn.peer_address if conn is not None else None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        if self.tls is not None:
            self.tls.check()  # TLSConfigError naming the file, before anything listens
        if self.network is not None:
            self.address = self.network.listen(self._accept_factory, self.port)
        else:
            _quiet_accept_errors(self.loop)
            self._server = await self.loop.create_server(
                self._accept_factory, self.host, self.port, reuse_address=True)
            sock = self._server.sockets[0]
            host, port = sock.getsockname()[:2]
            # Peers dial what we announce: never a wildcard (see addresses.py).
            self.address = format_address(advertised_host(host, self.advertise), port)
        self.faults.register_node(self.name, self.sever)
        self.running = True
        self._schedule_tick()
        for seed in self.seeds:
            if seed != self.address:
                self.healer.seed(seed)

    def _stop_listening(self) -> None:
        """No more ticks, dials or new connections (what a stop and a crash share)."""
        self.running = False
        if self._tick_timer is not None:
            self._tick_timer.cancel()
        self.dialer.close()
        self.healer.close()
        for task in list(self._tasks):
            task.cancel()
        if self.network is not None:
            self.network.unlisten(self.address)
        if self._server is not None:
            self._server.close()

    async def stop(self) -> None:
        self._stop_listening()
        for conn in list(self.conns.values()) + list(self._pending):
            if conn.state == "up":
                conn.send(["BYE", "stopping"])
            conn.close("node stopping")
        self.faults.unregister_node(self.name)
        if self._server is not None:
            await self._server.wait_closed()

    def crash(self) -> None:
        """Stop as a crashed machine does: no goodbye, no more ticks, nothing read or written,
        no new connections; peers learn it when their tick timers run out (then the sockets
        are dropped here too)."""
        self._stop_listening()
        frozen = list(self.conns.values()) + list(self._pending)
        for conn in frozen:
            conn.freeze()
        self.faults.unregister_node(self.name)

        def bury() -> None:
            for conn in frozen:
                conn.close("crashed", abort=True)

        self.loop.call_later(self.tick_time * 1.5, bury)

    def _accept_factory(self) -> Connection:
        return Connection(self, initiator=False)

    # -- queries -------------------------------------------------------------------------------------
    def nodes(self) -> list[str]:
        return list(self.conns)

    def connection(self, peer: str) -> Connection | None:
        return self.conns.get(peer)

    def peer_creation(self, peer: str) -> int | None:
        c = self.conns.get(peer)
        return c.peer_creation if c is not None else None

    # -- connect / disconnect ---------------------------------------------------------------------------
    async def connect(self, address: str, *, explicit: bool = True,
                      expect: str | None = None) -> str:
        if not self.running:
            raise PgvizError("the node is not running")
        address = address.strip()
        if address == self.address:
            return self.name
        for conn in self.conns.values():
            if address in (conn.peer_address, conn.dial_address):
                if explicit:
                    self._blocked.pop(conn.peer_name or "", None)
                return conn.peer_name  # type: ignore[return-value]
        if expect is not None and expect in self.conns:
            return expect  # a gossip or heal dial queued before the peer came up
        begun = self.disconnects
        pending = self._dials.get(address)
        if pending is not None and explicit and not pending[1]:
            # A gossip dial is on its way: take its result rather than racing it with a
            # second connection; only if the peer refused it (it remembers an explicit
            # disconnect, which gossip may not lift) dial again, explicitly.
            try:
                name = await asyncio.shield(pending[0])
            except (ConnectionRefused, AuthenticationError):
                pass
            else:
                self._lift(name, begun)
                return name
            pending = self._dials.get(address)
        if pending is not None and (pending[1] or not explicit):
            dial = pending[0]
        else:
            # No dial yet, or only a gossip one, which an explicit disconnect may refuse:
            # this explicit connect makes its own.
            dial = self.loop.create_future()
            self._dials[address] = (dial, explicit)
            task = self.loop.create_task(self._dial(address, explicit, dial, expect, begun))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        name = await asyncio.shield(dial)
        if explicit:
            self._lift(name, begun)
        return name

    def _lift(self, name: str, begun: int) -> None:
        """An explicit connect() begun after `begun` disconnects lifts an explicit disconnect
        of `name` made before it (a later one stands)."""
        if self._blocked.get(name, 0) <= begun:
            self._blocked.pop(name, None)

    def _disconnected(self, conn: Connection, name: str) -> bool:
        """`conn` to `name` may not come up: `name` was disconnected explicitly, and this
        connection is gossip's or the healer's, or it was begun before that disconnect()
        (it started first, but the disconnect is the later wish)."""
        blocked = self._blocked.get(name)
        if blocked is None:
            return False
        explicit = conn.explicit if conn.initiator else conn.peer_explicit
        return blocked > conn.begun or not explicit

    async def _dial(self, address: str, explicit: bool, result: asyncio.Future[str],
                    expect: str | None = None, begun: int = 0) -> None:
        try:
            name = await self._dial_once(address, explicit, expect, begun)
        except BaseException as exc:
            if not result.done():
                result.set_exception(exc if isinstance(exc, Exception) else
                                     ConnectionRefused(f"dial to {address} cancelled"))
                result.exception()
        else:
            if not result.done():
                result.set_result(name)
        finally:
            if self._dials.get(address, (None,))[0] is result:
                del self._dials[address]

    async def _dial_once(self, address: str, explicit: bool, expect: str | None = None,
                         begun: int = 0) -> str:
        def factory() -> Connection:
            return Connection(self, initiator=True, explicit=explicit, dial_address=address,
                              expect=expect, begun=begun)

        # (Our own errors are ConnectionErrors, hence OSErrors: raised outside the try that
        # turns the socket's OSErrors into ConnectionRefused.)
        if self.network is not None and not address.startswith("mem:"):
            raise ConnectionRefused(f"{address!r} is not an in-memory address")
        host, port = split_address(address) if self.network is None else ("", 0)
        try:
            if self.network is not None:
                conn = self.network.dial(address, factory)
            else:
                _, conn = await asyncio.wait_for(
                    self.loop.create_connection(factory, host, port), self.handshake_timeout)
        except PgvizError:
            raise
        except (TimeoutError, OSError, ValueError, UnicodeError) as exc:
            # (ValueError, UnicodeError: a host no resolver takes -- a NUL byte, a label too
            # long -- which a peer may have announced as its address.)
            raise ConnectionRefused(f"could not reach {address}: {exc or 'timed out'}",
                                    reason=Refusal.UNREACHABLE) from None
        assert isinstance(conn, Connection)
        try:
            # The connection arms its own handshake timer; this bound also covers a failure
            # before that (an exception inside connection_made).
            ev = await asyncio.wait_for(asyncio.shield(conn.established),
                                        self.handshake_timeout + 1)
        except TimeoutError:
            conn.close("handshake timed out")
            raise ConnectionRefused(f"handshake with {address} timed out",
                                    reason=Refusal.TIMEOUT) from None
        except ConnectionRefused as exc:
            if exc.reason in (Refusal.SIMULTANEOUS, Refusal.ALREADY_CONNECTED) and exc.peer:
                if expect is not None and exc.peer != expect:
                    # The refusal comes before any welcome, so the handshake could not
                    # check the name: a node that answers there in another name (one we
                    # may well be connected to) is not the one this dial is for.
                    raise ConnectionRefused(
                        f"expected {expect} at {address}, found {exc.peer} ({exc})",
                        exc.peer, Refusal.WRONG_NODE) from None
                # Another connection to that peer lives (or is on its way): this dial's
                # result is that one's.
                return await self._await_peer(exc.peer, exc)
            raise
        return ev.name

    async def _await_peer(self, name: str, why: ConnectionRefused) -> str:
        if name in self.conns:
            return name
        fut: asyncio.Future[None] = self.loop.create_future()
        self._name_waiters.setdefault(name, set()).add(fut)
        try:
            await asyncio.wait_for(fut, self.handshake_timeout)
        except TimeoutError:
            raise ConnectionRefused(f"{why}; no other connection to {name} came up",
                                    name, why.reason) from None
        finally:
            # However the wait ends (the link came up, it timed out, the node stopped), it
            # leaves nothing behind: a peer that keeps refusing must not grow this table.
            waiters = self._name_waiters.get(name)
            if waiters is not None:
                waiters.discard(fut)
                if not waiters:
                    del self._name_waiters[name]
        return name

    async def disconnect(self, peer: str) -> bool:
        conn = self.conns.get(peer)
        self.disconnects += 1
        self._blocked[peer] = self.disconnects
        self.healer.forget(peer)
        if conn is None:
            return False
        conn.send(["BYE", "disconnect"])
        conn.close("disconnected explicitly", log_level=logging.INFO)
        return True

    def sever(self, peer: str, reason: str) -> None:
        """Drop the link now without the explicit-disconnect memory (faults, tests)."""
        conn = self.conns.get(peer)
        if conn is not None:
            conn.close(reason, log_level=logging.INFO)

    # -- sending -------------------------------------------------------------------------------------------
    def send(self, peer: str, term: Any, *, urgent: bool = False) -> int:
        """Queue a term for a connected peer; returns its size, or -1 when not connected.
        `urgent`: past the link's queue (see Connection.send)."""
        conn = self.conns.get(peer)
        if conn is None:
            return -1
        return conn.send(term, urgent=urgent)

    # -- callbacks from Connection ---------------------------------------------------------------------------
    def _connection_started(self, conn: Connection) -> None:
        self._pending.add(conn)

    def _decide_incoming(self, conn: Connection, hello: PeerHello) -> Verdict | None:
        """Acceptor, at the hello: None to welcome the initiator, else (Refusal code, reason)."""
        if not self.running:
            return Refusal.STOPPING, "node stopping"
        if hello.name == self.name:
            return Refusal.SAME_NAME, f"this node is already called {self.name}"
        if self.faults.drops(hello.name, self.name) or self.faults.drops(self.name, hello.name):
            if not self.control.admits(hello.name, hello.caps):
                return Refusal.PARTITIONED, "partitioned"
            # It knows a newer partition than ours, one that does not separate us (else it
            # would not dial): ours is stale for this pair; the rest comes with its state.
            self.faults.forgive(hello.name, self.name)
        if self._disconnected(conn, hello.name):
            return Refusal.DISCONNECTED, "disconnected explicitly; connect() again to lift it"
        return self.rivals.at_hello(conn, hello.name, hello.creation, hello.address)

    def _decide_welcome(self, conn: Connection, welcome: PeerHello) -> Verdict | None:
        """Initiator, at the welcome: None to send our proof, else give this dial up."""
        if not self.running:
            return Refusal.STOPPING, "node stopping"
        if self._disconnected(conn, welcome.name):
            return Refusal.DISCONNECTED, f"{welcome.name} was disconnected explicitly"
        return self.rivals.at_welcome(conn, welcome.name, welcome.creation)

    def _decide_established(self, conn: Connection, ev: Established) -> Verdict | AskOld | None:
        """The cookie proved (the acceptor before its ack, the initiator at the ack). AskOld:
        `conn` waits while the old link to that name is asked, then conn.settle() decides."""
        decision = self._established_decision(conn, ev)
        if isinstance(decision, AskOld):
            task = self.loop.create_task(self._ask_old(conn, ev, decision))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return decision

    async def _ask_old(self, new: Connection, ev: Established, ask: AskOld) -> None:
        """OTP's `alive`, asked of the old link (see rivals.py): no answer, and the newcomer,
        proved, replaces it now rather than when its tick timer runs out."""
        old = self.conns.get(ask.name)
        # A live peer answers within a round trip: one that needs a quarter tick would be
        # late with its ticks too. (And the newcomer's handshake timer runs meanwhile.)
        within = min(self.tick_time / 4, self.handshake_timeout / 2)
        answered = old is not None and await old.answers(within)
        if new.state != "handshake":
            return  # the newcomer went away meanwhile
        if answered:
            new.settle(ev, self.rivals.old_answered(ask))
            return
        if old is not None and self.conns.get(ask.name) is old:
            old.close(self.rivals.old_silent(ask).reason, log_level=logging.INFO)
        # The wait let anything happen (a disconnect, a partition, another link up):
        # decided again from the start, with no second question.
        decision = self._established_decision(new, ev)
        if isinstance(decision, AskOld):
            decision = self.rivals.old_answered(decision)
        new.settle(ev, decision)

    def _established_decision(self, conn: Connection, ev: Established
                              ) -> Verdict | AskOld | None:
        if self.faults.drops(self.name, ev.name):
            # the partition began while this handshake was in flight
            return Refusal.PARTITIONED, "partitioned"
        if self._disconnected(conn, ev.name):
            # disconnect() was called while this handshake was in flight (the hello or the
            # welcome was let through before it): the later wish wins.
            return Refusal.DISCONNECTED, f"{ev.name} was disconnected explicitly"
        decision: Verdict | Replace | AskOld | None
        if conn.initiator:
            decision = self.rivals.at_ack(conn, ev.name, ev.creation)
        else:
            if conn.peer_explicit:
                # Only now, with the cookie proved: an unauthenticated hello must not be able
                # to lift an explicit disconnect.
                self._blocked.pop(ev.name, None)
            decision = self.rivals.at_proof(conn, ev.name, ev.creation, ev.address)
        if isinstance(decision, Replace):
            self.conns[ev.name].close(decision.reason, log_level=logging.INFO)
            return None
        return decision

    def _connection_up(self, conn: Connection) -> None:
        self._pending.discard(conn)
        name = conn.peer_name
        assert name is not None
        self.conns[name] = conn
        log.info("%s: connected to %s at %s", self.name, name, conn.peer_address)
        for fut in self._name_waiters.pop(name, ()):
            if not fut.done():
                fut.set_result(None)
        self.control.nodeup(name)
        self.handler.dist_nodeup(name)
        peers = [[n, c.peer_address] for n, c in self.conns.items() if n != name]
        conn.send(["PEERS", peers])

    def _connection_closed(self, conn: Connection, was_up: bool) -> None:
        self._pending.discard(conn)
        name = conn.peer_name
        if was_up and name is not None and self.conns.get(name) is conn:
            del self.conns[name]
            self.handler.dist_nodedown(name, conn.close_reason)
            if self.running and self.heal and not conn.goodbye and self._wanted(name):
                self.healer.lost(name, conn.peer_address or conn.dial_address or "",
                                 conn.close_reason)

    def _received(self, conn: Connection, term: Any, size: int) -> None:
        name = conn.peer_name
        assert name is not None
        head = term[0] if type(term) is list and term else None
        if type(head) is not str or head not in _DIST_OPS:
            self.handler.dist_message(name, term, size)  # the runtime's: SEND, LINK, ...
        elif head == "PEERS":
            if self.mesh:
                self._on_peers(term)
        elif head == "NETCTL":
            try:
                self.control.received(name, term)
            except (TypeError, ValueError) as exc:
                self.faultlog.log(logging.WARNING, "bad NETCTL",
                                  "%s: bad network control message from %s ignored: %s",
                                  self.name, name, exc)
        else:  # BYE
            if len(term) > 1 and term[1] == "disconnect":
                # The peer's wish: its own later connect() (explicit) lifts it, even one
                # whose hello got here first.
                self._blocked.setdefault(name, 0)
            conn.goodbye = True
            conn.close(f"{name} said goodbye ({term[1] if len(term) > 1 else '?'})",
                       log_level=logging.INFO)

    def _on_peers(self, term: list[Any]) -> None:
        peers = term[1] if len(term) > 1 and isinstance(term[1], list) else []
        if len(peers) > MAX_GOSSIP_PEERS:
            self.faultlog.log(logging.WARNING, "long PEERS list",
                              "%s: a PEERS list of %d entries was cut to %d", self.name,
                              len(peers), MAX_GOSSIP_PEERS)
            peers = peers[:MAX_GOSSIP_PEERS]
        for item in peers:
            if not (isinstance(item, list) and len(item) == 2 and all(
                    isinstance(x, str) and len(x) <= 300 for x in item)):
                continue
            name, address = item
            if name == self.name or name in self.conns or name in self._blocked:
                continue
            if self.faults.drops(self.name, name):
                continue
            if any(c.peer_name == name for c in self._pending) or address in self._dials:
                continue
            self.dialer.offer(name, address)

    async def _gossip_dial(self, name: str, address: str) -> None:
        await self.connect(address, explicit=False, expect=name)

    def _check_total_backlog(self) -> None:
        """One peer's queue is large: if all of them together pass the limit, cut the peer
        with the largest queue (it is the one not reading)."""
        sizes = {c: c.write_buffer_size for c in self.conns.values()}
        total = sum(sizes.values())
        if total > self.max_total_buffer:
            worst = max(sizes, key=sizes.__getitem__)
            worst.close(f"{total} bytes queued for all peers (limit {self.max_total_buffer}); "
                        f"cutting {worst.peer_name}, which has {sizes[worst]}",
                        log_level=logging.WARNING, kind="total backlog", abort=True)

    # -- ticks -----------------------------------------------------------------------------------------------
    def _schedule_tick(self) -> None:
        self._tick_timer = self.loop.call_later(self.tick_time / 4, self._tick)

    def _tick(self) -> None:
        try:
            now = self.loop.time()
            faults = self.faults
            for conn in list(self.conns.values()):
                held = faults.holds(conn.peer_name or "", self.name)
                if now - conn.last_recv > self.tick_time and not held:
                    # (A link held on purpose -- classroom pause -- is not a dead peer.)
                    conn.close(f"no tick from {conn.peer_name} for {self.tick_time:g} s",
                               log_level=logging.WARNING, abort=True)
                elif now - conn.last_send >= self.tick_time / 4 - 0.01:
                    conn.send_tick()
                if held:
                    conn.last_recv = now
        finally:
            if self.running:
                self._schedule_tick()


def _quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """At the fd limit asyncio's server logs a traceback for every failed accept (and backs
    off 1 s each time); thousands of them hide what happened. Once per loop, a filter
    turns them into one rate-limited line; everything else goes where it went before."""
    previous = loop.get_exception_handler()
    if getattr(previous, "pgviz_accept_filter", False):
        return

    def handler(lp: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith("socket.accept() out of system"):
            _accept_log.log(logging.ERROR, "accept failed",
                            "cannot accept connections: %s (out of file descriptors? raise "
                            "ulimit -n); retrying", context.get("exception"))
        elif previous is not None:
            previous(lp, context)
        else:
            lp.default_exception_handler(context)

    handler.pgviz_accept_filter = True  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)


_accept_log = RateLimitedLog(log)


def split_address(address: str) -> tuple[str, int]:
    """"127.0.0.1:4000" or "[::1]:4000" -> (host, port); ValueError with a clear message."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConnectionRefused(f"{address!r} is not an address (expected host:port)")
    return host.strip("[]"), int(port)
