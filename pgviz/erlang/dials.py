"""A node's dials over Erlang's protocol: connect() by node name (its port from that host's
EPMD) or by `host:port`, one dial per target at a time.

Rival connections are settled as net_kernel does (rivals.py). connect() first joins a
handshake the peer has started, for as long as a real peer takes to prove its name; a dial
that gives way to the peer's connection (a simultaneous connect it lost, or "alive" answered
"false") waits, bounded, for that connection's link and returns its name. Nothing here runs
per frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ..dial_outcome import settle
from ..errors import ConnectionRefused, PgvizError, Refusal
from ..name_waiters import NameWaiters
from . import epmd
from .connection import ErlangConnection
from .handshake import SimultaneousConnect

if TYPE_CHECKING:
    from .distribution import ErlangDistribution

__all__ = ["ErlangDials", "JOIN_GRACE_MIN"]

JOIN_GRACE_MIN = 0.1  # s: connect() waits at least this long for a peer's handshake


class ErlangDials:
    def __init__(self, dist: ErlangDistribution, pending: set[ErlangConnection], *,
                 spawn: Callable[[Coroutine[Any, Any, None]], None]) -> None:
        """`pending`: the distribution's connections in their handshake (shared, not copied);
        `spawn`: run a task the distribution keeps (and cancels when it stops)."""
        self._dist = dist
        self._pending = pending
        self._spawn = spawn
        self._by_target: dict[str, asyncio.Future[str]] = {}
        # Dials that gave way to the peer's connection, waiting for its link (by name).
        self._name_waiters = NameWaiters()

    def __contains__(self, target: object) -> bool:
        """A dial to `target` (a node name or an address) is on its way, EPMD lookup included."""
        return target in self._by_target

    def __len__(self) -> int:
        return len(self._by_target)

    def peer_up(self, name: str) -> None:
        """A link to `name` came up: the dials that gave way to it have their result."""
        self._name_waiters.wake(name)

    async def connect(self, target: str) -> str:
        """Connect to `name@host` or to `host:port`; returns the peer's node name."""
        dist = self._dist
        if not dist.running:
            raise PgvizError("the node is not running")
        target = target.strip()
        if target == dist.name or target == dist.address:
            return dist.name
        if target in dist.conns:
            return target
        for conn in dist.conns.values():
            if target == conn.dial_address:
                return conn.peer_name  # type: ignore[return-value]
        dial = self._by_target.get(target)
        if dial is None:
            dial = dist.loop.create_future()
            self._by_target[target] = dial
            self._spawn(self._dial(target, dial))
        return await asyncio.shield(dial)

    async def _dial(self, target: str, result: asyncio.Future[str]) -> None:
        try:
            await settle(result, self._dial_once(target), target)
        finally:
            if self._by_target.get(target) is result:
                del self._by_target[target]

    async def _dial_once(self, target: str) -> str:
        dist = self._dist
        loop = dist.loop
        if "@" in target:
            alive, _, host = target.partition("@")
            if not alive or not host:
                raise ConnectionRefused(f"{target!r} is not a node name (name@host)")
            started = loop.time()
            try:
                port = await epmd.port_please(alive, host, epmd_port=dist.epmd_port,
                                              timeout=dist.handshake_timeout)
            except epmd.EpmdError:
                if await self._join_handshake(target, loop.time() - started):
                    return target
                raise
            if await self._join_handshake(target, loop.time() - started):
                return target
            expect: str | None = target
        else:
            host, _, port_text = target.rpartition(":")
            if not host or not port_text.isdigit():
                raise ConnectionRefused(f"{target!r} is neither name@host nor host:port")
            port, expect = int(port_text), None
        host = host.strip("[]")
        address = f"{host}:{port}"
        try:
            _, conn = await asyncio.wait_for(loop.create_connection(
                lambda: ErlangConnection(dist, initiator=True, expect=expect,
                                         dial_address=address), host, port),
                dist.handshake_timeout)
        except (TimeoutError, OSError) as exc:
            raise ConnectionRefused(f"could not reach {target} at {address}: "
                                    f"{exc or 'timed out'}", reason=Refusal.UNREACHABLE) from None
        try:
            return await asyncio.wait_for(asyncio.shield(conn.established),
                                          dist.handshake_timeout + 1)
        except TimeoutError:
            conn.close("handshake timed out")
            raise ConnectionRefused(f"handshake with {target} timed out",
                                    reason=Refusal.TIMEOUT) from None
        except SimultaneousConnect:
            # The peer's connection to us wins: wait for it.
            peer = expect or conn.peer_name
            if peer is None:
                raise
            return await self.await_peer(peer)
        except ConnectionRefused as exc:
            # We answered false to the peer's alive: the link we hold is the connection.
            if exc.reason == Refusal.ALREADY_CONNECTED and exc.peer is not None \
                    and exc.peer in dist.conns:
                return exc.peer
            raise

    async def _join_handshake(self, name: str, lookup_time: float) -> bool:
        """True if a link to `name` is up, or comes up soon from a handshake that `name`
        started (net_kernel's connect_node waits on a pending entry instead of dialling
        again); False if there is none, it fails, or it is not proved in time: dial then.

        In time: the name in a send_name is not proved until the challenge reply is, and a
        stranger without the cookie may hold one open as long as the handshake timeout. A
        real node replies one round trip after our challenge, which went out when its name
        came: before our EPMD lookup began (a name that came during the lookup was answered
        as a rival of this dial, rivals.at_name). The lookup took two round trips to its
        host (a connect, a request): `lookup_time`, with a floor for a busy event loop, is
        the longest a real node needs."""
        dist = self._dist
        loop = dist.loop
        deadline = loop.time() + max(lookup_time, JOIN_GRACE_MIN)
        for conn in list(self._pending):
            if name in dist.conns:
                break
            if conn.initiator or conn.peer_name != name or conn.state != "handshake":
                continue
            try:
                await asyncio.wait_for(asyncio.shield(conn.established),
                                       max(deadline - loop.time(), 0))
            except (PgvizError, TimeoutError):
                pass
        return name in dist.conns

    async def await_peer(self, name: str) -> str:
        """The peer's own connection wins over our dial: its name once its link is up."""
        dist = self._dist
        if name in dist.conns:
            return name
        if not await self._name_waiters.wait(name, dist.loop, dist.handshake_timeout):
            raise ConnectionRefused(f"simultaneous connect to {name} did not settle",
                                    reason=Refusal.SIMULTANEOUS)
        return name
