"""node.wait_for_members / scope.wait_for_members: until n members are visible, or a timeout."""

from __future__ import annotations

import asyncio

import pytest

from pgviz import NoScopeError

from ..support import cluster, run, settle, spawn_idle


def test_returns_when_n_members_of_other_nodes_are_visible():
    async def main():
        async with cluster(3) as (a, b, c):
            waiting = asyncio.create_task(a.wait_for_members("instances", 2, timeout=10))
            await asyncio.sleep(0)
            pb = spawn_idle(b)
            b.pg.join("instances", pb)
            await settle([a, b, c])  # n1 has handled the join
            assert not waiting.done()  # one of two is not enough
            pc = spawn_idle(c)
            c.pg.join("instances", pc)
            members = await asyncio.wait_for(waiting, 10)
            assert sorted(members) == sorted([pb, pc])
    run(main())


def test_returns_at_once_when_already_there():
    async def main():
        async with cluster(1) as (a,):
            p = spawn_idle(a)
            a.pg.join("g", p)
            assert await a.wait_for_members("g", 1, timeout=0) == [p]
            assert await a.pg.wait_for_members("g", 0) == [p]
    run(main())


def test_raises_timeout_error_when_too_few_members():
    async def main():
        async with cluster(2) as (a, b):
            b.pg.join("g", spawn_idle(b))
            with pytest.raises(TimeoutError, match="of 2 members"):
                await a.wait_for_members("g", 2, timeout=0.3)
    run(main())


def test_works_on_any_scope_and_fails_if_it_stops():
    async def main():
        async with cluster(1) as (a,):
            orders = await a.start_scope("orders")
            waiting = asyncio.create_task(orders.wait_for_members("g", 1, timeout=10))
            await settle([a])
            a.pg.join("g", spawn_idle(a))  # the default scope is another overlay
            await settle([a])
            assert not waiting.done()
            p = spawn_idle(a)
            orders.join("g", p)
            assert await asyncio.wait_for(waiting, 5) == [p]

            waiting = asyncio.create_task(orders.wait_for_members("g", 5, timeout=10))
            await settle([a])
            await a.stop_scope("orders")
            with pytest.raises(NoScopeError):
                await asyncio.wait_for(waiting, 5)
    run(main())
