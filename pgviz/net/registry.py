"""The per-user registry of pgviz nodes running on this machine.

A node registers its name, address and OS pid when it starts and unregisters when it stops:
one small JSON file per node, so concurrent writers never clash (written to a temporary file,
then renamed into place). Listing drops dead entries: a file whose OS process is gone (a node
that crashed or was killed without unregistering) is deleted as it is read.

Where: `$PGVIZ_REGISTRY_DIR` if set (tests isolate themselves with it), else
`$XDG_RUNTIME_DIR/pgviz/nodes`, else `~/.cache/pgviz/nodes`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["NodeEntry", "registry_dir", "register", "unregister", "list_nodes"]

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


@dataclass(frozen=True)
class NodeEntry:
    name: str
    address: str
    os_pid: int
    started: float


def registry_dir() -> Path:
    override = os.environ.get("PGVIZ_REGISTRY_DIR")
    if override:
        return Path(override)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "pgviz" / "nodes"
    return Path.home() / ".cache" / "pgviz" / "nodes"


def _path(name: str, directory: Path) -> Path:
    return directory / (_UNSAFE.sub("_", name) + ".json")


def _alive(os_pid: int) -> bool:
    if os_pid <= 0:
        return False
    try:
        os.kill(os_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def register(name: str, address: str, os_pid: int | None = None,
             directory: Path | None = None) -> Path:
    """Record that node `name` listens at `address`; returns the entry's file."""
    directory = directory or registry_dir()
    directory.mkdir(parents=True, exist_ok=True)
    entry = NodeEntry(name, address, os.getpid() if os_pid is None else os_pid, time.time())
    path = _path(name, directory)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(entry)))
    os.replace(tmp, path)
    return path


def unregister(name: str, directory: Path | None = None) -> bool:
    """Remove node `name`'s entry (only if this OS process wrote it). False if absent."""
    path = _path(name, directory or registry_dir())
    entry = _read(path)
    if entry is None or entry.os_pid != os.getpid():
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _read(path: Path) -> NodeEntry | None:
    try:
        data = json.loads(path.read_text())
        return NodeEntry(str(data["name"]), str(data["address"]), int(data["os_pid"]),
                         float(data.get("started", 0.0)))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("unreadable registry entry %s: %s", path, exc)
        return None


def list_nodes(directory: Path | None = None) -> list[NodeEntry]:
    """Every live node on this machine, oldest first; dead entries are deleted on the way."""
    directory = directory or registry_dir()
    try:
        paths = list(directory.glob("*.json"))
    except OSError:
        return []
    entries = []
    for path in paths:
        entry = _read(path)
        if entry is None:
            continue
        if not _alive(entry.os_pid):
            log.info("registry: dropping dead node %s (pid %d)", entry.name, entry.os_pid)
            try:
                path.unlink()
            except OSError:
                pass
            continue
        entries.append(entry)
    entries.sort(key=lambda e: (e.started, e.name))
    return entries
