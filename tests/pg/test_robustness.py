"""pg at its edges: groups that cannot cross the wire, messages larger than a frame, stopped
scopes, malformed peer input (found by review; each case once lost members silently)."""

from __future__ import annotations

import pytest

from pgviz import MemoryNetwork

from ..support import cluster, run, settle, spawn_idle, start_node, wait_until


def test_a_group_that_cannot_cross_the_wire_is_refused_before_any_change():
    async def main():
        async with cluster(2, network=MemoryNetwork()) as (a, b):
            p = spawn_idle(a)
            for bad in (2**70, -(2**64), "x" * 70_000, ("ok", 2**65)):
                with pytest.raises(ValueError):
                    a.pg.join(bad, p)
            assert a.pg.which_groups() == [] and a.pg.local == {}
            a.pg.join("fine", p)
            c = await start_node("late", network=a._network)
            try:
                await c.connect(a.address)
                await wait_until(lambda: c.pg.get_members("fine") == [p])
            finally:
                await c.stop()
    run(main())


def test_a_list_join_larger_than_a_frame_reaches_every_peer():
    async def main():
        async with cluster(3, network=MemoryNetwork(), max_frame=4096) as (a, b, c):
            pids = [spawn_idle(a) for _ in range(300)]
            a.pg.join("g", pids)
            for n in (b, c):
                await wait_until(lambda n=n: sorted(n.pg.get_members("g")) == sorted(pids))
            a.pg.leave("g", pids)
            for n in (b, c):
                await wait_until(lambda n=n: n.pg.get_members("g") == [])
    run(main())


def test_a_sync_larger_than_a_frame_reaches_a_late_peer():
    async def main():
        net = MemoryNetwork()
        a = await start_node("a", network=net, max_frame=8192)
        b = await start_node("b", network=net, max_frame=8192)
        try:
            pids = [spawn_idle(a) for _ in range(400)]
            for i, p in enumerate(pids):
                a.pg.join(("g", i % 7), p)
            a.pg.join("all", pids)
            await b.connect(a.address)
            want = {g: sorted(a.pg.get_members(g)) for g in a.pg.which_groups()}
            await wait_until(lambda: {g: sorted(b.pg.get_members(g))
                                      for g in b.pg.which_groups()} == want, what="b synced")
            await settle([a, b])
            assert {g: sorted(b.pg.get_members(g)) for g in b.pg.which_groups()} == want
        finally:
            await a.stop()
            await b.stop()
    run(main())


def test_a_stopped_scope_has_no_members_and_broadcasts_to_nobody():
    async def main():
        async with cluster(1) as (a,):
            s = await a.start_scope("s")
            s.join("g", spawn_idle(a))
            await a.stop_scope("s")
            assert s.get_members("g") == [] and s.get_local_members("g") == []
            assert s.broadcast("g", "x") == 0
    run(main())


def test_malformed_sync_entries_are_ignored_whole():
    async def main():
        async with cluster(2) as (a, b):
            rp = spawn_idle(b)
            b.send(a.pg.pid, ("sync", b.pg.pid, [("g", rp)]))  # a bare pid, not a list
            await settle([a, b])
            assert a.pg.get_members("g") == [] and a.pg.running
            assert a.pg.broadcast("g", "x") == 0
    run(main())
