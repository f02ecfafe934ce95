"""The chaos soak's engine: random pg operations and faults on a Cluster, and quiet points.

benchmarks/soak.py describes the rounds and runs them; this module is the `Soak` that does them.
It keeps a model of what it did to each node (`NodeModel`: live processes, memberships) to pick
sensible operations and to check each node's `local` at quiet points, and the set of node pairs
a fault keeps apart (`cut`), so that restarts and SIGCONTs reconnect only what they should.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .soak_check import FAULTS, GROUPS, Snapshot, SoakStats
from .soak_cluster import Cluster, NodeFailure, SoakNode, pid_id

__all__ = ["Soak", "NodeModel"]

MAX_PROCS = 12  # live soak processes per node
MAX_JOINED = 8  # memberships per node and group (a pid may be joined more than once)
BURST = 0.25  # chance that an operation step runs one operation on each of several nodes
POLL_INTERVAL = 0.01


@dataclass
class NodeModel:
    """What the soak did to one incarnation of a node: its live processes and memberships."""
    alive: list[str] = field(default_factory=list)
    joined: dict[str, list[str]] = field(default_factory=lambda: {g: [] for g in GROUPS})

    def forget(self, pid: str) -> None:
        if pid in self.alive:
            self.alive.remove(pid)
        for pids in self.joined.values():
            pids[:] = [p for p in pids if p != pid]


@dataclass
class Fault:
    kind: str
    node: SoakNode | None = None
    pairs: list[frozenset[str]] = field(default_factory=list)
    hold_until: float = 0.0


def pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


class Soak:
    def __init__(self, cluster: Cluster, *, seed: int, deadline: float = 20.0,
                 out: Callable[[str], None] = print, verbose: bool = False,
                 faults: tuple[str, ...] = FAULTS) -> None:
        unknown = set(faults) - set(FAULTS)
        if unknown or not faults:
            raise ValueError(f"faults: {sorted(unknown) or 'none'}; choose among {FAULTS}")
        self.faults = faults
        self.cluster = cluster
        self.rng = random.Random(seed)
        self.stats = SoakStats(seed=seed, nodes=len(cluster.slots))
        self.deadline = deadline
        self.out = out
        self.verbose = verbose
        self.model = {slot: NodeModel() for slot in cluster.slots}
        self.max_id = dict.fromkeys(cluster.slots, 0)
        self.cut: set[frozenset[str]] = set()  # pairs a running fault keeps apart
        self.log: list[str] = []  # this round's operations, for a reproduction
        self._rotation: list[str] = []
        self._t0 = time.monotonic()
        self._lifted = 0.0  # when the round's last fault began to be lifted
        self._round_start = 0.0
        self.interrupted = False  # set by a signal: no new round

    def note(self, text: str) -> None:
        self.log.append(f"{time.monotonic() - self._round_start:+.3f}s {text}")
        if self.verbose:
            self.out(f"  {time.monotonic() - self._t0:7.2f} {text}")

    # -- the run -----------------------------------------------------------------------------------
    async def run(self, seconds: float, max_rounds: int | None = None) -> SoakStats:
        self._t0 = time.monotonic()
        end = self._t0 + seconds
        try:
            while time.monotonic() < end and not self.interrupted and (
                    max_rounds is None or self.stats.rounds < max_rounds):
                await self.round()
                failures = self.cluster.failures()
                if failures:
                    raise failures[0]
        except NodeFailure as exc:
            self.stats.errors.append(str(exc))
            self.out(f"ERROR round {self.stats.rounds + 1}: {exc}\n  operations: {self.log}")
        self.stats.elapsed = time.monotonic() - self._t0
        return self.stats

    def _next_faults(self) -> list[str]:
        if not self._rotation:
            self._rotation = self.rng.sample(self.faults, len(self.faults))
        kinds = [self._rotation.pop()]
        others = [k for k in self.faults if k != kinds[0]]
        if others and self.rng.random() < 0.35:
            kinds.append(self.rng.choice(others))
        return kinds

    async def round(self) -> None:
        self.log = []
        self._round_start = time.monotonic()
        kinds = self._next_faults()
        steps: list[tuple[str, str]] = [("op", "")] * self.rng.randint(5, 16)
        for kind in kinds:
            i = self.rng.randint(0, len(steps))
            steps.insert(i, ("begin", kind))
            steps.insert(self.rng.randint(i + 1, len(steps)), ("end", kind))
        active: dict[str, Fault] = {}
        n_ops = 0
        for step, kind in steps:
            if step == "op" and self.rng.random() < BURST and len(self.cluster.running()) > 1:
                # Operations on several nodes at once: their broadcasts cross on the links.
                running = self.cluster.running()
                burst = self.rng.sample(running, self.rng.randint(2, len(running)))
                await asyncio.gather(*(self.pg_op(n, remote=False) for n in burst))
                n_ops += len(burst)
            elif step == "op":
                await self.pg_op()
                n_ops += 1
            elif step == "begin":
                active[kind] = await self.begin(kind)
            else:
                await self.end(active.pop(kind))
        t0 = time.monotonic()
        converged = await self.quiet_point()
        self.stats.rounds += 1
        members = sum(len(p) for m in self.model.values() for p in m.joined.values())
        if converged is None:
            times = "converge=NO"
        else:
            times = (f"converge={converged * 1000:.1f}ms "
                     f"recover={(t0 + converged - self._lifted) * 1000:.1f}ms")
        self.out(f"round {self.stats.rounds} t={t0 - self._t0:.1f}s ops={n_ops} "
                 f"faults={'+'.join(kinds)} members={members} {times} "
                 f"divergences={self.stats.divergences}")

    # -- pg operations ---------------------------------------------------------------------------
    async def pg_op(self, node: SoakNode | None = None, remote: bool = True) -> None:
        """One random operation on `node` (a random running one by default). Concurrent calls
        must be on distinct nodes and without `remote` (a kill from another node)."""
        node = node or self.rng.choice(self.cluster.running())
        model = self.model[node.slot]
        kind = self.rng.choices(("spawn", "join", "leave", "kill"), (2, 6, 2.5, 1))[0]
        if not model.alive:
            kind = "spawn"
        elif kind == "spawn" and len(model.alive) >= MAX_PROCS:
            kind = "kill"
        if kind == "spawn":
            reply = await node.cmd("spawn")
            self._expect_ok(node, "spawn", reply)
            pid = reply["pid"]
            model.alive.append(pid)
            self.max_id[node.slot] = max(self.max_id[node.slot], pid_id(pid))
            self.note(f"{node.slot} spawn -> {pid}")
            self.stats.ops["spawn"] += 1
        elif kind == "join":
            await self._join(node, model)
        elif kind == "leave":
            await self._leave(node, model)
        else:
            await self._kill(node, model, remote)

    async def _join(self, node: SoakNode, model: NodeModel) -> None:
        group = self.rng.choice(GROUPS)
        if len(model.joined[group]) >= MAX_JOINED:
            return await self._leave(node, model, group)
        pid = self.rng.choice(model.alive)
        reply = await node.cmd(f"join {group} {pid}")
        self.stats.ops["join"] += 1
        self.note(f"{node.slot} join {group} {pid} -> {reply['ok']}")
        if reply["ok"]:
            model.joined[group].append(pid)
        else:
            self.stats.ops["rejected"] += 1
            self._mismatch(f"{node.slot}: join {group} {pid} refused: {reply.get('error')}")
            model.forget(pid)

    async def _leave(self, node: SoakNode, model: NodeModel, group: str | None = None) -> None:
        group = group or self.rng.choice(GROUPS)
        joined = model.joined[group]
        pid = self.rng.choice(joined if joined and self.rng.random() < 0.8 else model.alive)
        reply = await node.cmd(f"leave {group} {pid}")
        self._expect_ok(node, "leave", reply)
        want = "ok" if pid in joined else "not_joined"
        self.note(f"{node.slot} leave {group} {pid} -> {reply['result']}")
        if reply["result"] != want:
            self._mismatch(f"{node.slot}: leave {group} {pid} answered {reply['result']}, "
                           f"expected {want}")
        if pid in joined:
            joined.remove(pid)
        self.stats.ops["leave"] += 1

    async def _kill(self, node: SoakNode, model: NodeModel, remote: bool) -> None:
        pid = self.rng.choice(model.alive)
        killer, kind = node, "kill"
        if remote and self.rng.random() < 0.4:
            # From another node: the exit signal crosses the link (only over a link that is up).
            others = [n for n in self.cluster.running() if n is not node
                      and pair(n.slot, node.slot) not in self.cut]
            if others:
                other = self.rng.choice(others)
                if node.name in (await other.cmd("nodes"))["nodes"]:
                    killer, kind = other, "remote_kill"
        reply = await killer.cmd(f"kill {pid}")
        self._expect_ok(killer, "kill", reply)
        self.note(f"{killer.slot} kill {pid}")
        # Until the owner reports the exit, a fault could still lose the exit signal on the
        # way (Erlang's semantics too); after it, the scope has its DOWN queued.
        if not await node.wait_exit(pid):
            self._mismatch(f"{node.slot} never reported the exit of {pid} "
                           f"(killed from {killer.slot})")
        model.forget(pid)
        self.stats.ops[kind] += 1

    def _expect_ok(self, node: SoakNode, what: str, reply: dict[str, Any]) -> None:
        if not reply.get("ok"):
            raise NodeFailure(f"{node.slot}: {what} failed unexpectedly: {reply}")

    def _mismatch(self, text: str) -> None:
        self.stats.model_mismatches += 1
        self.out(f"MODEL MISMATCH {text}")

    # -- faults ------------------------------------------------------------------------------------
    async def begin(self, kind: str) -> Fault:
        self.stats.faults[kind] += 1
        running = self.cluster.running()
        fault = Fault(kind)
        if kind == "restart":
            # Any live node, stopped ones included, as long as another node keeps running.
            live = [n for n in self.cluster.live() if len(running) - (n in running) >= 1]
            fault.node = self.rng.choice(live)
            self.note(f"SIGKILL {fault.node.slot}")
            await self.cluster.sigkill(fault.node.slot)
            self.model[fault.node.slot] = NodeModel()
        elif kind == "stop":
            if len(running) < 2:  # (only with 3 nodes, one of them down)
                self.note("(no SIGSTOP: it would leave no running node)")
                return fault
            fault.node = self.rng.choice(running)
            hold = self.rng.uniform(0.1, 2.5) * self.cluster.tick_time
            fault.hold_until = time.monotonic() + hold
            self.note(f"SIGSTOP {fault.node.slot} for {hold:.2f}s")
            fault.node.sigstop()
        elif kind == "disconnect":
            free = [(a, b) for a in running for b in running
                    if a.slot < b.slot and pair(a.slot, b.slot) not in self.cut]
            if not free:
                self.note("(no disconnect: no linked pair of running nodes left)")
                return fault
            a, b = self.rng.choice(free)
            if self.rng.random() < 0.5:
                a, b = b, a
            fault.pairs = [pair(a.slot, b.slot)]
            self.cut.add(fault.pairs[0])
            reply = await a.cmd(f"disconnect {b.name}")
            self.note(f"{a.slot} disconnect {b.slot} -> {reply.get('disconnected')}")
        else:
            slots = self.rng.sample(self.cluster.slots, len(self.cluster.slots))
            k = self.rng.randint(1, len(slots) - 1)
            side_a, side_b = slots[:k], slots[k:]
            fault.pairs = [pair(a, b) for a in side_a for b in side_b
                           if pair(a, b) not in self.cut]
            self.cut.update(fault.pairs)
            self.note(f"partition {sorted(side_a)} | {sorted(side_b)}")
            await self._for_pairs(fault.pairs, "disconnect")
        return fault

    async def end(self, fault: Fault) -> None:
        self._lifted = time.monotonic()
        if fault.kind == "restart":
            assert fault.node is not None
            await self._restart(fault.node.slot)
        elif fault.kind == "stop":
            node = fault.node
            if node is None:
                return
            if self.cluster.nodes[node.slot] is not node:
                self.note(f"(no SIGCONT: {node.slot} was restarted meanwhile)")
                return
            await asyncio.sleep(max(0.0, fault.hold_until - time.monotonic()))  # the fault's hold
            node.sigcont()
            self.note(f"SIGCONT {node.slot}")
            await self._settle(node)
            await self._mend(node)
        else:
            self.cut.difference_update(fault.pairs)
            self.note(f"heal {fault.kind} {[sorted(p) for p in fault.pairs]}")
            await self._for_pairs(fault.pairs, "connect")

    async def _for_pairs(self, pairs: list[frozenset[str]], what: str) -> None:
        """`disconnect` or `connect` each pair, from one of its running ends (a random one);
        pairs with a dead or stopped end are left to that node's restart or SIGCONT."""
        by_issuer: dict[str, list[str]] = {}
        for p in pairs:
            a, b = sorted(p)
            na, nb = self.cluster.nodes[a], self.cluster.nodes[b]
            if na is None or nb is None:
                continue
            if what == "connect" and (na.stopped or nb.stopped):
                continue
            ends = [n for n in (na, nb) if not n.stopped]
            issuer = self.rng.choice(ends)
            other = nb if issuer is na else na
            arg = other.name if what == "disconnect" else other.address
            by_issuer.setdefault(issuer.slot, []).append(f"{what} {arg}")

        async def issue(slot: str, lines: list[str]) -> None:
            for line, reply in zip(lines, await self.cluster.node(slot).cmds(lines), strict=True):
                if what == "connect" and not reply["ok"]:
                    self.stats.failed_connects += 1
                    self.out(f"CONNECT FAILED {slot}: {line}: {reply.get('error')}")

        await asyncio.gather(*(issue(s, lines) for s, lines in by_issuer.items()))

    async def _restart(self, slot: str) -> None:
        node = await self.cluster.start(slot)
        # Pid numbers past every earlier incarnation's (see the module docstring).
        last, target = 0, self.max_id[slot]
        while last < target:
            replies = await node.cmds(["spawn"] * min(target - last, 500))
            last = pid_id(replies[-1]["pid"])
            self.stats.burned += len(replies)
        self.max_id[slot] = max(target, last)
        self.note(f"restart {slot} at {node.address} (pids from {last + 1})")
        await self._mend(node)

    async def _settle(self, node: SoakNode) -> None:
        """After SIGCONT: wait until each link of `node` looks the same from both ends (the
        peers may have dropped it by ticks; it notices when it reads their close)."""
        deadline = time.monotonic() + 2 * self.cluster.tick_time + 2
        while time.monotonic() < deadline:
            links = await self.cluster.links()
            mine = links[node.slot]
            if all((other in mine) == (node.slot in theirs)
                   for other, theirs in links.items() if other != node.slot):
                return
            await asyncio.sleep(POLL_INTERVAL)

    async def _mend(self, node: SoakNode) -> None:
        """`connect` from `node` to every running node it is not cut from and not linked to."""
        links = await self.cluster.links()
        lines = [f"connect {other.address}" for other in self.cluster.running()
                 if other is not node and pair(other.slot, node.slot) not in self.cut
                 and not (other.slot in links[node.slot] and node.slot in links[other.slot])]
        if lines:
            self.note(f"{node.slot} {lines}")
            for line, reply in zip(lines, await node.cmds(lines), strict=True):
                if not reply["ok"]:
                    self.stats.failed_connects += 1
                    self.out(f"CONNECT FAILED {node.slot}: {line}: {reply.get('error')}")

    # -- the quiet point ---------------------------------------------------------------------------
    def model_differences(self, snap: Snapshot) -> list[str]:
        return [f"{slot} local {g}: {snap.local[slot][g]}, the soak expects "
                f"{sorted(self.model[slot].joined[g])}"
                for slot in snap.local for g in GROUPS
                if snap.local[slot][g] != sorted(self.model[slot].joined[g])]

    async def quiet_point(self) -> float | None:
        """Seconds until the cluster converged, or None (a divergence, printed)."""
        self.stats.checks += 1
        t0 = time.monotonic()
        grace = 2 * self.cluster.tick_time + 1
        broken_since: float | None = None
        while True:
            snap = await Snapshot.take(self.cluster)
            now = time.monotonic()
            missing = snap.missing_links()
            if not missing:
                broken_since = None
                if not snap.differences() and not self.model_differences(snap):
                    self.stats.converge.append(now - t0)
                    self.stats.recover.append(now - self._lifted)
                    return now - t0
            elif broken_since is None:
                broken_since = now
            elif now - broken_since > grace:
                self.stats.repairs += len({pair(a, b) for a, b in missing})
                self.out(f"REPAIR round {self.stats.rounds + 1} (seed {self.stats.seed}): links "
                         f"still missing after {grace:g} s: {missing}; operations of the round: "
                         f"{self.log}")
                for slot in sorted({s for p in missing for s in p}):
                    for line in self.cluster.node(slot).recent(self._round_start):
                        self.out(f"  {slot}: {line}")
                await self._repair(missing)
                broken_since = None
            if now - t0 > self.deadline:
                return self._report(snap, now - t0)
            await asyncio.sleep(POLL_INTERVAL)

    async def _repair(self, missing: list[tuple[str, str]]) -> None:
        for a, b in missing:
            reply = await self.cluster.node(a).cmd(f"connect {self.cluster.node(b).address}")
            if not reply["ok"]:
                self.stats.failed_connects += 1

    def _report(self, snap: Snapshot, waited: float) -> float | None:
        diffs = snap.differences()
        model = self.model_differences(snap)
        for text in model:
            self._mismatch(text)
        for slot in snap.local:  # from now on the soak expects what the nodes say
            self.model[slot].joined = {g: list(snap.local[slot][g]) for g in GROUPS}
        if not diffs:  # the views agree; only the soak's expectation of `local` was off
            return waited
        self.stats.divergences += 1
        self.out(f"DIVERGENCE round {self.stats.rounds + 1} (seed {self.stats.seed}), "
                 f"not converged after {waited:.1f} s:")
        for text in diffs:
            self.out(f"  {text}")
        self.out(f"  truth: {snap.truth()}")
        self.out(f"  operations of the round: {self.log}")
        return None
