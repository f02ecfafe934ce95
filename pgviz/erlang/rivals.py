"""Rival connections to one Erlang node, settled as OTP does: pure decisions over what this
node holds, taken by the distribution at three points of a handshake.

OTP (25: lib/kernel/src/net_kernel.erl `{accept_pending, ...}`, `{is_pending, ...}`;
dist_util.erl mark_pending/2, do_alive/1, recv_status/1) keeps one entry per peer node:
`pending` (a handshake under way, either direction), `up`, or `up_pending` (up, while a new
connection from that node waits for the old one to go). The rules:

    at_name      acceptor, at the initiator's name, before any status is sent
    at_alive     initiator, at the status `alive`: is its dial still wanted?
    at_up        either side, when the handshake ends, before the link goes up

* at_name: a link to that node is up: status `alive`. The initiator answers `true` when it
  holds no link to us (its side of the old one is gone: it restarted, or lost the link
  silently -- a FIN that never came); once it has proved the cookie, the old link is closed
  (nodedown) and the new one goes up (nodeup). It answers `false` when it holds a link to us:
  the new connection is dropped and the old one stays. A second connection from that node
  while one waits so is closed without a status (OTP's already_pending).
* at_name: a handshake with that node is under way (our dial, even one still asking EPMD for
  the port, or another connection from it): the connection dialled by the greater name wins,
  as in net_kernel: `nok` when our name is greater (our own dial wins), else
  `ok_simultaneous`. (net_kernel also kills its own pending dial then; pgviz lets the peer
  refuse it -- it answers `nok`, the greater name, or `alive` once its link is up -- so that
  a dial is never given up for a connection that may still fail.)
* at_name: otherwise `ok`. A node that is stopping closes without a status: `nok` would make
  an OTP initiator wait for net_kernel to kill it (net_setuptime, 7 s) before connect_node
  returns false.
* at_alive: `true` if this node holds no link that is up to that node (is_pending), else
  `false`; connect() then returns the link it holds.
* at_up: a link to that node is up. The initiator has the acceptor's ack: the acceptor went
  up on the new connection, so its side of the old link is gone: the new one replaces it.
  The acceptor replaces the old link only when the initiator answered `true` to `alive`;
  any other link that came up meanwhile makes it drop the newcomer, unacknowledged (with OTP
  peers this cannot happen: one entry per node).

connect() also joins a handshake the peer started instead of dialling a second connection,
as net_kernel's connect_node waits on a pending entry: a dial while the peer's connection is
still in its handshake would be one more rival (and, when its name is the greater, the
peer would drop its own connection for ours -- which this node may have taken up already).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Status", "Refuse", "Replace", "at_name", "at_alive", "at_up"]


class Status(NamedTuple):
    """Acceptor: answer with this status ("ok", "ok_simultaneous" or "alive")."""

    status: str


class Refuse(NamedTuple):
    """Drop the new connection: send `status` first ("nok", "not_allowed"), or close
    without one (None); `reason` is for people."""

    status: str | None
    reason: str


class Replace(NamedTuple):
    """The new connection goes up once the link that is up to that node is closed with
    `reason` (its nodedown reason)."""

    reason: str


def at_name(me: str, peer: str, *, running: bool, link_up: bool, awaiting_alive: bool,
            handshaking: bool) -> Status | Refuse:
    """Acceptor, at the initiator's name. `link_up`: a link to `peer` is up; `awaiting_alive`:
    another connection from `peer` got `alive` and has not finished; `handshaking`: a dial of
    ours to `peer` or another connection from it is under way."""
    if not running:
        return Refuse(None, "node stopping")
    if peer == me:
        return Refuse("not_allowed", f"this node is already called {me}")
    if link_up:
        if awaiting_alive:
            return Refuse(None, "another connection from that node is replacing its link")
        return Status("alive")
    if handshaking:
        if me > peer:
            return Refuse("nok", "simultaneous connect: the greater name's dial (ours) wins")
        return Status("ok_simultaneous")
    return Status("ok")


def at_alive(*, link_up: bool) -> bool:
    """Initiator, at `alive`: the answer, `true` (go on: the peer drops its old link) or
    `false` (this node holds a link to the peer: the new connection is dropped)."""
    return not link_up


def at_up(peer: str, *, initiator: bool, link_up: bool, alive_confirmed: bool
          ) -> Replace | Refuse | None:
    """Either side, the handshake done, before the link goes up (the acceptor before its
    ack): None to go up, Replace to close the link that is up first, Refuse to drop this one."""
    if not link_up:
        return None
    if initiator:
        return Replace(f"{peer} acknowledged a new connection: the previous link is gone on "
                       "its side")
    if alive_confirmed:
        return Replace(f"{peer} connected again and answered true to alive: the previous "
                       "link is gone on its side")
    return Refuse(None, f"a link to {peer} came up during this handshake")
