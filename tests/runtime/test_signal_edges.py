"""Monitors, links and exits at their edges: malformed control messages, unlink races,
monitor bookkeeping after DOWN, failing node-event callbacks."""

from __future__ import annotations

import asyncio

from pgviz import Faults, MemoryNetwork

from ..support import Inbox, cluster, run, settle, spawn_idle, wait_until


def test_malformed_monitor_and_link_requests_do_not_poison_later_exits():
    async def main():
        async with cluster(2) as (a, b):
            member = spawn_idle(a)
            buddy = Inbox(a)
            a.process(buddy.pid).trap_exit = True
            a.process(buddy.pid).link(member)
            b._dist.send(a.name, ["MONITOR_P", 0, member, "r1"])  # watcher is not a pid
            b._dist.send(a.name, ["LINK", "nobody", member])
            b._dist.send(a.name, ["MONITOR_P", spawn_idle(a), member, b.make_ref()])  # not b's
            a.pg.join("g", member)
            await wait_until(lambda: b.pg.get_members("g") == [member])
            a.exit(member, "boom")
            assert await buddy.next() == ("EXIT", member, "boom")
            await wait_until(lambda: a.pg.get_members("g") == [] == b.pg.get_members("g"))
            assert b.name in a.nodes()
    run(main())


def test_a_link_exit_in_flight_after_unlink_has_no_effect():
    async def main():
        faults = Faults()
        async with cluster(2, network=MemoryNetwork(), faults=faults) as (a, b):
            go = asyncio.Event()

            async def q(proc):
                await go.wait()
                raise RuntimeError("q crashed")

            qpid = b.spawn(q)
            box = Inbox(a)
            proc = a.process(box.pid)
            proc.link(qpid)
            await wait_until(lambda: b.process(qpid) and b.process(qpid).links)
            faults.set_delay(b.name, a.name, 0.1)
            go.set()
            await wait_until(lambda: not b.is_alive(qpid))
            proc.unlink(qpid)  # the EXIT is still on the slow link
            faults.set_delay(b.name, a.name, 0)
            await asyncio.sleep(0.15)
            await settle([a, b])
            assert a.is_alive(box.pid)
    run(main())


def test_monitors_are_forgotten_once_down_is_delivered():
    async def main():
        async with cluster(1) as (a,):
            w = Inbox(a)
            watcher = a.process(w.pid)
            for _ in range(50):
                p = spawn_idle(a)
                watcher.monitor(p)
                a.pg.join("g", p)
                a.exit(p, "kill")
            await wait_until(lambda: len(w.messages) == 50)
            await wait_until(lambda: a.pg.get_members("g") == [])
            assert watcher.monitors == {}
            assert a.process(a.pg.pid).monitors == {}
    run(main())


def test_a_failing_node_callback_stops_neither_ticks_nor_connections():
    async def main():
        faults = Faults()
        async with cluster(3, network=MemoryNetwork(), faults=faults, tick_time=0.4) as (a, b, c):
            def bad(kind, node, reason):
                raise RuntimeError("subscriber bug")

            a.add_node_callback(bad)
            faults.hold(b.name, a.name)  # a hears nothing from b ... but that is a pause
            faults.release(b.name, a.name)
            faults.grudge(a.name, b.name)
            await wait_until(lambda: b.name not in a.nodes(), timeout=3)
            await asyncio.sleep(1.0)  # several tick periods: the a-c link must stay up
            assert c.name in a.nodes() and a.name in c.nodes()
    run(main())


def test_a_held_link_is_a_pause_not_a_dead_peer():
    async def main():
        faults = Faults()
        async with cluster(2, network=MemoryNetwork(), faults=faults, tick_time=0.3) as (a, b):
            box = Inbox(b)
            faults.hold(a.name, b.name)
            a.send(box.pid, "held")
            await asyncio.sleep(0.8)  # well past the tick time
            assert b.name in a.nodes() and a.name in b.nodes()
            assert box.messages == []
            faults.release(a.name, b.name)
            assert await box.next() == "held"
    run(main())
