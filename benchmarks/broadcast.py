"""c. broadcast: a sender on node A, N members of group "bcast" on node B (own OS process).

Mirrors pg_bench.erl run(broadcast):
* throughput: for 5 s the sender does one round after another, a round being the group's
  members + one ("data", <100 bytes>) to each. pgviz's round is `scope.broadcast(group, msg)`:
  one frame per remote node carrying every target pid. The sender yields to the event loop every
  `batch` rounds (asyncio writes nothing until it does) and then awaits `node.drain(B)`, the
  transport's high-water mark: the only back-pressure, like the busy dist port in OTP. Delivered =
  messages counted on B / (time of the last member's report - start); `sent` = same count over
  the sender's busy time only;
* latency: one round of ("ping", seq, payload) until the last of the N members received it (a
  collector on B reports the latest receive time, time.time_ns() on both sides); 1000 rounds
  after 100 warm-up; `rtt` adds the completion message back to A.
The same is then measured with a plain per-member send loop (one frame per member) as
`pgviz_broadcast_sendloop_*`, which has no OTP counterpart name.
`--set listener=cluster` (or `local`) puts an event listener on B (`node_b --listener`; needs a
pgviz with the event stream): what watching the cluster costs, `benchmarks/events_cost.py`."""

from __future__ import annotations

import asyncio
import time

import pgviz

from .common import (
    PeerB,
    connect_probe,
    listener_args,
    listener_note,
    pct,
    result,
    run_as_process,
    start_node,
    wait_until,
)

SIZES = {
    "full": dict(members=100, duration=5.0, warm=100, n=1000, sendloop=True, batch=8,
                 listener="none"),
    "quick": dict(members=100, duration=1.0, warm=20, n=200, sendloop=True, batch=8,
                 listener="none"),
    "smoke": dict(members=10, duration=0.2, warm=3, n=10, sendloop=True, batch=8,
                 listener="none"),
}

PAYLOAD = b"x" * 100


async def run(members: int, duration: float, warm: int, n: int, sendloop: bool,
              batch: int = 8, listener: str = "none", loop_name: str = "asyncio") -> None:
    node = await start_node()
    b = await PeerB.start("--bcast-members", str(members), "--loop", loop_name,
                          *listener_args(listener))
    try:
        await connect_probe(node, [b])
        pg = node.pg
        await wait_until(lambda: len(pg.get_members("bcast")) == members)

        async def body(proc: pgviz.Process) -> None:
            node.send(("bcast_coll", b.name), ("hello", proc.pid))
            ready = await proc.receive(timeout=30)
            coll = ready[0]
            assert ready[1] == "ready", ready
            variants = [("broadcast", "pgviz_broadcast", "scope.broadcast (one frame per node)")]
            if sendloop:
                variants.append(("sendloop", "pgviz_broadcast_sendloop",
                                 "get_members + node.send per member (one frame per member)"))
            for mode, prefix, how in variants:
                await measure(proc, mode, prefix, how)
            for m in pg.get_members("bcast"):
                node.send(m, "stop")
            node.send(coll, "stop")

        def make_round(mode: str):  # noqa: ANN202
            if mode == "broadcast":
                bcast = pg.broadcast
                return lambda msg: bcast("bcast", msg)
            get_members, send = pg.get_members, node.send

            def round_(msg: object) -> None:
                for m in get_members("bcast"):
                    send(m, msg)
            return round_

        async def measure(proc: pgviz.Process, mode: str, prefix: str, how: str) -> None:
            one_round = make_round(mode)
            msg = ("data", PAYLOAD)
            peer = b.name
            drain = node.drain
            t0 = time.time_ns()
            deadline = time.monotonic() + duration
            rounds = 0
            while True:
                one_round(msg)
                rounds += 1
                if time.monotonic() >= deadline:
                    break
                if rounds % batch == 0:
                    await asyncio.sleep(0)
                    await drain(peer)
            t_sent = time.time_ns()
            mem = pg.get_members("bcast")
            for m in mem:
                node.send(m, ("report", proc.pid))
            reports = [await proc.receive(timeout=120) for _ in mem]
            assert all(r[1] == "count" for r in reports), reports[:3]
            delivered = sum(r[2] for r in reports)
            assert delivered == rounds * members, (delivered, rounds, members)
            t_last = max(r[3] for r in reports)
            result(f"{prefix}_delivered", delivered / ((t_last - t0) / 1e9), "msgs/s",
                   f"100-byte bytes, {how}, {members} members on B, {duration:g} s, yield + "
                   f"drain every {batch} rounds; deliveries counted on B until the last one "
                   f"arrived; loop {loop_name}{await listener_note(b, listener)}")
            result(f"{prefix}_sent", delivered / ((t_sent - t0) / 1e9), "msgs/s",
                   "same run, rate at which the sender on A got its sends done")

            samples = []
            for seq in range(1, warm + n + 1):
                t0 = time.time_ns()
                one_round(("ping", seq, PAYLOAD))
                m = await proc.receive(timeout=30)
                assert m[0] == "round_done" and m[1] == seq, m
                samples.append((m[2] - t0, time.time_ns() - t0))
            samples = samples[warm:]
            one_way = [s[0] for s in samples]
            rtt = [s[1] for s in samples]
            note = (f"{how} to {members} members on B until the last one received it; "
                    f"time.time_ns on both nodes; {n} rounds after {warm} warm-up")
            result(f"{prefix}_round_p50", pct(one_way, 50) / 1000, "us", note)
            result(f"{prefix}_round_p99", pct(one_way, 99) / 1000, "us", note)
            result(f"{prefix}_round_rtt_p50", pct(rtt, 50) / 1000, "us",
                   "same, plus a completion message back to A")

        await run_as_process(node, body)
    finally:
        await b.stop()
        await node.stop()
