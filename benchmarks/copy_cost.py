"""What isolating local messages costs (issue 13, point 3): a local broadcast of a small dict to
100 local members, with and without copying, interleaved in one run.

    python -m benchmarks.copy_cost                  # ~10 s
    python -m benchmarks.copy_cost --size smoke     # what the tests run

One node, N member processes that never take a message (their mailboxes are emptied between
batches, untimed), so the time is the broadcast call itself: finding the members, the
all-or-nothing check (one encode per broadcast), and per member the copy and the enqueue.
Variants, each timed over the same batches, in rotating order round after round:

* `before`   -- no check, no copy: pgviz before issue 13 (members shared one dict);
* `shared`   -- the check, no copy;
* `copied`   -- what pgviz does (pgviz/runtime/copying.py);
* `deepcopy` -- the same with copy.deepcopy instead of the specialised copier;
* `tuple`    -- what pgviz does, for an immutable message (("data", <100 B>)): never copied.

The variants other than `copied` and `tuple` replace Process._deliver (and the check) for
their batches only. RESULT lines (benchmarks/README.md format): deliveries per second, the
median over rounds, then the cost of a copy per delivery in ns (copied - shared) and the
throughput lost against `before` in percent.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import statistics
import time
from collections.abc import Callable
from typing import Any

import pgviz
import pgviz.pg.scope as scope_module
from pgviz.runtime.copying import SHARED_TYPES, isolate
from pgviz.runtime.process import Process

from .common import info, result

SIZES = {
    "full": dict(members=100, batch=200, rounds=15),
    "quick": dict(members=100, batch=100, rounds=5),
    "smoke": dict(members=10, batch=20, rounds=2),
}

DICT_MSG = {"user": "carol", "kind": "done", "task": 12345, "ok": True, "note": "report ready"}
TUPLE_MSG = ("data", b"x" * 100)


def _deliver_shared(self: Process, msg: Any) -> None:
    if self.alive:
        self._enqueue(msg)


def _deliver_deepcopy(self: Process, msg: Any) -> None:
    if self.alive:
        self._enqueue(msg if type(msg) in SHARED_TYPES else copy.deepcopy(msg))


_COPYING = Process._deliver
_VALIDATE = scope_module.validate_message
VARIANTS: dict[str, tuple[Callable[..., None], bool, Any]] = {
    # name: (Process._deliver, check before delivering, message)
    "before": (_deliver_shared, False, DICT_MSG),
    "shared": (_deliver_shared, True, DICT_MSG),
    "copied": (_COPYING, True, DICT_MSG),
    "deepcopy": (_deliver_deepcopy, True, DICT_MSG),
    "tuple": (_COPYING, True, TUPLE_MSG),
}


async def _sleeper(proc: pgviz.Process) -> None:
    await proc.receive(match=lambda m: m == "never")


async def run(members: int, batch: int, rounds: int) -> None:
    assert isolate(DICT_MSG) is not DICT_MSG and isolate(TUPLE_MSG) is TUPLE_MSG
    async with pgviz.Node("pgviz_copy_cost", cookie="pgviz_bench_copy") as node:
        pids = [node.spawn(_sleeper) for _ in range(members)]
        procs = [node.process(p) for p in pids]
        node.pg.join("bcast", pids)
        await asyncio.sleep(0)
        broadcast = node.pg.broadcast
        rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
        names = list(VARIANTS)
        try:
            for r in range(rounds + 1):  # round 0 warms up
                order = names[r % len(names):] + names[:r % len(names)]
                for name in order:
                    deliver, check, msg = VARIANTS[name]
                    Process._deliver = deliver  # type: ignore[method-assign]
                    scope_module.validate_message = _VALIDATE if check else _no_check
                    t0 = time.perf_counter_ns()
                    for _ in range(batch):
                        broadcast("bcast", msg)
                    dt = time.perf_counter_ns() - t0
                    Process._deliver = _COPYING  # type: ignore[method-assign]
                    scope_module.validate_message = _VALIDATE
                    for p in procs:
                        assert p is not None and len(p) == batch, name
                        p.flush()
                    if r:
                        rates[name].append(batch * members / dt * 1e9)
        finally:
            Process._deliver = _COPYING  # type: ignore[method-assign]
            scope_module.validate_message = _VALIDATE
    med = {name: statistics.median(v) for name, v in rates.items()}
    size = f"{members} local members, {batch} broadcasts a batch, median of {rounds} rounds"
    notes = {
        "before": "no check, no copy (pgviz before issue 13)",
        "shared": "all-or-nothing check, no copy",
        "copied": "check + isolated copy per member (what pgviz does)",
        "deepcopy": "check + copy.deepcopy per member (the alternative)",
        "tuple": "immutable ('data', <100 B>): check, never copied",
    }
    for name in names:
        what = "tuple" if name == "tuple" else "dict"
        result(f"pgviz_copy_bcast_{what}_{name}" if name != "tuple" else "pgviz_copy_bcast_tuple",
               med[name], "deliveries/s", f"local broadcast of a small {what}: {notes[name]}; "
               f"{size}")
    per_copy = 1e9 / med["copied"] - 1e9 / med["shared"]
    per_deep = 1e9 / med["deepcopy"] - 1e9 / med["shared"]
    result("pgviz_copy_cost_dict", per_copy, "ns", "per delivery: copied - shared")
    result("pgviz_copy_cost_dict_deepcopy", per_deep, "ns", "per delivery: deepcopy - shared")
    result("pgviz_copy_overhead_dict", (1 - med["copied"] / med["before"]) * 100, "%",
           "deliveries/s lost: 1 - copied/before (0 = free)")
    info(f"copy_cost: {', '.join(f'{k} {v:,.0f}/s' for k, v in med.items())}")


def _no_check(msg: Any, max_frame: int) -> None:
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.copy_cost", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=SIZES, default="full")
    args = ap.parse_args(argv)
    asyncio.run(run(**SIZES[args.size]))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
