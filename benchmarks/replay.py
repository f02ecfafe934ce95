"""Replay: a 100k-event recording's open time and a scrub jump's redraw (issue 9, point 5).
Delegates to `python -m benchmarks.replay_bench` in its own process (Qt, offscreen unless
QT_QPA_PLATFORM says otherwise); skipped with a note when the GUI (PySide6) is not installed."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from .common import info

SIZES = {
    "full": dict(events=100_000, jumps=60),
    "quick": dict(events=20_000, jumps=30),
    "smoke": dict(events=1_000, jumps=5),
}
FIGURES = ("pgviz_replay_open_s", "pgviz_replay_scrub_ms", "pgviz_replay_scrub_p95_ms")


def available() -> bool:
    try:
        return importlib.util.find_spec("PySide6") is not None
    except (ImportError, ValueError):
        return False


async def run(events: int, jumps: int) -> None:
    if not available():
        for fig in FIGURES:
            note = f"SKIP\t{fig}\tPySide6 is not installed (pip install 'pgviz[gui]')"
            info(note)
            print(note, flush=True)
        return
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    cmd = [sys.executable, "-m", "benchmarks.replay_bench", "--events", str(events),
           "--jumps", str(jumps)]
    cwd = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    sys.stderr.write(proc.stderr)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT\t")]
    for ln in lines:
        print(ln, flush=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks.replay_bench exited with {proc.returncode}")
    missing = set(FIGURES) - {ln.split("\t")[1] for ln in lines}
    if missing:
        raise RuntimeError(f"benchmarks.replay_bench printed no RESULT line for {sorted(missing)}")
