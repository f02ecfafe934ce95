"""`pgviz node` as a service: no shell or no input, signals, scripts' exit status, logs.

Each test drives real processes and waits on what they print (events, exit), never on time."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from ..support import COOKIE, run
from .nodeproc import NodeProc


def _pgviz(*args: str, stdin: str = "", timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pgviz", *args], input=stdin,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, PGVIZ_COOKIE=COOKIE))


def _dead_address() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


@pytest.mark.parametrize("flags,stdin,sig", [
    # stdin at its end from the start (as under systemd or `docker run` without -i)
    ((), asyncio.subprocess.DEVNULL, signal.SIGTERM),
    # --no-shell: a "quit" on stdin is never read
    (("--no-shell",), asyncio.subprocess.PIPE, signal.SIGINT),
], ids=["eof-sigterm", "no-shell-sigint"])
def test_service_runs_without_input_and_stops_on_a_signal_with_goodbyes(flags, stdin, sig):
    async def main():
        service = await NodeProc.start("svc", "--join", "room", *flags, stdin=stdin)
        watcher = await NodeProc.start("watcher")
        try:
            if service.proc.stdin is not None:
                service.proc.stdin.write(b"quit\n")
                await service.proc.stdin.drain()
            assert (await watcher.cmd(f"connect {service.address}"))["node"] == service.name
            await watcher.event("nodeup", node=service.name)
            # Still running and serving after its input ended (or was ignored): its member
            # reaches the watcher through pg.
            for _ in range(200):
                if (await watcher.cmd("members room"))["members"]:
                    break
            assert len((await watcher.cmd("members room"))["members"]) == 1
            assert service.proc.returncode is None
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            service.proc.send_signal(sig)
            down = await watcher.event("nodedown", node=service.name, timeout=5)
            assert "goodbye" in down["reason"]  # told, not found out by a tick timeout
            assert loop.time() - t0 < 3
            assert await asyncio.wait_for(service.proc.wait(), 10) == 0
            assert service.replies == []  # nothing was read, so nothing was answered
            assert not any("Traceback" in line for line in service.stderr)
        finally:
            if service.proc.returncode is None:
                await service.kill()
            await service.close()
            await watcher.close()
    run(main())


def test_exit_on_eof_stops_at_the_end_of_input():
    res = _pgviz("node", "--json", "--exit-on-eof", "--name", "eof", stdin="nodes\n")
    assert res.returncode == 0, res.stderr
    replies = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r.get("reply") for r in replies if "reply" in r] == ["nodes"]


def test_no_shell_and_exit_on_eof_are_exclusive():
    res = _pgviz("node", "--no-shell", "--exit-on-eof")
    assert res.returncode == 2 and "not allowed with" in res.stderr


@pytest.mark.parametrize("exit_on_error", [True, False])
def test_exit_on_error_stops_after_the_first_failed_command(exit_on_error):
    flags = ["--exit-on-error"] if exit_on_error else ["--exit-on-eof"]
    res = _pgviz("node", "--json", "--name", "script", *flags,
                 stdin="nodes\nfrobnicate\nspawn w\n")
    replies = [json.loads(line) for line in res.stdout.splitlines()]
    replies = [r for r in replies if "reply" in r]
    if exit_on_error:
        assert res.returncode == 1
        assert [(r["reply"], r["ok"]) for r in replies] == [("nodes", True),
                                                             ("frobnicate", False)]
    else:  # the oracle: without the flag the script goes on and exits 0
        assert res.returncode == 0
        assert [r["reply"] for r in replies] == ["nodes", "frobnicate", "spawn"]


def test_human_errors_go_to_stderr_and_results_to_stdout():
    res = _pgviz("node", "--name", "human", stdin="frobnicate\nnodes\nquit\n")
    assert res.returncode == 0
    assert "error: unknown command 'frobnicate'" in res.stderr
    assert "frobnicate" not in res.stdout and "ok nodes=[]" in res.stdout


def test_startup_flags_print_events_never_replies():
    async def main():
        peer = await NodeProc.start("peer")
        dead = _dead_address()
        try:
            for flags, status in ((["--exit-on-eof"], 0), (["--exit-on-error"], 1)):
                res = await asyncio.to_thread(
                    _pgviz, "node", "--json", "--name", "starter", "--join", "g",
                    "--connect", peer.address, "--connect", dead, *flags)
                lines = [json.loads(line) for line in res.stdout.splitlines()]
                assert not any("reply" in obj for obj in lines), lines
                kinds = [obj["event"] for obj in lines]
                assert kinds[:2] == ["started", "joined"]
                assert {"event": "nodeup", "node": peer.name} in lines
                failed = next(obj for obj in lines if obj["event"] == "connect_failed")
                assert failed["address"] == dead and failed["error"]
                assert res.returncode == status, res.stderr
        finally:
            await peer.close()
    run(main())


def test_log_format_json_is_one_object_per_stderr_line():
    res = _pgviz("node", "--name", "logs", "-v", "--log-format", "json", "--exit-on-eof",
                 stdin="connect 127.0.0.1:1\n")
    assert res.returncode == 0
    records = [json.loads(line) for line in res.stderr.splitlines()]  # each line parses
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["level"] == "INFO" and "started" in r["message"] for r in records)
