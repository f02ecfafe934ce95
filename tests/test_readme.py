"""The README's library example runs as printed: three instances, three OS processes, loopback."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOTICE = "got ('notice', 'maintenance at 18:00')"


def _example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    found = [b for b in blocks if b.startswith("# instance.py")]
    assert found, "README.md has no ```python block starting with '# instance.py'"
    return found[0]


def _free_base_port() -> int:
    """A base such that base+1 .. base+3 are free on loopback now."""
    for _ in range(100):
        base = random.randrange(20000, 60000)
        try:
            for port in range(base + 1, base + 4):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no three free consecutive ports")


def test_three_instances_example_runs(tmp_path: Path) -> None:
    script = tmp_path / "instance.py"
    script.write_text(_example())
    env = {**os.environ, "BASE_PORT": str(_free_base_port()),
           "PYTHONPATH": str(ROOT)}
    procs = {n: subprocess.Popen([sys.executable, str(script), str(n)], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in (3, 2, 1)}  # the last to start is the one the others dial: they retry
    out = {}
    for n, proc in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=90)
        finally:
            for other in procs.values():
                if other.poll() is None and proc.returncode is None:
                    other.kill()
        assert proc.returncode == 0, f"instance {n}: {stderr}"
        out[n] = stdout.splitlines()
    assert sorted(out[1]) == [f"alice {NOTICE}", f"bob {NOTICE}"]
    assert sorted(out[2]) == [f"carol {NOTICE}", "dave is on instance3@127.0.0.1"]
    three = out[3]
    assert sorted(x for x in three if x.startswith("dave")) == [
        "dave got ('done', 'report 7')", f"dave {NOTICE}"]
    left = sorted(x for x in three if x.startswith("leave"))
    assert len(left) == 2 and all(line.startswith("leave: <instance") for line in left), three
    assert left[0].count("<instance1.") == 2 and left[1].count("<instance2.") == 1, three
    assert re.fullmatch(r"users left: <instance3\.\d+>", three[-1]), three
