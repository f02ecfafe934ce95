"""Big groups: what one group of 10^5-10^6 members costs (python -m benchmarks.big_groups).

Two nodes in this process over loopback TCP. Node A holds `n` members (distinct
`spawn_handler` processes, joined by list joins of 10 000) in one group; then:

* sync: B connects; seconds until B lists all n members (A builds and sends its sync, B
  decodes and applies it), with the longest stall of the event loop meanwhile (a 1 ms
  heartbeat task measures it) and whether the link dropped (no tick for `tick_time`);
* cleanup: B disconnects; seconds until B has dropped the n members (the peer scope's DOWN),
  with the longest stall;
* join / leave: on A alone, the cost of one local join of a fresh pid into the group of n, of
  the leave of that (newest) member, and of the leave of the oldest member (the far end of
  the member list), microseconds per call; also into a group of 1000 for comparison.

    python -m benchmarks.big_groups                      # n = 100 000 and 1 000 000
    python -m benchmarks.big_groups --sizes 300000 --timeout 120

Prints RESULT lines like the other scenarios (`benchmarks/README.md`, "Big groups"). Run it
alone: a 10^6 run holds ~4 GB and its figures are meaningless next to another busy process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from typing import Any

import pgviz

from .common import COOKIE, info, result

SIZES = {
    "full": dict(sizes="100000,1000000", timeout=600.0),
    "quick": dict(sizes="100000", timeout=300.0),
    "smoke": dict(sizes="5000", timeout=60.0),
}
GROUP = ("big", 1)
SMALL = ("small", 1)


class Heartbeat:
    """The longest gap between two wake-ups of a task that sleeps 1 ms: the loop's worst
    stall; and the longest garbage collection meanwhile (a stall of the runtime's own)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_gc = 0.0
        self._gc_start = 0.0
        self._task: asyncio.Task[None] | None = None

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.worst_gc = max(self.worst_gc, time.perf_counter() - self._gc_start)

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last)
            last = now

    def __enter__(self) -> Heartbeat:
        self._task = asyncio.get_running_loop().create_task(self._beat())
        gc.callbacks.append(self._gc)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        gc.callbacks.remove(self._gc)


def members_of(scope: Any, group: Any) -> int:
    row = scope.rows.get(group)
    return len(row[0]) if row is not None else 0


async def wait_for(pred: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def per_call(fn: Any, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls * 1e6


def join_leave(scope: Any, group: Any, n: int, fresh: pgviz.Pid) -> None:
    """Local join and leave into a group of about n members (fresh: not yet a member)."""
    calls = 2000
    oldest = scope.get_members(group)[-20:]
    join_us = per_call(lambda: scope.join(group, fresh), calls)
    leave_us = per_call(lambda: scope.leave(group, fresh), calls)
    # The oldest members sit at the far end of the newest-first list: a leave scans it all.
    olds = iter(oldest)
    leave_old_us = per_call(lambda: scope.leave(group, next(olds)), len(oldest))
    scope.join(group, oldest)
    label = f"{n // 1000}k"
    result(f"pgviz_big_join_{label}", join_us, "us", f"one local join into a group of {n}")
    result(f"pgviz_big_leave_newest_{label}", leave_us, "us",
           f"leave of the newest member of a group of {n}")
    result(f"pgviz_big_leave_oldest_{label}", leave_old_us, "us",
           f"leave of the oldest member of a group of {n}")


async def one_size(n: int, timeout: float, tick_time: float) -> None:
    a = pgviz.Node("big_a", cookie=COOKIE, tick_time=tick_time)
    b = pgviz.Node("big_b", cookie=COOKIE, tick_time=tick_time)
    await a.start()
    await b.start()
    drops: list[str] = []
    b.add_node_callback(lambda ev, node, reason: drops.append(reason) if ev == "nodedown"
                        else None)
    label = f"{n // 1000}k"
    try:
        noop = lambda msg, origin: None  # noqa: E731
        pids = [a.spawn_handler(noop).pid for _ in range(n)]
        for i in range(0, n, 10_000):
            a.pg.join(GROUP, pids[i:i + 10_000])
        a.pg.join(SMALL, pids[:1000])
        fresh = a.spawn_handler(noop).pid
        # The n processes are ~5n objects the garbage collector tracks; frozen out of its full
        # collections (as a long-running node's start-up heap would be), so that the stalls
        # measured are pg's, not those of a collection scanning them (reported apart).
        gc.collect()
        gc.freeze()
        info(f"n={n}: {members_of(a.pg, GROUP)} members on A")

        join_leave(a.pg, SMALL, 1000, fresh)
        join_leave(a.pg, GROUP, n, fresh)

        with Heartbeat() as hb:
            t0 = time.perf_counter()
            await b.connect(a.address)
            ok = await wait_for(lambda: members_of(b.pg, GROUP) == n, timeout)
            took = time.perf_counter() - t0
        if ok:
            result(f"pgviz_big_sync_{label}", took, "s",
                   f"connect until the new peer lists all {n} members of one group")
        else:
            info(f"sync of {n}: only {members_of(b.pg, GROUP)} members after {timeout:g} s "
                 f"(link drops: {drops})")
            result(f"pgviz_big_sync_{label}", float("nan"), "s", f"timed out after {timeout:g} s")
        result(f"pgviz_big_sync_{label}_max_stall", hb.worst * 1000, "ms",
               f"longest event-loop stall during that sync (longest GC pause in it: "
               f"{hb.worst_gc * 1000:.0f} ms); link drops: {len(drops)}")
        if not ok:
            return

        with Heartbeat() as hb:
            t0 = time.perf_counter()
            await b.disconnect(a.name)
            ok = await wait_for(lambda: members_of(b.pg, GROUP) == 0, timeout)
            took = time.perf_counter() - t0
        result(f"pgviz_big_cleanup_{label}", took if ok else float("nan"), "s",
               f"disconnect until the peer dropped {n} members" if ok else "timed out")
        result(f"pgviz_big_cleanup_{label}_max_stall", hb.worst * 1000, "ms",
               f"longest event-loop stall during that cleanup (longest GC pause in it: "
               f"{hb.worst_gc * 1000:.0f} ms)")
    finally:
        gc.unfreeze()
        await b.stop()
        await a.stop()
        gc.collect()


async def run(sizes: str, timeout: float, tick_time: float = 8.0) -> None:
    for n in (int(s) for s in sizes.split(",")):
        await one_size(n, timeout, tick_time)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=SIZES["full"]["sizes"],
                    help="comma-separated group sizes (default 100000,1000000)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per phase")
    ap.add_argument("--tick-time", type=float, default=8.0)
    args = ap.parse_args(argv)
    asyncio.run(run(args.sizes, args.timeout, args.tick_time))
    return 0


if __name__ == "__main__":
    sys.exit(main())
