"""pgviz across real interfaces: nodes in network namespaces on a bridge, as laptops on a LAN.
Discovery, a 0.0.0.0 mesh reached through one seed, a cable pulled and plugged back, a node
stalled past the tick time."""

from __future__ import annotations

import signal

import pytest

from ..cli.nodeproc import NodeProc
from ..support import run

pytestmark = pytest.mark.slow

COOKIE = "a-classroom-cookie-of-some-length"


async def _machine(lab, i: int, name: str, *args: str) -> NodeProc:
    return await NodeProc.start(name, "--host", "0.0.0.0", "--tick-time", "1", *args,
                                cookie=COOKIE, prefix=tuple(lab.prefix(i)))


def test_nodes_find_each_other_on_the_lan_and_connect(lab):
    async def main():
        net = lab(2)
        a = await _machine(net, 0, "a")
        b = await _machine(net, 1, "b")
        try:
            assert a.name == f"a@{net.address(0)}" and a.address.startswith(net.address(0))
            found = await a.event("discovered", timeout=15, node=b.name)
            assert found["address"] == b.address and found["tls"] is False
            listed = (await a.cmd("discovered"))["nodes"]
            assert {"node": b.name, "address": b.address, "tls": False} in listed
            assert (await a.cmd(f"connect {found['address']}"))["node"] == b.name
            await b.close()
            await a.event("vanished", timeout=15, node=b.name)
        finally:
            await a.close()
            await b.close()
    run(main(), timeout=60)


def test_a_wildcard_mesh_of_four_forms_through_one_seed_and_heals_a_pulled_cable(lab):
    async def main():
        net = lab(4)
        first = await _machine(net, 0, "n0", "--no-discovery")
        seed = f"--seed={first.address}"
        rest = [await _machine(net, i, f"n{i}", "--no-discovery", seed) for i in (1, 2, 3)]
        nodes = [first, *rest]
        try:
            for n in nodes:
                for _ in range(3):
                    await n.event("nodeup", timeout=20)
            pid = (await rest[2].cmd("spawn w"))["pid"]
            await rest[2].cmd("join room w")
            net.unplug(3)  # n3's cable: everyone loses it at the tick timeout
            for n in nodes[:3]:
                await n.event("nodedown", timeout=10, node=rest[2].name)
            net.plug(3)
            for n in nodes[:3]:
                await n.event("nodeup", timeout=30, node=rest[2].name)
            members = await first.cmd("members room")
            for _ in range(100):
                if members["members"] == [pid]:
                    break
                members = await first.cmd("members room")
            assert members["members"] == [pid]
        finally:
            for n in nodes:
                await n.close()
    run(main(), timeout=120)


def test_a_node_stalled_past_the_tick_time_comes_back(lab):
    async def main():
        net = lab(2)
        a = await _machine(net, 0, "a", "--no-discovery")
        b = await _machine(net, 1, "b", "--no-discovery", f"--seed={a.address}")
        try:
            await a.event("nodeup", timeout=20, node=b.name)
            b.proc.send_signal(signal.SIGSTOP)
            try:
                down = await a.event("nodedown", timeout=10, node=b.name)
                assert "no tick" in down["reason"]
            finally:
                b.proc.send_signal(signal.SIGCONT)
            await a.event("nodeup", timeout=30, node=b.name)
        finally:
            await a.close()
            await b.close()
    run(main(), timeout=90)


def test_the_app_lists_the_nodes_on_this_network(lab, tmp_path):
    """A window on 0.0.0.0 in one namespace shows a node of another under "On this network"."""
    async def main():
        import asyncio
        import json
        import os
        import sys

        net = lab(2)
        b = await _machine(net, 1, "bob")
        try:
            png = tmp_path / "lan.png"
            proc = await asyncio.create_subprocess_exec(
                *net.prefix(0), sys.executable, "-m", "tests.lab.app_probe", "alice", b.name,
                str(png), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                env=dict(os.environ, PGVIZ_COOKIE=COOKIE, QT_QPA_PLATFORM="offscreen"),
                cwd=os.getcwd())
            out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, (out, err.decode()[-2000:])
            shown = json.loads(out.decode().splitlines()[-1])
            assert shown["visible"] and any(b.address in r for r in shown["rows"])
            assert png.stat().st_size > 10_000
        finally:
            await b.close()
    run(main(), timeout=90)


def test_tls_links_between_machines_and_a_plaintext_one_refused(lab, tmp_path):
    async def main():
        import subprocess
        import sys

        made = subprocess.run([sys.executable, "-m", "pgviz", "tls", "init", str(tmp_path),
                               "--nodes", "a,b"], capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr

        def tls(name: str) -> list[str]:
            return ["--tls-cert", str(tmp_path / f"{name}.pem"),
                    "--tls-key", str(tmp_path / f"{name}-key.pem"),
                    "--tls-ca", str(tmp_path / "ca.pem")]

        net = lab(3)
        a = await _machine(net, 0, "a", *tls("a"))
        b = await _machine(net, 1, "b", *tls("b"))
        plain = await _machine(net, 2, "p", "--no-discovery")
        try:
            found = await a.event("discovered", timeout=15, node=b.name)
            assert found["tls"] is True
            assert (await a.cmd(f"connect {b.address}"))["node"] == b.name
            refused = await plain.cmd(f"connect {a.address}")
            assert not refused["ok"] and "TLS" in refused["error"]
        finally:
            for n in (a, b, plain):
                await n.close()
    run(main(), timeout=90)


def test_a_lesson_cast_from_a_teachers_machine_on_two_student_machines(lab):
    """Lesson 3 (pause, joins held in the network, step) run from machine 2 on the lesson
    agents of machines 0 and 1, over the bridge: the lesson's requests pass the paused
    network, its frames are stepped one by one, and each student sees every step."""
    async def main():
        import asyncio
        import json
        import os
        import sys

        net = lab(3)
        alice = await _machine(net, 0, "alice", "--no-discovery", "--lesson-agent")
        bob = await _machine(net, 1, "bob", "--no-discovery", "--lesson-agent",
                             f"--seed={alice.address}")
        try:
            await alice.event("nodeup", timeout=20, node=bob.name)
            proc = await asyncio.create_subprocess_exec(
                *net.prefix(2), sys.executable, "-m", "tests.lab.lesson_probe",
                "joins-in-flight", alice.address, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=dict(os.environ, PGVIZ_COOKIE=COOKIE),
                cwd=os.getcwd())
            out, err = await asyncio.wait_for(proc.communicate(), 90)
            lines = [json.loads(line) for line in out.decode().splitlines()]
            assert proc.returncode == 0, (lines, err.decode()[-2000:])
            *steps, cast = lines
            assert len(steps) >= 4 and all(s["ok"] for s in steps), steps
            assert cast["cast"] == {"alice": alice.name, "bob": bob.name}
            assert cast["teacher"] == f"teacher@{net.address(2)}"
            for i in range(1, len(steps) + 1):
                await bob.event("lesson", timeout=10, step=i)
        finally:
            await alice.close()
            await bob.close()
    run(main(), timeout=150)
