"""pgviz's scope inside OTP's own pg scope `pg` (issue 14, deliver 2): membership both ways,
monitors, kills on each side, links and DOWN/EXIT noconnection, netsplit and resync."""

from __future__ import annotations

from pgviz.erlang import Atom

from ..support import run, wait_until
from .beam import start_py
from .conftest import COOKIE

BEAM = "beam@127.0.0.1"


def _spawn_erl(beam, var: str) -> object:
    """An Erlang process that waits for `stop` (bound to `var` on the driver)."""
    return beam.call(f"{var} = spawn(fun() -> receive stop -> ok end end).")


def test_join_leave_both_sides(beam, epmd, py_name):
    """pg:get_members/1 on the BEAM lists Python pids; scope.get_members lists Erlang pids;
    atom groups are Atom, binary groups str; leaves propagate both ways."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            await node.connect(BEAM)
            py_pid = node.spawn(_idle)
            node.pg.join(Atom("jl_atom"), py_pid)
            node.pg.join("jl_bin", py_pid)
            e1 = _spawn_erl(beam, "JL1")
            await beam.eval("pg:join(jl_atom, JL1), pg:join(<<\"jl_bin\">>, [JL1, JL1]).")
            await wait_until(lambda: len(node.pg.get_members(Atom("jl_atom"))) == 2,
                             what="the Erlang member in Python's view")
            assert sorted(node.pg.get_members("jl_bin")) == sorted([py_pid, e1, e1])
            assert await _members(beam, "jl_atom") == sorted([py_pid, e1])
            await _until_beam(beam, "lists:sort(pg:get_members(<<\"jl_bin\">>))",
                              sorted([py_pid, e1, e1]))
            assert node.pg.leave(Atom("jl_atom"), py_pid) is True
            await _until_beam(beam, "pg:get_members(jl_atom)", [e1])
            await beam.eval("pg:leave(<<\"jl_bin\">>, JL1).")
            await wait_until(lambda: sorted(node.pg.get_members("jl_bin")) == sorted([py_pid, e1]))
        finally:
            await node.stop()
    run(main())


def test_monitor_scope_from_both_sides(beam, epmd, py_name):
    """A Python monitor_scope subscriber sees Erlang joins; an Erlang pg:monitor/1 sees
    Python joins, with OTP's notification shape {Ref, join, Group, Pids}."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            await node.connect(BEAM)
            seen = []

            async def watcher(proc):
                while True:
                    seen.append(await proc.receive())

            w = node.spawn(watcher)
            ref, _ = node.pg.monitor(Atom("mon_g"), w)
            await beam.eval("{MonRef, []} = pg:monitor(mon_g).")
            e = _spawn_erl(beam, "MON1")
            await beam.eval("pg:join(mon_g, MON1).")
            await wait_until(lambda: seen, what="Python subscriber notified")
            assert seen[0] == (ref, "join", Atom("mon_g"), [e])
            py_pid = node.spawn(_idle)
            node.pg.join(Atom("mon_g"), py_pid)
            notes = await beam.eval(
                "[receive {MonRef, join, mon_g, Ps} -> Ps after 5000 -> timeout end "
                "|| _ <- [1, 2]].")
            assert notes == [[e], [py_pid]]
            await beam.eval("pg:demonitor(MonRef).")
        finally:
            await node.stop()
    run(main())


def test_kill_member_on_each_side(beam, epmd, py_name):
    """A killed Python member leaves the BEAM's view; a killed Erlang member leaves
    Python's (each node is the authority on its own processes)."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            await node.connect(BEAM)
            py_pid = node.spawn(_idle)
            node.pg.join(Atom("kill_g"), py_pid)
            e = _spawn_erl(beam, "K1")
            await beam.eval("pg:join(kill_g, K1).")
            await wait_until(lambda: len(node.pg.get_members(Atom("kill_g"))) == 2)
            await _until_beam(beam, "length(pg:get_members(kill_g))", 2)
            node.exit(py_pid, "kill")
            await _until_beam(beam, "pg:get_members(kill_g)", [e])
            await beam.eval("exit(K1, kill).")
            await wait_until(lambda: node.pg.get_members(Atom("kill_g")) == [],
                             what="the killed Erlang member gone from Python's view")
        finally:
            await node.stop()
    run(main())


def test_monitors_and_links_across(beam, epmd, py_name):
    """Python monitors an Erlang pid (DOWN with its reason), Erlang monitors a Python pid
    (DOWN normal), a link carries an exit both ways, and a dropped connection gives DOWN and
    EXIT noconnection on both sides."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        got = []
        ready = []

        async def watcher(proc, targets):
            proc.trap_exit = True
            for t in targets:
                proc.monitor(t)
            ready.append(proc.pid)
            while True:
                got.append(await proc.receive())

        try:
            await node.connect(BEAM)
            e1 = _spawn_erl(beam, "ML1")
            e2 = _spawn_erl(beam, "ML2")
            w = node.spawn(watcher, [e1, e2])
            await wait_until(lambda: w in ready)
            await beam.eval("ML1 ! stop, exit(ML2, bye).")
            await wait_until(lambda: len(got) == 2, what="two DOWNs")
            assert {(m[0], m[3], m[4]) for m in got} == {("DOWN", e1, "normal"),
                                                       ("DOWN", e2, "bye")}
            # Erlang monitors a Python process that returns normally
            done = []

            async def short(proc):
                await proc.receive()
                done.append(1)

            p = node.spawn(short)
            await beam.eval(f"PR = erlang:monitor(process, {_pid_expr(p)}).")
            node.send(p, "go")
            down = await beam.eval("receive {'DOWN', PR, process, _, R} -> R after 5000 -> "
                                   "timeout end.")
            assert down == Atom("normal")
            # a link from Erlang to a Python process that crashes: EXIT reaches Erlang
            crasher_box = []

            async def crasher(proc):
                crasher_box.append(1)
                await proc.receive()
                raise RuntimeError("boom")

            c = node.spawn(crasher)
            await beam.eval(f"process_flag(trap_exit, true), link({_pid_expr(c)}).")
            node.send(c, "go")
            reason = await beam.eval("receive {'EXIT', _, R2} -> R2 after 5000 -> timeout end.")
            assert "boom" in reason  # a Python exception's repr, as a binary
            # netsplit: Python's watcher monitors e3, Erlang links and monitors a Python pid
            e3 = _spawn_erl(beam, "ML3")
            got.clear()
            w2 = node.spawn(watcher, [e3])
            q = node.spawn(_idle)
            await beam.eval(f"link({_pid_expr(q)}), QR = erlang:monitor(process, "
                            f"{_pid_expr(q)}).")
            await wait_until(lambda: w2 in ready)
            await node.disconnect(BEAM)
            await wait_until(lambda: got, what="DOWN noconnection in Python")
            assert got[0][3:] == (e3, "noconnection")
            msgs = await beam.eval("[receive {'EXIT', _, R3} -> R3 after 5000 -> t end, "
                                   "receive {'DOWN', QR, process, _, R4} -> R4 after 5000 -> "
                                   "t end].")
            assert msgs == [Atom("noconnection"), Atom("noconnection")]
            assert not node.is_alive(q)  # its link to the BEAM broke: killed with noconnection
            await beam.eval("process_flag(trap_exit, false).")
        finally:
            await node.stop()
    run(main())


def test_netsplit_and_resync(beam, epmd, py_name):
    """Drop the connection: each side drops the other's members; changes made during the
    split appear on the other side after reconnecting (discover + sync), nothing replayed."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            await node.connect(BEAM)
            a = node.spawn(_idle)
            node.pg.join(Atom("split_g"), a)
            e = _spawn_erl(beam, "S1")
            await beam.eval("pg:join(split_g, S1).")
            await wait_until(lambda: len(node.pg.get_members(Atom("split_g"))) == 2)
            await _until_beam(beam, "length(pg:get_members(split_g))", 2)
            node._dist.sever(BEAM, "test netsplit")  # a dropped cable, no goodbye
            await wait_until(lambda: node.pg.get_members(Atom("split_g")) == [a],
                             what="Erlang's member dropped in Python")
            await _until_beam(beam, "pg:get_members(split_g)", [e])
            b = node.spawn(_idle)
            node.pg.join(Atom("split_g"), b)
            node.pg.leave(Atom("split_g"), a)
            e2 = _spawn_erl(beam, "S2")
            await beam.eval("pg:join(split_g, S2).")
            # the BEAM reconnects this time (either side may)
            assert await beam.eval(f"net_kernel:connect_node('{node.name}').") is True
            await wait_until(lambda: sorted(node.pg.get_members(Atom("split_g")))
                             == sorted([b, e, e2]), what="Python's view after resync")
            await _until_beam(beam, "lists:sort(pg:get_members(split_g))", sorted([b, e, e2]))
        finally:
            await node.stop()
    run(main())


async def _idle(proc):
    while True:
        await proc.receive()


def _pid_expr(pid) -> str:
    """An Erlang expression for a pgviz pid (the BEAM knows its node: we are connected)."""
    return f"binary_to_term(base64:decode(<<\"{_b64(pid)}\">>))"


def _b64(term) -> str:
    import base64

    from pgviz.erlang import encode
    return base64.b64encode(encode(term)).decode()


async def _members(beam, group: str) -> list:
    return sorted(await beam.eval(f"pg:get_members({group})."))


async def _until_beam(beam, expr: str, expected, timeout: float = 5.0) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = await beam.eval(expr + ".")
        if value == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"BEAM: {expr} = {value!r}, expected {expected!r}")
        await asyncio.sleep(0.01)
