"""The atheris harnesses (benchmarks/fuzz_atheris.py) run a few seconds each without a crash:
coverage-guided fuzzing of codec.decode, FrameDecoder.feed and the Handshake state machine."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .harness import RECORD

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 2

pytest.importorskip("atheris", reason="atheris (the `test` extra, Linux x86-64) is not installed")


@pytest.mark.parametrize("target", ["decode", "frames", "handshake"])
def test_atheris_harness_finds_no_crash_in_a_short_run(target, tmp_path):
    started = time.monotonic()
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fuzz_atheris.py"), target,
         f"-max_total_time={SECONDS}", f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    crashes = sorted(p.name for p in tmp_path.iterdir())
    assert res.returncode == 0 and not crashes, f"{crashes}\n{res.stderr[-4000:]}"
    runs = re.search(r"Done (\d+) runs", res.stderr)
    assert runs, res.stderr[-2000:]
    RECORD[f"atheris {target}"] = {"inputs": int(runs.group(1)),
                                   "seconds": time.monotonic() - started, "engine": "atheris"}
