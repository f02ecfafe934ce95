"""How much Python one hop runs: bytecodes, calls and distinct functions per event, counted.

Timings on a shared 2-vCPU machine are noisy; this count is not. With
`PGVIZ_BENCH_OPCOUNT=DIR` in the environment, the first watcher of `mesh.py` (node_b's
`lat_watcher`) and the first peer of `asyncio_floor.py mesh` trace their own events (a pg
notification in, its report out; or a stamp in, its reply out) with `sys.settrace`, opcode
events on, and write `DIR/<label>.txt`:

    OPCOUNT <label> events=N bytecodes=B calls=C functions=F
    <bytecodes per event>  <file>:<function>    (the 40 busiest)

Tracing makes the traced process many times slower, so the run's latencies mean nothing;
only the counts do. A hop's cost on a busy machine follows the work it touches (its cache
footprint), so this is the figure to compare trees with, beside `mesh.py --set cpu=1`.
Bytecodes are not the whole story: a C call that allocates (a set, a list) counts as one.

    PGVIZ_BENCH_OPCOUNT=/tmp/oc python -m benchmarks.scenario mesh
    PGVIZ_BENCH_OPCOUNT=/tmp/oc python -m benchmarks.asyncio_floor mesh 10 [--wire pgviz]
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from types import CodeType, FrameType
from typing import Any

__all__ = ["OpCount", "opcount_for"]

SKIP_EVENTS = 20  # the first events warm up (caches, first-time paths): not counted
TOP = 40


class OpCount:
    """Counts what runs between start() and stop(), per event (`event()` per hop)."""

    def __init__(self, label: str, out_dir: str) -> None:
        self.label = label
        self.out_dir = out_dir
        self.events = 0
        self.bytecodes = 0
        self.calls = 0
        self.codes: set[CodeType] = set()
        self.where: Counter[str] = Counter()
        self._seen = 0
        self._on = False

    def event(self) -> None:
        """One hop done; tracing starts after the warm-up ones."""
        self._seen += 1
        if self._on:
            self.events += 1
        elif self._seen == SKIP_EVENTS:
            self._on = True
            sys.settrace(self._trace)

    def stop(self) -> None:
        if not self._on:
            return
        sys.settrace(None)
        self._on = False
        os.makedirs(self.out_dir, exist_ok=True)
        n = max(self.events, 1)
        lines = [f"OPCOUNT {self.label} events={self.events} bytecodes={self.bytecodes / n:.0f}"
                 f" calls={self.calls / n:.1f} functions={len(self.codes)}"]
        lines += [f"{count / n:8.1f}  {name}" for name, count in self.where.most_common(TOP)]
        with open(os.path.join(self.out_dir, f"{self.label}.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            self.bytecodes += 1
            code = frame.f_code
            self.where[f"{_short(code.co_filename)}:{code.co_name}"] += 1
        elif event == "call":
            self.calls += 1
            self.codes.add(frame.f_code)
            frame.f_trace_opcodes = True
        return self._trace


def _short(path: str) -> str:
    for marker in ("/lib/python", "/pgviz/", "/benchmarks/"):
        i = path.rfind(marker)
        if i >= 0:
            return path[i + 1:] if marker != "/lib/python" else path[path.index("/", i + 5) + 1:]
    return path


def opcount_for(label: str) -> OpCount | None:
    """An OpCount writing to $PGVIZ_BENCH_OPCOUNT, or None when that is not set."""
    out = os.environ.get("PGVIZ_BENCH_OPCOUNT")
    return OpCount(label, out) if out else None
