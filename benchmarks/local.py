"""a. local: join/leave of distinct pids into groups, then get_members on a group of 1000.

Mirrors pg_bench.erl run(local): 100 000 pre-spawned idle processes, sequential pg.join calls
from one process into 100 groups ({g, I rem 100} -> ("g", i % 100)), the same leaves, then
get_members on a 1000-member group in batches of 1000 for 2 s (monotonic clock)."""

from __future__ import annotations

import gc
import time

from .common import idle, result, start_node

SIZES = {
    "full": dict(n=100_000, groups=100, big=1000, gm_seconds=2.0),
    "quick": dict(n=20_000, groups=20, big=1000, gm_seconds=0.5),
    "smoke": dict(n=2_000, groups=10, big=100, gm_seconds=0.05),
}


async def run(n: int, groups: int, big: int, gm_seconds: float) -> None:
    node = await start_node()
    try:
        pg = node.pg
        pids = [node.spawn(idle) for _ in range(n)]
        work = [(("g", i % groups), p) for i, p in zip(range(1, n + 1), pids, strict=True)]
        names = [("g", i) for i in range(groups)]

        # The 100k spawns leave a debt of young objects: collect it now, so that the full
        # collection it triggers is not charged to the joins (timer:tc in OTP excludes spawning).
        gc.collect()
        join = pg.join
        t0 = time.perf_counter_ns()
        for g, p in work:
            join(g, p)
        t_join = time.perf_counter_ns() - t0
        total = sum(len(pg.get_members(g)) for g in names)
        assert total == n, (total, n)

        gc.collect()
        leave = pg.leave
        t0 = time.perf_counter_ns()
        for g, p in work:
            if leave(g, p) is not True:
                raise AssertionError(f"leave({g}, {p}) was not a member")
        t_leave = time.perf_counter_ns() - t0
        total = sum(len(pg.get_members(g)) for g in names)
        assert total == 0, total

        result("pgviz_local_join", n / t_join * 1e9, "ops/s",
               f"pg.join, {n} distinct pids into {groups} groups, sequential calls from one "
               "process (gc.collect() after spawning, GC enabled while timed)")
        result("pgviz_local_leave", n / t_leave * 1e9, "ops/s",
               f"pg.leave of the same {n} pids")

        pg.join("big", pids[:big])
        assert len(pg.get_members("big")) == big
        get_members = pg.get_members
        calls = 0
        t0 = time.perf_counter_ns()
        end = t0 + int(gm_seconds * 1e9)
        while True:
            for _ in range(1000):
                if not get_members("big"):
                    raise AssertionError("empty group")
            calls += 1000
            now = time.perf_counter_ns()
            if now >= end:
                break
        result("pgviz_local_get_members_1000", calls / (now - t0) * 1e9, "calls/s",
               f"pg.get_members on a group of {big} local members, one process, "
               f"{gm_seconds:g} s loop")
    finally:
        await node.stop()
