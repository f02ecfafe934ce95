"""Links that heal: a peer lost by failure is dialled again until it is back; seeds are dialled
until they answer; an explicit disconnect and a partition are respected."""

from __future__ import annotations

import signal

import pytest

from pgviz.net.healer import Healer

from ..cli.nodeproc import NodeProc
from ..support import cluster, holds_for, run, spawn_idle, start_node, wait_until


def _downs(node):
    downs = []
    node.add_node_callback(lambda ev, peer, why: downs.append((peer, why))
                           if ev == "nodedown" else None)
    return downs


def test_a_link_cut_by_failure_comes_back_by_itself_and_pg_resyncs():
    async def main():
        async with cluster(2) as (a, b):
            pid = spawn_idle(b)
            b.pg.join("g", pid)
            await wait_until(lambda: a.pg.get_members("g") == [pid])
            downs = _downs(a)
            a._dist.sever(b.name, "connection reset by peer")  # as a failure would
            await wait_until(lambda: downs, what="nodedown")
            await wait_until(lambda: a.nodes() == [b.name] and a.pg.get_members("g") == [pid])
    run(main())


def test_an_explicit_disconnect_is_never_dialled_again():
    async def main():
        async with cluster(2) as (a, b):
            await a.disconnect(b.name)
            await wait_until(lambda: not a.nodes() and not b.nodes())
            assert a._dist.healer.healing == [] and b._dist.healer.healing == []
            await holds_for(lambda: not a.nodes() and not b.nodes(), 0.6,
                            "longer than the first retries would take")
    run(main())


def test_a_seed_that_is_not_up_yet_is_dialled_until_it_answers():
    async def main():
        import socket

        with socket.socket() as s:  # a free port for the seed, before it exists
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        early = await start_node("early", seeds=[f"127.0.0.1:{port}"])
        try:
            assert early.nodes() == []
            seed = await start_node("seed", port=port)
            try:
                await wait_until(lambda: early.nodes() == [seed.name], timeout=10)
            finally:
                await seed.stop()
        finally:
            await early.stop()
    run(main())


def test_a_partition_is_not_healed_by_redialling():
    async def main():
        async with cluster(2) as (a, b):
            a.net.partition([["n1"], ["n2"]])
            await wait_until(lambda: not a.nodes() and not b.nodes())
            assert a._dist.healer.healing == [] and b._dist.healer.healing == []
            a.net.heal()
            await wait_until(lambda: a.nodes() == [b.name], timeout=10)
    run(main())


def test_backoff_doubles_with_jitter_and_is_capped():
    h = Healer("n", dial=None, connected=lambda n: False, wanted=lambda n: True,  # type: ignore[arg-type]
               first=0.25, cap=30.0)
    for attempt, nominal in ((1, 0.25), (2, 0.5), (3, 1.0), (8, 30.0), (50, 30.0)):
        delays = [h.delay(attempt) for _ in range(200)]
        assert all(nominal * 0.5 <= d <= nominal for d in delays)
        assert max(delays) - min(delays) > nominal * 0.2  # jittered, not in lockstep


@pytest.mark.slow
def test_a_node_stalled_past_the_tick_time_rejoins_when_it_runs_again():
    """kill -STOP past the tick timeout, then kill -CONT: the survivors dropped it; the
    link heals by itself and the stalled node's members are back everywhere."""
    async def main():
        a = await start_node("a", tick_time=0.8)
        b = await NodeProc.start("b", "--tick-time", "0.8", "--connect", a.address)
        try:
            await wait_until(lambda: a.nodes() == [b.name], timeout=10)
            pid = (await b.cmd("spawn"))["pid"]
            await b.cmd(f"join room {pid}")
            await wait_until(lambda: len(a.pg.get_members("room")) == 1)
            downs = _downs(a)
            b.proc.send_signal(signal.SIGSTOP)
            try:
                await wait_until(lambda: downs, timeout=10, what="a drops the stalled node")
                assert "no tick" in downs[0][1]
                # pg drops b's members on its scope's DOWN, queued as the nodedown is
                # reported: a loop turn later, not at once.
                await wait_until(lambda: a.pg.get_members("room") == [],
                                 what="b's members dropped")
            finally:
                b.proc.send_signal(signal.SIGCONT)
            await wait_until(lambda: a.nodes() == [b.name] and
                             len(a.pg.get_members("room")) == 1, timeout=15,
                             what="the link heals and pg resyncs")
        finally:
            await b.close()
            await a.stop()
    run(main(), timeout=60)
