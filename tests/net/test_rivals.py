"""The rules that settle rival connections to one peer (pgviz/net/rivals.py), without IO:
two nodes run them on every interleaving of their dials' handshake messages, and must end
with one connection, the same on both sides, without ever closing a link that was up."""

from __future__ import annotations

import itertools
import logging
import random
from collections import deque
from dataclasses import dataclass, field

import pytest

from pgviz.errors import Refusal
from pgviz.net.rivals import AskOld, Replace, Rivals
from pgviz.ratelog import RateLimitedLog

A, B = "a@h", "b@h"  # A < B: A's connections win
ADDRESS = {A: "h:1", B: "h:2"}


@dataclass(eq=False)
class End:
    """One side of one connection, as the rules read it."""

    initiator: bool
    dial_address: str | None = None
    state: str = "handshake"
    peer_name: str | None = None
    peer_creation: int = 0
    step: str = ""  # initiator: "welcome" (awaited), "ack"; acceptor: "proof"

    @property
    def committed(self) -> bool:
        return self.initiator and self.step == "ack"


@dataclass
class NodeModel:
    name: str
    up: dict[str, End] = field(default_factory=dict)
    pending: list[End] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rules = Rivals(self.name, up=self.up, pending=lambda: self.pending,
                            faultlog=RateLimitedLog(logging.getLogger("test")))


class World:
    """Two nodes and their dials. `dials`: (dialler, spelling matches the peer's announced
    address); a message waits on its connection's channel until the schedule delivers it."""

    def __init__(self, dials: list[tuple[str, bool]]) -> None:
        self.nodes = {A: NodeModel(A), B: NodeModel(B)}
        self.dials = dials
        self.started = [False] * len(dials)
        self.ends: list[dict[str, End]] = [{} for _ in dials]  # per dial: node -> its end
        self.channels: dict[tuple[int, str], deque[str]] = {
            (k, n): deque() for k in range(len(dials)) for n in (A, B)}  # to node n
        self.downs: list[str] = []  # links that were up and went down

    def events(self) -> list[tuple[str, int, str]]:
        out = [("start", k, d) for k, (d, _) in enumerate(self.dials) if not self.started[k]]
        out += [("deliver", k, n) for (k, n), q in self.channels.items() if q]
        return out

    def run(self, event: tuple[str, int, str]) -> None:
        kind, k, node = event
        if kind == "start":
            self.started[k] = True
            peer = _other(node)
            spelled = ADDRESS[peer] if self.dials[k][1] else ADDRESS[peer] + "0"
            end = End(initiator=True, dial_address=spelled, step="welcome")
            self.ends[k][node] = end
            self.nodes[node].pending.append(end)
            self._send(k, peer, "hello")
        else:
            self._receive(k, node, self.channels[(k, node)].popleft())

    def _send(self, k: int, to: str, msg: str) -> None:
        self.channels[(k, to)].append(msg)

    def _receive(self, k: int, at: str, msg: str) -> None:
        me, peer = self.nodes[at], _other(at)
        end = self.ends[k].get(at)
        if msg == "hello":
            end = self.ends[k][at] = End(initiator=False, peer_name=peer, step="proof")
            me.pending.append(end)
            verdict = me.rules.at_hello(end, peer, 1, ADDRESS[peer])
            self._answer(k, at, end, verdict, "welcome")
            return
        assert end is not None
        if end.state == "closed":
            return
        if msg in ("refuse", "closed"):
            self._close(k, at, end, tell=False)
        elif msg == "welcome":
            end.peer_name, end.peer_creation = peer, 1
            self._answer(k, at, end, me.rules.at_welcome(end, peer, 1), "proof")
            end.step = "ack"
        elif msg == "proof":
            decision = me.rules.at_proof(end, peer, 1, ADDRESS[peer])
            if isinstance(decision, AskOld):
                decision = self._ask_old(at, decision)
            self._answer(k, at, end, decision, "ack")
        elif msg == "ack":
            decision = me.rules.at_ack(end, peer, 1)
            if isinstance(decision, AskOld):
                decision = self._ask_old(at, decision)
            self._answer(k, at, end, decision, None)

    def _ask_old(self, at: str, ask: AskOld) -> object:
        """The old link answers when the peer's end of it is up (question and answer cross
        at once here: the model loses no link one-sidedly, that is the TCP tests' part)."""
        me = self.nodes[at]
        old = me.up[_other(at)]
        j = next(j for j, e in enumerate(self.ends) if e.get(at) is old)
        theirs = self.ends[j].get(_other(at))
        alive = theirs is not None and theirs.state == "up"
        # Two honest nodes never refute each other's claims (that would log one of them as
        # an impostor): a peer never proves while the link it dialled is up on its side.
        assert not (alive and ask.claim_refuted), "an honest peer's claim refuted"
        return me.rules.old_answered(ask) if alive else me.rules.old_silent(ask)

    def _answer(self, k: int, at: str, end: End, decision: object, then: str | None) -> None:
        me, peer = self.nodes[at], _other(at)
        if isinstance(decision, tuple) and not isinstance(decision, Replace):
            self._send(k, peer, "refuse")
            self._close(k, at, end, tell=False)
            return
        if isinstance(decision, Replace):
            old = me.up[peer]
            self._close(next(j for j, e in enumerate(self.ends) if e.get(at) is old), at, old,
                        tell=True)
        if then is not None:
            self._send(k, peer, then)
        if then in ("ack", None):  # the acceptor sends its ack and is up; the initiator reads it
            me.pending.remove(end)
            end.state, end.peer_creation = "up", 1
            me.up[peer] = end

    def _close(self, k: int, at: str, end: End, *, tell: bool) -> None:
        me = self.nodes[at]
        if end.state == "up":
            self.downs.append(f"{at} lost its link to {_other(at)} (dial {k})")
            del me.up[_other(at)]
            tell = True
        elif end in me.pending:
            me.pending.remove(end)
        end.state = "closed"
        if tell:
            self._send(k, _other(at), "closed")

    def check_settled(self) -> None:
        assert not self.downs, self.downs
        a, b = self.nodes[A].up.get(B), self.nodes[B].up.get(A)
        assert a is not None and b is not None, "the pair lost"
        k = next(j for j, e in enumerate(self.ends) if e.get(A) is a)
        assert self.ends[k].get(B) is b, "each side kept a different connection"


def _other(node: str) -> str:
    return B if node == A else A


def _explore(dials: list[tuple[str, bool]], prefix: list[tuple[str, int, str]]) -> int:
    world = World(dials)
    for event in prefix:
        world.run(event)
    events = world.events()
    if not events:
        world.check_settled()
        return 1
    return sum(_explore(dials, [*prefix, e]) for e in events)


@pytest.mark.parametrize("spelled", list(itertools.product([True, False], repeat=2)))
@pytest.mark.parametrize("diallers", [(A, B), (B, A), (A, A), (B, B)])
def test_two_rival_dials_settle_on_one_link_in_every_interleaving(diallers, spelled):
    """Both nodes dial each other (or one dials twice), with the peer's address spelled as
    it announces it or not: every order of starts and deliveries ends with one link, the
    same on both sides, and no link that was up ever goes down."""
    assert _explore(list(zip(diallers, spelled, strict=True)), []) > 1


@pytest.mark.parametrize("seed", range(4))
def test_three_rival_dials_settle_on_one_link_in_random_interleavings(seed):
    rng = random.Random(seed)
    for _ in range(500):
        dials = [(rng.choice((A, B)), rng.random() < 0.5) for _ in range(3)]
        world = World(dials)
        while events := world.events():
            world.run(rng.choice(events))
        world.check_settled()


def test_a_proof_or_an_ack_while_a_link_is_up_to_that_peer_asks_the_old_link_first():
    """The peer proves (or acknowledges) a new connection while a link to it is up here. It proves only with no
    link up on its side, so it lost that link there (OTP's `alive`, answered true) -- or the
    prover only claims its name and creation (no secret: the peer's welcome tells them).
    Either way the old link is asked: an answer refuses the newcomer, silence replaces it."""
    b = NodeModel(B)
    old = End(initiator=False, state="up", peer_name=A, peer_creation=1)  # a dialled it
    b.up[A] = old
    new = End(initiator=False, peer_name=A)
    assert b.rules.at_hello(new, A, 1, ADDRESS[A]) is None  # (unproved: nothing asked yet)
    ask = b.rules.at_proof(new, A, 1, ADDRESS[A])
    assert isinstance(ask, AskOld) and ask.claim_refuted
    assert b.rules.old_answered(ask)[0] == Refusal.ALREADY_CONNECTED
    assert isinstance(b.rules.old_silent(ask), Replace)
    old.initiator = True  # a link b dialled: the peer may have proved before accepting it
    ask = b.rules.at_proof(new, A, 1, ADDRESS[A])  # ... or lost it: the old link says which
    assert isinstance(ask, AskOld) and not ask.claim_refuted
    assert b.rules.old_answered(ask)[0] == Refusal.ALREADY_CONNECTED
    assert isinstance(b.rules.old_silent(ask), Replace)
    other_incarnation = b.rules.at_proof(new, A, 2, ADDRESS[A])
    assert isinstance(other_incarnation, AskOld) and other_incarnation.creation == 2
    dial = End(initiator=True, dial_address=ADDRESS[A], peer_name=A, step="ack")
    ask = b.rules.at_ack(dial, A, 1)  # an ack for our dial, once a link to A came up
    assert isinstance(ask, AskOld) and ask.claim_refuted
    assert b.rules.old_answered(ask)[0] == Refusal.ALREADY_CONNECTED
    assert isinstance(b.rules.old_silent(ask), Replace)


def test_another_incarnation_is_refused_while_the_old_link_answers_else_replaces_it():
    """A proved newcomer with a new creation while a link to that name is up: the old link
    is asked (OTP's `alive`); an answer refuses the newcomer (a live node has the name),
    silence replaces the old link (its peer is gone: back as the newcomer)."""
    b = NodeModel(B)
    b.up[A] = End(initiator=True, state="up", peer_name=A, peer_creation=1)
    ask = b.rules.at_proof(End(initiator=False, peer_name=A), A, 2, ADDRESS[A])
    assert isinstance(ask, AskOld)
    assert b.rules.old_answered(ask)[0] == Refusal.NAME_TAKEN
    assert isinstance(b.rules.old_silent(ask), Replace)
