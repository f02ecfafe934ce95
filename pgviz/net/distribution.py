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
* ticks: a frame at least every tick_time/4; nothing heard for tick_time means the peer is gone
  (ticks.py);
* with `tls` (a TLSConfig) every link, both directions, is TLS with mutual authentication and
  only TLS peers are accepted (see tls.py); without it every frame carries a MAC (wire/mac.py).

The cold paths are parts this class builds and hands what they need: dials.py (connect(),
one dial per address, a dial that gives way to a rival's link), blocks.py (explicit
disconnects remembered), settling.py (the decisions during handshakes, over rivals.py's
rules), ticks.py. What runs per frame (_received, send) stays here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from ..ratelog import RateLimitedLog
from ..wire.frames import MAX_FRAME_DEFAULT
from .addresses import advertised_host, format_address
from .blocks import DisconnectBlocks
from .clock import NetClock
from .connection import Connection
from .control import NetControl
from .dialer import GossipDialer
from .dials import Dials
from .faults import Faults
from .healer import Healer
from .link import Link
from .memory import MemoryNetwork
from .rivals import Rivals
from .settling import Settling
from .ticks import Ticker
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
        self.blocks = DisconnectBlocks()
        self._server: asyncio.AbstractServer | None = None
        self.ticker = Ticker(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.dials = Dials(self, self.blocks, spawn=self._spawn)
        self.dialer = GossipDialer(self._gossip_dial, max_queued=MAX_GOSSIP_QUEUE,
                                   concurrency=GOSSIP_DIALS)
        self.faultlog = RateLimitedLog(log)
        self.rivals = Rivals(name, up=self.conns, pending=lambda: self._pending,
                             faultlog=self.faultlog)
        self.settling = Settling(self, self.rivals, self.blocks, spawn=self._spawn)
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
        return (self.running and name not in self.blocks
                and not self.faults.drops(self.name, name))

    async def _heal_dial(self, name: str | None, address: str) -> str:
        # A lost peer is dialled as gossip would (a peer that disconnected us explicitly
        # refuses it); a seed is the operator's explicit wish.
        return await self.connect(address, explicit=name is None, expect=name)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """A task of this node's, cancelled when it stops (a strong reference meanwhile)."""
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
        self.ticker.start()
        for seed in self.seeds:
            if seed != self.address:
                self.healer.seed(seed)

    def _stop_listening(self) -> None:
        """No more ticks, dials or new connections (what a stop and a crash share)."""
        self.running = False
        self.ticker.stop()
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
        """Dial `address` (or share the dial on its way there): the peer's name once the
        link is up (see dials.py)."""
        return await self.dials.connect(address, explicit=explicit, expect=expect)

    async def disconnect(self, peer: str) -> bool:
        conn = self.conns.get(peer)
        self.blocks.block(peer)
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

    def _connection_up(self, conn: Connection) -> None:
        self._pending.discard(conn)
        name = conn.peer_name
        assert name is not None
        self.conns[name] = conn
        log.info("%s: connected to %s at %s", self.name, name, conn.peer_address)
        self.dials.peer_up(name)
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
                self.blocks.peer_wished(name)
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
            if name == self.name or name in self.conns or name in self.blocks:
                continue
            if self.faults.drops(self.name, name):
                continue
            if any(c.peer_name == name for c in self._pending) or address in self.dials:
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

