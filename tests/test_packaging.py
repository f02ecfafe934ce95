"""The wheel carries the package, its icons and stylesheets, and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_resources_and_entry_point(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    (wheel,) = tmp_path.glob("pgviz-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    icons = {n for n in names if n.startswith("pgviz/resources/icons/") and n.endswith(".svg")}
    assert len(icons) >= 10
    assert "pgviz/resources/themes/app.qss" in names
    assert "pgviz/resources/pgviz.svg" in names
    assert not any("screenshots" in n for n in names)  # README pictures stay out of the wheel
    for module in ("pgviz/node.py", "pgviz/pg/scope.py", "pgviz/gui/app.py", "pgviz/wire/codec.py"):
        assert module in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "pgviz = pgviz.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_resources_load_through_importlib():
    from importlib.resources import files

    base = files("pgviz.resources")
    assert base.joinpath("themes/app.qss").read_text().strip()
    assert base.joinpath("pgviz.svg").read_text().lstrip().startswith("<")
