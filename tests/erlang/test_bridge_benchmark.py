"""The bridge benchmark runs (tiny size) and prints its RESULT lines."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .beam import EPMD, ERL, SKIP_REASON


@pytest.mark.skipif(ERL is None or EPMD is None, reason=SKIP_REASON)
def test_erlang_bridge_benchmark_smoke():
    out = subprocess.run([sys.executable, "-m", "benchmarks.erlang_bridge", "--n", "5",
                          "--warm", "2"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    names = [line.split("\t")[1] for line in out.stdout.splitlines()
             if line.startswith("RESULT\t")]
    assert {"pgviz_bridge_join_pgviz_to_beam_p50", "pgviz_bridge_join_beam_to_pgviz_p50",
            "otp_bridge_join_beam_to_beam_p50"} <= set(names)
