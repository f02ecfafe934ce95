"""scope.subscribe(group): a managed member process as an async iterator of what it receives."""

from __future__ import annotations

import asyncio

import pytest

from pgviz import NoScopeError, Subscription

from ..support import cluster, run, settle, wait_until


async def _next(sub: Subscription, timeout: float = 5.0):
    return await asyncio.wait_for(sub.receive(), timeout)


def test_subscriber_receives_broadcasts_from_another_node():
    """A subscription on n1 is a member n2 can see and broadcast to; payloads arrive as sent."""
    async def main():
        async with cluster(2) as (a, b):
            async with a.pg.subscribe("room") as sub:
                assert a.pg.get_local_members("room") == [sub.pid]  # joined on entry
                await wait_until(lambda: b.pg.get_members("room") == [sub.pid])
                assert b.pg.broadcast("room", ("notice", {"text": "hi"})) == 1
                b.pg.broadcast("room", b"second")
                assert await _next(sub) == ("notice", {"text": "hi"})
                assert await _next(sub) == b"second"
    run(main())


def test_leaving_the_block_leaves_the_group_everywhere():
    """On exit the member leaves at once locally, the peer sees the leave, the process ends."""
    async def main():
        async with cluster(2) as (a, b):
            async with a.pg.subscribe("room") as sub:
                pid = sub.pid
                await wait_until(lambda: b.pg.get_members("room") == [pid])
            assert a.pg.get_members("room") == []  # synchronous, like leave
            await wait_until(lambda: b.pg.get_members("room") == [], what="the leave on n2")
            await wait_until(lambda: not a.is_alive(pid), what="the member process ended")
            assert sub.reason == "closed"
            with pytest.raises(StopAsyncIteration):
                await sub.receive()
    run(main())


def test_await_and_close_instead_of_async_with():
    """`sub = await scope.subscribe(g)` ... `await sub.close()`: same lifecycle; close is
    idempotent and ends an iteration in progress."""
    async def main():
        async with cluster(1) as (a,):
            sub = await a.pg.subscribe(("user", "carol"))
            assert a.pg.get_members(("user", "carol")) == [sub.pid]
            got = []

            async def consume():
                async for msg in sub:
                    got.append(msg)

            task = asyncio.create_task(consume())
            a.send(sub.pid, "direct")  # anything sent to the member is yielded
            await wait_until(lambda: got == ["direct"])
            await sub.close()
            await asyncio.wait_for(task, 5)  # the `async for` ended
            await sub.close()
            assert a.pg.get_members(("user", "carol")) == []
    run(main())


def test_cancelled_consumer_still_leaves():
    """Cancelling the task that iterates inside `async with` leaves the group all the same."""
    async def main():
        async with cluster(2) as (a, b):
            entered = asyncio.Event()

            async def consumer():
                async with a.pg.subscribe("room") as sub:
                    entered.set()
                    async for _ in sub:
                        pass

            task = asyncio.create_task(consumer())
            await entered.wait()
            await wait_until(lambda: len(b.pg.get_members("room")) == 1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert a.pg.get_members("room") == []
            await wait_until(lambda: b.pg.get_members("room") == [])
    run(main())


def test_subscription_ends_when_its_scope_stops():
    """Stopping the scope ends the iteration after what was already received."""
    async def main():
        async with cluster(1) as (a,):
            orders = await a.start_scope("orders")
            async with orders.subscribe("new") as sub:
                orders.broadcast("new", 1)
                await a.stop_scope("orders")
                assert [m async for m in sub] == [1]
                assert sub.reason == "scope stopped"
    run(main())


def test_subscription_ends_when_its_node_stops():
    async def main():
        async with cluster(1) as (a,):
            sub = await a.pg.subscribe("room")
            waiting = asyncio.create_task(sub.receive())
            await asyncio.sleep(0)
            await a.stop()
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(waiting, 5)
            assert not sub.open
    run(main())


def test_slow_consumer_with_max_pending_drops_and_counts():
    """max_pending bounds what waits: later messages are dropped and counted, order kept."""
    async def main():
        async with cluster(1) as (a,):
            async with a.pg.subscribe("room", max_pending=2) as sub:
                for i in range(5):
                    a.pg.broadcast("room", i)
                await wait_until(lambda: sub.dropped == 3)
                assert len(sub) == 2
                assert [await _next(sub), await _next(sub)] == [0, 1]
                a.pg.broadcast("room", 5)
                assert await _next(sub) == 5
    run(main())


def test_unbounded_by_default():
    async def main():
        async with cluster(1) as (a,):
            async with a.pg.subscribe("room") as sub:
                for i in range(2000):
                    a.pg.broadcast("room", i)
                await wait_until(lambda: len(sub) == 2000)
                assert sub.dropped == 0
    run(main())


def test_subscribe_refuses_bad_groups_and_stopped_scopes():
    async def main():
        async with cluster(1) as (a,):
            with pytest.raises(TypeError):
                a.pg.subscribe(["not", "a", "group"])
            orders = await a.start_scope("orders")
            await a.stop_scope("orders")
            before = len(a.processes())
            with pytest.raises(NoScopeError):
                await orders.subscribe("g")
            await settle([a])
            assert len(a.processes()) == before  # no process left behind
    run(main())


def test_iterating_before_starting_is_an_error():
    async def main():
        async with cluster(1) as (a,):
            sub = a.pg.subscribe("room")
            with pytest.raises(RuntimeError, match="async with"):
                await sub.receive()
    run(main())
