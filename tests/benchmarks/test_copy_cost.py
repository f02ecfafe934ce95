"""benchmarks.copy_cost runs and prints its figures (smoke size)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_copy_cost_smoke() -> None:
    res = subprocess.run([sys.executable, "-m", "benchmarks.copy_cost", "--size", "smoke"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    figures = {line.split("\t")[1]: float(line.split("\t")[2])
               for line in res.stdout.splitlines() if line.startswith("RESULT\t")}
    for name in ("pgviz_copy_bcast_dict_before", "pgviz_copy_bcast_dict_shared",
                 "pgviz_copy_bcast_dict_copied", "pgviz_copy_bcast_dict_deepcopy",
                 "pgviz_copy_bcast_tuple", "pgviz_copy_cost_dict", "pgviz_copy_overhead_dict"):
        assert name in figures, name
    assert all(figures[n] > 0 for n in figures if "bcast" in n)
