"""Events across links: Lamport clocks on frames, send/deliver events, cluster-wide forwarding.

* A node whose hub is active tells each peer what it wants with ["EVENTS", mode]: "lc" (wrap
  the frames you send me as ["LC", lc, frame], so my deliver events come after your send
  events) or "cluster" (that, and forward me your own events as ["EV", event_dict]); "" stops
  both. It says it again to every peer that connects later, so a subscription resumes.
* The event system's frames (EVENTS, EV) are urgent: they go past a paused or slowed link,
  so a whole-cluster view keeps seeing what happens while the network it shows stands still.
* Forwarded events travel outside the event system (no send/deliver events of their own:
  watching must not feed itself), only the forwarding node's own events, and only while the
  link keeps up: past FORWARD_BACKLOG bytes queued for the watcher, events are dropped and
  counted, then reported as an `overflow` event.
* A forwarded event is believed only about its sender: one naming another node is refused.
* A watcher cannot hear what a node delivered before the watcher's subscription reached it
  (the subscription reaches peers one by one, and again after each reconnect), yet it may
  have heard the send: with its state, a node tells a new watcher how far it has received on
  each link (`received` events, one per peer), so the watcher's model closes those frames
  without inventing their delivers. When a watched peer's link goes down, this node tells its
  own cluster listeners that peer is out of their sight (`unwatched`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..events import Deliver, Event, EventError, Overflow, Received, Send, Unwatched
from .hub import EventHub

if TYPE_CHECKING:
    from ..net import Distribution
    from ..net.connection import Connection

__all__ = ["EventLinks", "frame_kind", "frame_summary"]

FORWARD_BACKLOG = 1024 * 1024
MODES = ("", "lc", "cluster")


def frame_kind(term: list[Any], tags: frozenset[str] | set[str] = frozenset()) -> str:
    """"user" for a user's message, the message's tag when an upper layer registered it as
    a protocol message (pg's "join", "sync" ...), or the control message's name."""
    op = term[0]
    if op in ("SEND", "SEND_MULTI", "REG_SEND"):
        msg = term[-1]
        if type(msg) is tuple and msg and type(msg[0]) is str and msg[0] in tags:
            return msg[0]
        return "user"
    return op if type(op) is str else "?"


def frame_summary(term: list[Any], summarize: Callable[[Any], str]) -> str:
    op = term[0]
    if op in ("SEND", "SEND_MULTI", "REG_SEND"):
        to = term[1]
        target = f"{len(to)} pids" if type(to) is list else str(to)
        return f"{summarize(term[-1])} → {target}"
    return summarize(tuple(term[1:]))


class EventLinks:
    def __init__(self, hub: EventHub, dist: Callable[[], Distribution | None],
                 summarize: Callable[[Any], str],
                 state: Callable[[], list[Event]]) -> None:
        self.hub = hub
        self._state = state
        self._dist = dist
        self._summarize = summarize
        self._mode = ""  # what this node last asked of its peers
        self.protocol_tags: set[str] = set()  # message tags the upper layers speak
        self._forwarders: dict[str, Callable[[], None]] = {}
        self._dropped: dict[str, int] = {}

    # -- what this node asks of its peers ----------------------------------------------------------
    def wanted(self) -> str:
        if self.hub.wants_cluster:
            return "cluster"
        return "lc" if self.hub.active else ""

    def listeners_changed(self) -> None:
        mode = self.wanted()
        if mode == self._mode:
            return
        self._mode = mode
        dist = self._dist()
        if dist is not None:
            for peer in dist.nodes():
                dist.send(peer, ["EVENTS", mode], urgent=True)

    def nodeup(self, peer: str) -> None:
        if self._mode:
            dist = self._dist()
            if dist is not None:
                dist.send(peer, ["EVENTS", self._mode], urgent=True)

    def nodedown(self, peer: str) -> None:
        self._stop_forwarding(peer)
        if self.hub.wants_cluster:
            # For this node's cluster listeners only: other watchers may still hear `peer`.
            self.hub.publish_remote(self.hub.stamp(Unwatched, peer=peer))

    # -- what a peer asks of us ------------------------------------------------------------------------
    def peer_wants(self, peer: str, mode: Any) -> None:
        if mode not in MODES:
            raise ValueError(f"EVENTS mode {mode!r}")
        dist = self._dist()
        conn = dist.connection(peer) if dist is not None else None
        if dist is None or conn is None:
            return
        conn.peer_events = mode
        if mode == "cluster":
            if peer not in self._forwarders:
                # What happened before the watcher came, then what happens from now on.
                for ev in [*self._state(), *self._watermarks(dist)]:
                    conn.send(["EV", ev.to_dict()], urgent=True)
                self._forwarders[peer] = self.hub.add_listener(partial(self._forward, peer))
        else:
            self._stop_forwarding(peer)

    def _watermarks(self, dist: Distribution) -> list[Event]:
        """How far this node has received on each link: the frames whose delivers a new
        watcher missed (it may have heard their sends from their senders)."""
        out: list[Event] = []
        for peer in dist.nodes():
            conn = dist.connection(peer)
            if conn is not None and conn.frames_in:
                out.append(self.hub.stamp(Received, peer=peer, id=conn.frame_id(False)))
        return out

    def _stop_forwarding(self, peer: str) -> None:
        unsubscribe = self._forwarders.pop(peer, None)
        self._dropped.pop(peer, None)
        if unsubscribe is not None:
            unsubscribe()

    def _forward(self, peer: str, ev: Event) -> None:
        dist = self._dist()
        conn = dist.connection(peer) if dist is not None else None
        if conn is None or ev.node != self.hub.node:
            return
        if conn.write_buffer_size > FORWARD_BACKLOG and _backlog(conn) > FORWARD_BACKLOG:
            self._dropped[peer] = self._dropped.get(peer, 0) + 1
            return
        dropped = self._dropped.pop(peer, 0)
        if dropped:
            conn.send(["EV", Overflow(ev.node, ev.t, ev.lc, dropped).to_dict()], urgent=True)
        conn.send(["EV", ev.to_dict()], urgent=True)

    def received(self, peer: str, data: Any) -> None:
        """["EV", data] from `peer`."""
        try:
            ev = Event.from_dict(data)
        except EventError as exc:
            raise ValueError(f"bad forwarded event: {exc}") from None
        if ev.node != peer:
            raise ValueError(f"{peer} forwarded an event of {ev.node}")
        self.hub.publish_remote(ev)

    # -- frames ------------------------------------------------------------------------------------------
    def send(self, conn: Connection, peer: str, term: list[Any]) -> int:
        """Send `term` with the Lamport clock (the peer or this node is watching); emit the
        send event if this node is."""
        hub = self.hub
        lc = hub.tick()
        numbered = conn.frames_out
        size = conn.send(["LC", lc, term])
        if hub.active and conn.frames_out != numbered:  # not sent (the link is closing): no id
            hub.publish(Send(hub.node, time.time(), lc, conn.frame_id(True), hub.node, peer,
                             frame_kind(term, self.protocol_tags), size,
                             frame_summary(term, self._summarize), conn.travel))
        return size

    def delivered(self, conn: Connection | None, peer: str, term: list[Any], size: int) -> None:
        hub = self.hub
        seen = 0
        if term[0] == "LC" and len(term) == 3 and type(term[1]) is int:
            seen, term = term[1], term[2]
            if type(term) is not list or not term:
                return
        if term[0] in ("EV", "EVENTS", "BACKSTAGE"):
            return  # the event system's own traffic, and the backstage's, is not an event
        lc = hub.tick(seen)
        frame_id = conn.frame_id(False) if conn is not None else ""
        hub.publish(Deliver(hub.node, time.time(), lc, frame_id, peer, hub.node,
                            frame_kind(term, self.protocol_tags), size,
                            frame_summary(term, self._summarize)))


def _backlog(conn: Connection) -> int:
    """Bytes an urgent frame (a forwarded event) waits behind: the connection's buffers, not
    the frames its link holds (paused, slowed, delayed), which urgent frames go past."""
    link = conn.link
    held = link.queued if link is not None and len(link) else 0
    return conn.write_buffer_size - held
