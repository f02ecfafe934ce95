"""`pgviz demo` stopped by SIGTERM as a service manager or `xvfb-run` does it: the whole
process group at once, its X server going down at the same moment. Every window ends
quietly (no "Event loop stopped before Future completed" traceback) and the demo exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from pgviz.net import registry

from ..gui.test_demo_xvfb import _start_xvfb, _wait


@pytest.mark.slow
def test_demo_stopped_with_its_display_by_sigterm_exits_cleanly(tmp_path):
    xvfb, display = _start_xvfb()
    reg = tmp_path / "registry"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PGVIZ_TILE")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", PGVIZ_REGISTRY_DIR=str(reg),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_RUNTIME_DIR=str(tmp_path))
    demo = subprocess.Popen([sys.executable, "-m", "pgviz", "demo", "--nodes", "2", "-v"],
                            env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(demo.stderr), daemon=True)
    reader.start()
    try:
        _wait(lambda: len(registry.list_nodes(reg)) == 2, 30, "two registered windows")
        _wait(lambda: any("nodeup" in ln for ln in lines), 30, "the windows to connect")
        xvfb.terminate()  # the display goes ...
        os.killpg(demo.pid, signal.SIGTERM)  # ... with the demo and both windows
        assert demo.wait(30) == 0, "".join(lines)
        reader.join(5)
        text = "".join(lines)
        assert "Traceback" not in text and "Event loop stopped" not in text, text
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        if xvfb.poll() is None:
            xvfb.terminate()
        xvfb.wait(10)
