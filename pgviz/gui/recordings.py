"""Where the app's recordings go, and what they start with (Qt-free).

A recording made from a window starts with the cluster's state at that moment, as events: what
the window's model holds (every node's links, scope views and processes, the faults, the network
clock; the window's own node's part came from `node.state_events()` and its live events), so that
replaying from the first line shows the cluster as the window showed it when Record was pressed,
not an empty picture that fills up. These events carry lc 0: they describe, they did not happen.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..events import Event, NodeUp, ScopeView, Spawn
from ..model import Snapshot
from ..runtime import Pid
from ..wire.terms import short_node

__all__ = ["state_preamble", "recordings_dir", "default_recording_path", "opening_count",
           "PREAMBLE_KINDS"]

#: What `node.state_events()` gives (a recording made by the shell starts with them).
PREAMBLE_KINDS = frozenset({"nodeup", "view"})


def recordings_dir() -> Path:
    """$PGVIZ_RECORDINGS_DIR, else ~/pgviz-recordings."""
    configured = os.environ.get("PGVIZ_RECORDINGS_DIR")
    return Path(configured) if configured else Path.home() / "pgviz-recordings"


def default_recording_path(node: str, now: float | None = None) -> Path:
    """~/pgviz-recordings/alice-20261127-093012.jsonl (never an existing file's name)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    base = recordings_dir() / f"{short_node(node)}-{stamp}"
    path = base.with_suffix(".jsonl")
    n = 2
    while path.exists():
        path = Path(f"{base}-{n}.jsonl")
        n += 1
    return path


def state_preamble(snap: Snapshot, t: float | None = None) -> list[Event]:
    """The cluster's state in `snap` as events (lc 0): a nodeup from each end of every link,
    each node's scope views (an empty one for a node that holds nothing, so it is known),
    every known process, the faults, the clock."""
    now = time.time() if t is None else t
    out: list[Event] = []
    for link in sorted(snap.links, key=sorted):
        a, b = sorted(link)
        out += [NodeUp(a, now, 0, b), NodeUp(b, now, 0, a)]
    for node in snap.nodes:
        scopes: dict[str, list[tuple[Any, tuple[Pid, ...]]]] = {}
        for (scope, group), pids in snap.views.get(node, {}).items():
            scopes.setdefault(scope, []).append((group, pids))
        if not scopes:
            scopes["pg"] = []  # an empty view: the node is known, holds nothing
        for scope, groups in scopes.items():
            out.append(ScopeView(node, now, 0, scope, tuple(groups)))
    for node, running in snap.processes.items():
        out += [Spawn(node, now, 0, pid) for pid in sorted(running)]
    out += snap.faults
    if snap.clock is not None:
        out.append(snap.clock)
    return out


def opening_count(events: list[Event]) -> int:
    """How many leading events describe the state a recording started from (those of lc 0
    that the app writes, or the nodeup/view events the shell writes): where a replay opens."""
    n = 0
    for ev in events:
        if ev.lc != 0 and ev.event not in PREAMBLE_KINDS:
            break
        n += 1
    return n
