"""The import-linter contracts (pyproject.toml, checked by tests/test_static_checks.py) name
their modules one by one: a module added later must not slip past "only the GUI imports Qt"."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contract(name: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["name"] == name:
            return contract
    raise AssertionError(f"no import-linter contract named {name!r}")


def _top_level_modules() -> set[str]:
    pkg = ROOT / "pgviz"
    names = {p.stem for p in pkg.glob("*.py") if p.stem not in ("__init__", "__main__")}
    names |= {p.name for p in pkg.iterdir() if (p / "__init__.py").exists()}
    return {f"pgviz.{n}" for n in names}


def test_every_module_but_the_gui_is_forbidden_qt():
    listed = set(_contract("Only the GUI imports Qt")["source_modules"])
    allowed_qt = {"pgviz.gui", "pgviz._version"}
    missing = _top_level_modules() - listed - allowed_qt
    assert not missing, f"add {sorted(missing)} to the Qt contract in pyproject.toml"


def test_every_package_is_in_the_wheel():
    """setuptools' package list is explicit (resources/ is mapped into pgviz.resources): a
    package missing from it is missing from the installed wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(ROOT).parent.parts) for p in (ROOT / "pgviz").rglob(
        "__init__.py") if "__pycache__" not in p.parts}
    found |= {"pgviz.resources." + d.name for d in (ROOT / "resources").iterdir()
              if d.is_dir() and any(d.glob("*.*")) and d.name != "screenshots"}
    assert found <= listed | {"pgviz.resources"}, sorted(found - listed)
