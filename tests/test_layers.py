"""The layers of DESIGN.md: dependencies point down only, and Qt stays under pgviz/gui."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "pgviz"
# layer -> the pgviz layers it may import (besides itself and the shared leaf modules)
ALLOWED = {
    "wire": set(),
    "net": {"wire"},
    "runtime": {"net", "wire"},
    "pg": {"runtime", "net", "wire"},
    "model": {"wire"},
}
LEAVES = {"errors", "_version", "ratelog", "events", "names"}
QT = ("PySide6", "qasync", "shiboken6")


def _imports(path: Path) -> list[str]:
    """Absolute pgviz-relative module names imported by a file (relative imports resolved)."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(ROOT.parent).with_suffix("").parts[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append(mod)
    return out


def _files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_only_import_downwards(layer):
    bad = []
    for path in _files(layer):
        for mod in _imports(path):
            parts = mod.split(".")
            if parts[0] != "pgviz" or len(parts) < 2:
                continue
            target = parts[1]
            if target in (layer, *LEAVES) or target in ALLOWED[layer]:
                continue
            bad.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not bad, bad


def test_qt_only_under_gui():
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        if "gui" in path.relative_to(ROOT).parts:
            continue
        for mod in _imports(path):
            if mod.split(".")[0] in QT:
                bad.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not bad, bad
