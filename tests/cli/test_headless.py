"""`pgviz node` as real processes: the JSON shell, SIGKILL, restart, bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..support import run
from .nodeproc import NodeProc


def test_two_processes_connect_join_and_see_each_other():
    async def main():
        a = await NodeProc.start("alice")
        b = await NodeProc.start("bob", "--join", "room")
        try:
            assert (await a.cmd(f"connect {b.address}")) == {"reply": "connect", "ok": True,
                                                            "node": b.name}
            spawned = await a.cmd("spawn w")
            pid = spawned["pid"]
            assert (await a.cmd("join room w"))["ok"]
            bob_member = (await b.cmd("local room"))["members"]
            assert len(bob_member) == 1
            for node in (a, b):
                for _ in range(200):
                    reply = await node.cmd("members room")
                    if len(reply["members"]) == 2:
                        break
                assert reply["group"] == "room"
                assert sorted(reply["members"]) == sorted([pid, *bob_member])
            await b.cmd("monitor room")
            sent = await b.cmd("broadcast room hello there")
            assert sent["sent"] == 2
            msg = await a.event("message", pid=pid)
            assert msg["data"] == "hello there" and msg["from"].startswith("<bob.")
            assert (await a.cmd(f"send {bob_member[0]} direct"))["ok"]
            direct = await b.event("message", pid=bob_member[0], data="direct")
            assert direct["from"].startswith("<alice.")
            assert (await a.cmd("kill w"))["ok"]
            await a.event("exit", pid=pid)
            left = await b.event("leave", group="room")
            assert left["members"] == [pid]
            assert (await a.cmd(f"disconnect {b.name}"))["disconnected"] is True
            await b.event("nodedown", node=a.name)
        finally:
            assert await a.close() == 0
            assert await b.close() == 0
    run(main())


def test_sigkilled_peer_members_are_dropped():
    """The survivor drops a SIGKILLed peer's members (TCP reset; ticks would catch a hang)."""
    async def main():
        a = await NodeProc.start("survivor", "--tick-time", "2")
        b = await NodeProc.start("victim", "--join", "g")
        try:
            await a.cmd(f"connect {b.address}")
            await a.cmd("monitor g")
            await a.event("nodeup", node=b.name)
            members = []
            for _ in range(100):
                members = (await a.cmd("members g"))["members"]
                if members:
                    break
            assert len(members) == 1
            await b.kill()
            left = await a.event("leave", group="g", timeout=5)
            assert left["members"] == members
            assert (await a.cmd("members g"))["members"] == []
            # A new incarnation under the same name is accepted; the old pid stays dead.
            b2 = await NodeProc.start("victim", "--join", "g")
            try:
                assert (await a.cmd(f"connect {b2.address}"))["node"] == b2.name
                joined = await a.event("join", group="g")
                assert len(joined["members"]) == 1
                assert len((await a.cmd("members g"))["members"]) == 1
            finally:
                await b2.close()
        finally:
            await a.close()
    run(main())


def test_bad_commands_answer_with_errors_and_change_nothing():
    async def main():
        a = await NodeProc.start("carol")
        try:
            for line in ["frobnicate", "join", "join g", "join g <nobody.1>", "join g ghost",
                         "connect nowhere", "connect 127.0.0.1:1", "leave", "send <x.1>",
                         "kill", "spawn <bad>", "members", 'join "unterminated w']:
                reply = await a.cmd(line)
                assert reply["ok"] is False and reply["error"], line
            assert (await a.cmd("groups"))["groups"] == []
            assert (await a.cmd("nodes"))["nodes"] == []
            help_reply = await a.cmd("help")
            assert any("broadcast" in c for c in help_reply["commands"])
        finally:
            assert await a.close() == 0
    run(main())


@pytest.mark.parametrize("argv,needle", [
    (["node", "--port", "70000"], "port out of range"),
    (["node", "--port", "x"], "not a port"),
    (["node", "--connect", "nohost"], "not an address"),
    (["node", "--name", "a b"], "not a node name"),
    (["demo", "--nodes", "0"], "at least 1"),
    (["bogus"], "invalid choice"),
])
def test_invalid_cli_arguments_exit_2_with_a_message(argv, needle):
    res = subprocess.run([sys.executable, "-m", "pgviz", *argv], capture_output=True, text=True,
                         timeout=30)
    assert res.returncode == 2 and needle in res.stderr


def test_version_and_help():
    res = subprocess.run([sys.executable, "-m", "pgviz", "--version"], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0 and res.stdout.startswith("pgviz ")
    res = subprocess.run([sys.executable, "-m", "pgviz", "node", "--help"], capture_output=True,
                         text=True, timeout=30)
    assert "--json" in res.stdout


def test_human_mode_prints_name_and_address():
    res = subprocess.run([sys.executable, "-m", "pgviz", "node", "--name", "plain", "--cookie",
                          "x"], input="spawn\nnodes\nquit\n", capture_output=True, text=True,
                         timeout=30)
    assert res.returncode == 0
    assert "plain@127.0.0.1" in res.stdout and "127.0.0.1:" in res.stdout
    assert "ok pid=<plain." in res.stdout


def test_port_in_use_is_a_clear_error():
    async def main():
        a = await NodeProc.start("first")
        try:
            port = a.address.rsplit(":", 1)[1]
            res = subprocess.run([sys.executable, "-m", "pgviz", "node", "--json", "--port", port,
                                  "--cookie", "x"], capture_output=True, text=True, timeout=30,
                                 input="")
            assert res.returncode == 2 and "cannot listen" in res.stderr
            assert res.stdout == ""  # an error is no event: stdout stays for the protocol
        finally:
            await a.close()
    run(main())


def test_importing_pgviz_loads_no_qt():
    code = ("import sys, pgviz; bad = [m for m in sys.modules if m.startswith(('PySide6', "
            "'qasync', 'shiboken'))]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr


def test_gui_without_a_display_explains_what_to_do():
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    for argv in ([], ["demo", "--nodes", "2"]):
        res = subprocess.run([sys.executable, "-m", "pgviz", *argv], capture_output=True,
                             text=True, timeout=30, env=env)
        assert res.returncode == 2 and "no display found" in res.stderr
        assert "pgviz node" in res.stderr


def test_a_frozen_peer_is_dropped_after_the_tick_time():
    """SIGSTOP leaves the TCP connection open: only ticks can tell the peer is gone."""
    import signal

    async def main():
        a = await NodeProc.start("watcher", "--tick-time", "1")
        b = await NodeProc.start("sleeper", "--join", "g")
        try:
            await a.cmd(f"connect {b.address}")
            await a.cmd("monitor g")
            for _ in range(200):
                if (await a.cmd("members g"))["members"]:
                    break
            b.proc.send_signal(signal.SIGSTOP)
            loop = __import__("asyncio").get_running_loop()
            t0 = loop.time()
            down = await a.event("nodedown", node=b.name, timeout=5)
            assert "no tick" in down["reason"]
            assert loop.time() - t0 < 3
            assert (await a.event("leave", group="g"))["members"]
            assert (await a.cmd("members g"))["members"] == []
        finally:
            b.proc.send_signal(signal.SIGCONT)
            await b.kill()
            await a.close()
    run(main())
