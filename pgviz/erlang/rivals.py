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
  the new connection is dropped and the old one stays. A second connection that claims that
  node's name while one waits so gets `alive` too (OTP closes it without a status,
  already_pending): see "Unproved names" below; at_up settles the two.
* at_name: a dial of ours to that node is under way (even one still asking EPMD for the
  port): the connection dialled by the greater name wins, as in net_kernel: `nok` when our
  name is greater (our own dial wins), else `ok_simultaneous`. (net_kernel also kills its
  own pending dial then; pgviz lets the peer refuse it -- it answers `nok`, the greater
  name, or `alive` once its link is up -- so that a dial is never given up for a connection
  that may still fail.)
* at_name: otherwise `ok`. A node that is stopping closes without a status: `nok` would make
  an OTP initiator wait for net_kernel to kill it (net_setuptime, 7 s) before connect_node
  returns false.
* at_alive: `true` if this node holds no link that is up to that node (is_pending), else
  `false`; connect() then returns the link it holds.
* at_up: a link to that node is up. The initiator has the acceptor's ack: the acceptor went
  up on the new connection, so its side of the old link is gone: the new one replaces it.
  The acceptor replaces the old link only when the initiator answered `true` to an `alive`
  about that very link; any other link that came up meanwhile (another connection from that
  node, which answered `true` too) makes it drop the newcomer, unacknowledged (with OTP
  peers this cannot happen: one entry per node).

Unproved names (an OTP divergence, as pgviz's own protocol: net/rivals.py). The name in a
send_name is a claim until the challenge reply proves the cookie, and for the acceptor that
proof is the end of the handshake. OTP enters a pending entry at the name, so a stranger
without the cookie that sends one in a real node's name and then says nothing makes net_kernel
answer that node `nok` (or close it, already_pending) until net_setuptime. Here no incoming
connection still in its handshake is a rival at at_name: only our own dials are; a second
connection from one node is settled once proved, at at_up, where one that finds a link up
is dropped. And connect() waits on such a handshake only as long as a real node needs to
prove its name (the distribution's _join_handshake), then dials.

connect() also joins a handshake the peer started instead of dialling a second connection,
as net_kernel's connect_node waits on a pending entry: a dial while the peer's connection is
still in its handshake would be one more rival (both could come up, each side replacing
the one it had by the other). It joins it for as long as a real node takes to prove its
name, no longer: a stranger's claim would otherwise hold our dial.
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


def at_name(me: str, peer: str, *, running: bool, link_up: bool, handshaking: bool
            ) -> Status | Refuse:
    """Acceptor, at the initiator's name. `link_up`: a link to `peer` is up; `handshaking`:
    a dial of ours to `peer` is under way (connections from others that claim `peer` do not
    count: their name is not proved)."""
    if not running:
        return Refuse(None, "node stopping")
    if peer == me:
        return Refuse("not_allowed", f"this node is already called {me}")
    if link_up:
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
    ack): None to go up, Replace to close the link that is up first, Refuse to drop this one.
    `alive_confirmed` (acceptor): the initiator answered `true` to an `alive` about the link
    that is up now."""
    if not link_up:
        return None
    if initiator:
        return Replace(f"{peer} acknowledged a new connection: the previous link is gone on "
                       "its side")
    if alive_confirmed:
        return Replace(f"{peer} connected again and answered true to alive: the previous "
                       "link is gone on its side")
    return Refuse(None, f"a link to {peer} came up during this handshake")
