"""A node's outgoing dials: connect(), one dial per address at a time, and the wait for another
connection to a peer when a dial gives way to it.

connect() shares the dial already on its way to an address (an explicit connect() takes a
gossip dial's result, and dials again only if the peer refused it: gossip may not lift an
explicit disconnect). A dial refused because another connection to that peer lives on or is
on its way (rivals.py) is not a failure: it waits, bounded, for that peer's link, and returns
its name -- for a dial by address, only if that link says its node listens where the dial
landed (the refusal proved nothing; see _vouched). Nothing here runs per frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ..dial_outcome import settle
from ..errors import AuthenticationError, ConnectionRefused, PgvizError, Refusal
from ..name_waiters import NameWaiters
from .addresses import endpoint, is_local_ip, resolve, split_address
from .blocks import DisconnectBlocks
from .connection import Connection

if TYPE_CHECKING:
    from .distribution import Distribution

__all__ = ["Dials"]


class Dials:
    def __init__(self, dist: Distribution, blocks: DisconnectBlocks, *,
                 spawn: Callable[[Coroutine[Any, Any, None]], None]) -> None:
        """`spawn`: run a task the distribution keeps (and cancels when it stops)."""
        self._dist = dist
        self._blocks = blocks
        self._spawn = spawn
        self._by_address: dict[str, tuple[asyncio.Future[str], bool]] = {}  # -> (, explicit)
        # Dials given up for another connection to that peer, waiting for its link (by name).
        self._name_waiters = NameWaiters()

    def __contains__(self, address: object) -> bool:
        """A dial to `address` is on its way."""
        return address in self._by_address

    def peer_up(self, name: str) -> None:
        """A link to `name` came up: the dials that gave way to it have their result."""
        self._name_waiters.wake(name)

    async def connect(self, address: str, *, explicit: bool = True,
                      expect: str | None = None) -> str:
        dist = self._dist
        if not dist.running:
            raise PgvizError("the node is not running")
        address = address.strip()
        if address == dist.address:
            return dist.name
        for conn in dist.conns.values():
            if address in (conn.peer_address, conn.dial_address):
                if explicit:
                    self._blocks.lift_now(conn.peer_name or "")
                return conn.peer_name  # type: ignore[return-value]
        if expect is not None and expect in dist.conns:
            return expect  # a gossip or heal dial queued before the peer came up
        begun = self._blocks.count
        pending = self._by_address.get(address)
        if pending is not None and explicit and not pending[1]:
            # A gossip dial is on its way: take its result rather than racing it with a
            # second connection; only if the peer refused it (it remembers an explicit
            # disconnect, which gossip may not lift) dial again, explicitly.
            try:
                name = await asyncio.shield(pending[0])
            except (ConnectionRefused, AuthenticationError):
                pass
            else:
                self._blocks.lift(name, begun)
                return name
            pending = self._by_address.get(address)
        if pending is not None and (pending[1] or not explicit):
            dial = pending[0]
        else:
            # No dial yet, or only a gossip one, which an explicit disconnect may refuse:
            # this explicit connect makes its own.
            dial = dist.loop.create_future()
            self._by_address[address] = (dial, explicit)
            self._spawn(self._dial(address, explicit, dial, expect, begun))
        name = await asyncio.shield(dial)
        if explicit:
            self._blocks.lift(name, begun)
        return name

    async def _dial(self, address: str, explicit: bool, result: asyncio.Future[str],
                    expect: str | None = None, begun: int = 0) -> None:
        try:
            await settle(result, self._dial_once(address, explicit, expect, begun), address)
        finally:
            if self._by_address.get(address, (None,))[0] is result:
                del self._by_address[address]

    async def _dial_once(self, address: str, explicit: bool, expect: str | None = None,
                         begun: int = 0) -> str:
        dist = self._dist

        def factory() -> Connection:
            return Connection(dist, initiator=True, explicit=explicit, dial_address=address,
                              expect=expect, begun=begun)

        # (Our own errors are ConnectionErrors, hence OSErrors: raised outside the try that
        # turns the socket's OSErrors into ConnectionRefused.)
        if dist.network is not None and not address.startswith("mem:"):
            raise ConnectionRefused(f"{address!r} is not an in-memory address")
        host, port = split_address(address) if dist.network is None else ("", 0)
        reached: object = address  # where the dial landed: (ip, port, ...) over TCP
        try:
            if dist.network is not None:
                conn = dist.network.dial(address, factory)
            else:
                transport, conn = await asyncio.wait_for(
                    dist.loop.create_connection(factory, host, port), dist.handshake_timeout)
                reached = transport.get_extra_info("peername")
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
                                        dist.handshake_timeout + 1)
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
                name = await self._await_peer(exc.peer, exc)
                if expect is None and not await self._vouched(name, address, reached):
                    raise ConnectionRefused(
                        f"{address} answered as {name} ({exc}), but {name} is connected at "
                        f"another address: the listener's claim could not be verified",
                        name, Refusal.WRONG_NODE) from None
                return name
            raise
        return ev.name

    async def _vouched(self, name: str, address: str, reached: object) -> bool:
        """The link to `name` that is up says it can be dialled at `address`, where the dial
        landed on `reached`: the address it announced (in its proved handshake) or the one
        we dialled it at, as spelled or as resolved."""
        # Why: a settling refusal comes before any proof (in place of the welcome, or as our
        # own answer to an unproved welcome), so its name is anyone's to give. A dial for a
        # name (gossip, heal) checks it against that name; a dial by address has nothing to
        # check it against but what the live link says of where its node listens. A listener
        # elsewhere that names a node we are connected to is not believed: connect() would
        # return that node's name for an address that is not its own. Two real nodes that
        # dial each other, or a connect() to a peer already up, reach the address it
        # announced (or the one we dialled it at): their claim holds.
        link = self._dist.conns.get(name)
        if link is None:
            return False
        known = {a for a in (link.peer_address, link.dial_address) if a}
        if address in known:
            return True
        if self._dist.network is not None or not isinstance(reached, tuple):
            return False  # (in memory an address has one spelling)
        here = endpoint(reached)
        announced: set[tuple[str, int]] = set()
        for spelled in known:
            announced |= await resolve(spelled, self._dist.handshake_timeout)
        if here in announced:
            return True
        # A node listening on the wildcard (`--host 0.0.0.0`, the LAN setup) announces one
        # of this machine's addresses and is reached at any of them: the dial landed on this
        # machine at the port it announced there, which no other process can hold while the
        # node listens on the wildcard. (A node bound to one address leaves that port free
        # on the others, to a process on this machine: a local impostor, which this check,
        # against strangers on the network, does not cover.)
        return is_local_ip(here[0]) and any(
            port == here[1] and is_local_ip(ip) for ip, port in announced)

    async def _await_peer(self, name: str, why: ConnectionRefused) -> str:
        dist = self._dist
        if name in dist.conns:
            return name
        if not await self._name_waiters.wait(name, dist.loop, dist.handshake_timeout):
            raise ConnectionRefused(f"{why}; no other connection to {name} came up",
                                    name, why.reason)
        return name
