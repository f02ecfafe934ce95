"""GUI frame time: delegates to `python -m pgviz.gui.framebench` (30 nodes, 1000 members,
500 dots), written with the desktop app. Skipped with a note when that module is absent."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from .common import info

SIZES = {"full": dict(frames=0), "quick": dict(frames=60), "smoke": dict(frames=10)}


def available() -> bool:
    try:
        return importlib.util.find_spec("pgviz.gui.framebench") is not None
    except (ImportError, ValueError):
        return False


async def run(frames: int = 0) -> None:
    """frames=0: framebench's own default; otherwise passed as --frames when it has it."""
    if not available():
        info("SKIP\tpgviz_gui_frame_ms\tpgviz.gui.framebench does not exist yet")
        print("SKIP\tpgviz_gui_frame_ms\tpgviz.gui.framebench does not exist yet", flush=True)
        return
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    cmd = [sys.executable, "-m", "pgviz.gui.framebench"]
    if frames:
        helptext = subprocess.run(cmd + ["--help"], capture_output=True, text=True, env=env,
                                  timeout=120).stdout
        if "--frames" in helptext:
            cmd += ["--frames", str(frames)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    sys.stderr.write(proc.stderr)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT\t")]
    for ln in lines:
        print(ln, flush=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pgviz.gui.framebench exited with {proc.returncode}")
    if not any(ln.split("\t")[1] == "pgviz_gui_frame_ms" for ln in lines):
        raise RuntimeError("pgviz.gui.framebench printed no pgviz_gui_frame_ms RESULT line")
