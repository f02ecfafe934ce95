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
    "mesh": ["pgviz_mesh10_join_propagation_p50", "pgviz_mesh10_join_propagation_p99",
             "pgviz_mesh10_join_propagation_last_p50"],
    "memory": ["pgviz_memory_per_member_1m", "pgviz_memory_per_process"],
}


def run_scenario(name: str, *extra: str) -> tuple[dict[str, float], str]:
    env = dict(os.environ)
    env.pop("PGVIZ_BENCH_PROFILE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.scenario", name, "--size", "smoke", *extra],
        cwd=REPO, capture_output=True, text=True, timeout=90, env=env)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    figures: dict[str, float] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT"):
            parts = line.split("\t")
            assert len(parts) == 5, f"malformed RESULT line {line!r}"
            _, fig, value, unit, note = parts
            assert fig.startswith("pgviz_") and unit and note, line
            figures[fig] = float(value)
    return figures, proc.stdout


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
    lat = rows["pgviz_join_propagation_p50"]
    assert "| 2.00x |" in lat and lat.rstrip().endswith("| **no** |")  # 2.0, 3.0, 1.0


def test_uvloop_smoke() -> None:
    """Both nodes on uvloop (`--loop uvloop`), when it is installed (it is optional)."""
    pytest.importorskip("uvloop")
    figures, _ = run_scenario("broadcast", "--loop", "uvloop")
    for fig in EXPECTED["broadcast"]:
        assert figures[fig] > 0, fig
