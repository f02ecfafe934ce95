"""The shell's network clock and fault commands, across real `pgviz node` processes: slow,
pause, step, partition/heal and latency, with `clock` and `fault` events on every node."""

from __future__ import annotations

import asyncio

import pytest

from ..support import run
from .nodeproc import NodeProc

pytestmark = pytest.mark.slow


async def _three():
    a = await NodeProc.start("a", "--tick-time", "1")
    b = await NodeProc.start("b", "--tick-time", "1", "--connect", a.address)
    c = await NodeProc.start("c", "--tick-time", "1", "--connect", a.address)
    for n in (a, b, c):
        await n.event("nodeup")
        await n.event("nodeup")
    return a, b, c


async def _members(node: NodeProc, group: str, n: int, timeout: float = 10) -> None:
    async def count() -> int:
        return len((await node.cmd(f"members {group}"))["members"])
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while await count() != n:
        assert loop.time() < end, f"{node.name} never saw {n} members of {group}"
        await asyncio.sleep(0.02)


def test_slow_pause_step_and_resume_across_processes():
    async def main():
        a, b, c = await _three()
        try:
            reply = await b.cmd("slow 1.5")
            assert reply["ok"] and reply["mode"] == "slow" and reply["seconds"] == 1.5
            for n in (a, b, c):
                await n.event("clock", mode="slow", seconds=1.5)
            loop = asyncio.get_running_loop()
            await a.cmd("spawn w")
            t0 = loop.time()
            await a.cmd("join room w")
            await _members(b, "room", 1)
            assert loop.time() - t0 >= 1.5 - 0.1  # no sooner than the travel time

            assert (await c.cmd("pause"))["mode"] == "pause"
            for n in (a, b, c):
                await n.event("clock", mode="pause")
            await b.cmd("spawn v")
            await b.cmd("join room v")  # two frames wait on b's links, to a and to c
            held = (await b.cmd("clock"))["held"]
            assert sorted(h["dst"] for h in held) == sorted([a.name, c.name])
            stepped = await a.cmd("step")
            assert stepped["ok"] and stepped["released"] in {h["id"] for h in held}
            got = a if stepped["dst"] == a.name else c
            other = c if got is a else a
            await _members(got, "room", 2)
            assert len((await other.cmd("members room"))["members"]) == 1  # one frame only
            await other.cmd("resume")
            await _members(other, "room", 2)
        finally:
            for n in (a, b, c):
                await n.close()
    run(main(), timeout=90)


def test_partition_heal_and_latency_from_the_shell():
    async def main():
        a, b, c = await _three()
        try:
            reply = await c.cmd("partition a,b c")
            assert reply["ok"] and reply["sides"] == [sorted([a.name, b.name]), [c.name]]
            await c.event("fault", what="cut", dst=a.name)
            await c.event("nodedown", node=a.name)
            await c.event("nodedown", node=b.name)
            assert (await c.cmd("nodes"))["nodes"] == []
            refused = await c.cmd(f"connect {a.address}")
            assert not refused["ok"] and "partitioned" in refused["error"]
            await a.cmd("heal")
            await c.event("nodeup", timeout=15)
            await c.event("nodeup", timeout=15)
            assert (await a.cmd("latency b 300"))["latency"] == {f"{a.name} {b.name}": 300.0}
            await a.event("fault", what="delay", dst=b.name, detail="300 ms")
        finally:
            for n in (a, b, c):
                await n.close()
    run(main(), timeout=90)


@pytest.mark.parametrize("line, needle", [
    ("slow -1", "between 0"),
    ("slow fast", "number"),
    ("slow", "usage"),
    ("step", "paused"),
    ("partition a,b", "usage"),
    ("partition a,b nobody", "unknown node"),
    ("partition a,b ,", "empty"),
    ("latency nobody 10", "unknown node"),
    ("latency b -5", "at least 0"),
    ("heal b", "usage"),
])
def test_bad_network_commands_get_an_error_and_change_nothing(line, needle):
    async def main():
        a = await NodeProc.start("a")
        b = await NodeProc.start("b", "--connect", a.address)
        try:
            await b.event("nodeup")
            reply = await a.cmd(line)
            assert not reply["ok"] and needle in reply["error"], reply
            state = await a.cmd("clock")
            assert (state["mode"], state["cuts"], state["latency"]) == ("live", [], {})
            assert (await a.cmd("nodes"))["nodes"] == [b.name]
        finally:
            await a.close()
            await b.close()
    run(main())


def test_seeds_from_the_flag_and_the_environment_are_dialled_until_they_answer():
    async def main():
        import os
        import socket

        with socket.socket() as s:  # the seed's port, before the seed exists
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        early = await NodeProc.start("early", "--seed", f"127.0.0.1:{port}")
        env = dict(os.environ, PGVIZ_SEEDS=f"127.0.0.1:{port}")
        other = await NodeProc.start("other", env=env)
        seed = await NodeProc.start("seed", "--port", str(port))
        try:
            await early.event("nodeup", timeout=15, node=seed.name)
            await other.event("nodeup", timeout=15, node=seed.name)
        finally:
            for n in (early, other, seed):
                await n.close()
    run(main(), timeout=60)


def test_bad_seeds_are_refused_at_start():
    import os
    import subprocess
    import sys

    for argv, env in ((["--seed", "nowhere"], {}), ([], {"PGVIZ_SEEDS": "a:1,bogus"})):
        proc = subprocess.run([sys.executable, "-m", "pgviz", "node", "--no-shell", *argv],
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=30)
        assert proc.returncode == 2, proc.stderr
        assert "not an address" in proc.stderr and ("bogus" in proc.stderr
                                                    or "nowhere" in proc.stderr)
