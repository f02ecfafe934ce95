"""The cluster's network clock and faults (node.net) on real loopback TCP nodes, each with its
own fault table: slow motion, pause, step, partition/heal, latency, agreement on the clock."""

from __future__ import annotations

import asyncio

import pytest

from pgviz.net.control import ControlError
from pgviz.net.link import NotFirst

from ..support import cluster, holds_for, run, settle, spawn_idle, start_node, wait_until


def test_a_clock_set_on_any_node_reaches_every_node_and_one_connecting_later():
    async def main():
        async with cluster(3) as (a, b, c):
            b.net.slow(1.5)
            await wait_until(lambda: all(n.net.clock.mode == "slow" and n.net.clock.travel == 1.5
                                         for n in (a, b, c)), what="slow everywhere")
            c.net.pause()
            await wait_until(lambda: all(n.net.clock.paused for n in (a, b, c)))
            late = await start_node("late")
            try:
                await late.connect(a.address)
                await wait_until(lambda: late.net.clock.paused and late.net.clock.travel == 1.5,
                                 what="the late node adopts the cluster's clock")
                late.net.resume()
                await wait_until(lambda: not any(n.net.clock.paused for n in (a, b, c, late)))
                # The late node's own (older) clock did not win over the cluster's.
                assert all(n.net.clock.travel == 1.5 for n in (a, b, c))
            finally:
                await late.stop()
    run(main())


def test_in_slow_motion_a_join_arrives_no_sooner_than_the_travel_time():
    async def main():
        async with cluster(2) as (a, b):
            seen = []
            b.add_listener(lambda ev: seen.append(ev) if ev.event == "join" else None)
            a.net.slow(1.5)
            await wait_until(lambda: b.net.clock.travel == 1.5)
            loop = asyncio.get_running_loop()
            pid = spawn_idle(a)
            t0 = loop.time()
            a.pg.join("room", pid)
            await wait_until(lambda: b.pg.get_members("room") == [pid], timeout=10)
            assert loop.time() - t0 >= 1.5 - 0.05
            assert a.nodes() == [b.name]
    run(main())


def test_pause_holds_every_frame_for_three_tick_times_with_the_links_up_then_resume_delivers():
    async def main():
        async with cluster(2, tick_time=0.4) as (a, b):
            a.net.pause()
            await wait_until(lambda: b.net.clock.paused)
            pid = spawn_idle(a)
            a.pg.join("room", pid)
            await holds_for(lambda: b.pg.get_members("room") == [] and a.nodes() == [b.name]
                            and b.nodes() == [a.name], 3 * 0.4, "held with the link up")
            assert [f.dst for f in a.net.held()] == [b.name]
            b.net.resume()
            await wait_until(lambda: b.pg.get_members("room") == [pid])
            assert a.net.held() == []
    run(main())


def test_step_releases_the_oldest_frame_in_the_cluster_and_nothing_else():
    async def main():
        async with cluster(3) as (a, b, c):
            a.net.pause()
            await wait_until(lambda: b.net.clock.paused and c.net.clock.paused)
            pb = spawn_idle(b)
            b.pg.join("first", pb)  # b's frames to a and c, queued first
            await wait_until(lambda: len(b.net.held()) == 2)
            pc = spawn_idle(c)
            c.pg.join("second", pc)
            await wait_until(lambda: len(c.net.held()) == 2)
            oldest = min(b.net.held(), key=lambda f: f.sent)
            released = await a.net.step()
            assert released is not None and released.id == oldest.id
            receiver = a if oldest.dst == a.name else c
            await wait_until(lambda: receiver.pg.get_members("first") == [pb])
            other = c if receiver is a else a
            await holds_for(lambda: other.pg.get_members("first") == []
                            and not a.pg.get_members("second")
                            and not b.pg.get_members("second"), 0.3, "one frame only")
            assert len(b.net.held()) == 1 and len(c.net.held()) == 2
            a.net.resume()
            await wait_until(lambda: all(n.pg.get_members("second") == [pc] for n in (a, b)))
    run(main())


def test_step_by_id_lets_a_later_link_deliver_before_an_earlier_one():
    async def main():
        async with cluster(3) as (a, b, c):
            a.net.pause()
            await wait_until(lambda: b.net.clock.paused and c.net.clock.paused)
            pb = spawn_idle(b)
            b.pg.join("first", pb)
            await wait_until(lambda: len(b.net.held()) == 2)
            pc = spawn_idle(c)
            c.pg.join("second", pc)
            await wait_until(lambda: len(c.net.held()) == 2)
            later = next(f for f in c.net.held() if f.dst == a.name)
            await a.net.step(later.id)
            await wait_until(lambda: a.pg.get_members("second") == [pc])
            assert a.pg.get_members("first") == []  # sent earlier, still on its link
    run(main())


def test_a_frame_behind_another_on_its_link_cannot_go_first():
    async def main():
        async with cluster(2) as (a, b):
            a.net.pause()
            await wait_until(lambda: b.net.clock.paused)
            p1, p2 = spawn_idle(a), spawn_idle(a)
            a.pg.join("g", p1)
            a.pg.join("g", p2)
            first, second = a.net.held()
            assert first.first and not second.first
            with pytest.raises(NotFirst, match="keep their order"):
                await a.net.step(second.id)
            assert await a.net.step(first.id) is not None
            await wait_until(lambda: b.pg.get_members("g") == [p1])
    run(main())


def test_partition_cuts_both_sides_refuses_reconnects_and_heal_from_one_side_converges():
    async def main():
        async with cluster(4) as nodes:
            a, b, c, d = nodes
            pids = {n.name: spawn_idle(n) for n in nodes}
            for n in nodes:
                n.pg.join("g", pids[n.name])
            await wait_until(lambda: all(len(n.pg.get_members("g")) == 4 for n in nodes))
            a.net.partition([["n1", "n2"], ["n3", "n4"]])
            await wait_until(lambda: sorted(a.nodes()) == [b.name] and sorted(c.nodes()) == [d.name]
                             and sorted(d.nodes()) == [c.name] and b.nodes() == [a.name],
                             what="two halves")
            await wait_until(lambda: all(len(n.pg.get_members("g")) == 2 for n in nodes))
            assert c.net.sides == [[a.name, b.name], [c.name, d.name]]  # the far side knows
            with pytest.raises(ConnectionError):
                await c.connect(a.address)  # refused while the partition lasts
            d.net.heal()  # healed from the far side: it has to cross the cut
            await wait_until(lambda: all(len(n.nodes()) == 3 for n in nodes), timeout=10,
                             what="full mesh again")
            await wait_until(lambda: all(len(n.pg.get_members("g")) == 4 for n in nodes))
            assert all(n.net.sides == [] for n in nodes)
    run(main())


def test_latency_delays_one_link_only():
    async def main():
        async with cluster(3) as (a, b, c):
            a.net.latency("n2", 1.0)
            await wait_until(lambda: c.net.latencies() == {(a.name, b.name): 1.0})
            loop = asyncio.get_running_loop()
            pid = spawn_idle(a)
            t0 = loop.time()
            a.pg.join("g", pid)
            await wait_until(lambda: c.pg.get_members("g") == [pid])
            to_c = loop.time() - t0
            assert b.pg.get_members("g") == []  # still on the slow link
            await wait_until(lambda: b.pg.get_members("g") == [pid], timeout=5)
            assert loop.time() - t0 >= 1.0 - 0.05 and to_c < 1.0
            a.net.heal()
            await wait_until(lambda: b.net.latencies() == {})
    run(main())


def test_clock_and_fault_changes_are_events():
    async def main():
        async with cluster(2) as (a, b):
            seen = []
            b.add_listener(lambda ev: seen.append(ev) if ev.event in ("clock", "fault") else None)
            a.net.slow(0.5)
            a.net.latency("n2", 0.2)
            await wait_until(lambda: [e.event for e in seen] == ["clock"])
            assert (seen[0].mode, seen[0].seconds, seen[0].node) == ("slow", 0.5, b.name)
            mine = []
            a.add_listener(lambda ev: mine.append(ev) if ev.event == "fault" else None)
            a.net.latency("n2", 0.3)
            assert [(e.what, e.src, e.dst, e.detail) for e in mine] == [
                ("delay", a.name, b.name, "300 ms")]
    run(main())


def test_bad_arguments_change_nothing():
    async def main():
        async with cluster(2) as (a, b):
            for bad in (-1, float("nan"), float("inf"), "fast", True):
                with pytest.raises(ControlError):
                    a.net.slow(bad)
            with pytest.raises(ControlError, match="unknown node"):
                a.net.partition([["n1"], ["nobody"]])
            with pytest.raises(ControlError, match="empty"):
                a.net.partition([["n1"], []])
            with pytest.raises(ControlError, match="two sides"):
                a.net.partition([["n1", "n2"], ["n2"]])
            with pytest.raises(ControlError, match="unknown node"):
                a.net.latency("zed", 0.1)
            with pytest.raises(ControlError, match="paused"):
                await a.net.step()
            await settle([a, b])
            assert a.net.clock.mode == b.net.clock.mode == "live"
            assert a.net.sides == b.net.sides == [] and a.nodes() == [b.name]
    run(main())


def test_single_links_are_cut_and_healed_from_any_node():
    async def main():
        async with cluster(3) as (a, b, c):
            c.net.cut("n1", "n2")  # a link c is not on
            await wait_until(lambda: a.nodes() == [c.name] and b.nodes() == [c.name])
            assert c.nodes() and sorted(c.nodes()) == sorted([a.name, b.name])
            assert a.net.cuts == b.net.cuts == [(a.name, b.name)]
            await settle([a, b, c])
            assert a.nodes() == [c.name]  # gossip through c does not re-dial the cut link
            with pytest.raises(ControlError, match="not cut"):
                a.net.heal("n1", "n3")
            b.net.heal("n1", "n2")
            await wait_until(lambda: len(a.nodes()) == 2 and len(b.nodes()) == 2)
            assert a.net.cuts == []
    run(main())


def test_deliver_now_and_drop_work_from_a_node_that_does_not_hold_the_frame():
    async def main():
        async with cluster(3) as (a, b, c):
            a.net.pause()
            await wait_until(lambda: b.net.clock.paused and c.net.clock.paused)
            p1 = spawn_idle(a)
            a.pg.join("g", p1)
            await wait_until(lambda: len(a.net.held()) == 2)
            to_b = next(f for f in a.net.held() if f.dst == b.name)
            to_c = next(f for f in a.net.held() if f.dst == c.name)
            assert c.net.deliver_now(to_b.id) is None  # not c's: a is asked
            await wait_until(lambda: b.pg.get_members("g") == [p1])
            downs = []
            a.add_node_callback(lambda ev, peer, why: downs.append(peer) if ev == "nodedown"
                                else None)
            assert c.net.drop(to_c.id) is False
            # A frame cannot be lost alone on TCP: the link goes, heals, and pg resyncs.
            await wait_until(lambda: downs == [c.name])
            a.net.resume()
            await wait_until(lambda: c.pg.get_members("g") == [p1], timeout=10)
    run(main())


def test_a_crashed_node_says_nothing_peers_time_it_out_and_its_name_comes_back():
    async def main():
        async with cluster(2, tick_time=0.4) as (a, b):
            downs = []
            a.add_node_callback(lambda ev, peer, why: downs.append(why) if ev == "nodedown"
                                else None)
            pid = spawn_idle(b)
            b.pg.join("g", pid)
            await wait_until(lambda: a.pg.get_members("g") == [pid])
            b.crash()
            await wait_until(lambda: downs, timeout=5, what="a times b out")
            assert "no tick" in downs[0]
            # pg drops b's members on its scope's DOWN, which the runtime queues for the
            # scope as it reports the nodedown: a loop turn later, not at once.
            await wait_until(lambda: a.pg.get_members("g") == [], what="b's members dropped")
            again = await start_node("n2")
            try:
                await again.connect(a.address)
                assert again.name == b.name and a.nodes() == [b.name]
            finally:
                await again.stop()
    run(main())
