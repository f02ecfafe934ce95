"""A node's distribution over Erlang's protocol: EPMD registration, a listener, connections
by node name (`name@host`), ticks per net_ticktime, node events.

The same duck-typed interface as pgviz/net's Distribution (conns, nodes(), connection(peer),
peer_creation(peer), send(peer, term, urgent=), connect(), disconnect(), sever(), start(),
stop(), crash(), address, control) so that RuntimeNode, its Router/Signals/EventLinks and
every pg scope above run on it unchanged.

Erlang's rules, where they differ from pgviz's own protocol:
* no mesh gossip here: an Erlang node connects transitively itself (global, or its own
  sends); this node connects to the nodes it is asked to and accepts the others;
* rival connections are settled as net_kernel and dist_util do (rivals.py): in a
  simultaneous connect the greater name's dial wins (the acceptor whose name is greater
  answers "nok", the other "ok_simultaneous"); a node that dials while a link to it is up
  gets "alive" and answers "true" (it restarted, or its side of the link went silently: the
  new link replaces the old one) or "false" (it holds the link: the new connection goes);
  this node answers "alive" the same way; connect() joins a handshake the peer started, for
  as long as a real peer takes to prove its name (a stranger may claim one it cannot prove);
* `disconnect(peer)` is erlang:disconnect_node/1: either side may connect again at any time;
* ticks: a zero-length frame when nothing was sent for net_ticktime/4; nothing heard for
  net_ticktime means the peer is gone (Erlang's default is 60 s: use the same on both sides);
* no network clock and no classroom faults (`control` says so when asked).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from ..errors import CookieError, PgvizError
from ..ratelog import RateLimitedLog
from ..wire.terms import Pid
from . import epmd
from .connection import ErlangConnection
from .control import SEND
from .dials import ErlangDials
from .etf import Limits
from .handshake import Established, NameReceived
from .rivals import Refuse, Replace, Status, at_alive, at_name, at_up
from .services import SERVICES, answer
from .terms import Atom

__all__ = ["ErlangDistribution", "ErlangNetControl", "read_erlang_cookie",
           "NET_TICKTIME_DEFAULT"]

log = logging.getLogger(__name__)

NET_TICKTIME_DEFAULT = 60.0
HANDSHAKE_TIMEOUT_DEFAULT = 5.0
MAX_FRAME_DEFAULT = 64 * 1024 * 1024


def read_erlang_cookie(home: str | None = None) -> str:
    """The cookie an Erlang node uses without -setcookie: ~/.erlang.cookie."""
    path = Path(home or os.path.expanduser("~")) / ".erlang.cookie"
    try:
        text = path.read_text(encoding="latin-1").strip()
    except OSError as exc:
        raise CookieError(f"no cookie given and {path} cannot be read ({exc}); pass "
                          "cookie= (the value of the Erlang nodes' -setcookie)") from None
    if not text:
        raise CookieError(f"{path} is empty")
    return text


class ErlangNetControl:
    """`node.net` on the Erlang protocol: the network clock and faults act in pgviz's own
    per-link queues, which Erlang links do not have."""

    sides: list[list[str]] = []
    cuts: list[tuple[str, str]] = []

    def latencies(self) -> dict[tuple[str, str], float]:
        return {}

    def held(self) -> list[Any]:
        return []

    def __getattr__(self, name: str) -> Any:
        raise PgvizError(f"net.{name}: the network clock and faults need pgviz's own protocol "
                         "(not available with protocol='erlang')")


class ErlangDistribution:
    def __init__(self, handler: Any, *, name: str, creation: int, cookie: str | None,
                 host: str = "127.0.0.1", port: int = 0,
                 epmd_port: int = epmd.EPMD_PORT_DEFAULT, start_epmd: bool = False,
                 net_ticktime: float = NET_TICKTIME_DEFAULT,
                 handshake_timeout: float = HANDSHAKE_TIMEOUT_DEFAULT,
                 max_frame: int = MAX_FRAME_DEFAULT, limits: Limits | None = None,
                 on_control: Callable[[str, dict[str, Any]], None] | None = None,
                 **_pgviz_only: Any) -> None:
        # (_pgviz_only: options of pgviz's own protocol -- mesh, faults, network ... --
        # that RuntimeNode passes to whichever distribution it runs.)
        alive, _, hostpart = name.partition("@")
        if not alive or not hostpart:
            raise ValueError(f"an Erlang node name is name@host, not {name!r}")
        self.handler = handler
        self.name = name
        self.alive = alive
        self.creation = creation
        self.cookie = cookie if cookie is not None else read_erlang_cookie()
        self.host = host
        self.port = port
        self.epmd_port = epmd_port
        self.start_epmd = start_epmd
        self.tick_time = net_ticktime
        self.handshake_timeout = handshake_timeout
        self.max_frame = max_frame
        self.limits = limits or Limits(max_size=max_frame)
        self.address = ""
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.conns: dict[str, ErlangConnection] = {}
        self._pending: set[ErlangConnection] = set()
        self.dials = ErlangDials(self, self._pending, spawn=self._spawn)
        self._server: asyncio.AbstractServer | None = None
        self._registration: epmd.EpmdRegistration | None = None
        self._tick_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.faultlog = RateLimitedLog(log)
        self.control = ErlangNetControl()
        self.running = False

    def stand_in_pid(self) -> Pid:
        """The sender of messages that have none in pgviz (a REG_SEND, a node's exit/2)."""
        return Pid(self.name, 0, 0, self.creation)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._server = await self.loop.create_server(
            lambda: ErlangConnection(self, initiator=False), self.host, self.port,
            reuse_address=True)
        sock_host, port = self._server.sockets[0].getsockname()[:2]
        self.port = port
        self.address = f"{sock_host}:{port}"
        try:
            try:
                self._registration = await epmd.register(
                    self.alive, port, epmd_port=self.epmd_port)
            except epmd.EpmdError:
                if not self.start_epmd:
                    raise
                await epmd.start_epmd(self.epmd_port)
                self._registration = await self._register_retrying()
        except BaseException:
            self._server.close()
            raise
        self.running = True
        self._schedule_tick()
        log.info("%s: registered with EPMD on port %d (distribution port %d)", self.name,
                 self.epmd_port, port)

    async def _register_retrying(self) -> epmd.EpmdRegistration:
        deadline = time.monotonic() + 5
        while True:
            try:
                return await epmd.register(self.alive, self.port, epmd_port=self.epmd_port)
            except epmd.EpmdError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)  # epmd -daemon returns before it listens

    async def stop(self) -> None:
        self.running = False
        if self._tick_timer is not None:
            self._tick_timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            self._server.close()
        for conn in list(self.conns.values()) + list(self._pending):
            conn.close("node stopping")
        if self._registration is not None:
            self._registration.close()
            self._registration = None
        if self._server is not None:
            await self._server.wait_closed()

    def crash(self) -> None:
        self.running = False
        if self._tick_timer is not None:
            self._tick_timer.cancel()
        if self._server is not None:
            self._server.close()
        for conn in list(self.conns.values()) + list(self._pending):
            conn.close("crashed", abort=True)
        if self._registration is not None:
            self._registration.close()

    # -- queries -------------------------------------------------------------------------------
    def nodes(self) -> list[str]:
        return list(self.conns)

    def connection(self, peer: str) -> ErlangConnection | None:
        return self.conns.get(peer)

    def peer_creation(self, peer: str) -> int | None:
        conn = self.conns.get(peer)
        return conn.peer_creation if conn is not None else None

    # -- connect / disconnect ------------------------------------------------------------------
    async def connect(self, target: str, *, explicit: bool = True,
                      expect: str | None = None) -> str:
        """Connect to `name@host` (its port from that host's EPMD) or to `host:port`;
        returns the peer's node name (dials.py)."""
        return await self.dials.connect(target)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """A task of this node's, cancelled when it stops (a strong reference meanwhile)."""
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def disconnect(self, peer: str) -> bool:
        conn = self.conns.get(peer)
        if conn is None:
            return False
        conn.close("disconnected explicitly", log_level=logging.INFO)
        return True

    def sever(self, peer: str, reason: str) -> None:
        conn = self.conns.get(peer)
        if conn is not None:
            conn.close(reason, log_level=logging.INFO, abort=True)

    # -- sending -------------------------------------------------------------------------------
    def send(self, peer: str, term: Any, *, urgent: bool = False) -> int:
        conn = self.conns.get(peer)
        if conn is None:
            return -1
        return conn.send(term, urgent=urgent)

    # -- callbacks from ErlangConnection -------------------------------------------------------
    def _link_up(self, name: str) -> bool:
        conn = self.conns.get(name)
        return conn is not None and conn.state == "up"

    def _dialling(self, name: str) -> bool:
        """A dial of ours to `name` is under way: asking EPMD for its port, in its handshake,
        or waiting for the peer's connection that wins. Connections from others do not
        count: the name they claim is not proved yet (rivals.py)."""
        return name in self.dials or any(
            other.initiator and other.expect == name and other.state == "handshake"
            for other in self._pending)

    def _decide_incoming(self, conn: ErlangConnection, hello: NameReceived
                         ) -> Status | Refuse:
        """rivals.at_name over this node's links and own dials."""
        name = hello.name
        return at_name(self.name, name, running=self.running, link_up=self._link_up(name),
                       handshaking=self._dialling(name))

    def _answer_alive(self, conn: ErlangConnection) -> None:
        """rivals.at_alive for a dial that got "alive": the peer holds a link to us. A dial
        by address does not know the peer's name yet (it comes with the challenge, after the
        answer): the links that are up are matched to the address through EPMD first."""
        if conn.expect is not None:
            conn.answer_alive(at_alive(link_up=self._link_up(conn.expect)), conn.expect)
            return
        self._spawn(self._answer_alive_by_address(conn))

    async def _answer_alive_by_address(self, conn: ErlangConnection) -> None:
        holder = await self._link_at(conn.dial_address)
        conn.answer_alive(at_alive(link_up=holder is not None), holder)

    async def _link_at(self, address: str) -> str | None:
        """The node, among those with a link up, that listens at `address` (host:port)."""
        for name, link in self.conns.items():
            if link.dial_address == address:
                return name
        return await epmd.node_at(address, list(self.conns), epmd_port=self.epmd_port,
                                  timeout=self.handshake_timeout / 4)

    def _decide_established(self, conn: ErlangConnection, ev: Established
                            ) -> Replace | Refuse | None:
        """rivals.at_up: before the link goes up (the acceptor before its ack)."""
        old = self.conns.get(ev.name)
        return at_up(ev.name, initiator=conn.initiator,
                     link_up=old is not None and old is not conn and old.state == "up",
                     alive_confirmed=conn.alive_confirmed and conn.alive_link is old)

    def _replace(self, name: str, conn: ErlangConnection, reason: str) -> None:
        old = self.conns.get(name)
        if old is not None and old is not conn:
            old.close(reason, log_level=logging.INFO)  # its nodedown, before the nodeup

    def _connection_up(self, conn: ErlangConnection) -> None:
        self._pending.discard(conn)
        name = conn.peer_name
        assert name is not None
        self.conns[name] = conn
        log.info("%s: connected to %s at %s", self.name, name, conn.peer_address)
        self.dials.peer_up(name)
        self.handler.dist_nodeup(name)

    def _connection_closed(self, conn: ErlangConnection, was_up: bool) -> None:
        self._pending.discard(conn)
        name = conn.peer_name
        if was_up and name is not None and self.conns.get(name) is conn:
            del self.conns[name]
            self.handler.dist_nodedown(name, conn.close_reason)

    def _received(self, conn: ErlangConnection, term: list[Any], size: int) -> None:
        name = conn.peer_name
        assert name is not None
        op = term[0]
        if op == "REG_SEND" and term[1] in SERVICES:
            reply = answer(term[1], term[2], self.name, self.nodes())
            if reply is not None:
                conn.send_raw((SEND, Atom(""), reply[0]), reply[1], True)
            return
        if op in ("MONITOR_P", "DEMONITOR_P") and term[2] in SERVICES:
            return  # a monitor on a stand-in: it never goes down while the link is up
        self.handler.dist_message(name, term, size)

    # -- ticks ---------------------------------------------------------------------------------
    def _schedule_tick(self) -> None:
        self._tick_timer = self.loop.call_later(self.tick_time / 4, self._tick)

    def _tick(self) -> None:
        try:
            now = self.loop.time()
            for conn in list(self.conns.values()):
                if now - conn.last_recv > self.tick_time:
                    conn.close(f"no tick from {conn.peer_name} for {self.tick_time:g} s "
                               "(net_ticktime)", log_level=logging.WARNING, abort=True)
                elif now - conn.last_send >= self.tick_time / 4 - 0.01:
                    conn.send_tick()
        finally:
            if self.running:
                self._schedule_tick()

