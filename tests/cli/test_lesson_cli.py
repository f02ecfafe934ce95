"""`pgviz lesson NAME --cluster ADDR`: the teacher's app joins a class's cluster and casts the
lesson on its `--lesson-agent` nodes; bad arguments are one line and exit status 2."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from ..support import COOKIE, run, wait_until
from .nodeproc import NodeProc


def _lesson(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "pgviz", "lesson", *args],
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("args, says", [
    (["2", "--cast", "alice"], "not a cast: 'alice'"),
    (["2", "--cast", "alice=a,alice=b", "--cluster", "127.0.0.1:9"], "alice is cast twice"),
    (["2", "--cast", "zed=a", "--cluster", "127.0.0.1:9"], "--cast names zed, which 2-netsplit"),
    (["2", "--cast", "alice=a"], "add --cluster ADDR"),
    (["2", "--cluster", "nowhere"], "not an address: 'nowhere'"),
    (["nope", "--cluster", "127.0.0.1:9"], "nope"),
])
def test_bad_lesson_arguments_are_one_line_and_status_2(args, says):
    res = _lesson(*args)
    assert res.returncode == 2, res.stderr
    assert says in res.stderr and "Traceback" not in res.stderr


def test_the_teachers_app_casts_the_lesson_on_the_class_agents():
    async def main():
        alice = await NodeProc.start("alice", "--lesson-agent", "--no-discovery")
        bob = await NodeProc.start("bob", "--lesson-agent", "--no-discovery",
                                   "--connect", alice.address)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PGVIZ_COOKIE=COOKIE)
        app = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pgviz", "lesson", "3", "--cluster", alice.address,
            "--cast", "alice=bob,bob=alice", "--no-discovery", "-v",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env)
        log: list[str] = []

        async def read() -> None:
            assert app.stderr is not None
            async for raw in app.stderr:
                log.append(raw.decode(errors="replace"))
        reader = asyncio.create_task(read())
        try:
            await wait_until(lambda: any("lesson cast:" in line for line in log), 40,
                             what=f"the cast (log: {''.join(log)[-800:]})")
            cast = next(line for line in log if "lesson cast:" in line)
            assert "alice=bob@127.0.0.1" in cast and "bob=alice@127.0.0.1" in cast
            assert (await alice.cmd("nodes"))["ok"]
            teacher = [n for n in (await alice.cmd("nodes"))["nodes"] if n.startswith("teacher@")]
            assert teacher, "the teacher's window is a node of the class's cluster"
        finally:
            if app.returncode is None:
                app.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(app.wait(), 20) == 0, "".join(log)[-800:]
            reader.cancel()
            await alice.close()
            await bob.close()

    run(main(), timeout=90)
