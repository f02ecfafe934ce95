"""The distribution's decisions on its connections during their handshakes: the IO side of
rivals.py (whose rules are IO-free), with this node's state around them.

At each decision point of a handshake (see rivals.py) the connection's Opening (opening.py)
asks this desk whether to go on: not while the node stops, not for a partitioned peer, not
for an explicitly disconnected one (blocks.py), and then as the rival-connection rules say.
A proved newcomer that claims the name of a link that still looks up makes the desk ask the
old link whether anyone is there (OTP's `alive`) before it settles the newcomer. Nothing
here runs per frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ..errors import Refusal
from ..wire.handshake import Established, PeerHello
from .blocks import DisconnectBlocks
from .rivals import AskOld, Rivals, Verdict

if TYPE_CHECKING:
    from .connection import Connection
    from .distribution import Distribution

__all__ = ["Settling"]


class Settling:
    def __init__(self, dist: Distribution, rivals: Rivals, blocks: DisconnectBlocks, *,
                 spawn: Callable[[Coroutine[Any, Any, None]], None]) -> None:
        """`spawn`: run a task the distribution keeps (and cancels when it stops)."""
        self._dist = dist
        self._rivals = rivals
        self._blocks = blocks
        self._spawn = spawn

    def decide_incoming(self, conn: Connection, hello: PeerHello) -> Verdict | None:
        """Acceptor, at the hello: None to welcome the initiator, else (Refusal code, reason)."""
        dist = self._dist
        if not dist.running:
            return Refusal.STOPPING, "node stopping"
        if hello.name == dist.name:
            return Refusal.SAME_NAME, f"this node is already called {dist.name}"
        if dist.faults.drops(hello.name, dist.name) or dist.faults.drops(dist.name, hello.name):
            if not dist.control.admits(hello.name, hello.caps):
                return Refusal.PARTITIONED, "partitioned"
            # It knows a newer partition than ours, one that does not separate us (else it
            # would not dial): ours is stale for this pair; the rest comes with its state.
            dist.faults.forgive(hello.name, dist.name)
        if self._blocks.stops(conn, hello.name):
            return Refusal.DISCONNECTED, "disconnected explicitly; connect() again to lift it"
        return self._rivals.at_hello(conn, hello.name, hello.creation, hello.address)

    def decide_welcome(self, conn: Connection, welcome: PeerHello) -> Verdict | None:
        """Initiator, at the welcome: None to send our proof, else give this dial up."""
        dist = self._dist
        if not dist.running:
            return Refusal.STOPPING, "node stopping"
        if self._blocks.stops(conn, welcome.name):
            return Refusal.DISCONNECTED, f"{welcome.name} was disconnected explicitly"
        return self._rivals.at_welcome(conn, welcome.name, welcome.creation)

    def decide_established(self, conn: Connection, ev: Established) -> Verdict | AskOld | None:
        """The cookie proved (the acceptor before its ack, the initiator at the ack). AskOld:
        `conn` waits while the old link to that name is asked, then conn.settle() decides."""
        decision = self._established_decision(conn, ev)
        if isinstance(decision, AskOld):
            self._spawn(self._ask_old(conn, ev, decision))
        return decision

    async def _ask_old(self, new: Connection, ev: Established, ask: AskOld) -> None:
        """OTP's `alive`, asked of the old link (see rivals.py): no answer, and the newcomer,
        proved, replaces it now rather than when its tick timer runs out."""
        dist = self._dist
        old = dist.conns.get(ask.name)
        # A live peer answers within a round trip: one that needs a quarter tick would be
        # late with its ticks too. The newcomer's handshake timer is disarmed by now (its
        # Opening did so before it asked), so `within` alone bounds this wait.
        within = min(dist.tick_time / 4, dist.handshake_timeout / 2)
        answered = old is not None and await old.answers(within)
        if new.state != "handshake":
            return  # the newcomer went away meanwhile
        if answered:
            new.settle(ev, self._rivals.old_answered(ask))
            return
        if old is not None and dist.conns.get(ask.name) is old:
            old.close(self._rivals.old_silent(ask).reason, log_level=logging.INFO)
        # The wait let anything happen (a disconnect, a partition, another link up):
        # decided again from the start, with no second question.
        decision = self._established_decision(new, ev)
        if isinstance(decision, AskOld):
            decision = self._rivals.old_answered(decision)
        new.settle(ev, decision)

    def _established_decision(self, conn: Connection, ev: Established
                              ) -> Verdict | AskOld | None:
        dist = self._dist
        if dist.faults.drops(dist.name, ev.name):
            # the partition began while this handshake was in flight
            return Refusal.PARTITIONED, "partitioned"
        if self._blocks.stops(conn, ev.name):
            # disconnect() was called while this handshake was in flight (the hello or the
            # welcome was let through before it): the later wish wins.
            return Refusal.DISCONNECTED, f"{ev.name} was disconnected explicitly"
        if conn.initiator:
            return self._rivals.at_ack(conn, ev.name, ev.creation)
        if conn.peer_explicit:
            # Only now, with the cookie proved: an unauthenticated hello must not be able
            # to lift an explicit disconnect.
            self._blocks.lift_now(ev.name)
        return self._rivals.at_proof(conn, ev.name, ev.creation, ev.address)
