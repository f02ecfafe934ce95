"""The README's library example runs as printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_library_example_runs():
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("[Pid('bob@127.0.0.1', ")
    assert lines[1].startswith("<bob.") and lines[1].endswith("got ('done', 42)")
