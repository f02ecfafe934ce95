"""d. convergence: node B (own OS process) holds 10 000 members in 100 groups and is not
connected; A connects and waits until it sees them all.

Mirrors pg_bench.erl run(converge)/conv_trial/4: A subscribes with pg.monitor_scope; per trial
T0 (monotonic); node.connect(B); T1; wait for join events covering all N members; T2; check with
get_members; settle 200 ms; disconnect and wait for the leave events and until neither side lists
the other; 100 ms; 5 trials, median. `connect_part` = T1 - T0 (TCP + handshake)."""

from __future__ import annotations

import asyncio
import time

import pgviz

from .common import PeerB, pct, result, run_as_process, start_node, wait_until

SIZES = {
    "full": dict(n=10_000, groups=100, trials=5, settle=0.2, after=0.1),
    "quick": dict(n=10_000, groups=100, trials=3, settle=0.2, after=0.1),
    "smoke": dict(n=200, groups=10, trials=2, settle=0.02, after=0.01),
}


async def run(n: int, groups: int, trials: int, settle: float, after: float,
              loop_name: str = "asyncio") -> None:
    node = await start_node()
    b = await PeerB.start("--conv-members", str(n), "--conv-groups", str(groups),
                          "--loop", loop_name)
    try:
        async def await_events(proc: pgviz.Process, ref: pgviz.Ref, ev: str, left: int) -> None:
            while left > 0:
                m = await proc.receive(timeout=30)
                if type(m) is tuple and len(m) == 4 and m[0] == ref and m[1] == ev:
                    left -= len(m[3])
                else:
                    raise AssertionError(f"unexpected message {m!r:.200}")

        async def body(proc: pgviz.Process) -> list[tuple[int, int]]:
            pg = node.pg
            ref, groups_now = pg.monitor_scope(proc.pid)
            assert not groups_now, groups_now
            res = []
            for _ in range(trials):
                t0 = time.perf_counter_ns()
                name = await node.connect(b.address)
                t1 = time.perf_counter_ns()
                await await_events(proc, ref, "join", n)
                t2 = time.perf_counter_ns()
                total = sum(len(pg.get_members(g)) for g in pg.which_groups())
                assert total == n, (total, n)
                await asyncio.sleep(settle)
                assert await node.disconnect(name)
                await await_events(proc, ref, "leave", n)

                async def apart() -> bool:
                    return not node.nodes() and not (await b.call("nodes"))["nodes"]
                await wait_until(apart)
                await asyncio.sleep(after)
                assert not node.nodes()
                assert not pg.which_groups(), pg.which_groups()[:5]
                res.append((t2 - t0, t1 - t0))
            return res

        res = await run_as_process(node, body)
        total_t = [r[0] for r in res]
        conn_t = [r[1] for r in res]
        note = (f"node.connect -> all {n} remote members visible on A (pg.monitor_scope events, "
                f"checked with get_members); median of {trials} disconnect/connect cycles; "
                f"B in its own OS process; loop {loop_name}")
        result("pgviz_converge_10k", pct(total_t, 50) / 1e6, "ms", note)
        result("pgviz_converge_10k_connect_part", pct(conn_t, 50) / 1e6, "ms",
               "of which the node.connect call itself (TCP + handshake)")
    finally:
        await b.stop()
        await node.stop()
