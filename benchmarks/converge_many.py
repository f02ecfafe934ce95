"""Convergence of many members across many nodes: `holders` nodes (one OS process each, meshed
among themselves) hold `total` members between them in 100 groups; node A subscribes with
pg.monitor_scope, connects to every holder, and waits until its join events cover all of them
(checked with get_members). One trial per run: the figure is the time from the first connect to
the last member seen. `otp_converge_<total>_<holders>n` (benchmarks/otp/pg_scale.erl) measures
the same on OTP."""

from __future__ import annotations

import asyncio
import time

import pgviz

from .common import PeerB, label, result, run_as_process, start_node

SIZES = {
    "full": dict(total=100_000, holders=10),
    "quick": dict(total=20_000, holders=4),
    "smoke": dict(total=300, holders=3),
}


async def run(total: int, holders: int, loop_name: str = "asyncio") -> None:
    each = total // holders
    node = await start_node()
    peers: list[PeerB] = []
    try:
        peers = list(await asyncio.gather(*(
            PeerB.start("--conv-members", str(each), "--conv-groups", "100", "--loop",
                        loop_name, name=f"pgviz_bench_h{i}")
            for i in range(1, holders + 1))))
        for i, b in enumerate(peers):  # the holders' own mesh, settled before A comes
            for other in peers[i + 1:]:
                await b.call("connect", address=other.address)
        for b in peers:
            while len((await b.call("nodes"))["nodes"]) != holders - 1:
                await asyncio.sleep(0.01)
        want = each * holders

        async def body(proc: pgviz.Process) -> float:
            ref, groups = node.pg.monitor_scope(proc.pid)
            assert not groups, groups
            t0 = time.perf_counter()
            for b in peers:
                await node.connect(b.address)
            seen = 0
            while seen < want:
                m = await proc.receive(timeout=120)
                if type(m) is tuple and m[0] == ref and m[1] == "join":
                    seen += len(m[3])
            elapsed = time.perf_counter() - t0
            got = sum(len(node.pg.get_members(g)) for g in node.pg.which_groups())
            assert got == want, (got, want)
            return elapsed

        elapsed = await run_as_process(node, body)
        result(f"pgviz_converge_{label(total)}_{holders}n", elapsed * 1000, "ms",
               f"A connects to {holders} nodes (one OS process each, meshed) holding {each} "
               f"members each in 100 groups -> all {want} visible on A (monitor_scope events); "
               f"loop {loop_name}")
    finally:
        await asyncio.gather(*(b.stop() for b in peers))
        await node.stop()
