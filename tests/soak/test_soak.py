"""The chaos soak (benchmarks/soak.py) in the suite: 4 real `pgviz node` processes for 60 s of
random pg operations, SIGKILL/restart, SIGSTOP/SIGCONT, disconnect/connect and partition/heal,
with the invariant checked at every quiet point, and two hostile peers (a slow reader, a gossip
flooder: benchmarks/soak_attackers.py) on n1 throughout. Plus fast checks of the soak's own parts.

PGVIZ_SOAK_SECONDS overrides the length (5 for a quick local run; CI keeps 60) and
PGVIZ_SOAK_SEED the seed (default: a random one, printed so a failure can be replayed with
`python -m benchmarks.soak --nodes 4 --seed N`).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.soak import FAULTS, PG_OPS, run_soak  # noqa: E402
from benchmarks.soak_check import GROUPS, Snapshot  # noqa: E402
from benchmarks.soak_cluster import Cluster  # noqa: E402

from ..support import run  # noqa: E402

SECONDS = float(os.environ.get("PGVIZ_SOAK_SECONDS", "60"))
SEED = int(os.environ.get("PGVIZ_SOAK_SEED") or random.randrange(1 << 30))


@pytest.mark.slow
@pytest.mark.timeout(SECONDS + 240)  # a last quiet point may take its 20 s deadline, and more
def test_chaos_soak_converges_after_every_fault() -> None:
    """Every quiet point converges: each live node's view of every group is the union of the
    live nodes' local members, after kills, restarts, stops, disconnects and partitions --
    with a slow reader and a gossip flooder attached to n1 all along, whose fds and RSS stay
    bounded."""
    lines: list[str] = []

    def out(text: str) -> None:
        lines.append(text)
        print(text, flush=True)

    stats = run(run_soak(4, SECONDS, SEED, out=out, attackers=True), timeout=SECONDS + 200)
    print(stats.summary())
    report = "\n".join([*lines[-60:], stats.summary()])
    assert not stats.errors, f"seed {SEED}: a node crashed or hung:\n{report}"
    assert stats.divergences == 0, f"seed {SEED}: views diverged:\n{report}"
    assert stats.model_mismatches == 0, f"seed {SEED}: a local view is wrong:\n{report}"
    assert stats.checks == stats.rounds >= 1, report
    # The hostile peers on n1 (a slow reader, a gossip flooder) worked and exhausted nothing.
    attack = stats.attack
    assert attack.slow_attaches >= 1 and attack.flood_attaches >= 1, report
    assert attack.slow_frames >= 100 and attack.flood_messages >= 5, report
    assert attack.samples >= 1 and attack.peak_fds > 0, report
    assert attack.peak_fds < 200, f"n1 had {attack.peak_fds} fds open: {report}"
    assert attack.peak_rss_kb < 300 * 1024, f"n1 reached {attack.peak_rss_kb} kB: {report}"
    if SECONDS >= 30:  # the CI length: every kind of operation and fault, several times
        assert stats.rounds >= 12, report
        for kind in PG_OPS:
            assert stats.ops[kind] >= 1, f"no {kind} in {SECONDS:g} s: {stats.summary()}"
        for kind in FAULTS:
            assert stats.faults[kind] >= 3, f"{kind} only {stats.faults[kind]}x: {report}"


def _snapshot(local: dict[str, dict[str, list[str]]],
              members: dict[str, dict[str, list[str]]]) -> Snapshot:
    snap = Snapshot()
    for slot in local:
        snap.links[slot] = set(local) - {slot}
        snap.local[slot] = {g: local[slot].get(g, []) for g in GROUPS}
        snap.members[slot] = {g: sorted(members[slot].get(g, [])) for g in GROUPS}
        snap.groups[slot] = {g for g in GROUPS if snap.members[slot][g]}
    return snap


def test_converged_views_pass_the_check() -> None:
    """Views equal to the union of local members (duplicates kept) pass."""
    local = {"n1": {"g0": ["<n1.3>", "<n1.3>"]}, "n2": {"g0": ["<n2.3>"], "g1": ["<n2.4>"]}}
    view = {"g0": ["<n1.3>", "<n1.3>", "<n2.3>"], "g1": ["<n2.4>"]}
    assert _snapshot(local, {"n1": view, "n2": view}).differences() == []


def test_stale_pid_of_a_dead_incarnation_is_a_divergence() -> None:
    """A view that keeps a pid no live node has (a restarted node's old pid) is reported."""
    local = {"n1": {"g0": ["<n1.3>"]}, "n2": {}}
    snap = _snapshot(local, {"n1": {"g0": ["<n1.3>"]}, "n2": {"g0": ["<n1.3>", "<n2.7>"]}})
    assert snap.differences() == ["n2 members g0: missing [] extra ['<n2.7>']"]


def test_missing_member_duplicate_and_groups_are_divergences() -> None:
    """A missing member, a lost duplicate membership, a wrong `groups` and a missing link."""
    local = {"n1": {"g0": ["<n1.3>", "<n1.3>"]}, "n2": {"g1": ["<n2.3>"]}}
    snap = _snapshot(local, {"n1": {"g0": ["<n1.3>"], "g1": ["<n2.3>"]},
                             "n2": {"g0": ["<n1.3>", "<n1.3>"]}})
    snap.groups["n2"] = {"g0"}
    snap.links["n2"] = set()
    assert snap.differences() == [
        "n2 does not list n1",
        "n1 members g0: missing ['<n1.3>'] extra []",
        "n2 members g1: missing ['<n2.3>'] extra []",
        "n2 groups ['g0'], expected ['g0', 'g1']",
    ]


@pytest.mark.slow
def test_cluster_kills_every_node_even_when_the_body_fails() -> None:
    """No orphans: leaving the cluster with an exception kills every node, a SIGSTOPped one
    included (it would never read the EOF of its stdin)."""
    procs = []

    async def body() -> None:
        async with Cluster(3) as cluster:
            procs.extend(n.proc for n in cluster.live())
            snap = await Snapshot.take(cluster)
            assert snap.differences() == [] and len(snap.links) == 3
            cluster.node("n2").sigstop()
            raise RuntimeError("the soak failed")

    with pytest.raises(RuntimeError, match="the soak failed"):
        run(body(), timeout=60)
    assert len(procs) == 3
    assert all(p.returncode is not None for p in procs)  # killed and reaped
