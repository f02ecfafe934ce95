"""The arena of the live fuzz tests, and the checks that close each of them.

One victim node per test runs in its own process (`pgviz node --json`): a fuzzer that finds a
crash -- a SIGSEGV included -- fails the test instead of killing pytest. An honest node in
the test's process is connected to it before the fuzzing starts. Hypothesis runs in a worker
thread with blocking sockets (attacker.py) while the test's event loop keeps the honest node and
the victim's control pipes going; each example is checked to be handled (a ping answered, or
the connection closed by the victim and a new handshake accepted). After the run the victim must be alive and
serving: the honest node still connected and seen exactly as it is, and a fresh node able to
connect, join and see members propagate both ways.

Inputs per test: `CI_EXAMPLES` (10,000 in all). PGVIZ_FUZZ_EXAMPLES=N spreads N inputs over the
tests in the same proportions; PGVIZ_FUZZ_EXAMPLES=x10 multiplies every test's count by 10.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings

from pgviz import Node, Pid

from ..cli.nodeproc import NodeProc
from ..support import spawn_idle, start_node, wait_until
from .strategies import Input

CI_EXAMPLES = {"handshake": 3000, "control": 3000, "pg": 3000, "garbage": 1000}
RECORD: dict[str, dict[str, Any]] = {}  # test -> tally, printed in the terminal summary


def examples(test: str) -> int:
    base = CI_EXAMPLES[test]
    env = os.environ.get("PGVIZ_FUZZ_EXAMPLES", "").strip().lower()
    if not env:
        return base
    if env.startswith("x") or env.endswith("x"):
        return max(1, round(base * float(env.strip("x"))))
    return max(1, round(int(env) * base / sum(CI_EXAMPLES.values())))


def time_budget(test: str) -> float:
    """Seconds a test may take: generous, since a shared CI machine can be slow."""
    return 90 + examples(test) * 0.06


def fuzz_settings(n: int) -> settings:
    # No shrinking: the victim is one live process whose state carries over from example to
    # example, so a shrunk example would not mean much; the failing input is reported as
    # generated, and kept as a hand-written regression test.
    return settings(max_examples=n, deadline=None, print_blob=True,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.large_base_example])


@dataclass
class Tally:
    """What one fuzz test did, for its report line."""

    test: str
    inputs: int = 0
    bytes_sent: int = 0
    closed_by_victim: int = 0
    handshakes: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    io_seconds: float = 0.0  # in the test body (sending, waiting for the victim)

    @contextlib.contextmanager
    def timed(self) -> Iterator[None]:
        t = time.monotonic()
        try:
            yield
        finally:
            self.io_seconds += time.monotonic() - t

    def count(self, inp: Input) -> None:
        self.inputs += 1
        self.bytes_sent += len(inp.data)
        self.labels[inp.label.split("+")[0].split("/")[0].split("(")[0]] += 1

    def finish(self) -> str:
        seconds = time.monotonic() - self.started
        RECORD[self.test] = {"inputs": self.inputs, "seconds": seconds}
        parts = [f"fuzz {self.test}: {self.inputs} inputs ({self.bytes_sent} bytes) in "
                 f"{seconds:.1f} s ({self.io_seconds:.1f} s of it with the victim)"]
        if self.handshakes:
            parts.append(f"{self.closed_by_victim} links closed by the victim, "
                         f"{self.handshakes} handshakes")
        if self.outcomes:
            parts.append(", ".join(f"{k} {v}" for k, v in self.outcomes.most_common()))
        parts.append("most common: " + ", ".join(
            f"{k} {v}" for k, v in self.labels.most_common(8)))
        return "; ".join(parts)


# -- the arena ------------------------------------------------------------------------------------

# w0-w3 are known to the attacker, which may kill them; s0 and s1 it never learns of, so
# their memberships show whether the victim's scope kept its table whatever was killed.
VICTIM_WORKERS = ("w0", "w1", "w2", "w3", "s0", "s1")
KILLABLE = ("w0", "w1", "w2", "w3")
VICTIM_JOINS = {"v0": ["w0", "w1", "s0"], "v1": ["w2"], "both": ["w3", "w0", "s1"],
                "quiet": ["s0"]}
GOOD_JOINS = {"h0": ["m0"], "h1": ["m1"], "both": ["m2", "m0"]}


@dataclass
class Arena:
    victim: NodeProc
    good: Node
    workers: dict[str, str]  # worker name -> pid text on the victim
    members: dict[str, Pid]  # member name -> pid on the good node
    good_downs: list[tuple[str, str]]  # nodedowns of the victim seen by the good node
    loop: asyncio.AbstractEventLoop
    last_input: Input | None = None  # the one sent before the current one: a crash's suspect

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.victim.address.rsplit(":", 1)
        return host, int(port)

    def victim_exit(self) -> int | None:
        return self.victim.proc.returncode

    def describe_victim(self) -> str:
        return (f"victim exit status {self.victim_exit()}; last stderr lines:\n"
                + "".join(self.victim.stderr[-15:]))

    def worker_pid(self, name: str, creation: int) -> Pid:
        _, id_, serial = Pid.parse_text(self.workers[name])
        return Pid(self.victim.name, id_, serial, creation)


@contextlib.asynccontextmanager
async def arena() -> AsyncIterator[Arena]:
    """A victim process with six workers in groups, and an honest in-process node "good"
    with members of its own, connected to it, both views converged."""
    victim = await NodeProc.start("victim")
    good = None
    try:
        workers = {}
        for name in VICTIM_WORKERS:
            workers[name] = (await victim.cmd(f"spawn {name}"))["pid"]
        for group, names in VICTIM_JOINS.items():
            for name in names:
                assert (await victim.cmd(f"join {group} {name}"))["ok"]
        good = await start_node("good")
        members = {name: spawn_idle(good) for name in ("m0", "m1", "m2")}
        for group, names in GOOD_JOINS.items():
            for name in names:
                good.pg.join(group, members[name])
        downs: list[tuple[str, str]] = []
        good.add_node_callback(
            lambda kind, peer, reason: downs.append((peer, reason)) if kind == "nodedown"
            else None)
        assert await good.connect(victim.address) == victim.name
        await wait_until(lambda: len(good.pg.get_members("v0")) == len(VICTIM_JOINS["v0"]),
                         what="good sees v0")
        ar = Arena(victim, good, workers, members, downs, asyncio.get_running_loop())
        await _wait_view(ar, dead_workers=set())
        yield ar
    finally:
        if good is not None:
            await good.stop()
        await victim.close()


async def run_in_thread(fn: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn)


# -- after the fuzzing ------------------------------------------------------------------------------

_BAD_LOG = re.compile(r"Traceback|Fatal error|Exception in callback|never retrieved"
                      r"| ERROR | CRITICAL ")


def bad_log_lines(lines: list[str]) -> list[str]:
    return [line.rstrip() for line in lines if _BAD_LOG.search(line)]


def _dead_workers(ar: Arena) -> set[str]:
    dead = {ev["pid"] for ev in ar.victim.events if ev.get("event") == "exit"}
    return {name for name, pid in ar.workers.items() if pid in dead}


def _expected_view(ar: Arena, dead_workers: set[str]) -> dict[str, list[str]]:
    """The truth: each side's own members, as each side has them locally."""
    want: dict[str, list[str]] = {}
    for group in ar.good.pg.which_local_groups():
        want.setdefault(str(group), []).extend(
            str(p) for p in ar.good.pg.get_local_members(group))
    for group, names in VICTIM_JOINS.items():
        want.setdefault(group, []).extend(
            ar.workers[n] for n in names if n not in dead_workers)
    return {g: sorted(p) for g, p in want.items() if p}


async def victim_view(ar: Arena) -> dict[str, list[str]]:
    """Every group with members as the victim sees it, asked without subscribing to anything
    (a subscription would make it report every later change). A group that is not a str
    cannot be asked about by name: it shows with the members "?" (the truth has none)."""
    groups = await ar.victim.cmd("groups")
    assert groups["ok"], groups
    view: dict[str, list[str]] = {}
    for group in groups["groups"]:
        if not isinstance(group, str) or not group.isprintable() or not group.strip() \
                or any(c in group for c in "'\"\\ "):
            view[repr(group)] = ["?"]
            continue
        members = await ar.victim.cmd(f"members {group}")
        if members["ok"] and members["members"]:
            view[group] = sorted(members["members"])
    return view


async def _wait_view(ar: Arena, dead_workers: set[str], timeout: float = 5.0) -> None:
    want = _expected_view(ar, dead_workers)
    seen: dict[str, list[str]] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = await victim_view(ar)
        if seen == want:
            return
        await asyncio.sleep(0.1)
    diff = {g: {"victim sees": seen.get(g), "truth": want.get(g)}
            for g in sorted(set(seen) | set(want)) if seen.get(g) != want.get(g)}
    hints = [line.rstrip() for line in ar.victim.stderr if "restart" in line][-5:]
    raise AssertionError(f"the victim's view of the groups is not the truth: {diff}"
                         + "".join(f"\n  victim: {h}" for h in hints))


async def assert_alive_and_serving(ar: Arena, local_log: list[logging.LogRecord]) -> None:
    """The victim process lives and answers; the honest node was never cut off and the
    victim's view of the groups is exactly each side's local membership; a fresh node
    connects, joins, and members propagate both ways; no errors were logged, by the victim
    or in this process (the honest nodes)."""
    assert ar.victim_exit() is None, ar.describe_victim()
    nodes = await ar.victim.cmd("nodes")
    assert nodes["ok"] and ar.good.name in nodes["nodes"], (nodes, ar.describe_victim())
    assert ar.victim.name in ar.good.nodes()
    assert ar.good_downs == [], f"the honest node lost the victim: {ar.good_downs}"
    await _wait_view(ar, _dead_workers(ar))

    fresh = await start_node("fresh")
    try:
        assert await fresh.connect(ar.victim.address) == ar.victim.name
        mine = spawn_idle(fresh)
        fresh.pg.join("fresh", mine)
        theirs = (await ar.victim.cmd("spawn wf"))["pid"]
        assert (await ar.victim.cmd("join fresh wf"))["ok"]
        await wait_until(lambda: sorted(map(str, fresh.pg.get_members("fresh")))
                         == sorted([str(mine), theirs]), what="fresh sees both members")
        for _ in range(100):
            seen = (await ar.victim.cmd("members fresh"))["members"]
            if sorted(seen) == sorted([str(mine), theirs]):
                break
            await asyncio.sleep(0.02)
        assert sorted(seen) == sorted([str(mine), theirs]), seen
    finally:
        await fresh.stop()
    bad = bad_log_lines(ar.victim.stderr)
    assert not bad, "the victim logged errors:\n" + "\n".join(bad[:40])
    local = [f"{r.name}: {r.getMessage()}" for r in local_log if r.levelno >= logging.ERROR]
    assert not local, "errors logged in the test process:\n" + "\n".join(local[:40])


__all__ = ["CI_EXAMPLES", "KILLABLE", "RECORD", "Arena", "Tally", "arena",
           "assert_alive_and_serving", "bad_log_lines", "examples", "fuzz_settings",
           "run_in_thread", "time_budget", "victim_view"]
