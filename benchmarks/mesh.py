"""Join propagation in an N-node full mesh (10 or 30): node A plus N-1 nodes, one OS process each.

A connects to every other node (pgviz's mesh gossip also connects them among themselves); each
of the 9 runs a pg.monitor("lat") watcher as in latency.py. Per sample: T0 = time.time_ns();
join a fresh pid on A; wait until all 9 watchers reported; leave; wait for the 9 leave reports.
Figures: `pgviz_mesh<N>_join_propagation_p50/p99` pool the N-1 one-way times of every join
(`otp_mesh<N>_...` from benchmarks/otp/pg_scale.erl measure the same on OTP), `_last_p50` is the
time until the last node saw it. `--set nodes=30` for the 30-node mesh.

`--set cpu=1` also reports the CPU time (user + sys, `time.process_time()`) each process spent
over the measured rounds, per round (one join and one leave): node A's, a watcher node's (the
mean of the N-1) and all N nodes' together. On a machine with fewer cores than nodes the mesh's
latency follows that total, and it is much less noisy than the latency: compare trees with it,
runs alternated."""

from __future__ import annotations

import asyncio
import time

import pgviz

from .common import PeerB, connect_probe, idle, pct, result, run_as_process, start_node

SIZES = {
    "full": dict(nodes=10, warm=20, n=200, cpu=False),
    "quick": dict(nodes=10, warm=10, n=100, cpu=False),
    "smoke": dict(nodes=3, warm=2, n=5, cpu=False),
}


async def run(nodes: int, warm: int, n: int, cpu: bool = False,
              loop_name: str = "asyncio") -> None:
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

        spent: dict[str, float] = {}

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
                if cpu and i == warm:
                    for w in watchers:  # before the first measured join, FIFO on each link
                        node.send(w, ("cpu", "mark"))
                    a0 = time.process_time()
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
            if cpu:
                spent["a"] = time.process_time() - a0
                for w in watchers:
                    node.send(w, ("cpu", "read", proc.pid))
                spent["watchers"] = 0.0
                for _ in peers:
                    m = await proc.receive(timeout=30)
                    assert m[0] in watchers and m[1] == "cpu", m
                    spent["watchers"] += m[2]
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
        if cpu:
            a, ws = spent["a"] / n * 1e6, spent["watchers"] / n * 1e6
            what = f"CPU time (user + sys) per round (a join and a leave), over {n} rounds"
            result(f"pgviz_mesh{nodes}_cpu_per_round_a", a, "us", f"node A's {what}")
            result(f"pgviz_mesh{nodes}_cpu_per_round_watcher", ws / (nodes - 1), "us",
                   f"one watcher node's {what}, the mean of {nodes - 1}")
            result(f"pgviz_mesh{nodes}_cpu_per_round_all", a + ws, "us",
                   f"all {nodes} nodes' {what}")
    finally:
        await asyncio.gather(*(b.stop() for b in peers))
        await node.stop()
