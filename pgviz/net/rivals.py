"""Rival connections to one peer: which one lives, decided during the handshakes.

Two nodes that dial each other at the same moment (mesh gossip makes that common) open two
connections for one pair; a node may also dial one peer twice (two spellings of its
address). One must survive, the same one on both sides, and a link that is up must not be
dropped for its duplicate: that would be a nodedown (pg drops the peer's members, monitors
see them leave and join again) for a peer that never went away.

OTP settles it in the handshake (dist_util.erl), before either side marks the link up: the
acceptor of a connection from a node it is itself dialling answers `nok` when its own name is
smaller (its own connection wins) and `ok_simultaneous` when it is larger (the other one
wins); a node that is up answers `alive` and the initiator says whether it still wants a new
link (only if it lost the old one). pgviz keeps that order with four decision points, each
taken before this side sends its next handshake message (see wire/handshake.py, `arbitrate`):

    at_hello    acceptor, at the initiator's hello (not proved yet: it may only refuse)
    at_welcome  initiator, at the acceptor's welcome, before its proof
    at_proof    acceptor, once the proof checked out, before its ack
    at_ack      initiator, at the ack: the acceptor is up already

The rules, and why they agree on both sides:

* The connection initiated by the smaller name wins (OTP's order). Its initiator never gives
  it up for the other (at_hello and at_proof refuse the larger name's connection while ours
  is pending); the larger name's node lets its own lose: the smaller name refuses it at_proof
  (at_welcome does not give it up for an incoming connection, whose name is not proved yet).
* A node proves at most one connection per peer at a time, and none while a link to that
  peer is up (at_welcome). So a proof that arrives while a link initiated by that same peer
  is up means the peer has given that link up (OTP's `alive` answered true) -- or that the
  prover is not that peer: the name and the creation are no secret (the peer's own welcome
  tells them), only the cookie is. at_proof therefore asks the old link (AskOld, below)
  before it replaces it; an answer refuses the newcomer. A proof while a link we dialled
  is up may be a race (the peer proved before it took our ack) or a loss on its side that
  never reached us: the old link is asked too. An ack while a link to that peer is up (it
  came up after our welcome check) is asked about the same way, with the same reason: the
  acceptor acknowledges only with no link to us up on its side, so it lost that one -- or
  the acknowledger only claims the name, and held its ack until the named node's link was
  up here. Nothing but a silent old link ever replaces a link that is up.
* Only the ack takes the initiator up, and the acceptor sends it only when it goes up
  itself, so the two sides never keep different connections. (Keeping "the first to finish"
  used to lose a pair: each side could finish a different one first, because the acceptor
  acknowledged before it decided.)
* Another incarnation of a peer (a new creation) that proved the cookie while a link to that
  name is up makes this node ask the old link whether anyone is still there (AskOld: OTP's
  `alive` round trip, asked of the old link rather than of the newcomer, which has no say in
  it). A peer that lost its side silently -- killed, its close never delivered -- and came
  back replaces it at once, not a tick time later; an old link that answers refuses the
  newcomer, so that a cookie holder cannot evict a live node and speak in its name. Only a
  proved newcomer is asked about: an unproved hello never makes a node doubt a live link
  (so at_hello refuses nothing for a link that is up: the question waits for the proof).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, Protocol

from ..errors import Refusal
from ..ratelog import RateLimitedLog

__all__ = ["Rivals", "Rival", "Verdict", "Replace", "AskOld"]

Verdict = tuple[str, str]  # refuse the newcomer: (Refusal code, reason for people)


class Rival(Protocol):
    """What the rules read of a connection (net/connection.py's Connection)."""

    initiator: bool
    state: str  # "connecting", "handshake", "up", ...
    peer_name: str | None  # the acceptor's from the hello, the initiator's from the welcome
    peer_creation: int
    dial_address: str | None

    @property
    def committed(self) -> bool:
        """An initiator that sent its proof (it goes up if the acceptor acknowledges)."""
        ...


class Replace(NamedTuple):
    """Accept the newcomer once the link that is up to that peer, gone on the peer's side,
    is closed with `reason` (its nodedown reason)."""

    reason: str


class AskOld(NamedTuple):
    """Hold the newcomer (proved) until the link that is up to `name` says whether anyone is
    there: then old_answered() (refuse it with `refusal`) or old_silent() decides."""

    name: str
    creation: int  # the newcomer's
    refusal: Verdict
    # An answer proves the newcomer's claim false: the node with that name is there and
    # would not have proved a second connection (else an answer may settle a race).
    claim_refuted: bool = False


class Rivals:
    """The rules above, for one node; each decision point returns None (go on), a Verdict
    (refuse the newcomer) or (at_proof, at_ack) an AskOld."""

    def __init__(self, name: str, *, up: Mapping[str, Rival],
                 pending: Callable[[], Iterable[Rival]], faultlog: RateLimitedLog) -> None:
        """`up`: the links that are up, by peer name; `pending()`: the connections still in
        their handshake, both directions."""
        self.name = name
        self._up = up
        self._pending = pending
        self._faultlog = faultlog

    # -- the four decision points -----------------------------------------------------------
    def at_hello(self, conn: Rival, name: str, creation: int, address: str) -> Verdict | None:
        """Acceptor, at the initiator's hello (a claim not proved yet: refusals only)."""
        # A link up to `name` refuses nothing yet, not even one we dialled: the peer may have
        # lost its side of it, and only once it proves the cookie is the old link asked.
        if self.name < name and self._own_dial(conn, name, address) is not None:
            return (Refusal.SIMULTANEOUS,
                    "simultaneous connect: the connection from the smaller name wins")
        return None

    def at_welcome(self, conn: Rival, name: str, creation: int) -> Verdict | None:
        """Initiator, at the acceptor's welcome: give our dial up before proving it."""
        old = self._live(name)
        if old is not None:
            if old.peer_creation != creation:
                return (Refusal.NAME_TAKEN,
                        f"{name} is connected already (another incarnation)")
            return Refusal.ALREADY_CONNECTED, f"already connected to {name}"
        for other in self._pending():
            if other is conn or other.peer_name != name:
                continue
            if other.initiator and other.committed:
                return Refusal.SIMULTANEOUS, f"another connection to {name} is on its way"
            # An incoming connection that claims `name` is not a reason to give ours up: its
            # name is a hello's, not proved yet, and a stranger could keep one open to stop
            # every dial of ours to a smaller name. The smaller name's node refuses our proof
            # at_proof instead when its own dial wins.
        return None

    def at_proof(self, conn: Rival, name: str, creation: int, address: str
                 ) -> Verdict | AskOld | None:
        """Acceptor, the cookie proved, before the ack: this decides the connection."""
        old = self._live(name)
        if old is not None:
            if old.peer_creation != creation:
                return AskOld(name, creation, self._name_taken(name), claim_refuted=True)
            if old.initiator:
                # Up on its side too (it proved before it took our ack: a race), or lost
                # there without a word reaching us: the old link says which.
                return AskOld(name, creation, (
                    Refusal.ALREADY_CONNECTED, "already connected (over the link we dialled)"))
            # A proof while the link it dialled is up here: the peer proves only with no
            # link to us, so it lost that one on its side -- or the newcomer is not that
            # peer at all: a cookie holder can claim a live node's name and its creation
            # (which that node's own welcome tells anyone). The old link says which; its
            # answer refuses the newcomer (the peer itself never proves while it is up).
            return AskOld(name, creation, (
                Refusal.ALREADY_CONNECTED,
                f"already connected to {name} (over the link it dialled, which answers)"),
                claim_refuted=True)
        if self.name < name and self._own_dial(conn, name, address) is not None:
            return (Refusal.SIMULTANEOUS,
                    "simultaneous connect: the connection from the smaller name wins")
        return None

    def at_ack(self, conn: Rival, name: str, creation: int) -> Verdict | AskOld | None:
        """Initiator, at the ack: the acceptor is up on this connection already."""
        old = self._live(name)
        if old is None:
            return None
        if old.peer_creation != creation:
            self._claimed_twice(name, creation)
            return self._name_taken(name)
        # A link to `name` came up between our welcome check and this ack. The peer
        # acknowledges only with no link to us up on its side, so it lost that one -- or the
        # acceptor is not that peer: a cookie holder we dialled can welcome us in a live
        # node's name and creation and hold its ack until that node's link is up here. As
        # at_proof: the old link says which, and its answer refuses the newcomer.
        return AskOld(name, creation, (
            Refusal.ALREADY_CONNECTED,
            f"already connected to {name}, whose link answers: the node that acknowledged "
            "our dial is not it"), claim_refuted=True)

    def old_answered(self, ask: AskOld) -> Verdict:
        """The old link answered: its peer is there, with that name."""
        if ask.claim_refuted:
            self._claimed_twice(ask.name, ask.creation)
        return ask.refusal

    def old_silent(self, ask: AskOld) -> Replace:
        """Nothing came back on the old link: its peer lost it, and is back as the newcomer."""
        return Replace(f"{ask.name} connected again (creation {ask.creation}); its previous "
                       "link did not answer")

    # -- helpers ----------------------------------------------------------------------------------
    def _live(self, name: str) -> Rival | None:
        old = self._up.get(name)
        return old if old is not None and old.state == "up" else None

    def _own_dial(self, conn: Rival, name: str, address: str) -> Rival | None:
        """A connection this node is dialling to `name` (found by the name its welcome gave,
        or by the address the peer announces, before the welcome)."""
        for other in self._pending():
            if other is not conn and other.initiator and (
                    other.peer_name == name or other.dial_address == address):
                return other
        return None

    @staticmethod
    def _name_taken(name: str) -> Verdict:
        # Another incarnation claims a name whose link is alive. A restarted node is accepted
        # once its old link is gone (a crash closes the socket; one whose close never
        # reaches us does not answer AskOld); until then the claim is refused, so that a
        # cookie holder cannot evict a live node and speak in its name.
        return Refusal.NAME_TAKEN, f"{name} is connected already (another incarnation)"

    def _claimed_twice(self, name: str, creation: int) -> None:
        self._faultlog.log(logging.WARNING, "name claimed twice",
                           "%s: refused a second %s (creation %d) while its link is alive",
                           self.name, name, creation)
