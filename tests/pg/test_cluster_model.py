"""A hypothesis state machine over 3-5 in-memory nodes: spawn/kill, join/leave (duplicates and
lists), connect/disconnect/partition/heal, monitors. Invariant, after quiescence: every node's
view equals the ground truth of the nodes it is connected to, and every subscriber's snapshot
plus its notification stream adds up to the current membership."""

from __future__ import annotations

import asyncio
import os
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    precondition,
    rule,
)

from pgviz import Faults, MemoryNetwork, Pid
from pgviz.model import ClusterModel as EventModel

from ..support import Inbox, settle, spawn_idle, start_node, wait_until

GROUPS = st.sampled_from(["a", "b", ("t", 1)])
EXAMPLES = int(os.environ.get("PGVIZ_MODEL_EXAMPLES", "120"))


class Subscriber:
    def __init__(self, inbox: Inbox, ref, group, snapshot) -> None:
        self.inbox, self.ref, self.group = inbox, ref, group
        # group monitor: Counter of pids; scope monitor: {group: Counter}
        if group is None:
            self.view = {g: Counter(p) for g, p in snapshot.items()}
        else:
            self.view = {group: Counter(snapshot)}

    def fold(self) -> None:
        for msg in self.inbox.take():
            ref, kind, group, pids = msg
            assert ref == self.ref
            c = self.view.setdefault(group, Counter())
            for p in pids:
                if kind == "join":
                    c[p] += 1
                elif c[p] > 0:
                    c[p] -= 1
            c += Counter()  # drop zeros


class ClusterModel(RuleBasedStateMachine):
    pids = Bundle("pids")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.nodes = []
        self.truth: dict[Pid, Counter] = {}
        self.alive: set[Pid] = set()
        self.subs: list[tuple[object, Subscriber]] = []
        self.faults = Faults()

    def _run(self, coro):
        return self.loop.run_until_complete(asyncio.wait_for(coro, 30))

    @initialize(n=st.integers(3, 5), target=pids)
    def start(self, n):
        net = MemoryNetwork()

        async def boot():
            nodes = [await start_node(f"m{i}", network=net, faults=self.faults, tick_time=5)
                     for i in range(n)]
            for other in nodes[1:]:
                await nodes[0].connect(other.address)
            return nodes

        self.nodes = self._run(boot())
        # A watcher on node 0 folds the cluster-wide event stream; at every quiet point its
        # picture of each node it hears from must be that node's own view.
        self.watched = EventModel(self.nodes[0].state_events())
        self.nodes[0].add_listener(self.watched.feed, cluster=True)
        pid = spawn_idle(self.nodes[0])
        self.truth[pid] = Counter()
        self.alive.add(pid)
        return pid

    def teardown(self) -> None:
        if self.nodes:
            try:
                self.check()
            finally:
                async def stop():
                    for node in self.nodes:
                        await node.stop()
                self._run(stop())
        self.loop.close()

    # -- rules ---------------------------------------------------------------------------------
    @rule(target=pids, i=st.integers(0, 4))
    def spawn(self, i):
        node = self.nodes[i % len(self.nodes)]
        pid = spawn_idle(node)
        self.truth[pid] = Counter()
        self.alive.add(pid)
        return pid

    @rule(pid=consumes(pids))
    def kill(self, pid):
        self.nodes_of(pid).exit(pid, "kill")
        self.alive.discard(pid)
        self.truth[pid] = Counter()

    @rule(pid=pids, group=GROUPS, times=st.integers(1, 3), as_list=st.booleans())
    def join(self, pid, group, times, as_list):
        scope = self.nodes_of(pid).pg
        if as_list:
            scope.join(group, [pid] * times)
        else:
            for _ in range(times):
                scope.join(group, pid)
        if pid in self.alive:
            self.truth[pid][group] += times

    @rule(pid=pids, group=GROUPS, times=st.integers(1, 2), as_list=st.booleans())
    def leave(self, pid, group, times, as_list):
        scope = self.nodes_of(pid).pg
        before = self.truth[pid][group]
        result = scope.leave(group, [pid] * times) if as_list else scope.leave(group, pid)
        removed = min(before, times if as_list else 1)
        if pid in self.alive:
            assert result == (removed > 0), (result, before)
            self.truth[pid][group] -= removed
            self.truth[pid] += Counter()

    @rule(i=st.integers(0, 4), j=st.integers(0, 4))
    def disconnect(self, i, j):
        a, b = self.pair(i, j)
        if a is not b:
            self._run(a.disconnect(b.name))

    @rule(i=st.integers(0, 4), j=st.integers(0, 4))
    def connect(self, i, j):
        a, b = self.pair(i, j)
        if a is b or self.faults.drops(a.name, b.name):
            return
        self._run(a.connect(b.address))

    @rule(cut=st.integers(1, 4))
    def partition(self, cut):
        names = [n.name for n in self.nodes]
        cut = cut % len(names) or 1
        self.faults.partition(names[:cut], names[cut:])

    @precondition(lambda self: self.faults.active)
    @rule(i=st.integers(0, 4), j=st.integers(0, 4))
    def heal(self, i, j):
        self.faults.heal()
        self.connect(i, j)

    @rule(i=st.integers(0, 4), group=st.none() | GROUPS)
    def monitor(self, i, group):
        node = self.nodes[i % len(self.nodes)]
        inbox = Inbox(node)
        if group is None:
            ref, snapshot = node.pg.monitor_scope(inbox.pid)
        else:
            ref, snapshot = node.pg.monitor(group, inbox.pid)
        self.subs.append((node, Subscriber(inbox, ref, group, snapshot)))

    @rule()
    def quiesce_and_check(self):
        self.check()

    # -- invariant ---------------------------------------------------------------------------------
    def check(self) -> None:
        self._run(self._converged())

    def expected(self, node) -> dict[object, Counter]:
        visible = {node.name, *node.nodes()}
        view: dict[object, Counter] = {}
        for pid, groups in self.truth.items():
            if pid in self.alive and pid.node in visible:
                for g, k in groups.items():
                    if k:
                        view.setdefault(g, Counter())[pid] += k
        return view

    def actual(self, node) -> dict[object, Counter]:
        return {g: Counter(node.pg.get_members(g)) for g in node.pg.which_groups()
                if node.pg.get_members(g)}

    async def _converged(self) -> None:
        live = [n for n in self.nodes if n.running]

        def agreed() -> bool:
            for n in live:
                for peer in n.nodes():
                    other = next(x for x in live if x.name == peer)
                    if n.name not in other.nodes():
                        return False
                if self.actual(n) != self.expected(n):
                    return False
            return True

        await settle(live)
        try:
            await wait_until(agreed, timeout=5, what="views converged")
        except AssertionError:
            for n in live:
                assert self.actual(n) == self.expected(n), (n.name, n.nodes())
            raise
        await settle(live)
        snap = self.watched.snapshot()
        heard = [n for n in live if n is self.nodes[0] or n.name in self.nodes[0].nodes()]
        for n in heard:
            folded = {g: Counter(snap.members(n.name, "pg", g))
                      for _, g in snap.groups(n.name, "pg")}
            assert folded == self.actual(n), (n.name, "the event-folded model")
        for node, sub in self.subs:
            sub.fold()
            current = self.actual(node)
            if sub.group is None:
                view = {g: c for g, c in sub.view.items() if +c}
                assert view == current, (node.name, "scope monitor")
            else:
                assert +sub.view[sub.group] == current.get(sub.group, Counter()), \
                    (node.name, sub.group)

    def nodes_of(self, pid):
        return next(n for n in self.nodes if n.name == pid.node)

    def pair(self, i, j):
        return self.nodes[i % len(self.nodes)], self.nodes[j % len(self.nodes)]


ClusterModel.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_cluster_model = ClusterModel.TestCase
