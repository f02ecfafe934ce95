"""Mermaid's own grammar (the jison parser of mermaid-js, shipped on PyPI in the package
mermaid-syntax-parser), run under PythonMonkey in a child process: the package's own wrapper
sets multiprocessing's start method for the whole interpreter on import, so it is not imported
here; its parser file is located and loaded directly."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, sys
import pythonmonkey as pm
lib = pm.require(sys.argv[1])
texts = json.load(sys.stdin)
print(json.dumps([bool(lib.ValidateMermaid(t)) for t in texts]))
"""


def parser_file() -> Path | None:
    if importlib.util.find_spec("pythonmonkey") is None:
        return None
    spec = importlib.util.find_spec("mermaid_parser")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "lib" / "mermaid_syntax_parser.cjs"
        if path.exists():
            return path
    return None


def mermaid_accepts(texts: list[str]) -> list[bool]:
    path = parser_file()
    assert path is not None
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], input=json.dumps(texts),
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
