"""The server side of a pg scope: OTP's peer protocol and the table updates (pg.erl's
handle_info/handle_cast clauses, sync_groups, join/leave_*_update_ets, notify_group).

Each race OTP handles, or crashes on, is named at the clause that meets it. The handlers of
messages that can touch many groups (a sync, a peer scope's DOWN) are generators that yield
after each group: slicing.InboundQueue runs them a slice at a time (see slicing.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..events import Join, Leave
from ..ratelog import RateLimitedLog
from ..wire.render import safe_repr
from ..wire.terms import Pid, Ref
from .memberlist import MemberList
from .members import all_of_node, all_pids, newest_first
from .pieces import PeerSender
from .slicing import InboundQueue, Job

if TYPE_CHECKING:
    from ..runtime.node import RuntimeNode

__all__ = ["PeerProtocol", "check_group"]

log = logging.getLogger("pgviz.pg.scope")

PEER_TAGS = frozenset({"discover", "sync", "join", "leave"})
FREE_SLICE = 1 << 16  # pids freed per slice when a departed peer's list goes
MAX_GROUP_NAME = 65536  # characters of a str group, bytes of a bytes group
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what msgpack carries


def check_group(group: Any) -> None:
    """Groups are str, int, bytes or tuples of those (TypeError otherwise), small enough to
    cross the wire (ValueError otherwise): checked before any state changes."""
    t = type(group)
    if t is str or t is bytes or isinstance(group, str):  # str subclasses: Erlang atoms
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


def _check_pids(x: Any) -> None:
    if type(x) is Pid or all_pids(x):
        return
    raise TypeError("expected a pid or a list of pids")


class PeerProtocol:
    """State and server side of a scope; Scope adds the public API on top."""

    node: RuntimeNode
    name: str
    pid: Pid
    rows: dict[Any, list[MemberList]]
    local: dict[Pid, list[Any]]
    remote: dict[Pid, list[Any]]
    holders: dict[Any, int]
    mixed: set[Pid]
    scope_monitors: dict[Ref, Pid]
    group_monitors: dict[Ref, tuple[Pid, Any]]
    monitored_groups: dict[Any, list[tuple[Pid, Ref]]]
    inbound: InboundQueue
    sender: PeerSender
    ignored: int  # messages refused (malformed, or a peer speaking for another node)
    faults: RateLimitedLog

    # == the server side: messages from peers, monitors and node events ==
    def _handle(self, msg: Any, origin: str | None) -> None:
        """One message for the scope process, handled after those before it (inbound). (The
        scope's process calls `inbound.handle` itself: one call less per message.)"""
        self.inbound.handle(msg, origin)

    def _dispatch(self, msg: Any, origin: str | None) -> Job | None:
        """Handle one message; long work comes back as a job. `origin` is the peer node whose
        connection delivered it (None: sent on this node). Each node is the only authority on
        its own processes, so a peer is believed only about its own scope and its own members;
        DOWN and node events come from this node's runtime, never from a peer. A malformed
        message raises (ValueError, TypeError, ...) before it changes anything."""
        if type(msg) is not tuple or not msg:
            raise ValueError("not a tuple")
        tag = msg[0]
        if origin is not None and tag not in PEER_TAGS:
            raise ValueError(f"{tag!r} is not a message a peer may send")
        if tag == "join" and len(msg) == 4:
            self._check_origin(origin, msg[1], msg[3])
            self._on_join(msg[1], msg[2], msg[3], origin)
        elif tag == "leave" and len(msg) == 4:
            self._check_origin(origin, msg[1], msg[2])
            self._on_leave(msg[1], msg[2], msg[3])
        elif tag == "sync" and len(msg) == 3:
            self._check_origin(origin, msg[1])
            return self._on_sync(msg[1], msg[2], origin)
        elif tag == "discover" and len(msg) in (2, 3):
            # The 3-tuple carries a protocol version (OTP 26+); ignored, as OTP does.
            self._check_origin(origin, msg[1])
            self._on_discover(msg[1])
        elif tag == "DOWN" and len(msg) == 5:
            return self._on_down(msg[1], msg[3])
        elif tag == "nodeup" and len(msg) == 2:
            if msg[1] != self.node.name:
                self.node.send((self.name, msg[1]), ("discover", self.pid))
        elif tag == "nodedown":
            pass  # members go with the peer scope's DOWN, which comes first
        else:
            raise ValueError(f"unknown message {safe_repr(tag, 40)}")
        return None

    def _refuse(self, msg: Any, origin: str | None, exc: Exception) -> None:
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
        if type(pids) is Pid:
            if pids[2] != origin:
                raise ValueError(f"members that are not {origin}'s")
            return
        if not all_pids(pids):
            return  # not a pid list: refused by the handler's own check
        if not all_of_node(pids, origin):
            raise ValueError(f"members that are not {origin}'s")

    def _on_discover(self, peer: Any) -> None:
        if type(peer) is not Pid:
            raise TypeError("discover without a pid")
        if self.sender.syncing(peer):
            # A sync to this peer is still going out in pieces, and everything that changed
            # since its snapshot is queued behind it: a second one would only repeat it. (The
            # peer cannot have forgotten us meanwhile: that takes its monitor on us firing,
            # which takes our monitor on it firing first, which drops the pieces.)
            pass
        else:
            self._send_sync(peer)
        if peer not in self.remote:
            ref = self.node.monitor_process(self.pid, peer)
            self.sender.send(peer, ("discover", self.pid))
            self.remote[peer] = [ref, {}]

    def _on_sync(self, peer: Any, groups: Any, origin: str | None) -> Job:
        if type(peer) is not Pid or not isinstance(groups, list):
            raise TypeError("malformed sync")
        new: dict[Any, list[Pid]] = {}  # as sent: newest first
        foreign = False
        for item in groups:  # everything is checked before anything changes
            group, pids = item
            check_group(group)
            if not all_pids(pids):
                raise TypeError("a sync group without a list of pids")
            if pids and not all_of_node(pids, peer[2]):
                if origin is not None:
                    raise ValueError(f"a sync with members that are not {origin}'s")
                foreign = True  # a local message may do that; see _speaks_alone
            new[group] = pids
            yield
        if foreign:
            self.mixed.add(peer)
        entry = self.remote.get(peer)
        if entry is None:
            # A sync from an unknown peer adds it, without a discover back (as OTP).
            entry = [self.node.monitor_process(self.pid, peer), {}]
            self.remote[peer] = entry
        old: dict[Any, MemberList] = entry[1]
        # Stored wholesale now (OTP: at the end); until this job ends nothing else reads it.
        kept = entry[1] = {g: MemberList.of(pids) for g, pids in new.items()}
        alone = self._speaks_alone(peer)
        for group, pids in new.items():
            old_pids = old.pop(group, None)
            if old_pids is None:
                self.holders[group] = self.holders.get(group, 0) + 1
                self._join_remote_rows(group, pids)
            elif old_pids != kept[group]:
                # A changed list for a known group rewrites the row silently (OTP: "should be
                # really rare"; no notification, kept for exactness): Pids ++ (All -- Old).
                row = self.rows.get(group)
                if row is None:
                    self.rows[group] = [MemberList.of(pids), MemberList()]
                else:
                    self._drop_peer_pids(group, row, old_pids, peer, alone)
                    row[0].add_all(pids)
                if self.node.events_active:
                    # Silent for subscribers (as OTP), not for watchers of the cluster.
                    self.node.emit(Leave, scope=self.name, group=group,
                                   pids=tuple(old_pids), cause="sync")
                    self.node.emit(Join, scope=self.name, group=group, pids=tuple(pids))
            yield
        for group, old_pids in old.items():
            yield from self._leave_departed(group, old_pids, peer, alone)

    def _on_join(self, peer: Any, group: Any, pid_or_pids: Any, origin: str | None) -> None:
        entry = self.remote.get(peer)
        if entry is None:
            return  # from an unknown peer: a discover/sync is on its way (OTP PR #2557)
        check_group(group)
        _check_pids(pid_or_pids)
        is_list = type(pid_or_pids) is not Pid
        pids = list(pid_or_pids) if is_list else [pid_or_pids]
        if origin is None and not all_of_node(pids, peer[2]):
            self.mixed.add(peer)
        groups = entry[1]
        known = groups.get(group)
        if known is None:
            groups[group] = MemberList.of(pids)
            self.holders[group] = self.holders.get(group, 0) + 1
        else:
            known.add_all(pids)
        # Last, and handing `pids` over: built above, and neither table keeps it (MemberList
        # copies), so the only subscriber may have it without a copy.
        self._join_remote_rows(group, pids, owned=True)

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
        peer_groups = entry[1]
        for g in groups:
            # OTP crashes with {badkey, G} when g is missing here (spec 9.3); it is a no-op.
            known = peer_groups.get(g)
            if known is None:
                continue
            known.subtract(pids)
            if not known:
                del peer_groups[g]
                self._unhold(g)
        # Last, and handing `pids` over (built above, kept by no table): see _on_join.
        self._leave_remote_rows(pids, groups, is_list, owned=True)

    def _on_down(self, ref: Any, pid: Any) -> Job | None:
        entry = self.local.get(pid)
        # The ref decides, not the pid: a member may also be a subscriber (OTP 25.1-26.1 crash,
        # GH-7625), and a DOWN left over from before a leave + re-join carries an old ref (OTP
        # crashes with case_clause). Such a stale DOWN matches nothing below and is dropped.
        if entry is not None and entry[0] == ref:
            del self.local[pid]
            groups = newest_first(entry)
            groups.pop()  # the monitor ref, stored first
            for g in groups:
                self._leave_local_rows(g, [pid], False)
            self._broadcast(("leave", self.pid, pid, groups))
            return None
        peer = self.remote.get(pid)
        if peer is not None and peer[0] == ref:
            del self.remote[pid]
            self.sender.drop(pid)
            alone = self._speaks_alone(pid)
            self.mixed.discard(pid)
            return self._peer_down(peer[1], pid, alone)
        sub = self.scope_monitors.pop(ref, None)
        if sub is not None:
            return None
        gm = self.group_monitors.pop(ref, None)
        if gm is not None:
            self._drop_group_monitor(gm[1], ref)
        return None

    def _peer_down(self, groups: dict[Any, MemberList], peer: Pid, alone: bool) -> Job:
        """A peer scope is gone: its members leave, group by group (OTP: map order)."""
        for group, pids in groups.items():
            yield from self._leave_departed(group, pids, peer, alone)

    # == table updates (ETS in OTP), each followed by its notification ==
    def _leave_local_rows(self, group: Any, pids: list[Pid], is_list: bool) -> None:
        row = self.rows.get(group)
        if row is None:
            return  # a DOWN raced with a leave (OTP: "rare race condition")
        all_, local = row
        if not is_list:
            pid = pids[0]
            if all_.is_only(pid) and local.is_only(pid):
                del self.rows[group]
            else:
                all_.delete(pid)
                local.delete(pid)
        else:
            all_.subtract(pids)
            if not all_:
                del self.rows[group]
            else:
                local.subtract(pids)
        self._notify("leave", group, pids)

    def _join_remote_rows(self, group: Any, pids: list[Pid], owned: bool = False) -> None:
        row = self.rows.get(group)
        if row is None:
            self.rows[group] = [MemberList.of(pids), MemberList()]
        else:
            row[0].add_all(pids)
        self._notify("join", group, pids, owned)

    def _leave_remote_rows(self, pids: list[Pid], groups: list[Any], is_list: bool,
                           owned: bool = False) -> None:
        last = len(groups) - 1
        for i, group in enumerate(groups):
            row = self.rows.get(group)
            if row is None:
                continue
            all_ = row[0]
            if not is_list:
                if all_.is_only(pids[0]) and not row[1]:
                    del self.rows[group]
                else:
                    all_.delete(pids[0])
            else:
                all_.subtract(pids)
                if not all_ and not row[1]:
                    del self.rows[group]
            self._notify("leave", group, pids, owned and i == last)  # the list's last use

    def _leave_departed(self, group: Any, pids: MemberList, peer: Pid, alone: bool) -> Job:
        """A departed peer's list for `group` (oldest first) leaves: `All -- PeerPids`, the row
        gone if nothing is left and no local member; notified with the whole list. Then the
        list is freed a slice at a time (its pids may have no other reference left)."""
        row = self.rows.get(group)
        if row is not None:
            self._drop_peer_pids(group, row, pids, peer, alone)
            if not row[0] and not row[1]:
                del self.rows[group]
        self._unhold(group)
        if row is not None and self._watched(group):
            self._notify("leave", group, pids.newest_first())
        yield
        while len(pids) > FREE_SLICE:
            pids.release(FREE_SLICE)
            yield

    def _drop_peer_pids(self, group: Any, row: list[MemberList], pids: MemberList, peer: Pid,
                        alone: bool) -> None:
        """`All -- PeerPids` for the peer's whole list of a group, at O(that list) when the row
        holds nothing else, O(row) in C when only this peer speaks for its node.

        Why the shortcuts are exact: a row only ever holds pids that a local join or some
        peer's list put there, and every removal takes from both, so the row is a sub-multiset
        of (local members + every peer's list). `--` removes, per pid, as many occurrences as
        the peer's list has; so when the row is within the peer's list it all goes, and when
        no other list can hold pids of the peer's node (`alone`), exactly that node's pids go.
        """
        all_ = row[0]
        if not row[1] and self.holders.get(group, 0) <= 1:
            all_.clear()  # the row holds nothing but (some of) this peer's list
        elif alone and all_of_node(pids, peer[2]):
            all_.drop_node(peer[2])
        else:
            all_.subtract(pids)

    def _speaks_alone(self, peer: Pid) -> bool:
        """No list but this peer's can hold pids of its node: no other scope of that node is
        a peer, and no other peer was told of other nodes' pids (peers speak only for their
        own node, checked on arrival; a local message may do otherwise: `mixed`)."""
        node = peer[2]
        if node == self.node.name:
            return False
        if any(p[2] == node for p in self.remote if p != peer):
            return False
        return not self.mixed or self.mixed <= {peer}

    def _unhold(self, group: Any) -> None:
        n = self.holders.get(group, 0)
        if n > 1:
            self.holders[group] = n - 1
        else:
            self.holders.pop(group, None)

    def _watched(self, group: Any) -> bool:
        return bool(self.scope_monitors or group in self.monitored_groups
                    or self.node.events_active)

    def _notify(self, kind: str, group: Any, pids: list[Pid], owned: bool = False) -> None:
        """Tell the subscribers of the scope and of `group`; each gets its own copy of `pids`
        (copying.py), except, when the caller hands the list over (`owned`: built for this
        notification, read by nobody once the handler returns), the only subscriber: it gets
        the list itself, one copy less on a watcher's hop."""
        node = self.node
        scope_monitors = self.scope_monitors
        subs = self.monitored_groups.get(group)
        if owned and len(scope_monitors) + (len(subs) if subs else 0) == 1:
            if subs:
                sub, ref = subs[0]
            else:
                ref, sub = next(iter(scope_monitors.items()))
            node.send_owned(sub, (ref, kind, group, pids))
        else:
            for ref, sub in scope_monitors.items():
                node.send(sub, (ref, kind, group, pids))  # each gets its own copy
            if subs:
                for sub, ref in subs:
                    node.send(sub, (ref, kind, group, pids))  # each gets its own copy
        if node.events_active:
            node.emit(Join if kind == "join" else Leave, scope=self.name, group=group,
                      pids=tuple(pids))

    def _broadcast(self, msg: tuple[Any, ...]) -> None:
        self.sender.broadcast(self.remote, msg)

    def _send_sync(self, peer: Pid) -> None:
        """OTP's all_local_pids: each group with local members, its local members newest
        first (OTP folds over its `local` map, whose order is a hash order; this one is the
        origin's own order, so a peer's view of this node reads as this node's does)."""
        groups = [(g, row[1].newest_first()) for g, row in self.rows.items() if row[1]]
        self.sender.send_sync(peer, self.pid, groups)

    def _drop_group_monitor(self, group: Any, ref: Ref) -> None:
        subs = self.monitored_groups.get(group)
        if subs is not None:
            subs[:] = [s for s in subs if s[1] != ref]
            if not subs:
                del self.monitored_groups[group]

