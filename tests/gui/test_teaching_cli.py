"""`pgviz export` and `pgviz lesson` on the command line (subprocesses: the real entry point)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.export.recorded import record_session
from tests.export.test_shiviz import check_shiviz


@pytest.fixture(scope="module")
def recording_path(tmp_path_factory):
    """A real recording (three loopback nodes); module scope: made before the GUI tests'
    shared loop is marked running (record_session runs its own asyncio loop)."""
    return record_session(tmp_path_factory.mktemp("rec") / "session.jsonl")


def pgviz(*args, timeout=60):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "pgviz", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_lesson_help_lists_the_command(tmp_path):
    out = pgviz("lesson", "--help")
    assert out.returncode == 0 and "NAME" in out.stdout and "PageDown" in out.stdout
    top = pgviz("--help")
    assert "lesson" in top.stdout and "export" in top.stdout


def test_lesson_without_a_name_lists_the_shipped_lessons():
    out = pgviz("lesson")
    assert out.returncode == 0
    assert "1-process-groups" in out.stdout and "3-joins-in-flight" in out.stdout


def test_an_unknown_lesson_is_exit_2_with_a_message():
    out = pgviz("lesson", "no-such-lesson")
    assert out.returncode == 2
    assert "no lesson 'no-such-lesson'" in out.stderr and "Traceback" not in out.stderr


def test_a_malformed_lesson_file_is_exit_2_naming_its_line(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('title = "Mine"\nnodes = ["alice"]\n[[step]]\ntitle = "one"\n'
                   'say = "hi"\nlook = "planet mars"\n')
    out = pgviz("lesson", str(bad))
    assert out.returncode == 2
    assert "mine.toml:6:" in out.stderr and "Traceback" not in out.stderr


def test_export_writes_each_format(recording_path, tmp_path):
    mermaid = pgviz("export", str(recording_path), "--format", "mermaid")
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("sequenceDiagram")
    shiviz = tmp_path / "log.txt"
    assert pgviz("export", str(recording_path), "-f", "shiviz", "-o", str(shiviz)).returncode == 0
    assert check_shiviz(shiviz.read_text())
    png = tmp_path / "d.png"
    assert pgviz("export", str(recording_path), "-f", "png", "-o", str(png)).returncode == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_export_of_a_broken_or_empty_recording_is_exit_2(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("this is not json\n{also not\n")
    for path in (empty, broken, tmp_path / "missing.jsonl"):
        out = pgviz("export", str(path), "--format", "mermaid")
        assert out.returncode == 2, (path, out.stderr)
        assert out.stderr.startswith("pgviz export: ") and "Traceback" not in out.stderr


_FIRST_SIZE = """
import asyncio, json, os
os.environ["QT_API"] = "pyside6"
from PySide6.QtWidgets import QApplication
import qasync
app = QApplication([])
from pgviz.gui.app import open_window

async def main():
    w = await open_window("alice", cookie="c", discovery=False)
    w.show()
    await asyncio.sleep(0.2)
    area = w.screen().availableGeometry()
    print(json.dumps({"w": w.frameGeometry().width(), "h": w.frameGeometry().height(),
                      "aw": area.width(), "ah": area.height(),
                      "dpr": w.devicePixelRatioF()}))
    await w.shutdown()

qasync.run(main())
"""


def test_first_window_fits_the_screen_at_scale_factor_one_and_a_half(tmp_path):
    """QT_SCALE_FACTOR=1.5 (a 1080p laptop at 150 %): the window opens within the screen's
    available geometry, in logical pixels."""
    import json

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "1.5",
           "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PGVIZ_REGISTRY_DIR": str(tmp_path / "registry")}
    out = subprocess.run([sys.executable, "-c", _FIRST_SIZE], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["dpr"] == 1.5
    assert got["w"] <= got["aw"] and got["h"] <= got["ah"], got
