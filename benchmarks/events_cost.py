"""What the event stream costs (issue 9, point 2): pgviz before it, with it and nobody
listening, and with a cluster-wide listener on the receiving node, interleaved in one run.

    python -m benchmarks.events_cost --runs 5                 # ~2 min a run at full size
    python -m benchmarks.events_cost --runs 1 --size smoke    # seconds (what the tests run)
    python -m benchmarks.events_cost --table-only DIR         # the table of an earlier run

Three variants of the `local`, `latency` and `broadcast` scenarios (`benchmarks/scenario.py`):

* `before` -- pgviz at `--base` (default: the parent of the commit that added
  `pgviz/events.py`), checked out with `git worktree` under /tmp;
* `head` -- pgviz at `--head` (default HEAD, also a clean worktree, so that uncommitted work in
  the checkout is not measured; `--head worktree` measures the checkout itself), nobody listening;
* `listen` -- the same pgviz with `node.add_listener(cb, cluster=True)` on node B (the receiving
  node; `--set listener=cluster`, `benchmarks/node_b.py`), for latency and broadcast (`local`
  has no receiving node).

Every variant runs this checkout's benchmark scripts (they use nothing newer than the baseline's
API unless a listener is asked for) against the variant's pgviz: each program runs with
PYTHONSAFEPATH=1 and PYTHONPATH=<a folder holding only a link to benchmarks/>:<the variant's
tree>, and before the runs a probe with the same environment prints `pgviz.__file__`, which
must lie in that tree. Per run each scenario's variants run back to back, in alternating order
from run to run. The table gives the medians and, per figure, the median of the per-run ratios
head/before and listen/head with their spread (smallest and largest per-run ratio). Targets (the
issue's): nobody listening within 5% of before (>= 0.95x for rates, <= 1.05x for times) for
local join, join propagation and broadcast; with the listener, broadcast delivered >= 0.5x.
Raw output in --out DIR (default /tmp/pgviz-bench/events-<timestamp>), the
table in DIR/table.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .__main__ import fmt, log, parse

REPO = Path(__file__).resolve().parent.parent
TREES = Path(os.environ.get("PGVIZ_EVENTS_COST_TREES", "/tmp/pgviz-events-cost"))
SCENARIOS = ("local", "latency", "broadcast")
VARIANTS = ("before", "head", "listen")
LISTENED = ("latency", "broadcast")  # scenarios with a receiving node B


@dataclass(frozen=True)
class CostRow:
    figure: str
    higher_is_better: bool
    goal: float | None = None  # the target ratio (new/old), None: shown for information

    def target(self) -> str:
        if self.goal is None:
            return "—"
        return f"{'>=' if self.higher_is_better else '<='} {self.goal:g}x"

    def met(self, ratio: float) -> bool:
        return ratio >= self.goal if self.higher_is_better else ratio <= self.goal  # type: ignore[operator]


# nobody listening vs before the event stream: within 5%
QUIET_ROWS = [
    CostRow("pgviz_local_join", True, 0.95),
    CostRow("pgviz_local_leave", True),
    CostRow("pgviz_local_get_members_1000", True),
    CostRow("pgviz_join_propagation_p50", False, 1.05),
    CostRow("pgviz_join_propagation_p99", False),
    CostRow("pgviz_join_roundtrip_p50", False),
    CostRow("pgviz_leave_propagation_p50", False, 1.05),
    CostRow("pgviz_broadcast_delivered", True, 0.95),
    CostRow("pgviz_broadcast_sent", True),
    CostRow("pgviz_broadcast_round_p50", False, 1.05),
    CostRow("pgviz_broadcast_round_p99", False),
    CostRow("pgviz_broadcast_sendloop_delivered", True),
    CostRow("pgviz_broadcast_sendloop_round_p50", False),
]
# a cluster-wide listener on B vs nobody listening
LISTEN_ROWS = [
    CostRow("pgviz_broadcast_delivered", True, 0.5),
    CostRow("pgviz_broadcast_sent", True),
    CostRow("pgviz_broadcast_round_p50", False),
    CostRow("pgviz_broadcast_sendloop_delivered", True),
    CostRow("pgviz_broadcast_sendloop_round_p50", False),
    CostRow("pgviz_join_propagation_p50", False),
    CostRow("pgviz_leave_propagation_p50", False),
]


# -- the variants' trees ---------------------------------------------------------------------
def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def default_base() -> str:
    """The parent of the commit that added pgviz/events.py (the code before the event stream)."""
    added = git("log", "--diff-filter=A", "--format=%H", "--", "pgviz/events.py").split()
    if not added:
        raise SystemExit("no commit adds pgviz/events.py here: give --base")
    return git("rev-parse", f"{added[-1]}^")


def tree_for(rev: str) -> tuple[Path, str]:
    """A clean checkout of `rev` (a git worktree under $PGVIZ_EVENTS_COST_TREES, reused when it
    is already there), or this checkout itself for "worktree"."""
    if rev == "worktree":
        return REPO, "worktree of " + git("rev-parse", "--short", "HEAD")
    sha = git("rev-parse", f"{rev}^{{commit}}")
    path = TREES / f"tree-{sha[:10]}"
    if path.exists():
        head = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(path), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True).stdout
        if head == sha and not dirty.strip():
            return path, sha
        raise SystemExit(f"{path} exists but is not a clean checkout of {sha[:10]}: "
                         f"remove it (git worktree remove --force {path})")
    TREES.mkdir(parents=True, exist_ok=True)
    log(f"git worktree add --detach {path} {sha[:10]}")
    git("worktree", "add", "--detach", str(path), sha)
    return path, sha


def bench_dir(out: Path) -> Path:
    """A folder holding only a link to this checkout's benchmarks/, first on PYTHONPATH, so that
    every variant runs the same scripts whichever pgviz comes next on the path."""
    d = out / "bench"
    d.mkdir(parents=True, exist_ok=True)
    link = d / "benchmarks"
    if not link.exists():
        link.symlink_to(REPO / "benchmarks", target_is_directory=True)
    return d


def variant_env(bench: Path, tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONSAFEPATH"] = "1"  # not the working directory first: PYTHONPATH decides
    env["PYTHONPATH"] = os.pathsep.join([str(bench), str(tree)])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def check_origin(env: dict[str, str], bench: Path, tree: Path) -> str:
    """Import pgviz and the benchmarks as the variant's programs will; both must come from
    where they should (a stray editable install or the working directory would not do)."""
    probe = ("import benchmarks.scenario, pgviz; print(pgviz.__file__); "
             "print(benchmarks.scenario.__file__)")
    proc = subprocess.run([sys.executable, "-c", probe], env=env, cwd=bench, text=True,
                          capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"cannot import pgviz from {tree}:\n{proc.stderr[-2000:]}")
    pg_file, bench_file = proc.stdout.split()
    if not Path(pg_file).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"pgviz came from {pg_file}, not from {tree}")
    if not Path(bench_file).resolve().is_relative_to((REPO / "benchmarks").resolve()):
        raise SystemExit(f"the benchmarks came from {bench_file}, not from {REPO}")
    return pg_file


# -- running -----------------------------------------------------------------------------------
def run_all(args: argparse.Namespace, out: Path) -> dict[str, str]:
    bench = bench_dir(out)
    base_tree, base_sha = tree_for(args.base)
    head_tree, head_sha = tree_for(args.head)
    trees = {"before": base_tree, "head": head_tree, "listen": head_tree}
    envs = {v: variant_env(bench, t) for v, t in trees.items()}
    meta = {"before": base_sha, "head": head_sha, "listener": args.listener, "size": args.size,
            "loop": args.loop, "runs": str(args.runs), "python": platform.python_version(),
            "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    for v in ("before", "head"):
        meta[f"pgviz_{v}"] = check_origin(envs[v], bench, trees[v])
        log(f"{v}: pgviz {meta[f'pgviz_{v}']} ({meta[v][:10]})")
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    for i in range(1, args.runs + 1):
        log(f"run {i}/{args.runs}")
        for name in args.only:
            variants = [v for v in VARIANTS
                        if v != "listen" or (name in LISTENED and args.listener != "none")]
            if i % 2 == 0:
                variants.reverse()
            for v in variants:
                cmd = [sys.executable, "-m", "benchmarks.scenario", name, "--size", args.size,
                       "--loop", args.loop]
                if v == "listen":
                    cmd += ["--set", f"listener={args.listener}"]
                run_with_env(cmd, out / f"{v}.{name}.{i}.txt", bench, envs[v])
    meta["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def run_with_env(cmd: list[str], path: Path, cwd: Path, env: dict[str, str],
                 timeout: float = 900) -> bool:
    log(f"  $ {' '.join(cmd[1:])}  > {path.name}")
    t0 = time.monotonic()
    with open(path, "w") as f:
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.PIPE,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"    timed out after {timeout:g} s")
            return False
    if proc.returncode != 0:
        log(f"    exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    log(f"    {time.monotonic() - t0:.1f} s")
    return proc.returncode == 0


# -- the table ---------------------------------------------------------------------------------
def load(out: Path) -> tuple[list[dict[str, dict[str, float]]], dict[str, str]]:
    """Per run: variant -> figures; and figure -> unit."""
    runs = max((int(p.name.split(".")[-2]) for p in out.glob("*.*.*.txt")
                if p.name.split(".")[-2].isdigit()), default=0)
    per_run: list[dict[str, dict[str, float]]] = []
    units: dict[str, str] = {}
    for i in range(1, runs + 1):
        by_variant: dict[str, dict[str, float]] = {v: {} for v in VARIANTS}
        for v in VARIANTS:
            for path in sorted(out.glob(f"{v}.*.{i}.txt")):
                by_variant[v].update(parse(path))
                for line in path.read_text().splitlines():
                    parts = line.split("\t")
                    if parts[0] == "RESULT" and len(parts) >= 4:
                        units[parts[1]] = parts[3]
        per_run.append(by_variant)
    return per_run, units


def ratio_rows(per_run: list[dict[str, dict[str, float]]], units: dict[str, str],
               rows: list[CostRow], old: str, new: str) -> list[str]:
    lines = []
    for row in rows:
        olds = [r[old][row.figure] for r in per_run if row.figure in r[old]]
        news = [r[new][row.figure] for r in per_run if row.figure in r[new]]
        ratios = [r[new][row.figure] / r[old][row.figure] for r in per_run
                  if row.figure in r[new] and r[old].get(row.figure)]
        if not ratios:
            continue
        ratio = statistics.median(ratios)
        met = "" if row.goal is None else ("yes" if row.met(ratio) else "**no**")
        lines.append(f"| {row.figure} | {units.get(row.figure, '')} | "
                     f"{'higher' if row.higher_is_better else 'lower'} | "
                     f"{fmt(statistics.median(olds))} | {fmt(statistics.median(news))} | "
                     f"{ratio:.3f}x | {min(ratios):.3f}–{max(ratios):.3f}x | {row.target()} | "
                     f"{met} |")
    return lines


def table(out: Path) -> str:
    per_run, units = load(out)
    meta_path = out / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    before = meta.get("before", "?")[:10]
    head = meta.get("head", "?")[:10]
    listener = meta.get("listener", "cluster")
    head_cols = "| figure | unit | better | {a} median | {b} median | ratio {b}/{a} (median) " \
                "| per-run spread | target | met |"
    sep = "|---|---|---|---:|---:|---:|---|---|---|"
    lines = [f"Nobody listening: head = pgviz at {head} against before = pgviz at {before}", "",
             head_cols.format(a="before", b="head"), sep]
    lines += ratio_rows(per_run, units, QUIET_ROWS, "before", "head")
    if listener != "none":
        lines += ["", f"A {listener}-wide event listener on node B (the receiving node) against "
                  f"nobody listening, both pgviz at {head}", "",
                  head_cols.format(a="head", b="listen"), sep]
        lines += ratio_rows(per_run, units, LISTEN_ROWS, "head", "listen")
    n_runs = sum(1 for r in per_run if any(r.values()))
    lines += ["", f"{n_runs} interleaved runs ({meta.get('size', '?')} size, loop "
              f"{meta.get('loop', '?')}, Python {meta.get('python', '?')}, "
              f"{meta.get('started', '?')}, load average {meta.get('load_start', '?')} at the "
              f"start, {meta.get('load_end', '?')} at the end); ratio = median of the per-run "
              "ratios, spread = the smallest and the largest of them. Raw RESULT lines in "
              f"{out}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.events_cost",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", choices=("full", "quick", "smoke"), default="full")
    ap.add_argument("--only", default=",".join(SCENARIOS),
                    help="comma-separated subset of: " + ", ".join(SCENARIOS))
    ap.add_argument("--base", default=None, help="the code before the event stream (a git "
                    "revision; default: the parent of the commit adding pgviz/events.py)")
    ap.add_argument("--head", default="HEAD", help="the code with it (a git revision, or "
                    "'worktree' for this checkout as it is; default HEAD)")
    ap.add_argument("--listener", choices=("cluster", "local", "none"), default="cluster",
                    help="the listener of the third variant (default cluster-wide; none: no "
                    "third variant, e.g. to compare two revisions)")
    ap.add_argument("--loop", choices=("asyncio", "uvloop", "spin"), default="asyncio")
    ap.add_argument("--out", default=None)
    ap.add_argument("--table-only", metavar="DIR", help="only print the table of DIR")
    args = ap.parse_args(argv)
    if args.table_only:
        print(table(Path(args.table_only)))
        return 0
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        ap.error(f"unknown in --only: {', '.join(sorted(unknown))}")
    if args.base is None:
        args.base = default_base()
    out = Path(args.out or f"/tmp/pgviz-bench/events-{time.strftime('%Y%m%d-%H%M%S')}")
    out.mkdir(parents=True, exist_ok=True)
    log(f"results in {out}")
    run_all(args, out)
    text = table(out)
    (out / "table.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
