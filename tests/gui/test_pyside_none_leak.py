"""Regression: PySide6 6.12.0 leaks a reference to None per void call; on Python <= 3.11 an
animated window aborts with "Fatal Python error: none_dealloc". The installed PySide6 must not."""

import subprocess
import sys


def test_void_calls_do_not_exhaust_none_refcount():
    code = "from PySide6.QtCore import QPointF; p=QPointF(); [p.setX(1.0) for _ in range(100000)]"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
