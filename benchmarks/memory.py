"""Memory per member at 1M members: bytes of resident memory per pg membership.

One node; N member processes are created first, then joined one call each into N/1000 groups of
1000 (the group size of the local scenario). Resident memory (VmRSS) is read after gc.collect()
before and after the joins: the difference / N is pg's cost per member (its tables, the monitor
on each member, the ref). The members are created with node.spawn_handler (a Process without an
asyncio task), since their own cost is not pg's; it is reported as pgviz_memory_per_process.
`pgviz_memory_per_task_process`: `tasks` idle processes spawned with node.spawn (an asyncio task
waiting in receive(), what an idle Erlang process is), VmRSS growth / tasks, measured first.
OTP's counterparts: otp_memory_per_member_1m, otp_memory_per_process_100k (pg_scale.erl)."""

from __future__ import annotations

import asyncio
import gc

from .common import idle, result, start_node

SIZES = {
    "full": dict(n=1_000_000, group_size=1000, tasks=100_000),
    "quick": dict(n=100_000, group_size=1000, tasks=20_000),
    "smoke": dict(n=5_000, group_size=100, tasks=1000),
}


def rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


async def run(n: int, group_size: int, tasks: int = 0) -> None:
    node = await start_node()
    try:
        pg = node.pg
        if tasks:
            gc.collect()
            t0 = rss()
            idlers = [node.spawn(idle) for _ in range(tasks)]
            await asyncio.sleep(0)  # every task started and waiting in receive()
            await asyncio.sleep(0)
            gc.collect()
            t1 = rss()
            result("pgviz_memory_per_task_process", (t1 - t0) / tasks, "bytes",
                   f"VmRSS growth per idle node.spawn process (an asyncio task in receive()), "
                   f"{tasks} spawned")
            for p in idlers:
                node.exit(p, "kill")
            del idlers
            await asyncio.sleep(0.05)
        gc.collect()
        r0 = rss()
        noop = lambda msg, origin: None  # noqa: E731
        procs = [node.spawn_handler(noop) for _ in range(n)]
        pids = [p.pid for p in procs]
        gc.collect()
        r1 = rss()
        ngroups = max(1, n // group_size)
        join = pg.join
        for i, p in enumerate(pids):
            join(("m", i % ngroups), p)
        gc.collect()
        r2 = rss()
        total = sum(len(pg.get_members(("m", g))) for g in range(ngroups))
        assert total == n, (total, n)
        per_member = (r2 - r1) / n
        assert per_member > 0, (r1, r2)
        result("pgviz_memory_per_member_1m", per_member, "bytes",
               f"VmRSS growth / members over {n} pg.join calls of distinct pids into {ngroups} "
               f"groups of {group_size} (pg tables + monitor + ref; processes created before)")
        result("pgviz_memory_per_process", (r1 - r0) / n, "bytes",
               "VmRSS growth per node.spawn_handler process (no asyncio task), for reference")
    finally:
        await node.stop()
