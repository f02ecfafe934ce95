"""OTP pg's exact observable rules (spec sections 3-5) and where pgviz stays up instead of
crashing (spec section 9)."""

from __future__ import annotations

import pytest

from pgviz import Pid

from ..support import Inbox, cluster, run, settle, spawn_idle, spawn_sleeper, wait_until


def test_member_order_matches_otp():
    """join(g,P1), join(g,[P2,P3]), join(g,P1), join(g,[P2,P2]), leave(g,P1) (spec 4)."""
    async def main():
        async with cluster(2) as (a, b):
            p1, p2, p3 = (spawn_idle(a) for _ in range(3))
            s = a.pg
            s.join("g", p1)
            s.join("g", [p2, p3])
            assert s.get_members("g") == [p2, p3, p1]
            s.join("g", p1)
            assert s.get_members("g") == [p1, p2, p3, p1]
            s.join("g", [p2, p2])
            assert s.get_members("g") == [p2, p2, p1, p2, p3, p1]
            s.leave("g", p1)
            assert s.get_members("g") == [p2, p2, p2, p3, p1]
            # A single origin's sequence arrives in the same order on a peer.
            await wait_until(lambda: b.pg.get_members("g") == [p2, p2, p2, p3, p1])
    run(main())


def test_join_of_an_empty_list_makes_an_empty_visible_group():
    """OTP quirk (spec 3.1): join(g, []) shows g in which_groups everywhere, with no members."""
    async def main():
        async with cluster(2) as (a, b):
            w = Inbox(a)
            ref, _ = a.pg.monitor_scope(w.pid)
            a.pg.join("empty", [])
            assert a.pg.which_groups() == ["empty"] and a.pg.get_members("empty") == []
            assert await w.next() == (ref, "join", "empty", [])
            await wait_until(lambda: "empty" in b.pg.which_groups())
            assert a.pg.leave("empty", []) is False
    run(main())


def test_list_leave_notifies_the_pids_as_passed():
    """leave(g, [P1, P9]) with P9 never joined: ok, and the notification names both (3.2)."""
    async def main():
        async with cluster(2) as (a, b):
            p1, p9 = spawn_idle(a), spawn_idle(a)
            wa, wb = Inbox(a), Inbox(b)
            ra, _ = a.pg.monitor("g", wa.pid)
            a.pg.join("g", p1)
            await wait_until(lambda: b.pg.get_members("g") == [p1])
            rb, _ = b.pg.monitor("g", wb.pid)
            assert a.pg.leave("g", [p1, p9]) is True
            assert await wa.next() == (ra, "join", "g", [p1])
            assert await wa.next() == (ra, "leave", "g", [p1, p9])
            assert await wb.next() == (rb, "leave", "g", [p1, p9])
            assert a.pg.get_members("g") == [] == b.pg.get_members("g")
    run(main())


def test_notifications_are_in_the_mailbox_when_join_returns():
    """Read-your-writes: ETS and local notifications are updated before join/leave return."""
    async def main():
        async with cluster(1) as (a,):
            sub = spawn_sleeper(a)
            ref, _ = a.pg.monitor("g", sub)
            me = spawn_idle(a)
            a.pg.join("g", me)
            assert len(a.process(sub)) == 1
            assert a.pg.get_members("g") == [me]
            assert a.pg.leave("g", me) is True
            assert a.process(sub).flush() == [(ref, "join", "g", [me]), (ref, "leave", "g", [me])]
    run(main())


def test_scope_and_group_monitor_order_and_dead_member_notifications():
    """Scope monitors are notified before group monitors; a member joined three times that
    dies gives three leave notifications (spec 5)."""
    async def main():
        async with cluster(1) as (a,):
            w = Inbox(a)
            rs, _ = a.pg.monitor_scope(w.pid)
            rg, _ = a.pg.monitor("g", w.pid)
            p = spawn_idle(a)
            a.pg.join("g", p)
            assert [await w.next(), await w.next()] == [(rs, "join", "g", [p]),
                                                          (rg, "join", "g", [p])]
            a.pg.join("g", p)
            a.pg.join("g", p)
            await wait_until(lambda: len(w.messages) == 4)
            w.take()
            a.exit(p, "kill")
            await wait_until(lambda: len(w.messages) == 6)
            assert w.messages == [(rs, "leave", "g", [p]), (rg, "leave", "g", [p])] * 3
    run(main())


def test_peer_down_notifies_the_peers_whole_list_per_group():
    async def main():
        async with cluster(2) as (a, b):
            rp = spawn_idle(b)
            b.pg.join("g", [rp, rp])
            w = Inbox(a)
            await wait_until(lambda: a.pg.get_members("g") == [rp, rp])
            ref, _ = a.pg.monitor_scope(w.pid)
            await b.stop()
            assert await w.next() == (ref, "leave", "g", [rp, rp])
    run(main())


def test_reconnect_notifies_leave_everything_then_join_everything():
    async def main():
        async with cluster(2) as (a, b):
            rp = spawn_idle(b)
            b.pg.join("g", rp)
            w = Inbox(a)
            await wait_until(lambda: a.pg.get_members("g") == [rp])
            ref, _ = a.pg.monitor_scope(w.pid)
            await a.disconnect(b.name)
            assert await w.next() == (ref, "leave", "g", [rp])
            await a.connect(b.address)
            assert await w.next() == (ref, "join", "g", [rp])
            await settle([a, b])
            assert w.take() == []
    run(main())


def test_broadcast_once_per_distinct_member_and_remote_only():
    async def main():
        async with cluster(3) as (a, b, c):
            la = Inbox(a)
            lb, lc = Inbox(b), Inbox(c)
            a.pg.join("room", [la.pid, la.pid])
            b.pg.join("room", [lb.pid, lb.pid, lb.pid])
            c.pg.join("room", lc.pid)
            await wait_until(lambda: len(a.pg.get_members("room")) == 6)
            assert a.pg.broadcast("room", ("hello", b"x")) == 3
            for box in (la, lb, lc):
                assert await box.next() == ("hello", b"x")
            assert a.pg.broadcast("room", "remote only", exclude_local=True) == 2
            assert await lb.next() == "remote only" and await lc.next() == "remote only"
            await settle([a, b, c])
            assert la.take() == [] and lb.take() == [] and lc.take() == []
            assert a.pg.broadcast("nobody", "x") == 0
    run(main())


def test_demonitor_flushes_queued_notifications():
    async def main():
        async with cluster(1) as (a,):
            sub = spawn_sleeper(a)
            ref, _ = a.pg.monitor("g", sub)
            a.send(sub, "keep me")
            a.pg.join("g", spawn_idle(a))
            assert a.pg.demonitor(ref) is True
            assert a.process(sub).flush() == ["keep me"]
            assert a.pg.demonitor(ref) is False
    run(main())


def test_api_errors():
    async def main():
        async with cluster(2) as (a, b):
            from pgviz import NotLocalError

            remote = spawn_idle(b)
            with pytest.raises(NotLocalError):
                a.pg.leave("g", remote)
            with pytest.raises(NotLocalError):
                a.pg.monitor("g", remote)
            with pytest.raises(NotLocalError):
                a.pg.monitor_scope(remote)
            with pytest.raises(TypeError):
                a.pg.join("g", "not a pid")
            with pytest.raises(TypeError):
                a.pg.join(["unhashable"], spawn_idle(a))
            with pytest.raises(TypeError):
                a.pg.join(1.5, spawn_idle(a))
            for group in ("s", 7, b"b", ("t", 1, (b"x",))):
                a.pg.join(group, spawn_idle(a))
            assert sorted(map(repr, a.pg.which_local_groups())) == sorted(
                map(repr, ["s", 7, b"b", ("t", 1, (b"x",))]))
            await wait_until(lambda: len(b.pg.which_groups()) == 4)
            assert ("t", 1, (b"x",)) in b.pg.which_groups()
    run(main())


def test_dead_pid_join_is_accepted_then_dropped():
    async def main():
        async with cluster(2) as (a, b):
            p = spawn_idle(a)
            a.exit(p, "kill")
            a.pg.join("g", p)
            assert a.pg.get_members("g") == [p]
            await wait_until(lambda: a.pg.get_members("g") == [])
            await settle([a, b])
            assert b.pg.get_members("g") == []
    run(main())


# -- spec section 9: where OTP crashes, pgviz stays up -------------------------------------------

def test_stale_down_after_leave_and_rejoin_is_ignored():
    """9.1: the member dies while a leave and a re-join are queued: OTP crashes (case_clause)."""
    async def main():
        async with cluster(2) as (a, b):
            p = spawn_idle(a)
            a.pg.join("g", p)
            # Kill first: the DOWN is queued at the scope but not handled yet; then leave
            # (demonitor without flush) and re-join (a new monitor, which fires noproc).
            a.exit(p, "kill")
            assert a.pg.leave("g", p) is True
            a.pg.join("g", p)
            await wait_until(lambda: a.pg.get_members("g") == [] and not a.pg.local)
            await settle([a, b])
            assert a.pg.running and b.pg.get_members("g") == []
            q = spawn_idle(a)
            a.pg.join("g", q)
            await wait_until(lambda: b.pg.get_members("g") == [q])
    run(main())


def test_member_that_also_monitors_exits():
    """9.2 (GH-7625): join + monitor in one process, then exit: OTP 25.1-26.1 crash."""
    async def main():
        async with cluster(2) as (a, b):
            async def both(proc):
                a.pg.monitor_scope(proc.pid)
                a.pg.monitor("g", proc.pid)
                a.pg.join("g", proc.pid)

            pid = a.spawn(both)
            await wait_until(lambda: not a.is_alive(pid))
            await wait_until(lambda: not a.pg.local and not a.pg.scope_monitors
                             and not a.pg.group_monitors)
            await settle([a, b])
            assert a.pg.running and b.pg.get_members("g") == []
    run(main())


def test_remote_leave_of_a_group_unknown_for_that_peer():
    """9.3: a leave naming a group missing from the peer's map: OTP crashes with badkey."""
    async def main():
        async with cluster(2) as (a, b):
            rp = spawn_idle(b)
            b.send(a.pg.pid, ("leave", b.pg.pid, rp, ["never-joined"]))
            b.send(a.pg.pid, ("leave", b.pg.pid, [rp], ["never-joined", "nor-this"]))
            await settle([a, b])
            assert a.pg.running
            b.pg.join("g", rp)
            await wait_until(lambda: a.pg.get_members("g") == [rp])
    run(main())


def test_future_discover_and_unknown_messages_do_not_crash():
    """9.9 and the badarg catch-all: pgviz logs and carries on."""
    async def main():
        async with cluster(2) as (a, b):
            for msg in [("discover", b.pg.pid, 28), ("what", 1), ("join",), "x",
                        ("sync", b.pg.pid, [("g", ["not a pid"])])]:
                b.send(a.pg.pid, msg)
            await settle([a, b])
            assert a.pg.running
            p = spawn_idle(a)
            a.pg.join("g", p)
            await wait_until(lambda: b.pg.get_members("g") == [p])
    run(main())


def test_pids_are_hashable_ordered_and_distinct_from_tuples():
    p, q = Pid("a@h", 1, 0, 1), Pid("a@h", 2, 0, 1)
    assert p < q and len({p, Pid("a@h", 1, 0, 1)}) == 1
    assert p != Pid("a@h", 1, 0, 2)  # another incarnation
    assert p != ("a@h", 1, 0, 1)


def test_remote_notifications_are_the_subscribers_own_lists():
    """A peer's join and leave reach the only subscriber without a copy (the scope handed the
    list over) and several subscribers with one list each: whatever a subscriber does to its
    list changes neither the scope's view nor another subscriber's message."""
    async def main():
        async with cluster(2) as (a, b):
            p1, p2 = spawn_idle(a), spawn_idle(a)
            only, w1, w2 = Inbox(b), Inbox(b), Inbox(b)
            ro, _ = b.pg.monitor("g", only.pid)
            a.pg.join("g", [p1, p2])
            got = await only.next()
            assert got == (ro, "join", "g", [p1, p2])
            got[3].clear()
            assert b.pg.get_members("g") == [p1, p2]
            r1, _ = b.pg.monitor_scope(w1.pid)
            r2, _ = b.pg.monitor_scope(w2.pid)
            a.pg.leave("g", p1)
            seen = [await w.next() for w in (only, w1, w2)]
            assert seen == [(ro, "leave", "g", [p1]), (r1, "leave", "g", [p1]),
                            (r2, "leave", "g", [p1])]
            assert len({id(m[3]) for m in seen}) == 3
            seen[0][3].append(p2)
            assert seen[1][3] == [p1] == seen[2][3] and b.pg.get_members("g") == [p2]
    run(main())
