"""N real `pgviz node --json` processes on this machine, driven over their stdin/stdout.

The chaos soak's hands (benchmarks/soak.py decides what to do, this module does it). A command
is one line on a node's stdin; the shell answers every command, in order, with one
`{"reply": ...}` line, so replies are matched first-in first-out and commands can be pipelined.
Asynchronous `{"event": ...}` lines are kept in a short ring, for diagnostics only.

No orphans: every node is killed when the cluster closes (also after an exception or a
cancellation), and on Linux the kernel kills it if this process dies first (PR_SET_PDEATHSIG).
A node whose parent is gone would otherwise quit on stdin EOF -- unless it is SIGSTOPped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

__all__ = ["SoakNode", "Cluster", "NodeFailure", "COOKIE", "pid_id"]

COOKIE = "pgviz-chaos-soak-cookie"  # 16+ characters: fine on any host
START_TIMEOUT = 30.0
REPLY_TIMEOUT = 20.0  # a connect can take the handshake timeout (5 s) and more on a busy box


class NodeFailure(Exception):
    """A node process died on its own, printed something that is not JSON, or stopped
    answering commands: a finding of the soak, never an expected outcome."""


def pid_id(text: str) -> int:
    """"<n1.12>" -> 12."""
    return int(text.strip("<>").split(".")[1])


_prctl: Any = None
if sys.platform.startswith("linux"):
    import ctypes

    # Looked up here, not in the child: between fork and exec only the call itself runs.
    _prctl = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    _prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG


class SoakNode:
    """One `pgviz node --json` process (one incarnation of a node name)."""

    def __init__(self, slot: str, proc: asyncio.subprocess.Process, incarnation: int) -> None:
        self.slot = slot  # the short name, n1 ...; it survives restarts
        self.proc = proc
        self.incarnation = incarnation
        self.name = ""  # full name from the "started" event, n1@127.0.0.1
        self.address = ""
        self.stopped = False  # SIGSTOPped: never sent a command while so
        self.killed = False  # SIGKILLed by the soak (so its exit is not a crash)
        self.events: deque[tuple[float, dict[str, Any]]] = deque(maxlen=200)  # (monotonic, ev)
        self.exited: set[str] = set()  # pids of the shell's processes that ended ("exit" events)
        self._exit_waiters: dict[str, asyncio.Future[None]] = {}
        self.stderr: deque[tuple[float, str]] = deque(maxlen=200)  # (monotonic, line)
        self._replies: deque[asyncio.Future[dict[str, Any]]] = deque()
        self._started: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._failure: NodeFailure | None = None
        self._readers = [asyncio.create_task(self._read_stdout()),
                         asyncio.create_task(self._read_stderr())]

    @classmethod
    async def start(cls, slot: str, *, tick_time: float, env: dict[str, str],
                    incarnation: int = 1, loop: str = "asyncio",
                    verbose: bool = False) -> SoakNode:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pgviz", "node", "--json", "--name", slot,
            "--tick-time", f"{tick_time:g}", "--loop", loop, *(["-v"] if verbose else []),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env,
            preexec_fn=_die_with_parent if _prctl is not None else None)
        node = cls(slot, proc, incarnation)
        try:
            started = await asyncio.wait_for(asyncio.shield(node._started), START_TIMEOUT)
        except BaseException:
            await node.kill()
            raise
        node.name, node.address = started["name"], started["address"]
        return node

    def __repr__(self) -> str:
        return f"<SoakNode {self.name or self.slot}#{self.incarnation} pid={self.proc.pid}>"

    # -- output --------------------------------------------------------------------------------
    async def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        try:
            async for raw in self.proc.stdout:
                try:
                    obj = json.loads(raw)
                except ValueError:
                    self._fail(f"{self.slot} printed a line that is not JSON: {raw[:200]!r}")
                    continue
                if "reply" in obj:
                    if self._replies:
                        fut = self._replies.popleft()
                        if not fut.done():
                            fut.set_result(obj)
                    else:
                        self._fail(f"{self.slot} sent a reply nobody asked for: {obj}")
                elif obj.get("event") == "started" and not self._started.done():
                    self._started.set_result(obj)
                else:
                    self.events.append((time.monotonic(), obj))
                    if obj.get("event") == "exit":
                        self._exited(str(obj.get("pid")))
        except (ValueError, asyncio.LimitOverrunError) as exc:  # a line longer than the limit
            self._fail(f"{self.slot}: unreadable output ({exc})")
        rc = await self.proc.wait()
        if not self.killed:
            self._fail(f"{self.slot} ({self.name}) exited with status {rc}; stderr:\n"
                       + self.stderr_tail())
        else:
            self._fail(f"{self.slot} was killed")

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.stderr.append((time.monotonic(), raw.decode(errors="replace")))

    def _exited(self, pid: str) -> None:
        self.exited.add(pid)
        waiter = self._exit_waiters.pop(pid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_exit(self, pid: str, timeout: float = 5.0) -> bool:
        """Wait for the shell's `exit` event of `pid` (a process it spawned); False on timeout."""
        if pid in self.exited:
            return True
        waiter = self._exit_waiters.setdefault(pid, asyncio.get_running_loop().create_future())
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            return False
        return True

    def _fail(self, text: str) -> None:
        if self._failure is None:
            self._failure = NodeFailure(text)
        for fut in (self._started, *self._replies):
            if not fut.done():
                fut.set_exception(NodeFailure(text))
                fut.exception()  # retrieved: nobody may be waiting any more
        self._replies.clear()

    def recent(self, since: float) -> list[str]:
        """Link events and log lines since a monotonic time, for a report."""
        links = [(t, f"{ev['event']} {ev.get('node')} {ev.get('reason', '')}")
                 for t, ev in self.events if t >= since and ev["event"] in ("nodeup", "nodedown")]
        logs = [(t, line.rstrip()) for t, line in self.stderr if t >= since]
        return [f"{t - since:+.3f}s {text}" for t, text in sorted(links + logs[-30:])]

    def stderr_tail(self, chars: int = 2000) -> str:
        return "".join(line for _, line in self.stderr)[-chars:]

    @property
    def failure(self) -> NodeFailure | None:
        """Set when the process died or misbehaved without the soak asking for it."""
        return None if self.killed else self._failure

    # -- commands ------------------------------------------------------------------------------
    async def cmds(self, lines: Iterable[str], timeout: float = REPLY_TIMEOUT
                   ) -> list[dict[str, Any]]:
        """Send the commands in one write, then wait for their replies (in order)."""
        lines = list(lines)
        if self.stopped:
            raise RuntimeError(f"soak bug: command {lines[:1]} to the stopped node {self.slot}")
        if self._failure is not None:
            raise self._failure
        assert self.proc.stdin is not None
        loop = asyncio.get_running_loop()
        futs = [loop.create_future() for _ in lines]
        self._replies.extend(futs)
        try:
            self.proc.stdin.write("".join(line + "\n" for line in lines).encode())
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            self._fail(f"{self.slot}: stdin closed ({exc!r})")
        try:
            return list(await asyncio.wait_for(asyncio.gather(*futs), timeout))
        except TimeoutError:
            raise NodeFailure(f"{self.slot} did not answer {lines[:3]} within {timeout} s; "
                              f"stderr:\n{self.stderr_tail()}") from None

    async def cmd(self, line: str, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        return (await self.cmds([line], timeout))[0]

    # -- signals -------------------------------------------------------------------------------
    def sigstop(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)
        self.stopped = True

    def sigcont(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.stopped = False

    async def kill(self) -> None:
        """SIGKILL (works on a stopped process too) and reap it."""
        self.killed = True
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()
        self.stopped = False
        await asyncio.wait(self._readers, timeout=5)
        for task in self._readers:
            task.cancel()


class Cluster:
    """Node slots n1..nN, each holding its current incarnation (None while it is down).

    `async with Cluster(5) as cluster:` starts the nodes, connects them as a full mesh and
    waits until every node lists every other one; leaving the block kills them all."""

    def __init__(self, n: int, *, tick_time: float = 1.0, cookie: str = COOKIE,
                 loop: str = "asyncio", node_verbose: bool = False) -> None:
        if n < 3:
            raise ValueError("a soak needs at least 3 nodes")
        self.slots = [f"n{i}" for i in range(1, n + 1)]
        self.nodes: dict[str, SoakNode | None] = dict.fromkeys(self.slots)
        self.tick_time = tick_time
        self.loop = loop
        self.node_verbose = node_verbose  # nodes log at INFO (links, duplicates) to stderr
        self.incarnations = dict.fromkeys(self.slots, 0)
        self._scratch = tempfile.mkdtemp(prefix="pgviz-soak-")
        # A private node registry: the soak's nodes (and the stale entries of SIGKILLed ones)
        # must not show up in the desktop app of whoever runs it.
        self.env = dict(os.environ, PGVIZ_COOKIE=cookie,
                        PGVIZ_REGISTRY_DIR=os.path.join(self._scratch, "registry"),
                        XDG_CONFIG_HOME=os.path.join(self._scratch, "config"))
        self.env.pop("PGVIZ_BENCH_PROFILE", None)

    async def __aenter__(self) -> Cluster:
        try:
            for slot in self.slots:
                await self.start(slot)
            first = self.node(self.slots[0])
            for slot in self.slots[1:]:
                reply = await first.cmd(f"connect {self.node(slot).address}")
                if not reply["ok"]:
                    raise NodeFailure(f"initial connect to {slot} failed: {reply}")
            deadline = time.monotonic() + 20
            while await self.missing_links():
                if time.monotonic() > deadline:
                    raise NodeFailure(f"no full mesh at start: {await self.missing_links()}")
                await asyncio.sleep(0.02)
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await asyncio.gather(*(n.kill() for n in self.nodes.values() if n is not None),
                             return_exceptions=True)
        shutil.rmtree(self._scratch, ignore_errors=True)

    # -- membership of the cluster ---------------------------------------------------------------
    def node(self, slot: str) -> SoakNode:
        node = self.nodes[slot]
        if node is None:
            raise RuntimeError(f"soak bug: {slot} is down")
        return node

    def live(self) -> list[SoakNode]:
        """Nodes whose process exists (running or stopped)."""
        return [n for n in self.nodes.values() if n is not None]

    def running(self) -> list[SoakNode]:
        """Nodes that can answer commands now."""
        return [n for n in self.live() if not n.stopped]

    def failures(self) -> list[NodeFailure]:
        return [n.failure for n in self.live() if n.failure is not None]

    async def start(self, slot: str) -> SoakNode:
        assert self.nodes[slot] is None, slot
        self.incarnations[slot] += 1
        node = await SoakNode.start(slot, tick_time=self.tick_time, env=self.env,
                                    incarnation=self.incarnations[slot], loop=self.loop,
                                    verbose=self.node_verbose)
        self.nodes[slot] = node
        return node

    async def sigkill(self, slot: str) -> None:
        node = self.node(slot)
        self.nodes[slot] = None
        await node.kill()

    async def links(self) -> dict[str, set[str]]:
        """slot -> slots it lists in `nodes`, for every running node."""
        by_name = {n.name: n.slot for n in self.live()}
        running = self.running()
        replies = await asyncio.gather(*(n.cmd("nodes") for n in running))
        return {n.slot: {by_name.get(p, p) for p in r["nodes"]}
                for n, r in zip(running, replies, strict=True)}

    async def missing_links(self, among: list[SoakNode] | None = None) -> list[tuple[str, str]]:
        """(a, b) for every pair of running nodes where a does not list b."""
        links = await self.links()
        slots = [n.slot for n in (among if among is not None else self.running())]
        return [(a, b) for a in slots for b in slots if a != b and b not in links.get(a, set())]
