"""Join propagation in an N-node full mesh (10 or 30): node A plus N-1 nodes, one OS process each.

A connects to every other node (pgviz's mesh gossip also connects them among themselves); each
of the 9 runs a pg.monitor("lat") watcher as in latency.py. Per sample: T0 = time.time_ns();
join a fresh pid on A; wait until all 9 watchers reported; leave; wait for the 9 leave reports.
Figures: `pgviz_mesh<N>_join_propagation_p50/p99` pool the N-1 one-way times of every join
(`otp_mesh<N>_...` from benchmarks/otp/pg_scale.erl measure the same on OTP), `_last_p50` is the
time until the last node saw it. `--set nodes=30` for the 30-node mesh."""

from __future__ import annotations

import asyncio
import time

import pgviz

from .common import PeerB, connect_probe, idle, pct, result, run_as_process, start_node

SIZES = {
    "full": dict(nodes=10, warm=20, n=200),
    "quick": dict(nodes=10, warm=10, n=100),
    "smoke": dict(nodes=3, warm=2, n=5),
}


async def run(nodes: int, warm: int, n: int, loop_name: str = "asyncio") -> None:
    node = await start_node()
    peers: list[PeerB] = []
    try:
        peers = list(await asyncio.gather(*(
            PeerB.start("--watcher", "--loop", loop_name, name=f"pgviz_bench_m{i}")
            for i in range(1, nodes))))
        await connect_probe(node, peers)
        for b in peers:  # full mesh: every node sees every other one
            got = set((await b.call("nodes"))["nodes"])
            assert len(got) == nodes - 1, (b.name, sorted(got))

        async def body(proc: pgviz.Process) -> tuple[list[int], list[int]]:
            for b in peers:
                node.send(("lat_watcher", b.name), ("hello", proc.pid))
            watchers = set()
            for _ in peers:
                m = await proc.receive(timeout=30)
                assert m[1] == "ready", m
                watchers.add(m[0])
            pg = node.pg
            each: list[int] = []
            last: list[int] = []
            for i in range(warm + n):
                p = node.spawn(idle)
                t0 = time.time_ns()
                pg.join("lat", p)
                times = []
                for _ in peers:
                    m = await proc.receive(timeout=30)
                    assert m[0] in watchers and m[1] == "join", m
                    times.append(m[2] - t0)
                pg.leave("lat", p)
                for _ in peers:
                    m = await proc.receive(timeout=30)
                    assert m[0] in watchers and m[1] == "leave", m
                node.exit(p, "kill")
                if i >= warm:
                    each.extend(times)
                    last.append(max(times))
            for w in watchers:
                node.send(w, "stop")
            return each, last

        each, last = await run_as_process(node, body)
        note = (f"{nodes}-node full mesh, one OS process per node on loopback TCP: pg.join on A "
                f"-> (ref, 'join', ..) at a pg.monitor watcher on each of the other "
                f"{nodes - 1}; all one-way times pooled; {n} joins after {warm} warm-up")
        result(f"pgviz_mesh{nodes}_join_propagation_p50", pct(each, 50) / 1000, "us", note)
        result(f"pgviz_mesh{nodes}_join_propagation_p99", pct(each, 99) / 1000, "us", note)
        result(f"pgviz_mesh{nodes}_join_propagation_last_p50", pct(last, 50) / 1000, "us",
               f"same joins, until the last of the {nodes - 1} nodes saw it")
    finally:
        await asyncio.gather(*(b.stop() for b in peers))
        await node.stop()
