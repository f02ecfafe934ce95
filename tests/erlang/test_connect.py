"""Connecting both ways, net_adm:ping, plain sends both ways (issue 14, deliver 1)."""

from __future__ import annotations

import asyncio

import pytest

from pgviz.erlang import Atom
from pgviz.errors import ConnectionRefused

from ..support import run, wait_until
from .beam import start_py
from .conftest import COOKIE

BEAM = "beam@127.0.0.1"


def test_pgviz_connects_to_beam_by_name(beam, epmd, py_name):
    """connect("beam@127.0.0.1") asks EPMD for the port, handshakes; both list each other."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            assert await node.connect(BEAM) == BEAM
            assert node.nodes() == [BEAM]
            nodes = await beam.eval("nodes().")
            assert Atom(node.name) in nodes
            assert await beam.eval(f"net_adm:ping('{node.name}').") == Atom("pong")
        finally:
            await node.stop()
        await wait_until(lambda: Atom(node.name) not in beam.call("nodes()."),
                         what="the BEAM sees the link go")
    run(main())


def test_beam_connects_to_pgviz(beam, epmd, py_name):
    """net_adm:ping from the BEAM finds the pgviz node through EPMD and gets pong."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            assert await beam.eval(f"net_adm:ping('{node.name}').") == Atom("pong")
            assert node.nodes() == [BEAM]
            assert await beam.eval(f"erlang:disconnect_node('{node.name}').") is True
            await wait_until(lambda: not node.nodes(), what="nodedown on the pgviz side")
        finally:
            await node.stop()
    run(main())


def test_plain_sends_both_ways(beam, epmd, py_name):
    """A pgviz process and an Erlang process exchange messages: atoms, binaries, pids,
    refs, maps and big integers keep their meaning."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        got = []

        async def echo(proc):
            while True:
                msg = await proc.receive()
                got.append(msg)
                if type(msg) is tuple and len(msg) == 2 and type(msg[0]).__name__ == "Pid":
                    node.send(msg[0], (Atom("echo"), msg[1]))

        try:
            await node.connect(BEAM)
            pid = node.spawn(echo, name="echo")
            payload = ("{self(), {hello, <<\"wörld\">>, [1, 2.5, -7, 123456789012345678901234567890],"
                       " #{k => v}, make_ref()}}")
            reply = await beam.eval(
                f"{{echo, '{node.name}'}} ! {payload}, "
                "receive {echo, X} -> X after 5000 -> timeout end.")
            assert reply[0] == Atom("hello") and reply[1] == "wörld"
            assert reply[2] == [1, 2.5, -7, 123456789012345678901234567890]
            assert reply[3] == {Atom("k"): Atom("v")}
            assert got[0][1] == reply
            # a send to a pid, from Python: the BEAM's driver receives it
            shell = got[0][0]
            node.send(shell, (Atom("direct"), b"\xff\x00", pid))
            back = await beam.eval("receive {direct, B, P} -> {B, P} after 5000 -> timeout end.")
            assert back == (b"\xff\x00", pid)
        finally:
            await node.stop()
    run(main())


def test_wrong_cookie_is_refused_and_node_stays_up(beam, epmd, py_name):
    """A wrong cookie: AuthenticationError on connect, the node keeps running and can then
    connect with... nothing else changed (the BEAM logs its own refusal)."""
    import pgviz

    async def main():
        node = await start_py(py_name, epmd.port, "not-the-cookie")
        try:
            try:
                await node.connect(BEAM)
            except pgviz.AuthenticationError as exc:
                assert "cookie" in str(exc)
            except pgviz.ConnectionRefused:
                pass  # the BEAM closes first on its side of the challenge: also a refusal
            else:
                raise AssertionError("connected with a wrong cookie")
            assert node.nodes() == [] and node.running
            assert await beam.eval(f"net_adm:ping('{node.name}').") == Atom("pang")
            assert node.running
        finally:
            await node.stop()
    run(main())


def test_failed_name_waits_leave_no_waiter_behind(epmd, py_name):
    """A wait for a peer's connection that times out or is cancelled removes its waiter: a
    peer that keeps refusing must not grow the table (white-box: memory is all it shows)."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE, handshake_timeout=0.05)
        dist = node._dist
        try:
            for _ in range(5):
                with pytest.raises(ConnectionRefused, match="did not settle"):
                    await dist.dials.await_peer("ghost@127.0.0.1")
            assert dist.dials._name_waiters == {}
            waits = [asyncio.ensure_future(dist.dials.await_peer("ghost@127.0.0.1"))
                     for _ in range(3)]
            await wait_until(lambda: dist.dials._name_waiters, what="the waits registered")
            for wait in waits:
                wait.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
            assert dist.dials._name_waiters == {}
        finally:
            await node.stop()
    run(main())
