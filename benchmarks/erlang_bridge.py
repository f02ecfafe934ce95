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
import base64
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import pgviz
from pgviz.erlang import Atom, decode

COOKIE = "bridge-bench"
DRIVER = r"""
pg:start_link(),
Loop = fun Loop(B) ->
    case io:get_line("") of
        eof -> halt();
        Line ->
            {R, B2} = try
                {ok, Toks, _} = erl_scan:string(Line),
                {ok, Exprs} = erl_parse:parse_exprs(Toks),
                {value, V, NB} = erl_eval:exprs(Exprs, B),
                {{ok, V}, NB}
            catch C:E -> {{error, C, E}, B}
            end,
            io:format("@@R ~s~n", [base64:encode(term_to_binary(R))]),
            Loop(B2)
    end
end,
Loop(erl_eval:new_bindings()).
"""


def result(name: str, value: float, unit: str, note: str) -> None:
    print(f"RESULT\t{name}\t{float(value):.1f}\t{unit}\t{note}", flush=True)


def pct(values: list[int], p: float) -> float:
    s = sorted(values)
    return float(s[min(len(s) - 1, int(len(s) * p / 100))])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Beam:
    """An `erl -name` node evaluating one line of Erlang at a time from stdin."""

    def __init__(self, name: str, epmd_port: int) -> None:
        erl = shutil.which("erl")
        if erl is None:
            raise SystemExit("erlang_bridge: `erl` not found (apt-get install erlang-base)")
        self.proc = subprocess.Popen(
            [erl, "-name", name, "-setcookie", COOKIE, "-noshell", "-eval",
             DRIVER.replace("\n", " ")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=dict(os.environ, ERL_EPMD_PORT=str(epmd_port)), start_new_session=True)
        self._results: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.call("ok.", 30)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            if raw.startswith(b"@@R "):
                self._results.put(base64.b64decode(raw[4:].strip()))
        self._results.put(None)

    def call(self, expr: str, timeout: float = 120.0) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write((" ".join(expr.split()) + "\n").encode())
        self.proc.stdin.flush()
        raw = self._results.get(timeout=timeout)
        if raw is None:
            raise RuntimeError("the BEAM exited")
        value = decode(raw)
        if value[0] != Atom("ok"):
            raise RuntimeError(f"{expr}: {value}")
        return value[1]

    async def eval(self, expr: str, timeout: float = 120.0) -> Any:
        return await asyncio.to_thread(self.call, expr, timeout)

    def stop(self) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


async def measure(n: int, warm: int) -> None:
    epmd_exe = shutil.which("epmd")
    if epmd_exe is None:
        raise SystemExit("erlang_bridge: `epmd` not found (apt-get install erlang-base)")
    epmd_port = free_port()
    epmd = subprocess.Popen([epmd_exe, "-port", str(epmd_port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    beams: list[Beam] = []
    node: pgviz.Node | None = None
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", epmd_port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.02)
        b1 = Beam("b1@127.0.0.1", epmd_port)
        b2 = Beam("b2@127.0.0.1", epmd_port)
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
        epmd.kill()
        epmd.wait()


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
