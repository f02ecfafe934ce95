"""How fast a network-clock change reaches a 10-node cluster: node A (this process) plus 9
`pgviz node --json` processes, full mesh over loopback. Per sample A changes the clock
(alternately slow 1 s and live) and waits until all 9 printed their `clock` event; the
figure is the time from the change to the 9th event read here (the pipe is included: an
upper bound). `pgviz_clock_spread10_p50/p99/max`, in ms.

    python -m benchmarks.clock_spread [--nodes 10] [--samples 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import pgviz

from .common import pct, result

COOKIE = "benchmark-clock-cookie"


async def _peer(i: int, seed: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pgviz", "node", "--json", "--no-discovery", "--name",
        f"clk{i}", "--connect", seed, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env=dict(os.environ, PGVIZ_COOKIE=COOKIE))


async def _events(proc: asyncio.subprocess.Process, queue: asyncio.Queue[tuple[int, float]],
                  i: int) -> None:
    assert proc.stdout is not None
    async for line in proc.stdout:
        ev = json.loads(line)
        if ev.get("event") == "clock":
            queue.put_nowait((i, time.perf_counter()))


async def run(nodes: int, samples: int) -> None:
    a = pgviz.Node("clk0", cookie=COOKIE)
    await a.start()
    procs = [await _peer(i, a.address) for i in range(1, nodes)]
    queue: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    readers = [asyncio.create_task(_events(p, queue, i)) for i, p in enumerate(procs)]
    try:
        deadline = time.monotonic() + 30
        while len(a.nodes()) < nodes - 1:
            assert time.monotonic() < deadline, "the mesh did not form"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the mesh among the 9 settles too
        spreads = []
        for k in range(samples):
            t0 = time.perf_counter()
            if k % 2 == 0:
                a.net.slow(1.0)
            else:
                a.net.slow(0)
            seen: set[int] = set()
            last = t0
            while len(seen) < nodes - 1:
                i, t = await asyncio.wait_for(queue.get(), 10)
                seen.add(i)
                last = max(last, t)
            spreads.append((last - t0) * 1000)
        note = f"{nodes} nodes, {samples} changes, to the last node's clock event"
        result("pgviz_clock_spread10_p50", pct(spreads, 50), "ms", note)
        result("pgviz_clock_spread10_p99", pct(spreads, 99), "ms", note)
        result("pgviz_clock_spread10_max", max(spreads), "ms", note)
    finally:
        for r in readers:
            r.cancel()
        for p in procs:
            if p.stdin is not None:
                p.stdin.write(b"quit\n")
        for p in procs:
            try:
                await asyncio.wait_for(p.wait(), 10)
            except TimeoutError:
                p.kill()
        await a.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args(argv)
    asyncio.run(run(args.nodes, args.samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
