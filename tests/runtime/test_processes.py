"""Processes, mailboxes, monitors, links and names, locally and across nodes (TCP)."""

from __future__ import annotations

import asyncio

import pytest

import pgviz
from pgviz import Node, Pid

from ..support import COOKIE, Inbox, cluster, run, spawn_idle, wait_until


def test_spawn_send_receive_and_timeouts():
    async def main():
        async with cluster(1) as (a,):
            got = []

            async def worker(proc, prefix):
                got.append((prefix, await proc.receive()))
                with pytest.raises(TimeoutError):
                    await proc.receive(timeout=0)
                with pytest.raises(TimeoutError):
                    await proc.receive(timeout=0.01)
                proc.send(proc.pid, "self")
                got.append(await proc.receive(timeout=0))

            pid = a.spawn(worker, "p")
            assert isinstance(pid, Pid) and pid.node == a.name
            a.send(pid, ("hi", b"\x00", [1]))
            await wait_until(lambda: not a.is_alive(pid))
            assert got == [("p", ("hi", b"\x00", [1])), "self"]
    run(main())


def test_spawn_rejects_a_plain_function():
    async def main():
        async with cluster(1) as (a,):
            with pytest.raises(TypeError):
                a.spawn(lambda proc: None)
    run(main())


def test_selective_receive_leaves_other_messages_queued():
    async def main():
        async with cluster(1) as (a,):
            out = []

            async def worker(proc):
                out.append(await proc.receive(match=lambda m: m == "b"))
                out.append(await proc.receive())

            pid = a.spawn(worker)
            a.send(pid, "a")
            a.send(pid, "b")
            await wait_until(lambda: len(out) == 2)
            assert out == ["b", "a"]
    run(main())


def test_send_to_dead_or_unknown_never_raises():
    async def main():
        async with cluster(2) as (a, b):
            pid = spawn_idle(a)
            a.exit(pid, "kill")
            a.send(pid, "x")
            a.send("nobody", "x")
            a.send(("nobody", b.name), "x")
            a.send(Pid("ghost@nowhere", 1, 0, 1), "x")
            a.send(Pid(b.name, 99999, 0, 1), "x")
    run(main())


@pytest.mark.parametrize("how,reason", [
    ("return", "normal"), ("kill", "killed"), ("raise", "RuntimeError('boom')"),
    ("exit_reason", "custom"),
])
def test_down_reasons(how, reason):
    async def main():
        async with cluster(1) as (a,):
            async def victim(proc):
                msg = await proc.receive()
                if msg == "raise":
                    raise RuntimeError("boom")

            pid = a.spawn(victim)
            w = Inbox(a)
            ref = a.process(w.pid).monitor(pid)
            if how == "kill":
                a.exit(pid, "kill")
            elif how == "exit_reason":
                a.exit(pid, "custom")
            else:
                a.send(pid, how)
            assert await w.next() == ("DOWN", ref, "process", pid, reason)
    run(main())


def test_monitor_of_a_dead_pid_is_noproc():
    async def main():
        async with cluster(2) as (a, b):
            dead_local = spawn_idle(a)
            dead_remote = spawn_idle(b)
            a.exit(dead_local, "kill")
            b.exit(dead_remote, "kill")
            w = Inbox(a)
            proc = a.process(w.pid)
            r1 = proc.monitor(dead_local)
            assert await w.next() == ("DOWN", r1, "process", dead_local, "noproc")
            r2 = proc.monitor(dead_remote)
            assert await w.next() == ("DOWN", r2, "process", dead_remote, "noproc")
    run(main())


def test_remote_monitor_fires_on_exit_and_on_connection_loss():
    async def main():
        faults = pgviz.Faults()
        async with cluster(3, faults=faults) as (a, b, c):
            w = Inbox(a)
            proc = a.process(w.pid)
            pb = spawn_idle(b)
            ref = proc.monitor(pb)
            await wait_until(lambda: b.process(pb).monitored_by, what="monitor registered")
            b.exit(pb, "kill")
            assert await w.next() == ("DOWN", ref, "process", pb, "killed")
            pc = spawn_idle(c)
            ref2 = proc.monitor(pc)
            await wait_until(lambda: c.process(pc).monitored_by, what="monitor registered")
            faults.partition([a.name], [c.name])
            assert await w.next() == ("DOWN", ref2, "process", pc, "noconnection")
    run(main())


def test_demonitor_stops_the_down():
    async def main():
        async with cluster(2) as (a, b):
            w = Inbox(a)
            proc = a.process(w.pid)
            for target in (spawn_idle(a), spawn_idle(b)):
                ref = proc.monitor(target)
                assert proc.demonitor(ref) is True
                (a if target.node == a.name else b).exit(target, "kill")
            canary = spawn_idle(a)
            r = proc.monitor(canary)
            a.exit(canary, "kill")
            assert await w.next() == ("DOWN", r, "process", canary, "killed")
            assert w.take() == []
    run(main())


def test_links_propagate_exits_and_trap_exit_turns_them_into_messages():
    async def main():
        async with cluster(2) as (a, b):
            trapped = []

            async def trapper(proc, other):
                proc.trap_exit = True
                proc.link(other)
                trapped.append(await proc.receive())

            async def plain(proc, other):
                proc.link(other)
                await proc.receive()

            victim_b = spawn_idle(b)
            t = a.spawn(trapper, victim_b)
            victim_a = spawn_idle(a)
            p = a.spawn(plain, victim_a)
            await wait_until(lambda: a.process(p) is not None and a.process(p).links)
            await wait_until(lambda: a.process(t) is not None and a.process(t).links)
            b.exit(victim_b, "boom")
            a.exit(victim_a, "boom")
            await wait_until(lambda: trapped)
            assert trapped == [("EXIT", victim_b, "boom")]
            await wait_until(lambda: not a.is_alive(p))
            assert a.is_alive(t) or trapped
    run(main())


def test_exit_normal_is_ignored_and_kill_always_kills():
    async def main():
        async with cluster(1) as (a,):
            async def trap(proc):
                proc.trap_exit = True
                while True:
                    await proc.receive()

            pid = a.spawn(trap)
            await asyncio.sleep(0)
            a.exit(pid, "normal")
            a.exit(pid, "other")  # trapped: becomes a message
            assert a.is_alive(pid)
            a.exit(pid, "kill")
            assert not a.is_alive(pid)
    run(main())


def test_registered_names_local_and_remote():
    async def main():
        async with cluster(2) as (a, b):
            box = Inbox(b, name="box")
            assert b.whereis("box") == box.pid
            with pytest.raises(ValueError):
                b.spawn(pgviz_idle, name="box")
            a.send(("box", b.name), ("via", "name"))
            b.send("box", "local")
            got = {await box.next(), await box.next()}
            assert got == {("via", "name"), "local"}
            b.exit(box.pid, "kill")
            await wait_until(lambda: b.whereis("box") is None)
    run(main())


async def pgviz_idle(proc):
    await proc.receive()


def test_messages_keep_their_types_across_nodes():
    async def main():
        async with cluster(2) as (a, b):
            box = Inbox(b)
            msg = ("t", b"bytes", [1, 2.5, None, True], {"k": (1, 2)}, box.pid, a.make_ref())
            a.send(box.pid, msg)
            got = await box.next()
            assert got == msg and type(got[3]["k"]) is tuple and type(got[4]) is Pid
    run(main())


def test_per_sender_fifo_across_nodes():
    async def main():
        async with cluster(2) as (a, b):
            box = Inbox(b)
            for i in range(2000):
                a.send(box.pid, i)
            await wait_until(lambda: len(box.messages) == 2000)
            assert box.messages == list(range(2000))
    run(main())


def test_oversized_message_raises_for_the_sender_and_the_link_survives():
    async def main():
        async with cluster(2, max_frame=1024) as (a, b):
            box = Inbox(b)
            with pytest.raises(pgviz.LocalProtocolError):
                a.send(box.pid, b"x" * 5000)
            a.send(box.pid, "small")
            assert await box.next() == "small"
            assert b.name in a.nodes()
    run(main())


def test_node_events_are_delivered_to_subscribers():
    async def main():
        async with cluster(1) as (a,):
            w = Inbox(a)
            a.monitor_nodes(w.pid)
            b = Node("late", cookie=COOKIE)
            await b.start()
            await a.connect(b.address)
            assert await w.next() == ("nodeup", b.name)
            await b.stop()
            msg = await w.next()
            assert msg[:2] == ("nodedown", b.name)
    run(main())


def test_receive_with_a_timeout_takes_a_message_that_comes_before_it():
    async def main():
        async with cluster(1) as (a,):
            got = []

            async def worker(proc):
                got.append(await proc.receive(timeout=5))
                with pytest.raises(TimeoutError):
                    await proc.receive(timeout=0.02)
                got.append(await proc.receive(timeout=5, match=lambda m: m == "b"))
                got.append(await proc.receive(timeout=0))

            pid = a.spawn(worker)
            await asyncio.sleep(0.01)
            a.send(pid, "first")
            await asyncio.sleep(0.1)
            a.send(pid, "a")
            a.send(pid, "b")
            await wait_until(lambda: not a.is_alive(pid))
            assert got == ["first", "b", "a"]
    run(main())


def test_send_each_sends_one_frame_per_pid_with_the_message_encoded_once():
    async def main():
        async with cluster(2) as (a, b):
            got = []

            async def collector(proc):
                while True:
                    got.append((proc.pid, await proc.receive()))

            remote = [b.spawn(collector) for _ in range(3)]
            local = a.spawn(collector)
            msg = ("join", local, ("g", 1), [local])
            assert a.send_each([remote[0], local, remote[1], remote[2]], msg) == []
            await wait_until(lambda: len(got) == 4)
            assert sorted(got) == sorted((p, msg) for p in [*remote, local])
            # a set crosses no wire: refused for the remote pid, a copy for the local one
            assert a.send_each([remote[0], local], {1, 2}) == [remote[0]]
            await wait_until(lambda: len(got) == 5)
            await asyncio.sleep(0.05)
            assert got[4] == (local, {1, 2}) and len(got) == 5
    run(main())
