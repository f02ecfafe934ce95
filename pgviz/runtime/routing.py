"""Routing: where a message goes (a local mailbox or a peer's connection), and what comes
off the connections (Erlang's distribution control messages), plus the trace of both."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import LocalProtocolError
from ..events import NodeDown, NodeUp
from ..ratelog import RateLimitedLog
from ..wire.codec import encode_message, encode_send
from ..wire.render import escape_controls, safe_repr
from ..wire.terms import Pid, Ref
from .event_links import EventLinks
from .hub import EventHub

if TYPE_CHECKING:
    from ..net import Distribution
    from .backstage import Backstage
    from .signals import Signals
    from .table import ProcessTable

__all__ = ["Outbound", "Router", "summarize"]

log = logging.getLogger("pgviz.runtime.node")

def summarize(msg: Any, limit: int = 60) -> str:
    """One short line for a message (traces, the app's log): bounded, control characters
    escaped, pids as <alice.12>."""
    if type(msg) is tuple:
        text = "(" + ", ".join(_short_text(x, limit) for x in msg[:limit]) + ")"
    else:
        text = _short_text(msg, limit)
    text = escape_controls(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short_text(x: Any, limit: int, depth: int = 0) -> str:
    t = type(x)
    if t is str:
        return x[: limit + 1]
    if t is Pid or t is Ref:
        return str(x)
    if (t is list or t is tuple) and depth < 3:
        # Pids inside (a pg join's member list) print as <alice.4>, like everywhere else.
        inner = ", ".join(_short_text(e, limit, depth + 1) for e in x[:8])
        if len(x) > 8:
            inner += f", … (+{len(x) - 8})"
        return f"[{inner}]" if t is list else f"({inner})"
    return safe_repr(x, limit + 1)


class Outbound:
    """Control messages and sends to peers: onto the connection, through the event links
    when someone watches frames."""

    def __init__(self, dist: Callable[[], Distribution | None], hub: EventHub,
                 event_links: EventLinks) -> None:
        self._dist = dist
        self._hub = hub
        self._event_links = event_links

    def send(self, peer: str, term: list[Any]) -> bool:
        dist = self._dist()
        if dist is None:
            return False
        conn = dist.conns.get(peer)
        if conn is None:
            return False
        # LocalProtocolError (unencodable, too large) reaches the sender.
        if self._hub.active or conn.peer_events:
            self._event_links.send(conn, peer, term)
        else:
            conn.send(term)
        return True


    def payload_sender(self, peer: str) -> Callable[[bytes], int] | None:
        """`send_payload` of the connection to `peer` when it takes msgpack terms already
        encoded (a pgviz link whose frames nobody watches); None otherwise (not connected, an
        Erlang link, the event links' Lamport clock): send() then takes the term."""
        dist = self._dist()
        if dist is None or self._hub.active:
            return None
        conn = dist.conns.get(peer)
        if conn is None or conn.peer_events:
            return None
        return getattr(conn, "send_payload", None)


class Router:
    """Where a message goes (a local mailbox or a peer's connection), and what comes off the
    connections: the distribution's handler."""

    def __init__(self, table: ProcessTable, out: Outbound, signals: Signals,
                 dist: Callable[[], Distribution | None], hub: EventHub,
                 event_links: EventLinks, peer_faults: RateLimitedLog) -> None:
        self._table = table
        self._procs = table.procs  # the same dict for the node's life: read on every send
        self._names = table.names
        self._dist_send = out.send
        self._payload_sender = out.payload_sender
        self._signals = signals
        self._dist = dist
        self._hub = hub
        self._event_links = event_links
        self._peer_faults = peer_faults
        self.node_monitors: dict[Pid, int] = {}
        self.node_callbacks: list[Callable[[str, str, str], None]] = []
        self.backstage: Backstage | None = None

    # -- sending ----------------------------------------------------------------------------------------
    def send(self, dest: Pid | str | tuple[str, str], msg: Any) -> None:
        """Send without blocking. A dead or unknown destination drops the message silently,
        as in Erlang; only a message that cannot be encoded for a remote node raises."""
        if type(dest) is Pid:
            if dest[2] == self._table.name:
                proc = self._procs.get(dest[0]) if dest[4] == self._table.creation else None
                if proc is not None:
                    proc._deliver(msg)
                return
            self._dist_send(dest[2], ["SEND", dest, msg])
            return
        if isinstance(dest, str):
            pid = self._names.get(dest)
            if pid is not None:
                self.send(pid, msg)
            return
        if type(dest) is tuple and len(dest) == 2:
            name, node = dest
            if node == self._table.name:
                self.send(name, msg)
            else:
                self._dist_send(node, ["REG_SEND", name, msg])
            return
        raise TypeError(f"cannot send to {dest!r}: expected a pid, a name or (name, node)")

    def send_owned(self, dest: Pid | str | tuple[str, str], msg: Any) -> None:
        """send(), for a caller that hands `msg` over: it keeps no reference to anything
        mutable in it and passes none of it to anyone else. A process of this node then gets
        it without the isolation copy (nobody is left who could change it); elsewhere it is
        send()."""
        if type(dest) is Pid and dest[2] == self._table.name:
            proc = self._procs.get(dest[0]) if dest[4] == self._table.creation else None
            if proc is not None and proc.alive:
                proc._enqueue(msg)
            return
        self.send(dest, msg)

    def send_each(self, dests: list[Pid], msg: Any) -> list[Pid]:
        """send(dest, msg) to each of `dests`, one SEND frame per remote pid as send() makes
        (not send_multi's one frame per node: a pg peer scope, OTP's too, expects its own),
        with `msg` encoded once for all the pgviz links that take encoded terms. Returns the
        pids whose send raised LocalProtocolError (unencodable, too large): not sent to."""
        me = self._table.name
        message: bytes | None = None
        refused: list[Pid] = []
        for dest in dests:
            try:
                if type(dest) is not Pid or dest[2] == me:
                    self.send(dest, msg)
                    continue
                send_payload = self._payload_sender(dest[2])
                if send_payload is None:
                    self._dist_send(dest[2], ["SEND", dest, msg])
                    continue
                if message is None:
                    message = encode_message(msg)
                send_payload(encode_send(dest, message))
            except LocalProtocolError:
                refused.append(dest)
        return refused

    def send_multi(self, pids: list[Pid], msg: Any) -> None:
        """The same message to many pids: local ones directly, one frame per remote node."""
        remote: dict[str, list[Pid]] = {}
        me = self._table.name
        for pid in pids:
            node = pid[2]
            if node == me:
                self.send(pid, msg)
            else:
                targets = remote.get(node)
                if targets is None:
                    remote[node] = [pid]
                else:
                    targets.append(pid)
        for node, targets in remote.items():
            if len(targets) == 1:
                self._dist_send(node, ["SEND", targets[0], msg])
            else:
                self._dist_send(node, ["SEND_MULTI", targets, msg])

    # -- distribution callbacks ----------------------------------------------------------------------------
    def dist_message(self, peer: str, term: Any, size: int, _unwrapped: bool = False) -> None:
        if self._hub.active and not _unwrapped and type(term) is list and term:
            dist = self._dist()
            assert dist is not None
            self._event_links.delivered(dist.connection(peer), peer, term, size)
        try:
            op = term[0]
            if op == "SEND":
                _, to, msg = term
                # (the process table's local(), inline: every message from a peer comes here)
                if to[2] == self._table.name and to[4] == self._table.creation:
                    proc = self._procs.get(to[0])
                    if proc is not None:
                        proc._deliver_network(msg, peer)
            elif op == "SEND_MULTI":
                _, pids, msg = term
                procs, me, creation = self._procs, self._table.name, self._table.creation
                shared = False  # one decoded message: the first target takes it, the rest copies
                for pid in pids:
                    if pid[2] == me and pid[4] == creation:
                        proc = procs.get(pid[0])
                        if proc is not None:
                            proc._deliver_network(msg, peer, shared)
                            shared = True
            elif op == "REG_SEND":
                _, name, msg = term
                pid = self._names.get(name)
                proc = self._table.local(pid) if pid is not None else None
                if proc is not None:
                    proc._deliver_network(msg, peer)
            elif op == "MONITOR_P":
                self._signals.ctrl_monitor(peer, term[1], term[2], term[3])
            elif op == "DEMONITOR_P":
                self._signals.ctrl_demonitor(peer, term[3])
            elif op == "MONITOR_P_EXIT":
                self._signals.ctrl_monitor_exit(peer, term[1], term[2], term[3], term[4])
            elif op == "LINK":
                self._signals.ctrl_link(peer, term[1], term[2])
            elif op == "UNLINK":
                self._signals.ctrl_unlink(peer, term[1], term[2])
            elif op == "EXIT":
                self._signals.ctrl_exit(peer, term[1], term[2], term[3])
            elif op == "EXIT2":
                self._signals.ctrl_exit2(peer, term[1], term[2], term[3])
            elif op == "LC":  # a frame stamped with the sender's Lamport clock
                if type(term[1]) is not int or type(term[2]) is not list:
                    raise ValueError("malformed LC frame")
                self._hub.tick(term[1])
                self.dist_message(peer, term[2], size, True)
            elif op == "EV":
                self._event_links.received(peer, term[1])
            elif op == "EVENTS":
                self._event_links.peer_wants(peer, term[1])
            elif op == "BACKSTAGE":
                if self.backstage is not None:
                    self.backstage.received(peer, term[1], term[2])
            else:
                self._peer_faults.log(logging.WARNING, "unknown control message",
                                      "%s: unknown control message from %s ignored: %s",
                                      self._table.name, peer, safe_repr(term))
        except (TypeError, ValueError, IndexError, AttributeError, KeyError) as exc:
            # Dropped and counted (node.peer_faults()); the link and the node go on.
            self._peer_faults.log(logging.WARNING, "malformed control message",
                                  "%s: malformed control message from %s ignored (%s): %s",
                                  self._table.name, peer, safe_repr(exc), safe_repr(term))

    def dist_nodeup(self, peer: str) -> None:
        self._hub.emit(NodeUp, peer=peer)
        self._event_links.nodeup(peer)
        for pid in list(self.node_monitors):
            self._table.deliver(pid, ("nodeup", peer))
        self._node_event("nodeup", peer, "")

    def dist_nodedown(self, peer: str, reason: str) -> None:
        self._signals.peer_lost(peer)
        self._event_links.nodedown(peer)
        self._hub.emit(NodeDown, peer=peer, reason=reason)
        for pid in list(self.node_monitors):
            self._table.deliver(pid, ("nodedown", peer, reason))
        self._node_event("nodedown", peer, reason)

    def _node_event(self, kind: str, peer: str, reason: str) -> None:
        for cb in list(self.node_callbacks):
            try:
                cb(kind, peer, reason)
            except Exception:
                # A subscriber's bug must not stop the distribution that is calling it.
                log.exception("node event callback %r failed on %s %s", cb, kind, peer)
