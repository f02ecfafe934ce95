"""Smoke run of every pgviz benchmark scenario at tiny sizes (seconds), so the harness cannot rot.

No timing assertions: each scenario must exit 0 (its own correctness checks passed: every join
seen, every broadcast message delivered exactly once, convergence complete...) and print every
RESULT line it promises, numeric and positive. Needs neither Erlang nor Redis."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

EXPECTED = {
    "local": ["pgviz_local_join", "pgviz_local_leave", "pgviz_local_get_members_1000"],
    "latency": ["pgviz_join_propagation_p50", "pgviz_join_propagation_p99",
                "pgviz_join_roundtrip_p50", "pgviz_leave_propagation_p50"],
    "broadcast": ["pgviz_broadcast_delivered", "pgviz_broadcast_sent",
                  "pgviz_broadcast_round_p50", "pgviz_broadcast_round_p99",
                  "pgviz_broadcast_round_rtt_p50", "pgviz_broadcast_sendloop_delivered",
                  "pgviz_broadcast_sendloop_round_p50"],
    "converge": ["pgviz_converge_10k", "pgviz_converge_10k_connect_part"],
    # figure names carry the size: the smoke mesh has 3 nodes, the smoke groups 100 members
    "mesh": ["pgviz_mesh3_join_propagation_p50", "pgviz_mesh3_join_propagation_p99",
             "pgviz_mesh3_join_propagation_last_p50"],
    "memory": ["pgviz_memory_per_member_1m", "pgviz_memory_per_process",
               "pgviz_memory_per_task_process"],
    "converge_many": ["pgviz_converge_300_3n"],
    "biggroup": ["pgviz_biggroup_join_100", "pgviz_biggroup_leave_newest_100",
                 "pgviz_biggroup_leave_oldest_100"],
}


def run_scenario(name: str, *extra: str) -> tuple[dict[str, float], str]:
    env = dict(os.environ)
    env.pop("PGVIZ_BENCH_PROFILE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.scenario", name, "--size", "smoke", *extra],
        cwd=REPO, capture_output=True, text=True, timeout=90, env=env)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    figures = results(proc.stdout, "pgviz_")
    return figures, proc.stdout


def results(stdout: str, prefix: str) -> dict[str, float]:
    """The RESULT lines of a benchmark's output, each well formed and named `prefix...`."""
    figures: dict[str, float] = {}
    for line in stdout.splitlines():
        if line.startswith("RESULT"):
            parts = line.split("\t")
            assert len(parts) == 5, f"malformed RESULT line {line!r}"
            _, fig, value, unit, note = parts
            assert fig.startswith(prefix) and unit and note, line
            figures[fig] = float(value)
    return figures


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_smoke(name: str) -> None:
    figures, out = run_scenario(name)
    missing = [f for f in EXPECTED[name] if f not in figures]
    assert not missing, f"{name}: no RESULT line for {missing}\n{out}"
    for fig in EXPECTED[name]:
        value = figures[fig]
        assert math.isfinite(value) and value > 0, f"{fig} = {value}"


def test_gui_frame_smoke() -> None:
    from benchmarks import gui

    figures, out = run_scenario("gui")
    if not gui.available():
        assert "SKIP\tpgviz_gui_frame_ms" in out
        pytest.skip("pgviz.gui.framebench does not exist yet")
    assert figures.get("pgviz_gui_frame_ms", 0) > 0, out


def test_replay_smoke() -> None:
    """The replay benchmark (open + scrub, offscreen) through the scenario runner."""
    from benchmarks import replay

    figures, out = run_scenario("replay")
    if not replay.available():
        assert "SKIP\tpgviz_replay_open_s" in out
        pytest.skip("PySide6 is not installed")
    for fig in replay.FIGURES:
        assert math.isfinite(figures.get(fig, math.nan)) and figures[fig] > 0, (fig, out)


def test_listener_on_b_smoke() -> None:
    """`--set listener=cluster`: a cluster-wide event listener on node B, which receives
    events (its own and A's, forwarded) while the scenario runs."""
    for name in ("latency", "broadcast"):
        figures, out = run_scenario(name, "--set", "listener=cluster")
        for fig in EXPECTED[name]:
            assert figures[fig] > 0, fig
        seen = [line for line in out.splitlines() if "cluster event listener on B" in line]
        assert seen, out
        assert "(0 events received" not in seen[0], seen[0]


def test_events_cost_smoke(tmp_path: Path) -> None:
    """benchmarks.events_cost end to end at smoke size on this checkout (as both the code
    before and after: no git worktree is made), two runs so that both orders run; pgviz is
    imported from the tree it names."""
    env = dict(os.environ)
    env.pop("PGVIZ_BENCH_PROFILE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.events_cost", "--runs", "2", "--size", "smoke",
         "--base", "worktree", "--head", "worktree", "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr[-4000:]}"
    for v, scenarios in (("before", ("local", "latency", "broadcast")),
                         ("head", ("local", "latency", "broadcast")),
                         ("listen", ("latency", "broadcast"))):
        for name in scenarios:
            for i in (1, 2):
                assert (tmp_path / f"{v}.{name}.{i}.txt").read_text().startswith("RESULT"), \
                    (v, name, i)
    assert not list(tmp_path.glob("listen.local.*"))
    meta = (tmp_path / "meta.json").read_text()
    assert str(REPO / "pgviz" / "__init__.py") in meta
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| pgviz_")]
    assert any(r.startswith("| pgviz_local_join |") for r in rows), proc.stdout
    assert sum(r.startswith("| pgviz_broadcast_delivered |") for r in rows) == 2, proc.stdout


def test_events_cost_table(tmp_path: Path) -> None:
    """Ratios are per run (new/old in the same run), then the median; the spread is their
    smallest and largest; a time's target is a ceiling, a rate's a floor."""
    from benchmarks.events_cost import table

    runs = [  # (before, head, listen) local_join ops/s; (before, head) join_propagation_p50 us
        ((100.0, 96.0, None), (50.0, 52.0)),
        ((200.0, 180.0, None), (40.0, 50.0)),
        ((150.0, 150.0, None), (60.0, 60.0)),
    ]
    for i, ((j_a, j_b, _), (p_a, p_b)) in enumerate(runs, start=1):
        (tmp_path / f"before.local.{i}.txt").write_text(
            f"RESULT\tpgviz_local_join\t{j_a}\tops/s\tn\n")
        (tmp_path / f"head.local.{i}.txt").write_text(
            f"RESULT\tpgviz_local_join\t{j_b}\tops/s\tn\n")
        (tmp_path / f"before.latency.{i}.txt").write_text(
            f"RESULT\tpgviz_join_propagation_p50\t{p_a}\tus\tn\n")
        (tmp_path / f"head.latency.{i}.txt").write_text(
            f"RESULT\tpgviz_join_propagation_p50\t{p_b}\tus\tn\nnoise\n")
        (tmp_path / f"head.broadcast.{i}.txt").write_text(
            "RESULT\tpgviz_broadcast_delivered\t1000\tmsgs/s\tn\n")
        (tmp_path / f"listen.broadcast.{i}.txt").write_text(
            f"RESULT\tpgviz_broadcast_delivered\t{400 + 100 * i}\tmsgs/s\tn\n")
    text = table(tmp_path)
    rows = {}
    for line in text.splitlines():
        if line.startswith("| pgviz_"):
            rows.setdefault(line.split(" | ")[0].strip("| "), []).append(line)
    join = rows["pgviz_local_join"][0]  # ratios 0.96, 0.90, 1.00
    assert "| 0.960x | 0.900–1.000x | >= 0.95x | yes |" in join
    prop = rows["pgviz_join_propagation_p50"][0]  # ratios 1.04, 1.25, 1.00
    assert "| 1.040x | 1.000–1.250x | <= 1.05x | yes |" in prop
    listen = rows["pgviz_broadcast_delivered"][-1]  # 0.5, 0.6, 0.7
    assert "| 0.600x | 0.500–0.700x | >= 0.5x | yes |" in listen
    assert len(rows["pgviz_broadcast_delivered"]) == 1  # no `before` broadcast figures here


def test_spin_loop_smoke() -> None:
    """The experimental busy-polling loop (`--loop spin`) on both nodes."""
    figures, _ = run_scenario("latency", "--loop", "spin")
    assert figures["pgviz_join_propagation_p50"] > 0


def test_runner_table(tmp_path: Path) -> None:
    """The runner pairs each figure with its anchor of the same run; ratio = median of ratios."""
    from benchmarks.__main__ import table

    for i, (pg_join, otp_join, pg_lat, otp_lat) in enumerate(
            [(200_000, 40_000, 100.0, 50.0), (300_000, 50_000, 90.0, 30.0),
             (250_000, 60_000, 80.0, 80.0)], start=1):
        (tmp_path / f"pgviz.local.{i}.txt").write_text(
            f"RESULT\tpgviz_local_join\t{pg_join}\tops/s\tn\n"
            f"RESULT\tpgviz_join_propagation_p50\t{pg_lat}\tus\tn\n")
        (tmp_path / f"otp.local.{i}.txt").write_text(
            f"RESULT\totp_local_join\t{otp_join}\tops/s\tn\n"
            f"RESULT\totp_join_propagation_p50\t{otp_lat}\tus\tn\nnoise line\n")
    text = table(tmp_path, 3)
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()
            if line.startswith("| pgviz_")}
    join = rows["pgviz_local_join"]
    assert "| 250,000 |" in join and "| 50,000 |" in join
    assert "| 5.00x |" in join  # ratios 5.0, 6.0, 4.17 -> median 5.0
    assert join.rstrip().endswith("| yes |")
    lat = next(line for line in text.splitlines()  # the row against OTP (another: the floor)
               if line.startswith("| pgviz_join_propagation_p50 |")
               and "otp_join_propagation_p50" in line)
    assert "| 2.00x |" in lat and lat.rstrip().endswith("| **no** |")  # 2.0, 3.0, 1.0


def test_runner_table_absolute_target(tmp_path: Path) -> None:
    """A figure without an anchor but with a target (the replay's) is judged by its median."""
    from benchmarks.__main__ import table

    for i, (open_s, scrub) in enumerate([(1.5, 30.0), (2.5, 60.0), (1.9, 70.0)], start=1):
        (tmp_path / f"pgviz.replay.{i}.txt").write_text(
            f"RESULT\tpgviz_replay_open_s\t{open_s}\ts\tn\n"
            f"RESULT\tpgviz_replay_scrub_ms\t{scrub}\tms\tn\n")
    rows = {line.split(" | ")[0].strip("| "): line for line in table(tmp_path, 3).splitlines()
            if line.startswith("| pgviz_")}
    assert "| 1.90 |" in rows["pgviz_replay_open_s"]
    assert rows["pgviz_replay_open_s"].rstrip().endswith("| <= 2 s | yes |")
    assert rows["pgviz_replay_scrub_ms"].rstrip().endswith("| <= 50 ms | **no** |")


def test_uvloop_smoke() -> None:
    """Both nodes on uvloop (`--loop uvloop`), when it is installed (it is optional)."""
    pytest.importorskip("uvloop")
    figures, _ = run_scenario("broadcast", "--loop", "uvloop")
    for fig in EXPECTED["broadcast"]:
        assert figures[fig] > 0, fig


def run_floor(*args: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.asyncio_floor", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return results(proc.stdout, "calib_asyncio_")


def test_asyncio_floor_smoke() -> None:
    """The event loop's own floor: one-way and a 4-node mesh, every figure positive; the
    last peer of a round is never earlier than the pooled median."""
    oneway = run_floor("oneway", "--rounds", "200")
    assert list(oneway) == ["calib_asyncio_oneway_p50"] and oneway["calib_asyncio_oneway_p50"] > 0
    mesh = run_floor("mesh", "4", "--rounds", "100")
    assert set(mesh) == {"calib_asyncio_mesh4_p50", "calib_asyncio_mesh4_last_p50",
                         "calib_asyncio_mesh4_cpu_per_round_a",
                         "calib_asyncio_mesh4_cpu_per_round_peer"}
    assert all(v > 0 for v in mesh.values()), mesh
    assert mesh["calib_asyncio_mesh4_last_p50"] >= mesh["calib_asyncio_mesh4_p50"]


def test_asyncio_floor_with_pgviz_wire() -> None:
    """`--wire pgviz` sends pg-shaped terms through pgviz's codec, framing and MAC (a frame
    that did not decode to the stamps would fail the run or give negative times)."""
    mesh = run_floor("mesh", "3", "--rounds", "50", "--wire", "pgviz")
    assert set(mesh) == {"calib_asyncio_pgwire_mesh3_p50", "calib_asyncio_pgwire_mesh3_last_p50",
                         "calib_asyncio_pgwire_mesh3_cpu_per_round_a",
                         "calib_asyncio_pgwire_mesh3_cpu_per_round_peer"}
    assert all(v > 0 for v in mesh.values()), mesh


def test_runner_table_floor_rows(tmp_path: Path) -> None:
    """The loop's floor stands beside the pgviz figure it bounds, from the same run."""
    from benchmarks.__main__ import table

    for i, (pg, floor) in enumerate([(60.0, 30.0), (50.0, 40.0), (90.0, 30.0)], start=1):
        (tmp_path / f"pgviz.latency.{i}.txt").write_text(
            f"RESULT\tpgviz_join_propagation_p50\t{pg}\tus\tn\n")
        (tmp_path / f"floor.oneway.{i}.txt").write_text(
            f"RESULT\tcalib_asyncio_oneway_p50\t{floor}\tus\tn\n")
        (tmp_path / f"calib.{i}.txt").write_text(
            "RESULT\tcalib_tcp_pingpong_rtt_p50\t50.0\tus\tn\n")
    lines = table(tmp_path, 3).splitlines()
    vs_floor = next(line for line in lines if line.startswith("| pgviz_join_propagation_p50 |")
                    and "calib_asyncio_oneway_p50" in line)
    assert "| 2.00x |" in vs_floor  # 2.0, 1.25, 3.0 -> median 2.0
    loop_row = next(line for line in lines if line.startswith("| calib_asyncio_oneway_p50 |"))
    assert "| 0.60x |" in loop_row and loop_row.rstrip().endswith("| yes |")  # 0.6, 0.8, 0.6


def test_opcount_counts_a_hop_of_pgviz_and_of_the_empty_loop(tmp_path: Path) -> None:
    """benchmarks/opcount.py: with PGVIZ_BENCH_OPCOUNT set, the mesh's first watcher and the
    floor's first peer write their per-event counts; a pgviz hop runs more Python than the
    empty loop's (its codec, MAC and routing come on top of the same loop)."""
    env = dict(os.environ, PGVIZ_BENCH_OPCOUNT=str(tmp_path))
    for args in (["benchmarks.scenario", "mesh", "--size", "smoke", "--set", "n=20"],
                 ["benchmarks.asyncio_floor", "mesh", "3", "--rounds", "40"]):
        proc = subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                              text=True, timeout=90, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]

    def per_event(label: str) -> float:
        head = (tmp_path / f"{label}.txt").read_text().splitlines()[0].split()
        fields = dict(f.split("=") for f in head[2:])
        assert int(fields["events"]) > 0 and float(fields["calls"]) > 0, head
        return float(fields["bytecodes"])
    assert per_event("pgviz_bench_m1") > per_event("asyncio_plain_peer") > 0
