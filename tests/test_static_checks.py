"""ruff on the package and the tests, mypy on every layer (the GUI included), and the
import-linter contracts of pyproject.toml (Qt only in the GUI, layers point down, a Qt-free
model), as CONVENTIONS.md and DESIGN.md ask."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("tool,args", [
    ("ruff", ["check", "pgviz", "tests"]),
    ("mypy", []),
    ("lint-imports", []),
])
def test_static_check(tool, args):
    if shutil.which(tool) is None and not (Path(sys.executable).parent / tool).exists():
        pytest.fail(f"{tool} is not installed: pip install -e '.[test]'")
    exe = shutil.which(tool) or str(Path(sys.executable).parent / tool)
    res = subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
