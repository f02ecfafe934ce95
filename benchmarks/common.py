"""Shared pieces of the pgviz benchmark scenarios: RESULT lines, percentiles, node B as a
subprocess with a line-based control channel on its stdin/stdout (like OTP's `peer` with
`connection => standard_io`: B dies with A), and running code inside a pgviz process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pgviz

COOKIE = "pgviz_bench"
NAME_A = "pgviz_bench_a"
NAME_B = "pgviz_bench_b"


def run_profiled(label: str, fn: Callable[[], Any]) -> Any:
    """Run fn() under cProfile when $PGVIZ_BENCH_PROFILE names a directory: the stats go to
    DIR/<label>.prof (read them with `python -m pstats`). Plain fn() otherwise."""
    out = os.environ.get("PGVIZ_BENCH_PROFILE")
    if not out:
        return fn()
    import cProfile

    os.makedirs(out, exist_ok=True)
    prof = cProfile.Profile()
    try:
        return prof.runcall(fn)
    finally:
        prof.dump_stats(os.path.join(out, f"{label}.prof"))


def result(name: str, value: float, unit: str, note: str) -> None:
    """One figure, in the anchors' format (value with one decimal, like pg_bench.erl)."""
    print(f"RESULT\t{name}\t{float(value):.1f}\t{unit}\t{note}", flush=True)


def label(n: int) -> str:
    """A size as pg_scale.erl's figure names spell it: 1000 -> 1k, 1000000 -> 1m, 300 -> 300."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def info(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def pct(samples: list[float], p: float) -> float:
    """Nearest rank, as pg_bench.erl's pct/2 and redis/bench.py."""
    s = sorted(samples)
    return s[max(1, -(-p * len(s) // 100)) - 1]


async def idle(proc: pgviz.Process) -> None:
    """Erlang's idle/0: wait for `stop`."""
    while True:
        if await proc.receive() == "stop":
            return


async def run_as_process(node: pgviz.Node, fn: Callable[[pgviz.Process], Awaitable[Any]]) -> Any:
    """Run `fn(proc)` inside a pgviz process (it needs a mailbox) and return its result."""
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def body(proc: pgviz.Process) -> None:
        try:
            res = await fn(proc)
        except BaseException as exc:  # noqa: BLE001 - handed over to the awaiting caller
            if not done.done():
                done.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        else:
            if not done.done():
                done.set_result(res)

    node.spawn(body)
    return await done


async def wait_until(pred: Callable[[], Awaitable[bool] | bool], timeout: float = 30.0,
                     interval: float = 0.001) -> None:
    deadline = time.monotonic() + timeout
    while True:
        r = pred()
        if asyncio.iscoroutine(r):
            r = await r
        if r:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def start_node(name: str = NAME_A) -> pgviz.Node:
    node = pgviz.Node(name, host="127.0.0.1", port=0, cookie=COOKIE)
    await node.start()
    return node


class PeerB:
    """Node B in its own OS process (`python -m benchmarks.node_b ...`), controlled over its
    stdin/stdout: one JSON object per line each way. Closing its stdin stops it."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str, address: str) -> None:
        self.proc = proc
        self.name = name
        self.address = address
        self._lock = asyncio.Lock()

    @classmethod
    async def start(cls, *args: str, name: str = NAME_B) -> PeerB:
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.node_b", "--name", name, *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            hello = json.loads(line)
        except Exception:
            proc.kill()
            await proc.wait()
            raise RuntimeError(f"node B ({name}) did not start: {line!r}") from None
        return cls(proc, hello["name"], hello["address"])

    async def call(self, op: str, **kw: Any) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        async with self._lock:
            self.proc.stdin.write((json.dumps({"op": op, **kw}) + "\n").encode())
            await self.proc.stdin.drain()
            line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        if not line:
            raise RuntimeError(f"node B {self.name} exited (rc {self.proc.returncode})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"node B {self.name}: {reply['error']}")
        return reply

    async def stop(self) -> None:
        """Ask B to quit; kill it (by its pid, our own child) when it does not."""
        if self.proc.returncode is not None:
            return
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            await asyncio.wait_for(self.proc.wait(), 10)
        except (TimeoutError, ConnectionError, OSError):
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()


def listener_args(listener: str) -> list[str]:
    """node_b's arguments for an event listener on B ("none", "local" or "cluster"); none at
    all for "none", so that the scenario runs on a pgviz from before the event stream."""
    if listener not in ("none", "local", "cluster"):
        raise ValueError(f"listener must be none, local or cluster, not {listener!r}")
    return [] if listener == "none" else ["--listener", listener]


async def listener_note(b: PeerB, listener: str) -> str:
    """For a figure's note: the listener on B and how many events it has received so far."""
    if listener == "none":
        return ""
    n = (await b.call("events"))["n"]
    return f"; {listener} event listener on B ({n:,} events received so far)"


async def connect_probe(node: pgviz.Node, peers: list[PeerB]) -> None:
    """pg_bench.erl's connect/1: connect, then wait until a probe member on each side is
    visible on every side (both pg scopes know each other)."""
    for b in peers:
        await node.connect(b.address)
    probe = node.spawn(idle)
    node.pg.join("overlay_probe", probe)
    for b in peers:
        await b.call("probe")
    want = len(peers) + 1

    async def ready() -> bool:
        if len(node.pg.get_members("overlay_probe")) != want:
            return False
        for b in peers:
            if (await b.call("members", group="overlay_probe"))["n"] != want:
                return False
        return True

    await wait_until(ready)
