"""The chaos soak's invariant and figures: one snapshot of the cluster, what "converged" means,
and the counters the soak prints.

Converged: every running node lists every other one in `nodes`, and for every group each node's
`members` (as a multiset: a pid joined twice is there twice) equals the union of every node's
`local`, and its `groups` are exactly the groups with a member somewhere.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .soak_cluster import Cluster, NodeFailure

__all__ = ["GROUPS", "FAULTS", "PG_OPS", "Snapshot", "SoakStats"]

GROUPS = ("g0", "g1", "g2", "g3")
FAULTS = ("restart", "stop", "disconnect", "partition")
PG_OPS = ("spawn", "join", "leave", "kill", "remote_kill")


@dataclass
class Snapshot:
    """One poll of every running node (by slot): links, groups, members and local members."""
    links: dict[str, set[str]] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)
    members: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    local: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    async def take(cls, cluster: Cluster) -> Snapshot:
        """Ask every running node at once (its commands pipelined). Not atomic across nodes:
        it is read at quiet points, where only convergence itself still changes the views."""
        lines = ["nodes", "groups", *(f"members {g}" for g in GROUPS),
                 *(f"local {g}" for g in GROUPS)]
        running = cluster.running()
        by_name = {n.name: n.slot for n in running}
        replies = await asyncio.gather(*(n.cmds(lines) for n in running))
        snap = cls()
        n = len(GROUPS)
        for node, (links, groups, *views) in zip(running, replies, strict=True):
            for reply in (links, groups, *views):
                if not reply["ok"]:
                    raise NodeFailure(f"{node.slot}: {reply['reply']} failed: {reply}")
            snap.links[node.slot] = {by_name.get(p, p) for p in links["nodes"]}
            snap.groups[node.slot] = {str(g) for g in groups["groups"]}
            snap.members[node.slot] = {g: sorted(v["members"]) for g, v in zip(
                GROUPS, views[:n], strict=True)}
            snap.local[node.slot] = {g: sorted(v["members"]) for g, v in zip(
                GROUPS, views[n:], strict=True)}
        return snap

    def missing_links(self) -> list[tuple[str, str]]:
        """(a, b) where running node a does not list running node b."""
        return [(a, b) for a in self.links for b in self.links
                if a != b and b not in self.links[a]]

    def truth(self) -> dict[str, list[str]]:
        """The union of every live node's local members, per group (sorted, duplicates kept)."""
        return {g: sorted(p for loc in self.local.values() for p in loc[g]) for g in GROUPS}

    def differences(self) -> list[str]:
        """Every way this snapshot breaks the invariant, readable; [] when converged."""
        truth = self.truth()
        nonempty = {g for g, pids in truth.items() if pids}
        out = [f"{a} does not list {b}" for a, b in self.missing_links()]
        for slot in self.members:
            for g in GROUPS:
                got, want = Counter(self.members[slot][g]), Counter(truth[g])
                if got != want:
                    out.append(f"{slot} members {g}: missing {sorted((want - got).elements())} "
                               f"extra {sorted((got - want).elements())}")
            if self.groups[slot] != nonempty:
                out.append(f"{slot} groups {sorted(self.groups[slot])}, expected "
                           f"{sorted(nonempty)}")
        return out


@dataclass
class SoakStats:
    seed: int
    nodes: int
    rounds: int = 0
    ops: Counter[str] = field(default_factory=Counter)  # PG_OPS and "rejected"
    faults: Counter[str] = field(default_factory=Counter)  # FAULTS
    checks: int = 0  # quiet points
    divergences: int = 0
    model_mismatches: int = 0  # a node's `local` differs from what the soak did to it
    repairs: int = 0  # node pairs the quiet point had to connect itself
    failed_connects: int = 0
    burned: int = 0  # throwaway processes spawned by restarted nodes
    converge: list[float] = field(default_factory=list)  # s, quiet point start -> converged
    recover: list[float] = field(default_factory=list)  # s, last fault lifted -> converged
    errors: list[str] = field(default_factory=list)  # crashes, hangs: fatal
    interrupted: bool = False
    attack: Any = None  # soak_attackers.AttackStats with --attackers
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.divergences and not self.errors

    @property
    def operations(self) -> int:
        return sum(self.ops[k] for k in PG_OPS)

    def summary(self) -> str:
        def ms(samples: list[float]) -> str:
            s = sorted(samples) or [float("nan")]
            return f"p50={statistics.median(s) * 1000:.1f}ms max={s[-1] * 1000:.1f}ms"

        ops = " ".join(f"{k}={self.ops[k]}" for k in (*PG_OPS, "rejected"))
        return (f"SOAK rounds={self.rounds} operations={self.operations} ({ops}) "
                f"kills/restarts={self.faults['restart']} stops={self.faults['stop']} "
                f"disconnects={self.faults['disconnect']} partitions={self.faults['partition']} "
                f"checks={self.checks} divergences={self.divergences} "
                f"model_mismatches={self.model_mismatches} repairs={self.repairs} "
                f"failed_connects={self.failed_connects} errors={len(self.errors)} "
                f"converge {ms(self.converge)} recover {ms(self.recover)} "
                f"nodes={self.nodes} seed={self.seed} "
                f"{'interrupted=yes ' if self.interrupted else ''}"
                f"elapsed_s={self.elapsed:.1f}"
                + (f" {self.attack.summary()}" if self.attack is not None else ""))
