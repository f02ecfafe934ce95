"""Join propagation across the Erlang bridge, beside BEAM -> BEAM, in the same run.

A private `epmd -port N`, two BEAM nodes (b1, b2: OTP's pg scope `pg` started, connected to
each other) and one pgviz node on the Erlang protocol, connected to both. Per sample a fresh
process joins a group on one node and a pg monitor subscriber on another reports when its
join notification arrived; one-way times use the same OS clock on every node
(`os:system_time(nanosecond)`, `time.time_ns()`), as pg_bench.erl's latency run does:

  pgviz -> BEAM   pg.join on pgviz; a pg:monitor/1 subscriber on b1 stamps the notification
  BEAM -> pgviz   pg:join on b1; a scope.monitor subscriber on pgviz stamps it
  BEAM -> BEAM    pg:join on b1; a pg:monitor/1 subscriber on b2 stamps it (the anchor)

    python -m benchmarks.erlang_bridge [--n 1000] [--warm 100]

prints RESULT<TAB>name<TAB>value<TAB>unit<TAB>note lines (benchmarks/README.md). Needs `erl`
and `epmd` (Debian's erlang-base).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import pgviz
from pgviz.erlang import Atom
from tests.erlang.beam import EPMD, ERL, SKIP_REASON, Beam, Epmd

from .common import pct, result

COOKIE = "bridge-bench"


async def measure(n: int, warm: int) -> None:
    if ERL is None or EPMD is None:
        raise SystemExit(f"erlang_bridge: {SKIP_REASON}")
    epmd = Epmd()  # the BEAM driver the bridge's tests use (tests/erlang/beam.py)
    epmd_port = epmd.port
    beams: list[Beam] = []
    node: pgviz.Node | None = None
    try:
        b1 = Beam("b1@127.0.0.1", COOKIE, epmd_port)
        b2 = Beam("b2@127.0.0.1", COOKIE, epmd_port)
        beams += [b1, b2]
        assert await b1.eval("net_kernel:connect_node('b2@127.0.0.1').") is True
        node = pgviz.Node("pybench", cookie=COOKIE, protocol="erlang", epmd_port=epmd_port)
        await node.start()
        await node.connect("b1@127.0.0.1")
        await node.connect("b2@127.0.0.1")
        total = n + warm
        notes = (f"{n} joins after {warm} warm-up, loopback TCP, one OS clock; "
                 "OTP 25 pg on the BEAMs")

        # BEAM -> BEAM: all in Erlang (a subscriber on b2 stamps, b1 joins and waits)
        await b2.eval("BBW = spawn(fun() -> {R, _} = pg:monitor(bb), L = fun L() -> receive "
                      "{R, join, bb, _} -> {bbsink, 'b1@127.0.0.1'} ! "
                      "{t, os:system_time(nanosecond)}, L(); {R, leave, bb, _} -> L(); "
                      "stop -> ok end end, L() end).")
        await _until(b1, "length(pg:get_members(bb)) =:= 0 andalso "
                         "lists:member('b2@127.0.0.1', nodes()).")
        await asyncio.sleep(0.2)  # the subscriber's pg:monitor is in place (it is async)
        bb = await b1.eval(
            f"register(bbsink, self()), [begin P = spawn(fun() -> receive stop -> ok end end),"
            f" T0 = os:system_time(nanosecond), pg:join(bb, P), T1 = receive {{t, X}} -> X "
            f"after 5000 -> -1 end, pg:leave(bb, P), P ! stop, T1 - T0 end "
            f"|| _ <- lists:seq(1, {total})].", 600)
        bb = [x for x in bb[warm:]]
        assert min(bb) > 0, "a BEAM -> BEAM sample timed out"

        # pgviz -> BEAM: a subscriber on b1 sends its stamp to a registered pgviz process
        await b1.eval("PBW = spawn(fun() -> {R, _} = pg:monitor(pb), L = fun L() -> receive "
                      f"{{R, join, pb, _}} -> {{pbsink, '{node.name}'}} ! "
                      "{t, os:system_time(nanosecond)}, L(); {R, leave, pb, _} -> L(); "
                      "stop -> ok end end, L() end).")
        await asyncio.sleep(0.2)

        async def idle(proc: pgviz.Process) -> None:
            while True:
                await proc.receive()

        async def py_joins(proc: pgviz.Process) -> list[int]:
            out = []
            for _ in range(total):
                p = node.spawn(idle)
                t0 = time.time_ns()
                node.pg.join(Atom("pb"), p)
                msg = await proc.receive(timeout=5)
                out.append(msg[1] - t0)
                node.pg.leave(Atom("pb"), p)
                node.exit(p, "kill")
            return out

        box: list[list[int]] = []

        async def runner(proc: pgviz.Process) -> None:
            box.append(await py_joins(proc))

        node.spawn(runner, name="pbsink")
        while not box:
            await asyncio.sleep(0.01)
        pb = box[0][warm:]

        # BEAM -> pgviz: b1 joins and tells pgviz T0; a scope.monitor subscriber stamps
        stamps: list[int] = []

        async def watcher(proc: pgviz.Process) -> None:
            ref, _ = node.pg.monitor(Atom("bp"), proc.pid)
            node.register("bpsink", proc.pid)
            t1 = t0 = 0
            driver = None
            while True:
                msg = await proc.receive()
                if type(msg) is tuple and msg[0] == ref and msg[1] == "join":
                    t1 = time.time_ns()
                elif type(msg) is tuple and msg[0] == Atom("t0"):
                    t0, driver = msg[1], msg[2]
                if t1 and t0:
                    stamps.append(t1 - t0)
                    t1 = t0 = 0
                    node.send(driver, Atom("ack"))

        node.spawn(watcher)
        while "bpsink" not in node.registered():
            await asyncio.sleep(0.01)
        await b1.eval(
            f"[begin P = spawn(fun() -> receive stop -> ok end end), "
            f"T0 = os:system_time(nanosecond), pg:join(bp, P), "
            f"{{bpsink, '{node.name}'}} ! {{t0, T0, self()}}, "
            f"receive ack -> ok after 5000 -> ok end, pg:leave(bp, P), P ! stop end "
            f"|| _ <- lists:seq(1, {total})], ok.", 600)
        bp = stamps[warm:]

        for name, values in (("pgviz_bridge_join_pgviz_to_beam", pb),
                             ("pgviz_bridge_join_beam_to_pgviz", bp),
                             ("otp_bridge_join_beam_to_beam", bb)):
            result(f"{name}_p50", pct(values, 50) / 1000, "us", notes)
            result(f"{name}_p99", pct(values, 99) / 1000, "us", notes)
    finally:
        if node is not None:
            await node.stop()
        for b in beams:
            b.stop()
        epmd.stop()


async def _until(beam: Beam, expr: str) -> None:
    for _ in range(500):
        if await beam.eval(expr) is True:
            return
        await asyncio.sleep(0.01)
    raise RuntimeError(f"never true: {expr}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--warm", type=int, default=100)
    args = ap.parse_args(argv)
    asyncio.run(measure(args.n, args.warm))


if __name__ == "__main__":
    main(sys.argv[1:])
