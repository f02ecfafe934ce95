"""What the cluster view draws, computed from a ClusterModel snapshot (Qt-free).

A window shows one of two pictures of the same snapshot:

* **my node**: the window's node in the middle, its peers, its own links (other links quieter),
  and the members of the scope *as this node sees them*;
* **whole cluster**: every node's links, and around each node the members *it* holds (each
  node's own members, from its own view), so a partition shows every side's truth at once.
  Where the nodes disagree it says so: a member some drawn node does not show yet is marked
  "unseen" (drawn hollow), and a member that left but that some node still shows is drawn
  "stale" (dashed) beside its node, each with the nodes that disagree.

Nothing here reads a node or a pg table: `make_picture` is a pure function of the snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..model import Snapshot
from ..runtime import Pid
from ..wire.terms import short_node

__all__ = ["Member", "GroupRow", "Picture", "make_picture", "dot_kind", "group_text",
           "PG_MESSAGES", "PROTOCOL_KINDS"]

#: pg's own peer messages (OTP's names): their dots are drawn as "pg" dots.
PG_MESSAGES = frozenset({"discover", "sync", "join", "leave"})
#: Dot kinds hidden by "Show protocol messages" off.
PROTOCOL_KINDS = frozenset({"pg", "control"})


def group_text(group: Any) -> str:
    return group if isinstance(group, str) else repr(group)


def dot_kind(kind: str) -> str:
    """A Send event's kind -> the dot drawn for it: "user", "pg" or "control"."""
    if kind == "user":
        return "user"
    return "pg" if kind in PG_MESSAGES else "control"


@dataclass(frozen=True, slots=True)
class Member:
    """One process the view shows: its pid, its node, its distinct groups (in the scope
    shown), and whether it lives on the window's own node."""
    pid: Pid
    node: str
    groups: tuple[Any, ...]
    local: bool
    mark: str = ""                    # whole cluster: "", "unseen" or "stale"
    by: tuple[str, ...] = ()          # the nodes that do not show it / still show it


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: Any
    members: int  # distinct pids
    local: int    # distinct pids of the window's own node
    #: distinct pids the window's own node has in the group (what its get_members gives);
    #: None: the same as `members` (my node's picture counts nothing else)
    here: int | None = None

    def elsewhere(self, me: str) -> str | None:
        """What follows `here` when the window's node and the members' own nodes disagree
        (a split, a join or a leave on its way): "at alice · 5 at their nodes"; None when
        they agree (one number says it). The legend and the Groups tab both word it so."""
        if self.here is None or self.here == self.members:
            return None
        return f"at {short_node(me)} · {self.members} at their nodes"


@dataclass(frozen=True)
class Picture:
    me: str
    whole: bool = False
    scope: str = "pg"
    peers: tuple[str, ...] = ()       # linked nodes drawn besides `me`, in first-seen order
    ghosts: tuple[str, ...] = ()      # known nodes that are not connected (to me / to anyone)
    links: frozenset[frozenset[str]] = frozenset()  # drawn solid
    cuts: frozenset[frozenset[str]] = frozenset()   # links cut by a fault (drawn broken)
    mesh: frozenset[frozenset[str]] = frozenset()   # drawn quieter (others' links, my-node)
    members: tuple[Member, ...] = ()
    groups: tuple[GroupRow, ...] = ()
    selected: str | None = None       # the model's selection (a pid's text, a node name)

    def member(self, text: str | None) -> Member | None:
        if text is None:
            return None
        for m in self.members:
            if str(m.pid) == text:
                return m
        return None

    @property
    def selected_member(self) -> Member | None:
        return self.member(self.selected)

    def shows(self, node: str) -> bool:
        return node == self.me or node in self.peers or node in self.ghosts

    def shows_frames(self, src: str, dst: str) -> bool:
        """Dots on the link src -> dst belong in this picture."""
        if not self.whole and self.me not in (src, dst):
            return False
        return self.shows(src) and self.shows(dst) and src != dst


def make_picture(snap: Snapshot, me: str, scope: str, whole: bool,
                 own_processes: Iterable[Pid] = (), previous: Picture | None = None
                 ) -> Picture:
    """The picture of `snap` seen from node `me`, for `scope`. `own_processes` are the
    window's own processes: shown (without a group) while the snapshot has them alive.
    `previous` keeps the order in which nodes were first seen (stable view slots)."""
    links = snap.links
    linked: set[str] = set()
    for link in links:
        linked.update(link)
    known = [n for n in snap.nodes if n != me]
    if previous is not None:  # keep first-seen order, append the new ones
        order = [n for n in previous.peers + previous.ghosts if n in known]
        known = order + [n for n in known if n not in order]
    if whole:
        peers = tuple(n for n in known if n in linked)
        solid = frozenset(link for link in links)
        mesh: frozenset[frozenset[str]] = frozenset()
    else:
        mine = {n for link in links if me in link for n in link if n != me}
        peers = tuple(n for n in known if n in mine)
        solid = frozenset(link for link in links if me in link)
        mesh = frozenset(link for link in links if me not in link and link <= set(peers))
    ghosts = tuple(n for n in known if n not in peers)
    alive = {me, *peers}

    groups_of: dict[Pid, list[Any]] = {}
    views = snap.views
    if whole:
        for node in (me, *peers):
            for (sc, group), pids in views.get(node, {}).items():
                if sc != scope:
                    continue
                for pid in pids:
                    if pid.node == node:
                        _add_group(groups_of, pid, group)
    else:
        for (sc, group), pids in views.get(me, {}).items():
            if sc != scope:
                continue
            for pid in pids:
                if pid.node in alive:
                    _add_group(groups_of, pid, group)
    running = snap.processes.get(me, frozenset())
    for pid in own_processes:
        if pid not in groups_of and pid in running:
            groups_of[pid] = []
    marks = _disagreements(snap, scope, (me, *peers), groups_of) if whole else {}
    members = sorted((Member(pid, pid.node, tuple(gs), pid.node == me,
                             *marks.get(pid, ("", ())))
                      for pid, gs in groups_of.items()),
                     key=lambda m: (m.node != me, m.node, m.pid.id, m.pid.serial))
    counts: dict[Any, list[int]] = {}
    for m in members:
        if m.mark == "stale":
            continue
        for g in m.groups:
            row = counts.setdefault(g, [0, 0])
            row[0] += 1
            row[1] += m.local
    own_view = views.get(me, {})
    rows = tuple(GroupRow(g, n, local,
                          len(set(own_view.get((scope, g), ()))) if whole else None)
                 for g, (n, local) in sorted(counts.items(), key=lambda kv: group_text(kv[0])))
    shown = {me, *peers, *ghosts}
    cuts = frozenset(pair for pair in (frozenset((f.src, f.dst)) for f in snap.faults
                                       if f.what == "cut")
                     if len(pair) == 2 and pair <= shown and pair not in links)
    return Picture(me=me, whole=whole, scope=scope, peers=peers, ghosts=ghosts, links=solid,
                   cuts=cuts, mesh=mesh, members=tuple(members), groups=rows,
                   selected=snap.selected)


def _disagreements(snap: Snapshot, scope: str, drawn: tuple[str, ...],
                   groups_of: dict[Pid, list[Any]]) -> dict[Pid, tuple[str, tuple[str, ...]]]:
    """Whole cluster: members (the truth of the drawn nodes, `groups_of`) some drawn node
    does not show, and members a drawn node still shows after they left (added to
    `groups_of`). The same sets as `Snapshot.unseen` / `stale`, computed for every drawn node
    in one pass over the views."""
    on_drawn = set(drawn)
    truth: dict[Any, set[Pid]] = {}
    for pid, gs in groups_of.items():
        for g in gs:
            truth.setdefault(g, set()).add(pid)
    unseen_by: dict[Pid, list[str]] = {}
    stale_by: dict[Pid, list[str]] = {}
    stale_groups: dict[Pid, list[Any]] = {}
    views = snap.views
    for node in drawn:
        view = views.get(node, {})
        for group, members in truth.items():
            shown = set(view.get((scope, group), ()))
            for pid in members - shown:
                if pid.node != node:
                    unseen_by.setdefault(pid, []).append(node)
        for (sc, group), pids in view.items():
            if sc != scope:
                continue
            real = truth.get(group, set())
            for pid in pids:
                if pid not in real and pid.node in on_drawn:
                    if node not in stale_by.setdefault(pid, []):
                        stale_by[pid].append(node)
                    gs = stale_groups.setdefault(pid, [])
                    if group not in gs:
                        gs.append(group)
    out: dict[Pid, tuple[str, tuple[str, ...]]] = {}
    for pid, nodes in unseen_by.items():
        out[pid] = ("unseen", tuple(nodes))
    for pid, nodes in stale_by.items():
        if pid in groups_of:
            continue  # a member still, of other groups: its own node is the authority
        groups_of[pid] = stale_groups[pid]
        out[pid] = ("stale", tuple(nodes))
    return out


def _add_group(groups_of: dict[Pid, list[Any]], pid: Pid, group: Any) -> None:
    gs = groups_of.setdefault(pid, [])
    if group not in gs:
        gs.append(group)
