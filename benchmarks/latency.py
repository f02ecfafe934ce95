"""b. latency: join/leave on node A seen by a pg.monitor watcher on node B (own OS process).

Mirrors pg_bench.erl run(latency)/lat_one/2: T0 = time.time_ns(); join a fresh pid; wait for the
watcher's (W, "join", T1); T2; leave; wait for (W, "leave", T3); kill the pid. Samples:
T1-T0 (one way), T2-T0 (round trip), T3-T2 (leave one way); 1000 after 100 warm-up.
time.time_ns() on both nodes (same OS clock), like os:system_time(nanosecond).
`--set listener=cluster` (or `local`) puts an event listener on B (`node_b --listener`; needs a
pgviz with the event stream): what watching the cluster costs, `benchmarks/events_cost.py`."""

from __future__ import annotations

import time

import pgviz

from .common import (
    PeerB,
    connect_probe,
    idle,
    listener_args,
    listener_note,
    pct,
    result,
    run_as_process,
    start_node,
)

SIZES = {
    "full": dict(warm=100, n=1000, listener="none"),
    "quick": dict(warm=20, n=200, listener="none"),
    "smoke": dict(warm=3, n=10, listener="none"),
}


async def run(warm: int, n: int, listener: str = "none", loop_name: str = "asyncio") -> None:
    node = await start_node()
    b = await PeerB.start("--watcher", "--loop", loop_name, *listener_args(listener))
    try:
        await connect_probe(node, [b])

        async def body(proc: pgviz.Process) -> list[tuple[int, int, int]]:
            node.send(("lat_watcher", b.name), ("hello", proc.pid))
            ready = await proc.receive(timeout=30)
            w = ready[0]
            assert ready[1] == "ready", ready
            pg = node.pg
            samples = []
            for _ in range(warm + n):
                p = node.spawn(idle)
                t0 = time.time_ns()
                pg.join("lat", p)
                m = await proc.receive(timeout=30)
                assert m[0] == w and m[1] == "join", m
                t2 = time.time_ns()
                pg.leave("lat", p)
                m2 = await proc.receive(timeout=30)
                assert m2[0] == w and m2[1] == "leave", m2
                node.exit(p, "kill")
                samples.append((m[2] - t0, t2 - t0, m2[2] - t2))
            node.send(w, "stop")
            return samples[warm:]

        samples = await run_as_process(node, body)
        j1 = [s[0] for s in samples]
        jr = [s[1] for s in samples]
        l1 = [s[2] for s in samples]
        note = ("pg.join on A -> (ref, 'join', ..) received by pg.monitor watcher on B (separate "
                f"OS process, loopback TCP); time.time_ns on both nodes; {n} joins after {warm} "
                f"warm-up; loop {loop_name}{await listener_note(b, listener)}")
        result("pgviz_join_propagation_p50", pct(j1, 50) / 1000, "us", note)
        result("pgviz_join_propagation_p99", pct(j1, 99) / 1000, "us", note)
        result("pgviz_join_roundtrip_p50", pct(jr, 50) / 1000, "us",
               "join on A -> watcher on B notified -> ack back on A")
        result("pgviz_leave_propagation_p50", pct(l1, 50) / 1000, "us",
               "pg.leave on A -> (ref, 'leave', ..) on B")
    finally:
        await b.stop()
        await node.stop()
