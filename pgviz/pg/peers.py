"""The server side of a pg scope: OTP's peer protocol and the table updates (pg.erl's
handle_info/handle_cast clauses, sync_groups, join/leave_*_update_ets, notify_group).

Each race OTP handles, or crashes on, is named at the clause that meets it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..errors import LocalProtocolError
from ..ratelog import RateLimitedLog
from ..wire.render import safe_repr
from ..wire.terms import Pid, Ref

if TYPE_CHECKING:
    from ..runtime.node import RuntimeNode

__all__ = ["PeerProtocol", "check_group"]

log = logging.getLogger("pgviz.pg.scope")

PEER_TAGS = frozenset({"discover", "sync", "join", "leave"})
MAX_GROUP_NAME = 65536  # characters of a str group, bytes of a bytes group
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what msgpack carries


def check_group(group: Any) -> None:
    """Groups are str, int, bytes or tuples of those (TypeError otherwise), small enough to
    cross the wire (ValueError otherwise): checked before any state changes."""
    t = type(group)
    if t is str or t is bytes:
        if len(group) > MAX_GROUP_NAME:
            raise ValueError(f"a group name is at most {MAX_GROUP_NAME} long")
        return
    if t is int:
        if not _INT_MIN <= group <= _INT_MAX:
            raise ValueError(f"an int group must fit in 64 bits, not {group}")
        return
    if t is tuple:
        for item in group:
            check_group(item)
        return
    raise TypeError(f"a group is a str, int, bytes or a tuple of those, not {group!r}")


def _delete_first(lst: list[Pid], pid: Pid) -> None:
    """lists:delete/2: drop the first occurrence, if any."""
    try:
        lst.remove(pid)
    except ValueError:
        pass


def _subtract(lst: list[Pid], pids: list[Pid]) -> list[Pid]:
    """Erlang's `--`: one occurrence removed per element of `pids`, leftmost first."""
    out = list(lst)
    for p in pids:
        _delete_first(out, p)
    return out


def _check_pids(x: Any) -> None:
    if type(x) is Pid:
        return
    if isinstance(x, list) and all(type(p) is Pid for p in x):
        return
    raise TypeError("expected a pid or a list of pids")


class PeerProtocol:
    """State and server side of a scope; Scope adds the public API on top."""

    node: RuntimeNode
    name: str
    pid: Pid
    rows: dict[Any, list[list[Pid]]]
    local: dict[Pid, list[Any]]
    remote: dict[Pid, list[Any]]
    scope_monitors: dict[Ref, Pid]
    group_monitors: dict[Ref, tuple[Pid, Any]]
    monitored_groups: dict[Any, list[tuple[Pid, Ref]]]
    ignored: int  # messages refused (malformed, or a peer speaking for another node)
    faults: RateLimitedLog

    # == the server side: messages from peers, monitors and node events ==
    def _handle(self, msg: Any, origin: str | None) -> None:
        """One message for the scope process. `origin` is the peer node whose connection
        delivered it (None: sent on this node). Each node is the only authority on its own
        processes, so a peer is believed only about its own scope and its own members; DOWN
        and node events come from this node's runtime, never from a peer."""
        try:
            if type(msg) is not tuple or not msg:
                raise ValueError("not a tuple")
            tag = msg[0]
            if origin is not None and tag not in PEER_TAGS:
                raise ValueError(f"{tag!r} is not a message a peer may send")
            if tag == "join" and len(msg) == 4:
                self._check_origin(origin, msg[1], msg[3])
                self._on_join(msg[1], msg[2], msg[3])
            elif tag == "leave" and len(msg) == 4:
                self._check_origin(origin, msg[1], msg[2])
                self._on_leave(msg[1], msg[2], msg[3])
            elif tag == "sync" and len(msg) == 3:
                self._check_origin(origin, msg[1])
                self._on_sync(msg[1], msg[2], origin)
            elif tag == "discover" and len(msg) in (2, 3):
                # The 3-tuple carries a protocol version (OTP 26+); ignored, as OTP does.
                self._check_origin(origin, msg[1])
                self._on_discover(msg[1])
            elif tag == "DOWN" and len(msg) == 5:
                self._on_down(msg[1], msg[3])
            elif tag == "nodeup" and len(msg) == 2:
                if msg[1] != self.node.name:
                    self.node.send((self.name, msg[1]), ("discover", self.pid))
            elif tag == "nodedown":
                pass  # members go with the peer scope's DOWN, which comes first
            else:
                raise ValueError(f"unknown message {safe_repr(tag, 40)}")
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            # OTP's scope crashes here (badarg); a pgviz scope logs and carries on.
            self.ignored += 1
            self.faults.log(logging.WARNING, "bad pg message",
                            "pg scope %s on %s ignored a message from %s (%s): %s", self.name,
                            self.node.name, origin or "this node", exc, safe_repr(msg))

    def _check_origin(self, origin: str | None, peer: Any, pids: Any = ()) -> None:
        if origin is None:
            return
        if type(peer) is not Pid or peer[2] != origin:
            raise ValueError(f"a scope pid that is not {origin}'s")
        members = [pids] if type(pids) is Pid else pids
        if type(members) is list and any(type(p) is Pid and p[2] != origin for p in members):
            raise ValueError(f"members that are not {origin}'s")

    def _on_discover(self, peer: Any) -> None:
        if type(peer) is not Pid:
            raise TypeError("discover without a pid")
        self._send_sync(peer)
        if peer not in self.remote:
            ref = self.node._monitor(self.pid, peer)
            self.node.send(peer, ("discover", self.pid))
            self.remote[peer] = [ref, {}]

    def _on_sync(self, peer: Any, groups: Any, origin: str | None = None) -> None:
        if type(peer) is not Pid or not isinstance(groups, list):
            raise TypeError("malformed sync")
        new: dict[Any, list[Pid]] = {}
        for item in groups:
            group, pids = item
            check_group(group)
            if not (type(pids) is list and all(type(p) is Pid for p in pids)):
                raise TypeError("a sync group without a list of pids")
            if origin is not None and any(p[2] != origin for p in pids):
                raise ValueError(f"a sync with members that are not {origin}'s")
            new[group] = pids
        entry = self.remote.get(peer)
        if entry is None:
            # A sync from an unknown peer adds it, without a discover back (as OTP).
            entry = [self.node._monitor(self.pid, peer), {}]
            self.remote[peer] = entry
        old: dict[Any, list[Pid]] = dict(entry[1])
        for group, pids in new.items():
            if group in old:
                old_pids = old.pop(group)
                if pids == old_pids:
                    continue
                # A changed list for a known group rewrites the row silently (OTP: "should be
                # really rare"; no notification, kept for exactness).
                row = self.rows.get(group)
                if row is None:
                    self.rows[group] = [list(pids), []]
                else:
                    row[0] = list(pids) + _subtract(row[0], old_pids)
                self.node._trace("membership", scope=self.name, change="sync", group=group,
                                 pids=[str(p) for p in pids])
            else:
                self._join_remote_rows(group, pids)
        for group, pids in old.items():
            self._leave_remote_rows(pids, [group], is_list=True)
        entry[1] = new

    def _on_join(self, peer: Any, group: Any, pid_or_pids: Any) -> None:
        entry = self.remote.get(peer)
        if entry is None:
            return  # from an unknown peer: a discover/sync is on its way (OTP PR #2557)
        check_group(group)
        _check_pids(pid_or_pids)
        is_list = type(pid_or_pids) is not Pid
        pids = list(pid_or_pids) if is_list else [pid_or_pids]
        self._join_remote_rows(group, pids, is_list)
        groups = entry[1]
        groups[group] = pids + groups.get(group, [])

    def _on_leave(self, peer: Any, pid_or_pids: Any, groups: Any) -> None:
        entry = self.remote.get(peer)
        if entry is None:
            return
        _check_pids(pid_or_pids)
        if not isinstance(groups, list):
            raise TypeError("leave without a group list")
        for g in groups:
            check_group(g)
        is_list = type(pid_or_pids) is not Pid
        pids = list(pid_or_pids) if is_list else [pid_or_pids]
        self._leave_remote_rows(pids, groups, is_list)
        peer_groups = entry[1]
        for g in groups:
            # OTP crashes with {badkey, G} when g is missing here (spec 9.3); it is a no-op.
            remaining = _subtract(peer_groups.get(g, []), pids)
            if remaining:
                peer_groups[g] = remaining
            else:
                peer_groups.pop(g, None)

    def _on_down(self, ref: Any, pid: Any) -> None:
        entry = self.local.get(pid)
        # The ref decides, not the pid: a member may also be a subscriber (OTP 25.1-26.1 crash,
        # GH-7625), and a DOWN left over from before a leave + re-join carries an old ref (OTP
        # crashes with case_clause). Such a stale DOWN matches nothing below and is dropped.
        if entry is not None and entry[0] == ref:
            del self.local[pid]
            groups = entry[1:]
            for g in groups:
                self._leave_local_rows(g, [pid], False)
            self._broadcast(("leave", self.pid, pid, groups))
            return
        peer = self.remote.get(pid)
        if peer is not None and peer[0] == ref:
            del self.remote[pid]
            for g, pids in peer[1].items():
                self._leave_remote_rows(pids, [g], is_list=True)
            return
        sub = self.scope_monitors.pop(ref, None)
        if sub is not None:
            return
        gm = self.group_monitors.pop(ref, None)
        if gm is not None:
            self._drop_group_monitor(gm[1], ref)

    # == table updates (ETS in OTP), each followed by its notification ==
    def _leave_local_rows(self, group: Any, pids: list[Pid], is_list: bool) -> None:
        row = self.rows.get(group)
        if row is None:
            return  # a DOWN raced with a leave (OTP: "rare race condition")
        if not is_list:
            pid = pids[0]
            if row[0] == pids and row[1] == pids:
                del self.rows[group]
            else:
                _delete_first(row[0], pid)
                _delete_first(row[1], pid)
        else:
            new_all = _subtract(row[0], pids)
            if not new_all:
                del self.rows[group]
            else:
                row[0] = new_all
                row[1] = _subtract(row[1], pids)
        self._notify("leave", group, pids)

    def _join_remote_rows(self, group: Any, pids: list[Pid], is_list: bool = True) -> None:
        row = self.rows.get(group)
        if row is None:
            self.rows[group] = [list(pids), []]
        else:
            row[0][:0] = pids
        self._notify("join", group, pids)

    def _leave_remote_rows(self, pids: list[Pid], groups: list[Any], is_list: bool) -> None:
        for group in groups:
            row = self.rows.get(group)
            if row is None:
                continue
            if not is_list:
                if row[0] == pids and not row[1]:
                    del self.rows[group]
                else:
                    _delete_first(row[0], pids[0])
            else:
                new_all = _subtract(row[0], pids)
                if not new_all and not row[1]:
                    del self.rows[group]
                else:
                    row[0] = new_all
            self._notify("leave", group, pids)

    def _notify(self, kind: str, group: Any, pids: list[Pid]) -> None:
        node = self.node
        for ref, sub in self.scope_monitors.items():
            node.send(sub, (ref, kind, group, list(pids)))
        subs = self.monitored_groups.get(group)
        if subs:
            for sub, ref in subs:
                node.send(sub, (ref, kind, group, list(pids)))
        if node._observers:
            node._trace("membership", scope=self.name, change=kind, group=group,
                        pids=[str(p) for p in pids])

    def _broadcast(self, msg: tuple[Any, ...]) -> None:
        for peer in self.remote:
            self._send_or_split(peer, msg)

    def _send_or_split(self, peer: Pid, msg: tuple[Any, ...]) -> None:
        try:
            self.node.send(peer, msg)
        except LocalProtocolError:
            self._send_split(peer, msg)

    def _send_split(self, peer: Pid, msg: tuple[Any, ...]) -> None:
        """A join/leave of a list too big for one frame goes as several, in order: the same
        end state on the peer (OTP has no frame limit; subscribers there see several
        notifications instead of one)."""
        tag = msg[0]
        pids = msg[3] if tag == "join" else msg[2]
        if type(pids) is not list or len(pids) < 2:
            log.error("pg scope %s: cannot send %s to %s: too large for one frame", self.name,
                      tag, peer)
            return
        half = len(pids) // 2
        for part in (pids[:half], pids[half:]):
            part_msg = (tag, msg[1], msg[2], part) if tag == "join" else (tag, msg[1], part,
                                                                           msg[3])
            self._send_or_split(peer, part_msg)

    def _send_sync(self, peer: Pid) -> None:
        groups = self._all_local_pids()
        try:
            self.node.send(peer, ("sync", self.pid, groups))
            return
        except LocalProtocolError:
            pass
        # More than one frame holds: a sync of the groups that fit, then the rest as joins.
        # The peer ends with the same state (a peer that knew us sees those groups leave and
        # join again). Estimated sizes: a pid is its node name plus ~20 bytes of msgpack.
        budget = self.node.max_frame // 2
        per_pid = len(self.node.name) + 24
        head: list[tuple[Any, list[Pid]]] = []
        rest: list[tuple[Any, list[Pid]]] = []
        size = 0
        for group, pids in groups:
            cost = 64 + per_pid * len(pids)
            if size + cost <= budget:
                head.append((group, pids))
                size += cost
            else:
                rest.append((group, pids))
        log.warning("pg scope %s: sync to %s exceeds one frame; %d groups follow as joins",
                    self.name, peer, len(rest))
        self.node.send(peer, ("sync", self.pid, head))
        for group, pids in rest:
            self._send_or_split(peer, ("join", self.pid, group, pids))

    def _drop_group_monitor(self, group: Any, ref: Ref) -> None:
        subs = self.monitored_groups.get(group)
        if subs is not None:
            subs[:] = [s for s in subs if s[1] != ref]
            if not subs:
                del self.monitored_groups[group]

    def _all_local_pids(self) -> list[tuple[Any, list[Pid]]]:
        acc: dict[Any, list[Pid]] = {}
        for pid, entry in self.local.items():
            for g in entry[1:]:
                acc.setdefault(g, []).insert(0, pid)
        return list(acc.items())
