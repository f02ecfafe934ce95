"""A pg scope: OTP's distributed named process groups, one process per (node, scope).

Guarantees (the same as OTP's pg.erl, which this module mirrors clause by clause):

* **Strong eventual consistency.** Every node is the only authority on its own processes; what
  it knows of a peer's members is a cache of what that peer published. Once messages stop,
  every node connected to a peer (and running the scope) holds exactly that peer's memberships.
  There is no leader, no lock and no consensus.
* **Read-your-writes locally.** join/leave are synchronous here: when they return, the local
  table is updated and local subscribers have been sent their notifications.
* **Per-sender FIFO.** A peer applies one origin's joins and leaves in the order they were made
  (one connection per pair of nodes). Different origins' updates may interleave differently on
  different nodes: member lists converge as multisets, not in order.
* **Non-transitive view.** Membership is never relayed: a node sees only the members of nodes it
  is directly connected to. (pgviz's mesh connects everyone by default, so views coincide.)
* **Scopes are overlays.** Each scope name is an independent overlay among the nodes that run
  it; a node without the scope neither sees nor publishes its groups.

Failure: a peer's members are dropped when the monitor on the peer's scope process fires
(connection lost -> "noconnection", peer scope stopped, peer node stopped), never on nodedown.
On reconnect both sides discover each other again and exchange a full `sync`; nothing from
the split is replayed.

State (names as in pg.erl's #state record). Every list of pids is a MemberList
(memberlist.py): it reads as OTP's list, newest first, duplicates kept (a pid joined n times
appears n times); a pid's list of groups is OTP's list stored OLDEST FIRST (members.py). Both
make a join an append.
  rows             group -> [all_pids, local_pids]  (the ETS table; two MemberLists)
  local            local pid -> [monitor_ref, group, group, ...] (one flat list: a join
                   allocates as little as possible)
  remote           peer scope pid -> [monitor_ref, {group: MemberList}]
  holders          group -> how many peers' lists in `remote` name it, and
  mixed            peers that were told (by a local message) of pids of other nodes: not in
                   OTP, they let a departed peer's members go in O(its own members), peers.py
  scope_monitors   ref -> subscriber pid
  group_monitors   ref -> (subscriber pid, group)
  monitored_groups group -> [(subscriber pid, ref), ...] newest first
  inbound, sender  the messages waiting for the scope (slicing.py) and, per peer, to be sent
                   (pieces.py)

Cost, n the size of a group, k the pids of one call or message: join O(k); leave O(k)
amortised, whichever members leave (OTP's lists:delete is O(n) for the oldest; memberlist.py
indexes a long list once deep leaves have scanned it once); get_members one C copy;
building a sync one C copy per group of the local members; applying a peer's
sync or join O(its members); a departed peer's members per group O(k) when the group holds
nothing else, one C pass O(n) when no other peer speaks for that node, else one Python pass.
Work that touches many groups, and messages too big for one frame, are sliced so that the
node's event loop (and the ticks that keep its links up) waits on pg ~20 ms at a time.

Deviations from OTP where OTP crashes (spec section 9) -- pgviz stays up:
  * a stale local DOWN (leave, then re-join, with the old DOWN still queued) is ignored;
  * a process that both joins and monitors, then exits, is handled (OTP 25.1-26.1 crash);
  * a remote leave naming a group missing from that peer's map is applied as a no-op;
  * a 3-tuple discover (OTP 26+ shape) is accepted; unknown messages are logged and ignored.
Deviations where OTP's behaviour is unspecified or unbounded:
  * a sync lists each group's local members in this node's own order (newest first), where
    OTP's follows a hash order; a peer's view of this node then reads as this node's does;
  * messages bigger than one frame go as several (pieces.py): the same members, each node's
    in the same order;
  * a discover that arrives while a sync to that peer is still going out in pieces is answered
    by those pieces, not by a second sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NoScopeError, NotLocalError
from ..events import Event, ScopeView
from ..ratelog import RateLimitedLog
from ..wire.terms import Pid, Ref
from .memberlist import MemberList
from .members import newest_index
from .messages import validate_message
from .peers import PEER_TAGS, PeerProtocol, check_group, log
from .pieces import PeerSender
from .slicing import InboundQueue
from .subscription import Subscription
from .waiting import wait_for_members
from .watch import Watch

if TYPE_CHECKING:
    from ..runtime.hub import StampEvent
    from ..runtime.node import RuntimeNode
    from ..runtime.process import Process

__all__ = ["Scope", "check_group"]


class Scope(PeerProtocol):
    """One pg scope on one node. Obtain it from `node.pg` or `await node.start_scope(name)`."""

    def __init__(self, node: RuntimeNode, name: str) -> None:
        self.node = node
        self.name = name
        self.rows: dict[Any, list[MemberList]] = {}
        self.local: dict[Pid, list[Any]] = {}
        self.remote: dict[Pid, list[Any]] = {}
        self.holders: dict[Any, int] = {}
        self.mixed: set[Pid] = set()
        self.scope_monitors: dict[Ref, Pid] = {}
        self.group_monitors: dict[Ref, tuple[Pid, Any]] = {}
        self.monitored_groups: dict[Any, list[tuple[Pid, Ref]]] = {}
        self.ignored = 0
        self.faults = RateLimitedLog(log)
        self.inbound = InboundQueue(node, self._dispatch, self._refuse, self._alive)
        self.sender = PeerSender(node, name, self._alive)
        node.add_state_provider(self._state)
        node.add_protocol_tags(PEER_TAGS)
        self._boot()

    def _boot(self) -> None:
        # Messages go straight to the inbound queue (see PeerProtocol._handle).
        self._proc: Process = self.node.spawn_handler(self.inbound.handle, name=self.name,
                                                      system=True)
        self.pid: Pid = self._proc.pid
        self.node.monitor_nodes(self.pid)
        for peer in self.node.nodes():
            self.node.send((self.name, peer), ("discover", self.pid))

    def _restart(self) -> None:
        """After the scope's process died (killed on this node): a new process under the same
        name with empty tables, as OTP's supervisor restarts pg. Peers dropped the old
        process's members through their monitor; discover brings them back in sync."""
        self._clear()
        self._boot()

    # == public API (synchronous: runs on the caller's loop iteration, like a gen_server call) ==
    @property
    def running(self) -> bool:
        return self._proc.alive

    def _alive(self) -> bool:
        return self._proc.alive

    def _require(self) -> None:
        if not self._proc.alive:
            raise NoScopeError(f"pg scope {self.name!r} is not running on {self.node.name}")

    def _ensure_local(self, pid_or_pids: Any) -> list[Pid]:
        if type(pid_or_pids) is Pid:
            pids = [pid_or_pids]
        elif isinstance(pid_or_pids, list):
            pids = pid_or_pids
        else:
            raise TypeError(f"expected a pid or a list of pids, got {pid_or_pids!r}")
        name = self.node.name
        for p in pids:
            if type(p) is not Pid:
                raise TypeError(f"not a pid: {p!r}")
            if p.node != name:
                raise NotLocalError(f"{p} is not a process of {name}; only local processes "
                                    "can join or leave")
        return pids

    def join(self, group: Any, pid_or_pids: Pid | list[Pid]) -> None:
        """Join one pid, or every pid of a list (duplicates allowed: each is one membership)."""
        if type(pid_or_pids) is Pid and pid_or_pids[2] == self.node.name:
            return self._join_one(group, pid_or_pids)
        self._require()
        pids = self._ensure_local(pid_or_pids)
        check_group(group)
        is_list = type(pid_or_pids) is not Pid
        pids = list(pids)
        for p in pids:
            entry = self.local.get(p)
            if entry is None:
                self.local[p] = [self.node.monitor_local(self.pid, p), group]
            else:
                entry.append(group)
        row = self.rows.get(group)
        if row is None:
            self.rows[group] = [MemberList.of(pids), MemberList.of(pids)]
        else:
            row[0].add_all(pids)
            row[1].add_all(pids)
        self._notify("join", group, pids)
        self._broadcast(("join", self.pid, group, pids if is_list else pids[0]))

    def _join_one(self, group: Any, pid: Pid) -> None:
        # The common case of join(), same steps with less generality: it is the hot path.
        if not self._proc.alive:
            self._require()
        check_group(group)
        entry = self.local.get(pid)
        if entry is None:
            self.local[pid] = [self.node.monitor_local(self.pid, pid), group]
        else:
            entry.append(group)
        row = self.rows.get(group)
        if row is None:
            self.rows[group] = [MemberList([pid]), MemberList([pid])]
        else:
            row[0].add(pid)
            row[1].add(pid)
        if self.scope_monitors or group in self.monitored_groups or self.node.events_active:
            self._notify("join", group, [pid])
        if self.remote:
            self._broadcast(("join", self.pid, group, pid))

    def leave(self, group: Any, pid_or_pids: Pid | list[Pid]) -> bool:
        """Leave once per pid given. False (OTP's not_joined) when none of them was a member."""
        self._require()
        pids = self._ensure_local(pid_or_pids)
        check_group(group)
        is_list = type(pid_or_pids) is not Pid
        changed = False
        for p in pids:
            entry = self.local.get(p)
            if entry is None:
                continue
            if len(entry) == 2:
                if entry[1] == group:
                    # OTP demonitors without flush: a DOWN already queued becomes stale and
                    # is recognised by its ref in _on_down.
                    self.node.demonitor_process(self.pid, entry[0])
                    del self.local[p]
                    changed = True
            else:
                i = newest_index(entry, group)  # lists:delete: the newest occurrence
                if i > 0:  # 0 is the monitor ref's slot, never a group
                    del entry[i]
                    changed = True
        if not changed:
            return False
        pids = list(pids)
        self._leave_local_rows(group, pids, is_list)
        self._broadcast(("leave", self.pid, pids if is_list else pids[0], [group]))
        return True

    def get_members(self, group: Any) -> list[Pid]:
        """Every known member (local and remote), duplicates kept, newest first."""
        row = self.rows.get(group)
        return row[0].newest_first() if row is not None else []

    def get_local_members(self, group: Any) -> list[Pid]:
        row = self.rows.get(group)
        return row[1].newest_first() if row is not None else []

    def which_groups(self) -> list[Any]:
        self._require()
        return list(self.rows)

    def which_local_groups(self) -> list[Any]:
        self._require()
        return [g for g, row in self.rows.items() if row[1]]

    def monitor_scope(self, subscriber: Pid) -> tuple[Ref, dict[Any, list[Pid]]]:
        """Subscribe `subscriber` (a local pid) to every join and leave of this scope.
        Notifications arrive as (ref, "join" | "leave", group, [pids])."""
        self._require()
        self._check_subscriber(subscriber)
        ref = self.node.monitor_process(self.pid, subscriber)
        self.scope_monitors[ref] = subscriber
        return ref, {g: row[0].newest_first() for g, row in self.rows.items()}

    def monitor(self, group: Any, subscriber: Pid) -> tuple[Ref, list[Pid]]:
        """Subscribe `subscriber` (a local pid) to the joins and leaves of one group."""
        self._require()
        check_group(group)
        self._check_subscriber(subscriber)
        ref = self.node.monitor_process(self.pid, subscriber)
        self.group_monitors[ref] = (subscriber, group)
        self.monitored_groups.setdefault(group, []).insert(0, (subscriber, ref))
        return ref, self.get_members(group)

    def demonitor(self, ref: Ref) -> bool:
        """Cancel a subscription and flush its queued notifications. False if unknown."""
        self._require()
        sub = self.scope_monitors.pop(ref, None)
        if sub is None:
            entry = self.group_monitors.pop(ref, None)
            if entry is None:
                return False
            sub, group = entry
            self._drop_group_monitor(group, ref)
        self.node.demonitor_process(self.pid, ref)
        proc = self.node.process(sub)
        if proc is not None:
            proc.discard(lambda m: type(m) is tuple and len(m) == 4 and m[0] == ref
                         and m[1] in ("join", "leave"))
        return True

    def broadcast(self, group: Any, msg: Any, *, exclude_local: bool = False) -> int:
        """Send `msg` once to every distinct member (remote members only with exclude_local,
        as the seed's Synchronization does). One frame per remote node carries all of that
        node's targets; each local member gets its own copy of a mutable message. Returns
        the number of members sent to.

        All or nothing: a message the wire cannot carry (a set, an object, too deep, bigger
        than a frame) raises LocalProtocolError before any member got it, wherever the
        members are. Remote frames go first -- encoding one is the check -- and the local
        members last; a separate check (one encode) runs only when a local member would
        otherwise get the message before any encoding happened."""
        row = self.rows.get(group)
        if not row:
            validate_message(msg, self.node.max_frame)
            return 0
        targets = row[0].distinct()
        local_rows = row[1]
        if not local_rows:
            remote, local = targets, []
        else:
            me = self.node.name
            remote = [p for p in targets if p[2] != me]
            local = [] if exclude_local else local_rows.distinct()
        if local or not remote:
            validate_message(msg, self.node.max_frame)
        if remote:
            self.node.send_multi(remote, msg)
        send = self.node.send
        for pid in local:
            send(pid, msg)
        return len(remote) + len(local)

    # == the asyncio-shaped API: the same calls underneath (subscription.py, watch.py) ==
    def subscribe(self, group: Any, *, max_pending: int | None = None) -> Subscription:
        """A member of `group` managed for you: `async with scope.subscribe(g) as sub:
        async for msg in sub: ...` (or `sub = await scope.subscribe(g)` ... `await
        sub.close()`). Joins on entry, leaves and stops on exit."""
        check_group(group)
        return Subscription(self, group, max_pending=max_pending)

    def watch(self, group: Any) -> Watch:
        """`async with scope.watch(g) as w:` -- `w.members` now, then `async for change in w`
        yields a MembershipChange per join/leave notification of `group`."""
        check_group(group)
        return Watch(self, group)

    def watch_scope(self) -> Watch:
        """As watch(), for every group of the scope (`w.groups`: {group: members})."""
        return Watch(self)

    async def wait_for_members(self, group: Any, n: int = 1,
                               timeout: float | None = None) -> list[Pid]:
        """get_members(group) once it holds at least `n` members; TimeoutError after
        `timeout` seconds (None: wait as long as it takes)."""
        check_group(group)
        return await wait_for_members(self, group, n, timeout)

    def _check_subscriber(self, pid: Any) -> None:
        if type(pid) is not Pid:
            raise TypeError(f"a subscriber is a pid, not {pid!r}")
        if pid.node != self.node.name:
            raise NotLocalError(f"subscriber {pid} must be a process of {self.node.name}")

    # == lifecycle ==
    def _state(self, stamp: StampEvent) -> list[Event]:
        """This scope's view, for a watcher that starts now (see node.state_events())."""
        if not self._proc.alive:
            return []
        groups = tuple((g, tuple(self.get_members(g))) for g in self.rows)
        return [stamp(ScopeView, scope=self.name, groups=groups)]

    def _stop(self) -> None:
        self.node.remove_state_provider(self._state)
        self.node.monitor_nodes(self.pid, False)
        self.node.stop_handler(self._proc, "shutdown")
        # As OTP's ETS table goes with its scope: a held Scope object answers get_members
        # with [] and broadcasts to nobody once stopped.
        self._clear()

    def _clear(self) -> None:
        self.inbound.clear()
        self.sender.clear()
        for table in (self.rows, self.local, self.remote, self.holders, self.mixed,
                      self.scope_monitors, self.group_monitors, self.monitored_groups):
            table.clear()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<pg scope {self.name!r} on {self.node.name} {state}, {len(self.rows)} groups>"
