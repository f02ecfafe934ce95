"""Sending to peer scopes: every message in order per peer, big ones in pieces (PeerSender).

Per peer, what cannot go at once waits in slicing.Outboxes, and every later message to that
peer waits behind it (a join made after a sync never overtakes the sync's pieces).

OTP has no frame limit; pgviz frames are bounded (`max_frame`), and a frame's decode holds the
receiver's event loop, so a list of more than PIECE_PIDS pids (or than half a frame) goes as
several messages, in the order that gives the peer exactly the list OTP's one message would:

* a join of `Ps = P1 ++ P2 ++ ... ++ Pk` as joins of Pk, ..., P2, P1 (`Ps ++ L` is
  `P1 ++ (P2 ++ (... ++ (Pk ++ L)))`);
* a leave of `Ps` as leaves of P1, ..., Pk (`L -- Ps` is `((L -- P1) -- P2) ...`), and a leave
  naming many groups as leaves of consecutive runs of them;
* a sync of more than SYNC_PIDS (`sync_pieces`) as one sync of the groups that fit whole in
  about PIECE_PIDS, then each other group as joins, newest part last. A group left out of the
  sync is dropped there (`All -- Old`), then joined: `Pids ++ (All -- Old)`, what one sync
  gives for a changed list. For an unchanged list one sync changes nothing, and the pieces
  leave the same members with this node's in the same order, but other nodes' members of the
  group may end up interleaved differently (as they may between any two OTP nodes).

What differs from one message: subscribers on the peer see several join notifications instead
of one, and a group the peer knew that is left out of a sync's first message leaves and joins
again there (notified both ways, so subscribers stay consistent; OTP's rewrite of a changed
list is silent). A group sent only in part in the first message would be rewritten silently
there and then joined: subscribers would count its members twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import LocalProtocolError
from ..wire.terms import Pid
from .slicing import Outboxes

if TYPE_CHECKING:
    from ..runtime.node import RuntimeNode

__all__ = ["PIECE_PIDS", "SYNC_PIDS", "pid_bytes", "group_bytes", "Budget", "join_pieces",
           "leave_pieces", "sync_pieces", "PeerSender"]

log = logging.getLogger("pgviz.pg.scope")

PIECE_PIDS = 4096  # pids per piece: ~100 KB, 10-40 ms to encode or to decode (new pids)
SYNC_PIDS = 16384  # a sync up to about this many members goes as one message, as in OTP


def pid_bytes(node: str) -> int:
    """A generous estimate of one encoded pid of `node` (its name plus msgpack framing)."""
    return len(node.encode()) + 24


def group_bytes(group: Any) -> int:
    """A generous estimate of an encoded group name (str, bytes, int or tuples of those)."""
    if type(group) is tuple:
        return 8 + sum(group_bytes(g) for g in group)
    if type(group) is str:
        return 8 + 4 * len(group)
    if type(group) is bytes:
        return 8 + len(group)
    return 10


class Budget:
    """How many pids one message may carry, for a node and its frame limit."""

    __slots__ = ("pid_bytes", "piece_pids", "piece_bytes", "sync_bytes")

    def __init__(self, node: str, max_frame: int) -> None:
        self.pid_bytes = pid_bytes(node)
        half = max_frame // 2
        self.piece_pids = max(1, min(PIECE_PIDS, half // self.pid_bytes))
        self.piece_bytes = self.piece_pids * self.pid_bytes
        self.sync_bytes = min(SYNC_PIDS * self.pid_bytes, half)

    def is_big(self, msg: tuple[Any, ...]) -> bool:
        tag = msg[0]
        if tag == "join":
            return type(msg[3]) is list and len(msg[3]) > self.piece_pids
        if tag == "leave":
            return ((type(msg[2]) is list and len(msg[2]) > self.piece_pids)
                    or (type(msg[3]) is list and len(msg[3]) > self.piece_pids))
        return False


def join_pieces(me: Pid, group: Any, pids: list[Pid], size: int
                ) -> Iterator[tuple[Any, ...]]:
    """`pids ++ L` as joins of at most `size` pids, the newest part last."""
    stop = len(pids)
    while stop > 0:
        start = max(0, stop - size)
        yield ("join", me, group, pids[start:stop])
        stop = start


def leave_pieces(msg: tuple[Any, ...], size: int) -> Iterator[tuple[Any, ...]]:
    """("leave", Me, Pids, Groups) with a long list of pids or of groups, in order."""
    _, me, pids, groups = msg
    if type(pids) is list and len(pids) > size:
        for i in range(0, len(pids), size):
            yield from leave_pieces(("leave", me, pids[i:i + size], groups), size)
    elif type(groups) is list and len(groups) > size:
        for i in range(0, len(groups), size):
            yield ("leave", me, pids, groups[i:i + size])
    else:
        yield msg


def sync_pieces(me: Pid, groups: list[tuple[Any, list[Pid]]], budget: Budget
                ) -> tuple[tuple[Any, ...], Iterator[tuple[Any, ...]] | None]:
    """("sync", Me, Groups) as its first message and, when it does not fit one, the joins
    that follow it (see the module doc)."""
    per_pid = budget.pid_bytes
    total = sum(group_bytes(g) + per_pid * len(pids) for g, pids in groups)
    if total <= budget.sync_bytes:
        return ("sync", me, groups), None
    room = budget.piece_bytes
    head: list[tuple[Any, list[Pid]]] = []
    rest: list[tuple[Any, list[Pid]]] = []
    for group, pids in groups:
        cost = group_bytes(group) + per_pid * len(pids)
        if cost <= room:
            head.append((group, pids))
            room -= cost
        else:
            rest.append((group, pids))
    log.info("sync from %s: %d members in %d groups exceed one message; %d groups follow "
             "as joins", me, sum(len(p) for _, p in groups), len(groups), len(rest))
    return ("sync", me, head), _joins(me, rest, budget.piece_pids)


def _joins(me: Pid, rest: list[tuple[Any, list[Pid]]], size: int
           ) -> Iterator[tuple[Any, ...]]:
    for group, pids in rest:
        yield from join_pieces(me, group, pids, size)


class PeerSender:
    """A scope's messages to its peer scopes: in order per peer, big ones in pieces."""

    __slots__ = ("node", "scope", "budget", "out", "_syncing")

    def __init__(self, node: RuntimeNode, scope: str, alive: Callable[[], bool]) -> None:
        self.node = node
        self.scope = scope  # its name, for logs
        self.budget = Budget(node.name, node.max_frame)
        self.out = Outboxes(node, self.send_or_split, alive)
        self._syncing: set[Pid] = set()  # peers a sync in pieces is still going out to

    def syncing(self, peer: Pid) -> bool:
        return peer in self._syncing

    def broadcast(self, peers: Iterable[Pid], msg: tuple[Any, ...]) -> None:
        if not self.out and not self.budget.is_big(msg):
            # One encoding for every peer (a join reaches N-1 of them); a peer whose send was
            # refused gets the message in halves, as send_or_split does it.
            for peer in self.node.send_each(list(peers), msg):
                self._send_split(peer, msg)
        else:
            for peer in peers:
                self.send(peer, msg)

    def send(self, peer: Pid, msg: tuple[Any, ...]) -> None:
        """After whatever waits for this peer; a big join or leave in pieces."""
        if not self.budget.is_big(msg):
            self.out.send(peer, msg)
        elif msg[0] == "join":
            self.out.send(peer, join_pieces(msg[1], msg[2], msg[3], self.budget.piece_pids))
        else:
            self.out.send(peer, leave_pieces(msg, self.budget.piece_pids))

    def send_sync(self, peer: Pid, me: Pid, groups: list[tuple[Any, list[Pid]]]) -> None:
        first, rest = sync_pieces(me, groups, self.budget)
        self.out.send(peer, first)
        if rest is not None:
            self._syncing.add(peer)
            self.out.send(peer, self._sync_rest(peer, rest))

    def _sync_rest(self, peer: Pid, pieces: Iterator[tuple[Any, ...]]
                   ) -> Iterator[tuple[Any, ...]]:
        try:
            yield from pieces
        finally:  # all sent, or dropped with the peer (closed, even before it started)
            self._syncing.discard(peer)

    def drop(self, peer: Pid) -> None:
        """The peer scope is gone: what waits for it goes too."""
        self.out.drop(peer)
        self._syncing.discard(peer)

    def clear(self) -> None:
        self.out.clear()
        self._syncing.clear()

    def send_or_split(self, peer: Pid, msg: tuple[Any, ...]) -> None:
        try:
            self.node.send(peer, msg)
        except LocalProtocolError:
            self._send_split(peer, msg)

    def _send_split(self, peer: Pid, msg: tuple[Any, ...]) -> None:
        """A message that still did not fit one frame goes as two halves, in an order that
        gives the peer the same list: a join's later half first (`A ++ (B ++ L)`), a leave's
        in order (`(L -- A) -- B`, or the groups in order)."""
        tag = msg[0]
        if tag == "join" and type(msg[3]) is list and len(msg[3]) > 1:
            pids = msg[3]
            half = len(pids) // 2
            for part in (pids[half:], pids[:half]):
                self.send_or_split(peer, (tag, msg[1], msg[2], part))
        elif tag == "leave" and type(msg[2]) is list and len(msg[2]) > 1:
            pids = msg[2]
            half = len(pids) // 2
            for part in (pids[:half], pids[half:]):
                self.send_or_split(peer, (tag, msg[1], part, msg[3]))
        elif tag == "leave" and type(msg[3]) is list and len(msg[3]) > 1:
            groups = msg[3]
            half = len(groups) // 2
            for gpart in (groups[:half], groups[half:]):
                self.send_or_split(peer, (tag, msg[1], msg[2], gpart))
        else:
            log.error("pg scope %s: cannot send %s to %s: too large for one frame",
                      self.scope, tag, peer)
