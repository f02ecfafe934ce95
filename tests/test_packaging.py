"""The wheel: the package, its icons and stylesheets, py.typed, the LICENSE, the console
script; built without a warning; installed into a fresh virtualenv without Qt, it is the
library and the headless node, and the app's commands say how to add Qt."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                     "__pycache__", ".hypothesis", ".*_cache", "results")


def _isolated_pip_env() -> dict[str, str]:
    """This machine's pip configuration (extra indexes, find-links) stays out: what pip says
    is then about pgviz alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if "warn" in line.lower()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the source (the build leaves build/ and *.egg-info behind)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "-w", str(tmp)], capture_output=True, text=True, timeout=300,
        env=_isolated_pip_env())
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    # setuptools' deprecations (a license table) and undeclared packages are warnings here
    assert _warnings(res.stdout + res.stderr) == []
    (built,) = tmp.glob("pgviz-*.whl")
    return built


def test_wheel_ships_resources_license_types_and_entry_point(wheel):
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    icons = {n for n in names if n.startswith("pgviz/resources/icons/") and n.endswith(".svg")}
    assert len(icons) >= 10
    assert "pgviz/resources/themes/app.qss" in names
    assert "pgviz/resources/pgviz.svg" in names
    assert not any("screenshots" in n for n in names)  # README pictures stay out of the wheel
    for module in ("pgviz/node.py", "pgviz/pg/scope.py", "pgviz/gui/app.py", "pgviz/wire/codec.py",
                   "pgviz/shell/service.py", "pgviz/py.typed"):
        assert module in names
    assert not any(n.startswith("tests/") for n in names)
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    license_text = archive.read(f"{dist_info}/licenses/LICENSE").decode()
    assert "Apache License" in license_text and "Version 2.0" in license_text
    metadata = archive.read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    requires = _requires(wheel)
    plain = [r for r in requires if "extra ==" not in r]
    assert not any(r.lower().startswith(("pyside6", "qasync")) for r in plain), plain
    assert any("pyside6" in r.lower() and 'extra == "gui"' in r for r in requires)
    entry = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert "pgviz = pgviz.cli:main" in entry


def _requires(wheel: Path) -> list[str]:
    archive = zipfile.ZipFile(wheel)
    metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    return [line.split(":", 1)[1].strip() for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:")]


def test_resources_load_through_importlib():
    from importlib.resources import files

    base = files("pgviz.resources")
    assert base.joinpath("themes/app.qss").read_text().strip()
    assert base.joinpath("pgviz.svg").read_text().lstrip().startswith("<")


def _runtime_closure(names: list[str]) -> list[str]:
    """The distributions `names` need at run time (no extras), as installed here."""
    seen: dict[str, str] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        dist = importlib.metadata.distribution(name)
        key = dist.metadata["Name"].lower()
        if key in seen:
            continue
        seen[key] = dist.version
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return [f"{k}=={v}" for k, v in seen.items()]


LOOPBACK = '''
import asyncio, importlib.util, pgviz
assert importlib.util.find_spec("PySide6") is None and importlib.util.find_spec("qasync") is None
from importlib.resources import files
assert files("pgviz").joinpath("py.typed").is_file()
assert files("pgviz.resources").joinpath("themes/app.qss").read_text()

async def member(proc, got):
    got.set_result(await proc.receive())

async def main():
    async with pgviz.Node("a", cookie="packaging-test") as a, \\
            pgviz.Node("b", cookie="packaging-test") as b:
        await a.connect(b.address)
        got = asyncio.get_running_loop().create_future()
        b.pg.join("users", b.spawn(member, got))
        while not a.pg.get_members("users"):
            await asyncio.sleep(0.01)
        assert a.pg.broadcast("users", ("hello", 1)) == 1
        print(await asyncio.wait_for(got, 10))

asyncio.run(main())
'''


def test_the_wheel_without_qt_is_the_library_and_the_headless_node(wheel, tmp_path):
    deps = tmp_path / "deps"
    requires = [r.name for r in map(Requirement, _requires(wheel)) if r.marker is None]
    res = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                          "--only-binary=:all:", "-d", str(deps), "-q",
                          *_runtime_closure(requires)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python, script = venv / "bin" / "python", venv / "bin" / "pgviz"
    res = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                          "--no-index", "--find-links", str(deps), str(wheel)],
                         capture_output=True, text=True, timeout=300, env=_isolated_pip_env())
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert _warnings(res.stdout + res.stderr) == []
    env = {**_isolated_pip_env(), "PGVIZ_COOKIE": "packaging-test-cookie",
           "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_RUNTIME_DIR": str(tmp_path)}

    def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess:
        # cwd: the temporary directory, so that nothing is imported from the checkout
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60,
                              env=env, cwd=tmp_path)

    library = run(str(python), "-c", LOOPBACK)
    assert library.returncode == 0, library.stderr[-3000:]
    assert library.stdout.strip() == "('hello', 1)"

    node = run(str(script), "node", "--json", "--name", "pkg", "--exit-on-eof",
               stdin="spawn w\njoin g w\nmembers g\n")
    assert node.returncode == 0, node.stderr[-2000:]
    replies = [json.loads(line) for line in node.stdout.splitlines()]
    members = next(r for r in replies if r.get("reply") == "members")
    assert members["ok"] and len(members["members"]) == 1

    for argv in ([], ["--cookie", "class", "--name", "alice"], ["gui"], ["demo"],
                 ["replay", "missing.jsonl"]):
        app = run(str(script), *argv)
        assert app.returncode == 2, (argv, app.stdout, app.stderr)
        assert "pip install 'pgviz[gui]'" in app.stderr, (argv, app.stderr)
        assert "Traceback" not in app.stderr
