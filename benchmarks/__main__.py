"""Side-by-side runner: pgviz's scenarios interleaved with the OTP pg / Redis anchors.

    python -m benchmarks [--runs N] [--quick] [--only local,latency,...] [--no-anchors]
                         [--loop asyncio|uvloop] [--out DIR]

Per run it executes calib.py, then each scenario pair back to back (OTP's `otp/run.sh <bench>`
and `python -m benchmarks.scenario <bench>`, in alternating order from run to run), the Redis
anchor next to the broadcast pair, then the pgviz-only scenarios (mesh, memory, gui, replay).
Every program's raw output goes to DIR (default $BENCH_OUT, else /tmp/pgviz-bench/<timestamp>),
and a markdown table of medians and pgviz/anchor ratios (median of the per-run ratios, the
figure the issue's targets are about) is printed and written to DIR/table.md.

The anchors are the read-only scripts of ../shared/anchors (from the repository root), or of
$PGVIZ_ANCHORS; they run unchanged. Erlang/OTP and redis-server are installed from Debian with
apt-get when missing (as root), and the `redis` Python package with pip.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .scenario import SCENARIOS

REPO = Path(__file__).resolve().parent.parent
PAIRED = ("local", "latency", "broadcast", "converge")  # have an otp/run.sh counterpart
# Scale scenarios and their OTP counterparts in this repository's benchmarks/otp/pg_scale.erl
# (run by benchmarks/otp/run.sh, not an anchor script): name -> [(tag, pg_scale.erl arguments,
# the pgviz scenario's --set arguments, full size), ...]; quick sizes in SCALE_QUICK.
SCALE = {
    "mesh": [("10", ["mesh", "10"], ["nodes=10"]), ("30", ["mesh", "30"], ["nodes=30"])],
    "converge_many": [("", ["converge", "100000", "10"], [])],
    "memory": [("", ["memory", "1000000", "100000"], [])],
    "biggroup": [("", ["biggroup", "1000"], ["sizes=1000"]),
                 ("1m", ["biggroup", "1000000"], ["sizes=1000000"])],
}
SCALE_QUICK = {
    "mesh": [("10", ["mesh", "10", "10", "100"], ["nodes=10"])],
    "converge_many": [("", ["converge", "20000", "4"], [])],
    "memory": [("", ["memory", "100000", "20000"], [])],
    "biggroup": [("", ["biggroup", "1000"], ["sizes=1000"]),
                 ("100k", ["biggroup", "100000"], ["sizes=100000"])],
}
ANCHOR_KINDS = ("calib", "otp", "redis")


@dataclass(frozen=True)
class Row:
    figure: str
    anchor: str | None
    higher_is_better: bool
    target: str = ""  # e.g. ">= 5x"
    goal: float | None = None  # the target ratio pgviz/anchor; without an anchor, the target
    # value of the figure itself (its median is compared with it)


ROWS = [
    Row("pgviz_local_join", "otp_local_join", True, ">= 5x", 5.0),
    Row("pgviz_local_leave", "otp_local_leave", True),
    Row("pgviz_local_get_members_1000", "otp_local_get_members_1000", True, ">= 1x", 1.0),
    Row("pgviz_join_propagation_p50", "otp_join_propagation_p50", False, "<= 1.5x", 1.5),
    Row("pgviz_join_propagation_p99", "otp_join_propagation_p99", False),
    Row("pgviz_join_roundtrip_p50", "otp_join_roundtrip_p50", False),
    Row("pgviz_leave_propagation_p50", "otp_leave_propagation_p50", False),
    Row("pgviz_join_roundtrip_p50", "calib_tcp_pingpong_rtt_p50", False, "floor"),
    # issue 15: one-way propagation <= 1.3x the one-way floor (half the calibration's RTT)
    Row("pgviz_join_propagation_p50", "calib_tcp_pingpong_rtt_p50", False,
        "<= 0.65x RTT (1.3x floor)", 0.65),
    # the event loop's own floor (asyncio_floor.py): what no asyncio program gets under
    Row("calib_asyncio_oneway_p50", "calib_tcp_pingpong_rtt_p50", False,
        "<= 0.65x RTT (1.3x floor)", 0.65),
    Row("pgviz_join_propagation_p50", "calib_asyncio_oneway_p50", False),
    Row("pgviz_broadcast_delivered", "otp_broadcast_delivered", True, ">= 1x", 1.0),
    Row("pgviz_broadcast_delivered", "redis_delivered", True, ">= 3x", 3.0),
    Row("pgviz_broadcast_sent", "otp_broadcast_sent", True),
    Row("pgviz_broadcast_round_p50", "otp_broadcast_round_p50", False, "<= 1x", 1.0),
    Row("pgviz_broadcast_round_p99", "otp_broadcast_round_p99", False),
    Row("pgviz_broadcast_round_rtt_p50", "otp_broadcast_round_rtt_p50", False),
    Row("pgviz_broadcast_round_p50", "redis_fanout_p50", False),
    Row("pgviz_broadcast_sendloop_delivered", "otp_broadcast_delivered", True),
    Row("pgviz_broadcast_sendloop_round_p50", "otp_broadcast_round_p50", False),
    Row("pgviz_converge_10k", "otp_converge_10k", False, "<= 2x", 2.0),
    Row("pgviz_converge_10k_connect_part", "otp_converge_10k_connect_part", False),
    Row("pgviz_mesh10_join_propagation_p50", "otp_mesh10_join_propagation_p50", False,
        "<= 2x", 2.0),
    Row("pgviz_mesh10_join_propagation_p99", "otp_mesh10_join_propagation_p99", False),
    Row("pgviz_mesh10_join_propagation_last_p50", "otp_mesh10_join_propagation_last_p50", False),
    Row("calib_asyncio_mesh10_p50", "otp_mesh10_join_propagation_p50", False),
    Row("pgviz_mesh10_join_propagation_p50", "calib_asyncio_mesh10_p50", False),
    Row("pgviz_mesh10_join_propagation_last_p50", "calib_asyncio_mesh10_last_p50", False),
    Row("pgviz_mesh30_join_propagation_p50", "otp_mesh30_join_propagation_p50", False),
    Row("calib_asyncio_mesh30_p50", "otp_mesh30_join_propagation_p50", False),
    Row("pgviz_mesh30_join_propagation_p50", "calib_asyncio_mesh30_p50", False),
    Row("pgviz_mesh30_join_propagation_p99", "otp_mesh30_join_propagation_p99", False),
    Row("pgviz_mesh30_join_propagation_last_p50", "otp_mesh30_join_propagation_last_p50", False),
    Row("pgviz_converge_100k_10n", "otp_converge_100k_10n", False),
    Row("pgviz_memory_per_member_1m", "otp_memory_per_member_1m", False, "<= 2x", 2.0),
    Row("pgviz_memory_per_task_process", "otp_memory_per_process_100k", False),
    Row("pgviz_memory_per_process", "otp_memory_per_process_100k", False),
    Row("pgviz_biggroup_join_1k", "otp_biggroup_join_1k", False),
    Row("pgviz_biggroup_join_1m", "otp_biggroup_join_1m", False),
    Row("pgviz_biggroup_leave_newest_1k", "otp_biggroup_leave_newest_1k", False),
    Row("pgviz_biggroup_leave_newest_1m", "otp_biggroup_leave_newest_1m", False),
    Row("pgviz_biggroup_leave_oldest_1k", "otp_biggroup_leave_oldest_1k", False),
    Row("pgviz_biggroup_leave_oldest_1m", "otp_biggroup_leave_oldest_1m", False),
    Row("pgviz_gui_frame_ms", None, False),
    Row("pgviz_replay_open_s", None, False, "<= 2 s", 2.0),
    Row("pgviz_replay_scrub_ms", None, False, "<= 50 ms", 50.0),
    Row("pgviz_replay_scrub_p95_ms", None, False, "<= 50 ms", 50.0),
    Row("calib_tcp_pingpong_rtt_p50", None, False),
    Row("calib_tcp_pingpong_rtt_p99", None, False),
    Row("calib_asyncio_mesh10_cpu_per_round_a", None, False),
    Row("calib_asyncio_mesh10_cpu_per_round_peer", None, False),
]


def anchors_dir() -> Path:
    env = os.environ.get("PGVIZ_ANCHORS")
    return Path(env) if env else (REPO.parent / "shared" / "anchors").resolve()


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- prerequisites -----------------------------------------------------------------------------
def ensure_tools(kinds: set[str]) -> set[str]:
    """Install what the anchors need when missing; returns the anchor kinds that can run."""
    ok = set(kinds)
    debs = []
    if "otp" in kinds and not (shutil.which("erl") and shutil.which("erlc")):
        debs += ["erlang-base", "erlang-dev", "erlang-src"]
    if "redis" in kinds and not shutil.which("redis-server"):
        debs.append("redis-server")
    if debs:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            log(f"installing from Debian: {' '.join(debs)}")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", *debs], env=env, check=False)
        else:
            log(f"missing {' '.join(debs)} and not root: those anchors are skipped")
    if "otp" in kinds and not (shutil.which("erl") and shutil.which("erlc")):
        ok.discard("otp")
    if "redis" in kinds and not shutil.which("redis-server"):
        ok.discard("redis")
    if "redis" in ok:
        try:
            import redis  # noqa: F401
        except ImportError:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "redis"], check=False)
            try:
                import redis  # noqa: F401,F811
            except ImportError:
                log("the redis Python package is missing: the Redis anchor is skipped")
                ok.discard("redis")
    return ok


# -- running -----------------------------------------------------------------------------------------
def run_to_file(cmd: list[str], out: Path, cwd: Path, timeout: float = 900) -> bool:
    log(f"  $ {' '.join(cmd)}  > {out.name}")
    t0 = time.monotonic()
    with open(out, "w") as f:
        try:
            proc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.PIPE, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"    timed out after {timeout:g} s")
            return False
    if proc.returncode != 0:
        log(f"    exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    elif proc.stderr.strip():
        tail = proc.stderr.strip().splitlines()[-3:]
        log("    " + "\n    ".join(tail))
    log(f"    {time.monotonic() - t0:.1f} s")
    return proc.returncode == 0


def parse(path: Path) -> dict[str, float]:
    figures = {}
    if not path.exists():
        return figures
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if parts[0] == "RESULT" and len(parts) >= 3:
            try:
                figures[parts[1]] = float(parts[2])
            except ValueError:
                pass
    return figures


def one_run(i: int, args: argparse.Namespace, out: Path, anchors: Path, kinds: set[str]) -> None:
    py = sys.executable
    size = "quick" if args.quick else "full"

    def pgviz(name: str) -> None:
        run_to_file([py, "-m", "benchmarks.scenario", name, "--size", size, "--loop", args.loop],
                    out / f"pgviz.{name}.{i}.txt", REPO)

    def otp(name: str) -> None:
        if "otp" in kinds:
            run_to_file(["bash", str(anchors / "otp" / "run.sh"), name],
                        out / f"otp.{name}.{i}.txt", anchors)

    def floor(*what: str) -> None:
        # the event loop's own floor (benchmarks/asyncio_floor.py), beside the figure it bounds
        if "calib" in kinds:
            run_to_file([py, "-m", "benchmarks.asyncio_floor", *what, "--loop", args.loop],
                        out / f"floor.{'_'.join(what)}.{i}.txt", REPO)

    def scale_pairs(name: str) -> None:
        for tag, erl_args, sets in (SCALE_QUICK if args.quick else SCALE)[name]:
            steps = []
            if "otp" in kinds:
                steps.append(lambda t=tag, a=erl_args: run_to_file(
                    ["bash", str(REPO / "benchmarks" / "otp" / "run.sh"), *a],
                    out / f"otpscale.{name}{t}.{i}.txt", REPO, timeout=1800))
            sets_args = [x for kv in sets for x in ("--set", kv)]
            steps.append(lambda t=tag, st=sets_args: run_to_file(
                [py, "-m", "benchmarks.scenario", name, "--size", size, "--loop", args.loop,
                 *st], out / f"pgviz.{name}{t}.{i}.txt", REPO, timeout=1800))
            if i % 2 == 0:
                steps.reverse()
            for step in steps:
                step()
            if name == "mesh":
                floor("mesh", erl_args[1])

    if "calib" in kinds:
        run_to_file([py, str(anchors / "calib.py")], out / f"calib.{i}.txt", anchors)
        floor("oneway")
    for name in PAIRED:
        if name not in args.only:
            continue
        pair = [lambda n=name: otp(n), lambda n=name: pgviz(n)]
        if i % 2 == 0:
            pair.reverse()
        for step in pair:
            step()
        if name == "broadcast" and "redis" in kinds:
            cmd = [py, str(anchors / "redis" / "bench.py")]
            if args.quick:
                cmd += ["--duration", "1", "--rounds", "200", "--warmup", "20"]
            run_to_file(cmd, out / f"redis.{i}.txt", anchors)
    for name in SCENARIOS:
        if name not in PAIRED and name in args.only:
            if name in SCALE:
                scale_pairs(name)
            else:
                pgviz(name)


# -- the table -----------------------------------------------------------------------------------------
def fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def table(out: Path, runs: int) -> str:
    per_run: list[dict[str, float]] = []
    units: dict[str, str] = {}
    for i in range(1, runs + 1):
        figs: dict[str, float] = {}
        for path in sorted(out.glob(f"*.{i}.txt")):
            figs.update(parse(path))
            for line in path.read_text().splitlines():
                parts = line.split("\t")
                if parts[0] == "RESULT" and len(parts) >= 4:
                    units[parts[1]] = parts[3]
        per_run.append(figs)

    def med(name: str) -> float | None:
        vals = [r[name] for r in per_run if name in r]
        return statistics.median(vals) if vals else None

    lines = ["| figure | unit | pgviz median | anchor | anchor median | ratio pgviz/anchor "
             "| better | target | met |",
             "|---|---|---:|---|---:|---:|---|---|---|"]
    for row in ROWS:
        pm = med(row.figure)
        if pm is None:
            continue
        ratio = None
        am = None
        if row.anchor:
            am = med(row.anchor)
            ratios = [r[row.figure] / r[row.anchor] for r in per_run
                      if row.figure in r and r.get(row.anchor)]
            ratio = statistics.median(ratios) if ratios else None
        better = "higher" if row.higher_is_better else "lower"
        met = ""
        judged = ratio if row.anchor else pm  # an absolute target when there is no anchor
        if row.goal is not None and judged is not None:
            good = judged >= row.goal if row.higher_is_better else judged <= row.goal
            met = "yes" if good else "**no**"
        lines.append(f"| {row.figure} | {units.get(row.figure, '')} | {fmt(pm)} | "
                     f"{row.anchor or '—'} | {fmt(am)} | "
                     f"{'—' if ratio is None else f'{ratio:.2f}x'} | {better} | "
                     f"{row.target or '—'} | {met} |")
    n_runs = sum(1 for r in per_run if r)
    lines.append("")
    lines.append(f"Medians over {n_runs} interleaved runs; ratio = median of the per-run ratios "
                 "pgviz/anchor (same run, same machine state). Raw RESULT lines in "
                 f"{out}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="smaller pgviz sizes and a 1 s Redis anchor (OTP's script has no sizes; "
                         "ratios are then only indicative)")
    ap.add_argument("--only", default=",".join(SCENARIOS + ANCHOR_KINDS),
                    help="comma-separated subset of: " + ", ".join(SCENARIOS + ANCHOR_KINDS))
    ap.add_argument("--no-anchors", action="store_true", help="pgviz scenarios only")
    ap.add_argument("--loop", choices=("asyncio", "uvloop", "spin"), default="asyncio",
                    help="event loop of the pgviz nodes (spin: busy-poll before sleeping, experimental; uvloop must be installed)")
    ap.add_argument("--out", default=None, help="results directory (default $BENCH_OUT or "
                    "/tmp/pgviz-bench/<timestamp>)")
    ap.add_argument("--table-only", metavar="DIR",
                    help="only print the table of an earlier results directory")
    args = ap.parse_args(argv)
    if args.table_only:
        d = Path(args.table_only)
        runs = max((int(p.name.split(".")[-2]) for p in d.glob("*.txt")
                    if p.name.split(".")[-2].isdigit()), default=0)
        print(table(d, runs))
        return 0
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(SCENARIOS) - set(ANCHOR_KINDS)
    if unknown:
        ap.error(f"unknown in --only: {', '.join(sorted(unknown))}")
    # naming only pgviz scenarios keeps every anchor kind; naming an anchor kind selects anchors
    if not only & set(ANCHOR_KINDS):
        only |= set(ANCHOR_KINDS)
    if not only & set(SCENARIOS):
        only |= set(SCENARIOS)
    args.only = only
    out = Path(args.out or os.environ.get("BENCH_OUT") or
               f"/tmp/pgviz-bench/{time.strftime('%Y%m%d-%H%M%S')}")
    out.mkdir(parents=True, exist_ok=True)
    anchors = anchors_dir()
    kinds = set() if args.no_anchors else only & set(ANCHOR_KINDS)
    if kinds and not (anchors / "otp" / "run.sh").exists():
        log(f"anchors not found at {anchors} (set PGVIZ_ANCHORS): running pgviz only")
        kinds = set()
    kinds = ensure_tools(kinds)
    log(f"results in {out}; anchors from {anchors}: {', '.join(sorted(kinds)) or 'none'}")
    for i in range(1, args.runs + 1):
        log(f"run {i}/{args.runs}")
        one_run(i, args, out, anchors, kinds)
    text = table(out, args.runs)
    (out / "table.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
