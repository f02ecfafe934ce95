"""`pgviz demo --nodes 2` under Xvfb: two windows start, connect, and stop cleanly on SIGINT."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from pgviz.net import registry


def _start_xvfb():
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is not installed (.ci/run installs xvfb)")
        pytest.skip("Xvfb is not installed")
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x900x24",
                             "-nolisten", "tcp"], pass_fds=(w,), stderr=subprocess.DEVNULL)
    os.close(w)
    with os.fdopen(r) as f:
        display = f.readline().strip()  # Xvfb writes its display number once it is ready
    assert display.isdigit(), "Xvfb did not start"
    return proc, f":{display}"


def _wait(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_demo_two_windows_connect_and_stop_on_sigint(tmp_path):
    xvfb, display = _start_xvfb()
    reg = tmp_path / "registry"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PGVIZ_TILE")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", PGVIZ_REGISTRY_DIR=str(reg),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_RUNTIME_DIR=str(tmp_path))
    demo = subprocess.Popen([sys.executable, "-m", "pgviz", "demo", "--nodes", "2", "-v"],
                            env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(demo.stderr), daemon=True)
    reader.start()
    try:
        _wait(lambda: len(registry.list_nodes(reg)) == 2, 30, "two registered windows")
        _wait(lambda: any("alice@127.0.0.1: nodeup bob" in ln for ln in lines)
              and any("bob@127.0.0.1: nodeup alice" in ln for ln in lines), 30,
              "the two windows to connect")
        assert demo.poll() is None
        demo.send_signal(signal.SIGINT)
        assert demo.wait(30) == 0, "".join(lines)
        reader.join(5)
        assert registry.list_nodes(reg) == [], "a window did not stop cleanly"
        assert not any("Traceback" in ln for ln in lines), "".join(lines)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        xvfb.terminate()
        xvfb.wait(10)
