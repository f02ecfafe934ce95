"""The optional uvloop fast path: the network-facing suites pass on uvloop too, and the
headless node runs on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("uvloop", reason="uvloop is part of the test extra; install '.[test]'")


def test_core_suites_pass_on_uvloop():
    env = dict(os.environ, PGVIZ_TEST_LOOP="uvloop")
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         "tests/pg/test_pg_suite.py", "tests/pg/test_otp_semantics.py", "tests/net",
         "tests/runtime", "tests/test_trace.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert " passed" in res.stdout


def test_headless_node_on_uvloop():
    res = subprocess.run(
        [sys.executable, "-m", "pgviz", "node", "--json", "--loop", "uvloop", "--cookie", "x",
         "--name", "fast"], input="spawn w\njoin g w\nmembers g\nquit\n", capture_output=True,
        text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    replies = [json.loads(line) for line in res.stdout.splitlines()]
    spawned = next(r for r in replies if r.get("reply") == "spawn")
    members = next(r for r in replies if r.get("reply") == "members")
    assert spawned["pid"].startswith("<fast.") and members["members"] == [spawned["pid"]]
