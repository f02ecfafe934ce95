"""The CPU cost of each step of one pg hop (a join on A seen by a pg.monitor watcher on B).

    python -m benchmarks.hop_cost [--rounds 20000] [--repeat 5]

Two nodes in this process over loopback TCP (the real Connection objects, protocol 3 with the
per-frame MAC). The frame a join of A sends to B is captured, then every step is timed alone
with `time.perf_counter_ns` over `--rounds` calls (median of `--repeat`), in ns per hop:

  A  a_total       pg.join on A with B connected: everything below on A, the write included
  A  join          pg.join's bookkeeping on A (monitor, rows; with nobody to tell)
  A  encode        codec.encode of the frame's term
  A  frame         frames.encode_frame
  A  mac seal      FrameSealer.seal of that frame
  A  write         socket.send of the sealed frame (the syscall, loopback TCP)
  B  read          the loop's read of it: sock.recv(256 KiB) for a Protocol, recv_into() for a
                   BufferedProtocol (estimated: a send + read minus a send + small recv_into,
                   plus half a write for the syscall itself)
  B  mac open      FrameOpener.feed of the sealed bytes (length prefix, tag check)
  B  decode        codec.decode (with check_shape when the frame is over 100 bytes)
  B  dispatch      Distribution._received -> Router -> the scope's handler -> _on_join ->
                   rows -> the watcher's mailbox (join + leave frames alternately, / 2)
  B  wake          a message to a task blocked in receive() until it runs (one loop turn)

What is not here is the kernel's: the other process's wake-up, epoll, the TCP stack. Prints
RESULT lines `pgviz_hop_<step>_ns` and the sum.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import pgviz
from pgviz.wire.codec import check_shape, decode, encode
from pgviz.wire.frames import encode_frame
from pgviz.wire.mac import FrameOpener, FrameSealer

from .common import COOKIE, idle, result

SIZES = {"full": dict(rounds=20000, repeat=5), "quick": dict(rounds=5000, repeat=3),
         "smoke": dict(rounds=50, repeat=1)}


def timed(fn: Callable[[], Any], rounds: int, repeat: int) -> float:
    """ns per call, median of `repeat` runs of `rounds` calls."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        for _ in range(rounds):
            fn()
        runs.append((time.perf_counter_ns() - t0) / rounds)
    return statistics.median(runs)


async def run(rounds: int, repeat: int) -> None:
    a = pgviz.Node("pgviz_bench_a", host="127.0.0.1", port=0, cookie=COOKIE)
    b = pgviz.Node("pgviz_bench_b", host="127.0.0.1", port=0, cookie=COOKIE)
    await a.start()
    await b.start()
    try:
        await a.connect(b.address)
        probe = a.spawn(idle)
        a.pg.join("probe", probe)
        while not b.pg.get_members("probe"):
            await asyncio.sleep(0.01)
        conn_a = a._dist.conns[b.name]  # type: ignore[union-attr]  # noqa: SLF001
        conn_b = b._dist.conns[a.name]  # type: ignore[union-attr]  # noqa: SLF001

        # The frame a join sends, as the connection sends it (a pg broadcast hands the
        # connection its encoded payload; older trees called send(term)).
        sent: list[Any] = []
        real_send = conn_a.send
        real_payload = getattr(conn_a, "send_payload", None)

        def capture(term: Any, **kw: Any) -> int:
            sent.append(term)
            return real_send(term, **kw)

        def capture_payload(payload: bytes) -> int:
            sent.append(decode(payload))
            return real_payload(payload)  # type: ignore[misc]
        setattr(conn_a, "send", capture)  # noqa: B010
        if real_payload is not None:
            setattr(conn_a, "send_payload", capture_payload)  # noqa: B010
        p = a.spawn(idle)
        a.pg.join("lat", p)
        a.pg.leave("lat", p)
        del conn_a.send
        if real_payload is not None:
            del conn_a.send_payload
        join_term, leave_term = sent[0], sent[1]
        await asyncio.sleep(0.05)

        # A's steps ---------------------------------------------------------------------------
        steps: dict[str, float] = {}
        payload = encode(join_term)
        frame = encode_frame(payload)
        key = b"k" * 32
        sealer = FrameSealer(key)
        sealed = sealer.seal(frame)
        steps["encode"] = timed(lambda: encode(join_term), rounds, repeat)
        steps["frame"] = timed(lambda: encode_frame(payload), rounds, repeat)
        steps["mac_seal"] = timed(lambda: sealer.seal(frame), rounds, repeat)

        srv = socket.create_server(("127.0.0.1", 0))
        tx = socket.create_connection(srv.getsockname())
        rx, _ = srv.accept()
        srv.close()
        tx.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def sink() -> None:
            while rx.recv(1 << 16):
                pass
        th = threading.Thread(target=sink, daemon=True)
        th.start()
        steps["write"] = timed(lambda: tx.send(sealed), rounds, repeat)
        tx.close()
        th.join(5)
        rx.close()

        # B's read, as asyncio's selector loop does it for this Connection class
        s1, s2 = socket.socketpair()
        if isinstance(conn_b, asyncio.BufferedProtocol):
            view = conn_b.get_buffer(-1)

            def read() -> None:
                s1.send(sealed)
                n = s2.recv_into(view)
                view[:n].tobytes()
        else:
            def read() -> None:
                s1.send(sealed)
                s2.recv(256 * 1024)  # asyncio 3.11: sock.recv(self.max_size)
        send_only = timed(lambda: (s1.send(sealed), s2.recv_into(bytearray(4096))), rounds,
                          repeat)
        steps["read"] = max(0.0, timed(read, rounds, repeat) - send_only) + steps["write"] / 2
        s1.close()
        s2.close()

        # join on A with nobody to tell, then with B: the difference is the send path
        lone = pgviz.Node("pgviz_bench_c", host="127.0.0.1", port=0, cookie=COOKIE)
        await lone.start()
        try:
            pids = [lone.spawn(idle) for _ in range(64)]
            await asyncio.sleep(0)
            it = iter(range(1 << 60))

            def lone_join_leave() -> None:
                q = pids[next(it) & 63]
                lone.pg.join("lat", q)
                lone.pg.leave("lat", q)
            pair = timed(lone_join_leave, rounds, repeat)
            steps["join"] = pair / 2
        finally:
            await lone.stop()
        apids = [a.spawn(idle) for _ in range(64)]
        await asyncio.sleep(0)
        it2 = iter(range(1 << 60))
        # Keep B's side from piling up: let the loop run between batches.
        chunk = max(1, min(rounds, 500))
        runs = []
        for _ in range(repeat):
            total = 0
            for _ in range(0, rounds, chunk):
                t0 = time.perf_counter_ns()
                for _ in range(chunk):
                    q = apids[next(it2) & 63]
                    a.pg.join("lat", q)
                    a.pg.leave("lat", q)
                total += time.perf_counter_ns() - t0
                await asyncio.sleep(0.002)
            runs.append(total / (rounds // chunk * chunk) / 2)
        joined = statistics.median(runs)
        steps["a_total"] = joined

        # B's steps ---------------------------------------------------------------------------
        opener = FrameOpener(key, 1 << 20)
        feeder = FrameSealer(key)
        batch = [feeder.seal(frame) for _ in range(rounds)]
        runs = []
        for _ in range(repeat):
            opener = FrameOpener(key, 1 << 20)
            feeder = FrameSealer(key)
            batch = [feeder.seal(frame) for _ in range(rounds)]
            feed = opener.feed
            t0 = time.perf_counter_ns()
            for s in batch:
                feed(s)
            runs.append((time.perf_counter_ns() - t0) / rounds)
            assert opener.error is None
        steps["mac_open"] = statistics.median(runs)
        steps["decode"] = timed(lambda: decode(payload), rounds, repeat)
        term = decode(payload)
        steps["check_shape"] = timed(lambda: check_shape(term[2]), rounds, repeat)

        # dispatch: with a pg.monitor watcher on B, as in the latency scenario
        got = [0]

        async def watcher(proc: pgviz.Process) -> None:
            b.pg.monitor("lat", proc.pid)
            while True:
                await proc.receive()
                got[0] += 1
        b.spawn(watcher)
        await asyncio.sleep(0.01)
        jsize, lsize = len(encode(join_term)), len(encode(leave_term))
        received = b._dist._received  # type: ignore[union-attr]  # noqa: SLF001
        runs = []
        for _ in range(repeat):
            total = 0
            for _ in range(0, rounds, chunk):
                terms = [(decode(encode(join_term)), decode(encode(leave_term)))
                         for _ in range(chunk)]
                t0 = time.perf_counter_ns()
                for jt, lt in terms:
                    received(conn_b, jt, jsize)
                    received(conn_b, lt, lsize)
                total += time.perf_counter_ns() - t0
                await asyncio.sleep(0.002)  # the watcher empties its mailbox
            runs.append(total / (rounds // chunk * chunk) / 2)
        steps["dispatch"] = statistics.median(runs)
        assert got[0] > 0

        # wake: ping-pong between two local tasks, a message each way per round / 2
        async def ponger(proc: pgviz.Process) -> None:
            while True:
                m = await proc.receive()
                if m == "stop":
                    return
                b.send(m, "pong")
        pong = b.spawn(ponger)

        async def pinger(proc: pgviz.Process) -> float:
            me = proc.pid
            out = []
            for _ in range(repeat):
                t0 = time.perf_counter_ns()
                for _ in range(rounds):
                    b.send(pong, me)
                    await proc.receive()
                out.append((time.perf_counter_ns() - t0) / rounds / 2)
            b.send(pong, "stop")
            return statistics.median(out)
        from .common import run_as_process
        steps["wake"] = await run_as_process(b, pinger)

        note = (f"CPU ns per hop step, median of {repeat} x {rounds} calls in one process; "
                "a_total = pg.join on A with its frame sent to B (join, encode, frame, "
                "mac_seal, write are its parts); check_shape is part of decode")
        for name in ("a_total", "join", "encode", "frame", "mac_seal", "write", "read",
                     "mac_open",
                     "decode", "check_shape", "dispatch", "wake"):
            result(f"pgviz_hop_{name}_ns", steps[name], "ns", note)
        total = sum(steps[k] for k in ("a_total", "read", "mac_open", "decode", "dispatch",
                                       "wake"))
        result("pgviz_hop_python_total_us", total / 1000, "us",
               "a_total + read + mac_open + decode + dispatch + wake: the Python part of a hop")
    finally:
        await b.stop()
        await a.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=tuple(SIZES), default="full")
    args = ap.parse_args()
    asyncio.run(run(**SIZES[args.size]))


if __name__ == "__main__":
    main()
