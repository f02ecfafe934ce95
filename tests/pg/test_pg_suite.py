"""OTP's lib/kernel/test/pg_SUITE.erl, case by case, over real loopback TCP.

Peers in OTP's suite never connect to each other on their own (-connect_all false), so these
clusters run with mesh=False and connect exactly the pairs the suite connects. Cases OTP marks
white-box (sys:get_state) check the observable equivalent instead.
"""

from __future__ import annotations

import pytest

import pgviz
from pgviz import NoScopeError, NotLocalError, Pid

from ..support import Inbox, cluster, members, run, settle, spawn_idle, start_node, wait_until

NOMESH = {"mesh": False}


async def scoped(nodes, name):
    return [await n.start_scope(name) for n in nodes]


def test_pg():
    """The default scope "pg" and its default-scope calls."""
    async def main():
        async with cluster(1) as (a,):
            assert a.whereis("pg") is not None
            me = spawn_idle(a)
            assert a.pg.join("pg", me) is None
            assert a.pg.get_local_members("pg") == [me]
            assert a.pg.which_groups() == ["pg"]
            assert a.pg.which_local_groups() == ["pg"]
            assert a.pg.leave("pg", me) is True
            assert a.pg.get_members("pg") == []
            assert a.pg.which_groups() == []
            assert a.pg.which_local_groups() == []
    run(main())


def test_errors():
    """Garbage sent to a scope is logged and ignored; OTP's scope crashes with badarg."""
    async def main():
        async with cluster(1) as (a,):
            s = await a.start_scope("second")
            for garbage in ["garbage", ("garbage",), ("join", 1, 2), ("sync", "x", "y"),
                            ("leave", s.pid, "notapid", ["g"]), 42, None]:
                a.send(s.pid, garbage)
            await settle([a])
            me = spawn_idle(a)
            s.join("g", me)
            assert s.running and s.get_members("g") == [me]
    run(main())


def test_leave_exit_race():
    """Processes that exit at once, joined then left 100 times: the scope survives."""
    async def main():
        async with cluster(1) as (a,):
            s = await a.start_scope("leave_exit_race")

            async def quick(proc):
                return None

            for _ in range(100):
                pid = a.spawn(quick)
                s.join("test", pid)
                s.leave("test", pid)
            await wait_until(lambda: s.get_members("test") == [], what="empty group")
            assert s.running and s.which_groups() == []
    run(main())


def test_single():
    """Duplicates in one node: multiset joins, not_joined, list leave."""
    async def main():
        async with cluster(1) as (a,):
            s = await a.start_scope("single")
            me = spawn_idle(a)
            s.join("single", me)
            s.join("single", [me, me])
            assert s.get_local_members("single") == [me, me, me]
            assert s.get_members("single") == [me, me, me]
            assert s.leave("$missing$", me) is False
            assert s.leave("single", [me, me]) is True
            assert s.leave("single", me) is True
            assert s.which_groups() == []
            assert s.get_local_members("single") == [] == s.get_members("single")
            s.join("single", me)
            pid = spawn_idle(a)
            s.join("single", pid)
            assert sorted(s.get_members("single")) == sorted(s.get_local_members("single")) \
                == sorted([pid, me])
            a.exit(pid, "kill")
            await wait_until(lambda: s.get_local_members("single") == [me])
            assert s.leave("single", me) is True
    run(main())


def test_dyn_distribution():
    """A nodeup naming the node itself (distribution started late) does not double members."""
    async def main():
        async with cluster(1) as (a,):
            s = await a.start_scope("dyn_distribution")
            a.send(s.pid, ("nodeup", a.name))
            await settle([a])
            me = spawn_idle(a)
            s.join("dyn_distribution", me)
            await settle([a])
            assert s.get_members("dyn_distribution") == [me]
    run(main())


def test_process_owner_check():
    """Remote pids and non-pids cannot join; a mixed list joins nothing."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, _ = await scoped([a, b], "process_owner_check")
            local, remote = spawn_idle(a), spawn_idle(b)
            for bad in (remote, [remote, remote], [local, remote]):
                with pytest.raises(NotLocalError):
                    s.join("g", bad)
            with pytest.raises(TypeError):
                s.join("g", None)
            with pytest.raises(TypeError):
                s.join("g", [None])
            assert s.which_groups() == []
    run(main())


def test_overlay_missing():
    """join/leave from a scope that is not a known peer are ignored."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "overlay_missing")
            await settle([a, b])
            me = spawn_idle(a)
            s.join("group", me)
            peer_scope = sb.pid
            remote = spawn_idle(b)
            await b.stop_scope("overlay_missing")
            await wait_until(lambda: peer_scope not in s.remote, what="peer scope DOWN")
            b.send(s.pid, ("join", peer_scope, "group", remote))
            await settle([a, b])
            assert s.get_members("group") == [me]
            b.send(s.pid, ("leave", peer_scope, remote, ["group"]))
            await settle([a, b])
            assert s.get_members("group") == [me]
    run(main())


def test_two():
    """Two nodes: a member seen remotely, dropped when it dies and when its node stops."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "two")
            await settle([a, b])
            pid = spawn_idle(a)
            s.join("two", pid)
            assert s.get_local_members("two") == [pid]
            await settle([a, b])
            assert sb.get_members("two") == [pid]
            assert sb.get_local_members("two") == []
            a.exit(pid, "kill")
            await wait_until(lambda: s.get_local_members("two") == [])
            await wait_until(lambda: sb.get_members("two") == [])
            pid2, pid3 = spawn_idle(b), spawn_idle(b)
            sb.join("two", pid2)
            sb.join("two", pid3)
            await settle([a, b])
            assert members(a, "two", "two") == sorted([pid2, pid3])
            await b.stop()
            await wait_until(lambda: s.get_members("two") == [], what="members of stopped node")
    run(main())


def test_empty_group_by_remote_leave():
    """A group emptied by remote leaves disappears; a list join keeps its order."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "egbrl")
            await settle([a, b])
            r1 = spawn_idle(b)
            sb.join("g", r1)
            await settle([a, b])
            assert s.get_members("g") == [r1]
            assert sb.leave("g", r1)
            await settle([a, b])
            assert s.get_members("g") == [] and s.which_groups() == []
            r2 = spawn_idle(b)
            sb.join("g", [r1, r2])
            await settle([a, b])
            assert s.get_members("g") == [r1, r2]
            assert sb.leave("g", [r2, r1])
            await settle([a, b])
            assert s.get_members("g") == [] and s.which_groups() == []
            assert all(not groups for _, groups in s.remote.values())
    run(main())


def test_thundering_herd():
    """10 000 groups and 2 000 syncs from a peer: handled without quadratic blow-up."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "herd")
            me = spawn_idle(a)
            for n in range(10_000):
                s.join(("group", n), me)
            await settle([a, b])
            peer_pid = spawn_idle(b)
            for _ in range(2000):
                b.send(s.pid, ("sync", sb.pid, [(("group", 1), [peer_pid, peer_pid])]))
            s.join("herd", me)
            await settle([a, b])
            assert sorted(s.get_members(("group", 1))) == sorted([me, peer_pid, peer_pid])
            assert s.get_members("herd") == [me]
    run(main())


def test_initial():
    """Members joined before the peer connects reach it through the initial sync."""
    async def main():
        a = await start_node("a", mesh=False)
        b = await start_node("b", mesh=False)
        try:
            s = await a.start_scope("initial")
            pid = spawn_idle(a)
            s.join("initial", pid)
            assert s.get_local_members("initial") == [pid]
            sb = await b.start_scope("initial")
            await a.connect(b.address)
            await wait_until(lambda: sb.get_members("initial") == [pid])
            assert sb.get_local_members("initial") == []
            a.exit(pid, "kill")
            await wait_until(lambda: sb.get_members("initial") == [])
        finally:
            await a.stop()
            await b.stop()
    run(main())


def test_netsplit():
    """Changes made on both sides of a split are exchanged, stale groups vanish."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "netsplit")
            await settle([a, b])
            old = spawn_idle(b)
            sb.join("$invisible", old)
            await settle([a, b])
            assert s.get_members("$invisible") == [old]
            assert await a.disconnect(b.name)
            await wait_until(lambda: b.nodes() == [] and a.nodes() == [])
            remote = spawn_idle(b)
            sb.join("netsplit", remote)
            assert sb.leave("$invisible", old)
            sb.join("$visible", old)
            assert sb.get_local_members("$visible") == [old]
            local = spawn_idle(a)
            s.join("netsplit", local)
            assert await a.connect(b.address) == b.name
            await wait_until(lambda: sorted(sb.get_members("netsplit")) == sorted([remote, local]))
            await wait_until(lambda: s.get_members("$visible") == [old])
            assert s.get_members("$invisible") == []
    run(main())


def test_trisplit():
    """A join made after a split and reconnect reaches a newcomer."""
    async def main():
        async with cluster(2, **NOMESH) as (a, p1):
            s, s1 = await scoped([a, p1], "trisplit")
            spawn_idle(p1)
            pid2 = spawn_idle(p1)
            s1.join("three", pid2)
            await settle([a, p1])
            await a.disconnect(p1.name)
            await wait_until(lambda: not a.nodes())
            assert await a.connect(p1.address) == p1.name
            s1.join("one", pid2)
            p2 = await start_node("p2", mesh=False)
            try:
                s2 = await p2.start_scope("trisplit")
                await p2.connect(a.address)
                await p2.connect(p1.address)
                assert sorted(p2.nodes()) == sorted([a.name, p1.name])
                await wait_until(lambda: s2.get_members("one") == [pid2])
            finally:
                await p2.stop()
    run(main())


def test_foursplit():
    """A group left before a split does not come back after it."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "foursplit")
            pid = spawn_idle(a)
            s.join("one", pid)
            s.join("two", pid)
            peer_pid = spawn_idle(b)
            assert s.leave("one", pid) is True
            assert s.leave("three", pid) is False
            await a.disconnect(b.name)
            await wait_until(lambda: not a.nodes() and not b.nodes())
            b.exit(peer_pid, "kill")
            assert s.leave("three", pid) is False
            await a.connect(b.address)
            await settle([a, b])
            assert s.get_members("one") == [] and sb.get_members("one") == []
            await wait_until(lambda: sb.get_members("two") == [pid])
    run(main())


def test_exchange():
    """Three nodes split and healed: everyone ends with the current memberships."""
    async def main():
        async with cluster(3, connect=False, **NOMESH) as (a, p1, p2):
            s, s1, s2 = await scoped([a, p1, p2], "exchange")
            await a.connect(p1.address)
            await a.connect(p2.address)
            await settle([a, p1, p2])
            pids10 = [spawn_idle(p1) for _ in range(10)]
            pids11 = [spawn_idle(p1) for _ in range(10)]
            pids2 = [spawn_idle(p2) for _ in range(10)]
            s1.join("exchange", pids10)
            await settle([a, p1, p2])
            assert members(a, "exchange", "exchange") == sorted(pids10)
            for pid in pids10[:3]:
                p1.exit(pid, "kill")
            pids1 = pids10[3:]
            await a.disconnect(p1.name)
            await a.disconnect(p2.name)
            await wait_until(lambda: not a.nodes())
            await wait_until(lambda: s.get_members("exchange") == [], what="members dropped")
            for pid in pids2:
                s2.join("exchange", pid)
            for pid in pids11:
                s1.join("second", pid)
            s1.join("third", pids11)
            assert await a.connect(p1.address) == p1.name
            assert await a.connect(p2.address) == p2.name
            expected = sorted(pids1 + pids2 + pids11)
            await wait_until(lambda: sorted(s.get_members("second") + s.get_members("exchange"))
                             == expected, what="exchange converged")
            assert sorted(s.get_members("third")) == sorted(pids11)
            assert s1.leave("third", pids11[:3])
            stay = pids11[3:]
            await wait_until(lambda: sorted(s.get_members("third")) == sorted(stay))
            assert s1.leave("left", stay) is False
            assert s1.leave("third", stay) is True
            await wait_until(lambda: s.get_members("third") == [])
    run(main())


def test_nolocal():
    """Remote members are never local."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "nolocal")
            await settle([a, b])
            remote = spawn_idle(b)
            sb.join("nolocal", remote)
            sb.join("nolocal", remote)
            await settle([a, b])
            assert s.get_members("nolocal") == [remote, remote]
            assert s.get_local_members("nolocal") == []
    run(main())


def test_double():
    """Duplicates are copied to peers, through sync and through join."""
    async def main():
        a = await start_node("a", mesh=False)
        b = await start_node("b", mesh=False)
        try:
            s = await a.start_scope("double")
            pid = spawn_idle(a)
            s.join("double", pid)
            sb = await b.start_scope("double")
            await a.connect(b.address)
            s.join("double", [pid])
            assert s.get_members("double") == [pid, pid]
            await wait_until(lambda: sb.get_members("double") == [pid, pid])
            await settle([a, b])
            assert sb.get_members("double") == [pid, pid]
        finally:
            await a.stop()
            await b.stop()
    run(main())


def test_scope_restart():
    """A restarted scope loses its local members and syncs the remote ones again."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "scope_restart")
            pid = spawn_idle(a)
            s.join("scope_restart", [pid, pid])
            await settle([a, b])
            remote = spawn_idle(b)
            sb.join("scope_restart", remote)
            await settle([a, b])
            assert members(a, "scope_restart", "scope_restart") == sorted([remote, pid, pid])
            await a.stop_scope("scope_restart")
            s2 = await a.start_scope("scope_restart")
            assert s2 is not s
            await wait_until(lambda: s2.get_members("scope_restart") == [remote])
            await wait_until(lambda: sb.get_members("scope_restart") == [remote])
    run(main())


def test_missing_scope_join():
    """join/leave on a stopped scope raise NoScopeError (OTP: noproc)."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            _, sb = await scoped([a, b], "missing_scope_join")
            assert await b.stop_scope("missing_scope_join")
            remote = spawn_idle(b)
            with pytest.raises(NoScopeError):
                sb.join("missing_scope_join", remote)
            with pytest.raises(NoScopeError):
                sb.leave("missing_scope_join", remote)
            with pytest.raises(NoScopeError):
                b.scope("missing_scope_join")
            assert isinstance(NoScopeError("x"), LookupError)
    run(main())


def test_disconnected_start():
    """A scope starts, stops and restarts on a node with no connection."""
    async def main():
        async with cluster(2, connect=False) as (a, b):
            assert b.name not in a.nodes()
            await b.start_scope("disconnected_start")
            assert await b.stop_scope("disconnected_start")
            assert (await b.start_scope("disconnected_start")).running
            assert await b.stop_scope("disconnected_start")
            assert isinstance(spawn_idle(b), Pid)
    run(main())


def test_forced_sync():
    """Split and heal, then a forged sync and a forced real one: the real one wins."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "forced_sync")
            pid = spawn_idle(a)
            s.join("one", pid)
            remote = spawn_idle(b)
            sb.join("one", remote)
            await a.disconnect(b.name)
            await wait_until(lambda: not a.nodes())
            await a.connect(b.address)
            expected = sorted([pid, remote])
            await wait_until(lambda: members(a, "one", "forced_sync") == expected)
            b.send(s.pid, ("sync", sb.pid, [("one", [remote, remote]),
                                            ("forced_sync", [remote, remote])]))
            await settle([a, b])
            assert s.get_members("forced_sync") == [remote, remote]
            assert members(a, "one", "forced_sync") == sorted([remote, remote, pid])
            a.send(sb.pid, ("discover", s.pid))
            await settle([a, b])
            assert members(a, "one", "forced_sync") == expected
            assert s.get_members("forced_sync") == []
            a.send(sb.pid, ("discover", s.pid))
            await settle([a, b])
            assert members(a, "one", "forced_sync") == expected
    run(main())


def test_group_leave():
    """A list leave removes one copy per entry; a stopped node's members go."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "group_leave")
            await settle([a, b])
            remote = spawn_idle(b)
            sb.join("two", [remote] * 16)
            assert sb.leave("two", [remote] * 4)
            await settle([a, b])
            assert s.get_members("two") == [remote] * 12
            await b.stop()
            await wait_until(lambda: s.get_members("two") == [])
    run(main())


def test_monitor_nonempty_scope():
    """monitor_scope's snapshot includes remote members (OTP PR-6275)."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "mns")
            pid = spawn_idle(a)
            s.join("one", pid)
            remote = spawn_idle(b)
            sb.join("one", remote)
            await settle([a, b])
            sub = spawn_idle(a)
            ref, snapshot = s.monitor_scope(sub)
            assert list(snapshot) == ["one"]
            assert sorted(snapshot["one"]) == sorted([pid, remote])
            assert s.demonitor(ref) is True
            _, again = s.monitor_scope(sub)
            assert {g: sorted(p) for g, p in again.items()} == \
                {g: sorted(p) for g, p in snapshot.items()}
    run(main())


async def _monitor_scenario(group, first_monitor, second_monitor):
    """OTP's monitor_test_impl, shared by monitor_scope and monitor."""
    async with cluster(2, **NOMESH) as (a, b):
        s, sb = await scoped([a, b], "monitor")
        await settle([a, b])
        me = Inbox(a)
        assert s.demonitor(a.make_ref()) is False
        ref, snapshot = first_monitor(s, group, me.pid)
        assert snapshot in ({}, [])
        s.join(group, me.pid)
        assert await me.next() == (ref, "join", group, [me.pid])
        x = Inbox(a)
        ref2, snap2 = second_monitor(s, group, x.pid)
        assert snap2 in ({group: [me.pid]}, [me.pid])
        # OTP's Y monitors from the peer node; pgviz subscribers are local (NotLocalError),
        # so Y is a second local subscriber that is killed later.
        y = Inbox(a)
        ref3, _ = second_monitor(s, group, y.pid)
        with pytest.raises(NotLocalError):
            second_monitor(s, group, spawn_idle(b))
        remote = spawn_idle(b)
        sb.join(group, [remote, remote])
        assert await me.next() == (ref, "join", group, [remote, remote])
        assert s.get_local_members(group) == [me.pid]
        assert s.leave(group, me.pid) is True
        assert await me.next() == (ref, "leave", group, [me.pid])
        assert sb.leave(group, remote) is True
        assert await me.next() == (ref, "leave", group, [remote])
        expected = [(ref2, "join", group, [remote, remote]), (ref2, "leave", group, [me.pid]),
                    (ref2, "leave", group, [remote])]
        await wait_until(lambda: len(x.messages) == 3)
        assert x.messages == expected
        await wait_until(lambda: len(y.messages) == 3)
        assert y.messages == [(ref3, *m[1:]) for m in expected]
        a.exit(x.pid, "kill")
        a.exit(y.pid, "kill")
        await b.stop()
        assert await me.next() == (ref, "leave", group, [remote])
        await wait_until(lambda: len(s.scope_monitors) + len(s.group_monitors) == 1,
                         what="dead subscribers dropped")
        assert s.demonitor(ref) is True
        assert s.demonitor(ref) is False
        s.join(group, me.pid)
        await settle([a])
        assert me.take() == []


def test_monitor_scope():
    """Scope monitor: snapshot, join/leave notifications, cleanup of dead subscribers."""
    run(_monitor_scenario(1, lambda s, g, p: s.monitor_scope(p),
                          lambda s, g, p: s.monitor_scope(p)))


def test_monitor():
    """Group monitor: the same scenario for one group."""
    run(_monitor_scenario(("monitor", 1), lambda s, g, p: s.monitor(g, p),
                          lambda s, g, p: s.monitor(g, p)))


def test_monitor_self():
    """A process that monitors and joins, then exits: the scope survives (GH-7625)."""
    async def main():
        async with cluster(1) as (a,):
            s = await a.start_scope("monitor_self")

            async def both(proc):
                s.monitor("monitor_self", proc.pid)
                s.join("monitor_self", proc.pid)

            watcher = Inbox(a)
            pid = a.spawn(both)
            a._monitor(watcher.pid, pid)
            down = await watcher.next()
            assert down[0] == "DOWN" and down[4] == "normal"
            await wait_until(lambda: not s.group_monitors and not s.local, what="cleanup")
            assert s.running and s.get_members("monitor_self") == []
    run(main())


def test_multi_monitor():
    """One process with two group monitors and a scope monitor gets four notifications."""
    async def main():
        async with cluster(1) as (a,):
            s = await a.start_scope("multi_monitor")
            p = Inbox(a)
            r1, m1 = s.monitor("one", p.pid)
            r2, m2 = s.monitor("two", p.pid)
            rs, _ = s.monitor_scope(p.pid)
            assert m1 == [] == m2
            s.join("one", p.pid)
            s.join("two", p.pid)
            await wait_until(lambda: len(p.messages) == 4)
            assert sorted(p.messages, key=repr) == sorted([
                (r1, "join", "one", [p.pid]), (rs, "join", "one", [p.pid]),
                (r2, "join", "two", [p.pid]), (rs, "join", "two", [p.pid])], key=repr)
            a.exit(p.pid, "normal")  # ignored: normal exit signals do not kill
            assert a.is_alive(p.pid)
            a.exit(p.pid, "kill")
            await wait_until(lambda: not s.scope_monitors and not s.group_monitors)
            assert s.running
    run(main())


def test_protocol_upgrade():
    """A future-version discover (3-tuple) is answered with a sync, not a crash."""
    async def main():
        async with cluster(2, **NOMESH) as (a, b):
            s, sb = await scoped([a, b], "protocol_upgrade")
            remote = spawn_idle(b)
            sb.join("protocol_upgrade", remote)
            await settle([a, b])
            me = Inbox(a)
            a.send(sb.pid, ("discover", me.pid, "Protocol version (ignore me)"))
            msg = await me.next()
            assert msg == ("sync", sb.pid, [("protocol_upgrade", [remote])])
            assert sb.running
    run(main())


def test_default_scope_is_pg():
    """node.pg is the scope named "pg", registered under that name."""
    async def main():
        async with cluster(1) as (a,):
            assert a.pg is a.scope(pgviz.DEFAULT_SCOPE)
            assert a.whereis("pg") == a.pg.pid
    run(main())
