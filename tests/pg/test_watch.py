"""scope.watch(group) / watch_scope(): pg monitor notifications as MembershipChange objects."""

from __future__ import annotations

import asyncio

from pgviz import MembershipChange, Watch

from ..support import cluster, run, spawn_idle, wait_until


async def _next(w: Watch, timeout: float = 5.0) -> MembershipChange:
    return await asyncio.wait_for(w.__anext__(), timeout)


def test_watch_yields_typed_joins_and_leaves_of_another_nodes_members():
    async def main():
        async with cluster(2) as (a, b):
            async with a.pg.watch("room") as w:
                assert w.members == ()
                p1, p2 = spawn_idle(b), spawn_idle(b)
                b.pg.join("room", p1)
                b.pg.join("room", [p2])
                assert await _next(w) == MembershipChange("join", "room", (p1,), "pg")
                assert w.members == (p1,)
                assert await _next(w) == MembershipChange("join", "room", (p2,), "pg")
                assert sorted(w.members) == sorted([p1, p2])
                b.pg.leave("room", p1)
                change = await _next(w)
                assert (change.kind, change.group, change.pids) == ("leave", "room", (p1,))
                assert w.members == (p2,)
                b.exit(p2, "kill")  # a dead member leaves too
                assert await _next(w) == MembershipChange("leave", "room", (p2,), "pg")
                assert w.members == ()
    run(main())


def test_watch_starts_from_the_current_members():
    """No race between reading and watching: the members already there are in w.members and
    are not reported again; the next join is."""
    async def main():
        async with cluster(1) as (a,):
            p1, p2 = spawn_idle(a), spawn_idle(a)
            a.pg.join("room", p1)
            async with a.pg.watch("room") as w:
                assert w.members == (p1,)
                a.pg.join("room", p2)
                assert await _next(w) == MembershipChange("join", "room", (p2,), "pg")
                assert w.members == (p2, p1)  # get_members' order: newest first
                assert list(w.members) == a.pg.get_members("room")
    run(main())


def test_watch_scope_yields_every_group():
    async def main():
        async with cluster(2) as (a, b):
            orders = await a.start_scope("orders")
            await b.start_scope("orders")
            p0 = spawn_idle(a)
            orders.join("old", p0)
            async with orders.watch_scope() as w:
                assert w.groups == {"old": (p0,)}
                p = spawn_idle(b)
                b.scope("orders").join(("user", 7), p)
                assert await _next(w) == MembershipChange("join", ("user", 7), (p,), "orders")
                assert w.groups == {"old": (p0,), ("user", 7): (p,)}
                orders.leave("old", p0)
                assert (await _next(w)).kind == "leave"
                assert w.groups == {("user", 7): (p,)}
    run(main())


def test_closed_watch_ends_and_gets_nothing_more():
    async def main():
        async with cluster(1) as (a,):
            w = await a.pg.watch("room")
            changes = []

            async def consume():
                async for change in w:
                    changes.append(change)

            task = asyncio.create_task(consume())
            a.pg.join("room", spawn_idle(a))
            await wait_until(lambda: len(changes) == 1)
            await w.close()
            await asyncio.wait_for(task, 5)
            a.pg.join("room", spawn_idle(a))
            assert len(changes) == 1 and w.reason == "closed"
    run(main())


def test_watch_ends_when_the_scope_stops():
    async def main():
        async with cluster(1) as (a,):
            orders = await a.start_scope("orders")
            async with orders.watch("g") as w:
                orders.join("g", spawn_idle(a))
                await a.stop_scope("orders")
                kinds = [c.kind async for c in w]
                assert kinds == ["join"] and w.reason == "scope stopped"
    run(main())
