"""What the event loop alone costs: the least any asyncio program pays for pgviz's hops.

    python -m benchmarks.asyncio_floor oneway [--rounds N] [--loop asyncio|uvloop|spin]
    python -m benchmarks.asyncio_floor mesh NODES [--rounds N] [--loop ...]

`calib.py` (the anchors' calibration) bounds a Python hop from below with two blocking
sockets. A pgviz node cannot block on one socket: it is an event loop, and a process is a task
that a message wakes. This measures that floor with nothing of pgviz in it, in the same
processes-and-sockets shape as the scenarios it stands beside:

* `oneway`: two OS processes on loopback TCP (TCP_NODELAY). A task on A stamps
  `time.time_ns()` into a 16-byte frame and writes it; on B the protocol's `data_received`
  hands the bytes to a mailbox, the task waiting on it wakes (one loop turn, as a pgviz
  process's `receive()`), stamps, and writes a reply; A's task waits for the reply before the
  next frame (as latency.py's join, report, next join). Figure: the one-way p50.
* `mesh N`: A and N-1 processes, A connected to each; per round A's task writes its stamp to
  every peer, one write each, and waits for the N-1 replies (as mesh.py's join and reports).
  Figures: the pooled one-way p50, the p50 until the last peer saw it, and the CPU time
  (user + sys) per round of A, of a peer (the mean) and of all, as `mesh.py --set cpu=1`.

No framing, no codec, no MAC, no routing: a frame is one `recv` (16 bytes cannot split on
loopback at this rate; the reader still reassembles). The runner prints these beside calib.py
and the mesh rows, as `calib_asyncio_*`, so each pgviz latency has the loop's own floor from
the same run beside it."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import struct
import sys
import time
from collections import deque
from typing import Any

from .common import pct, result
from .opcount import opcount_for

FRAME = struct.Struct("<qq")  # (A's stamp, the receiver's stamp or 0)
QUIT = (-1, -1)


class PlainWire:
    """16 bytes a frame: the loop's floor."""

    def __init__(self) -> None:
        self.partial = b""

    def pack(self, sent: int, seen: int) -> bytes:
        return FRAME.pack(sent, seen)

    def unpack(self, data: bytes) -> list[tuple[int, int]]:
        data = self.partial + data if self.partial else data
        end = len(data) - len(data) % FRAME.size
        self.partial = data[end:]
        return list(FRAME.iter_unpack(data[:end]))


class PgvizWire:
    """pgviz's wire layer and nothing above it: a term of a pg notification's shape (A to a
    peer) or of a watcher's report (back), encoded by pgviz's codec, length-prefixed and
    sealed with the link's keyed BLAKE2b tag, then opened, checked and decoded the same way.
    No routing, no process table, no pg: `--wire pgviz` minus the floor is the wire's share
    of a hop, and pgviz's figure minus this is the runtime's and pg's."""

    def __init__(self, me: int) -> None:
        from pgviz.wire.codec import decode, encode
        from pgviz.wire.frames import encode_frame
        from pgviz.wire.mac import FrameOpener, FrameSealer
        from pgviz.wire.terms import Pid, Ref

        key = b"k" * 32
        self._encode, self._decode, self._frame = encode, decode, encode_frame
        self._sealer = FrameSealer(key)
        self._opener = FrameOpener(key, 1 << 20)
        self._me = Pid("floor_a@127.0.0.1" if me == 0 else f"floor_{me}@127.0.0.1", 7, 0, 1)
        self._ref = Ref("floor@127.0.0.1", 12345678901, 1)

    def pack(self, sent: int, seen: int) -> bytes:
        if seen == 0:  # A to a peer: ["SEND", watcher, (ref, "join", group, [pid], stamp)]
            term = ["SEND", self._me, (self._ref, "join", "lat", [self._me], sent)]
        else:  # a peer's report: ["SEND", A's process, (me, "join", stamp, seen)]
            term = ["SEND", self._me, (self._me, "join", sent, seen)]
        return self._sealer.seal(self._frame(self._encode(term)))

    def unpack(self, data: bytes) -> list[tuple[int, int]]:
        out = []
        for payload in self._opener.feed(data):
            msg = self._decode(payload)[2]
            out.append((msg[-1], 0) if msg[1] == "join" and len(msg) == 5 else
                       (msg[-2], msg[-1]))
        if self._opener.error is not None:
            raise self._opener.error
        return out


def _wire(kind: str, me: int) -> Any:
    return PgvizWire(me) if kind == "pgviz" else PlainWire()


class Mailbox:
    """Frames in arrival order, and the one task waiting for the next of them."""

    def __init__(self) -> None:
        self.frames: deque[tuple[int, int]] = deque()
        self.waiter: asyncio.Future[None] | None = None

    def put(self, frames: Any) -> None:
        self.frames.extend(frames)
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> tuple[int, int]:
        while not self.frames:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return self.frames.popleft()


class FrameReader(asyncio.Protocol):
    """Cuts frames from one socket's bytes into a mailbox (several readers may feed one
    mailbox, as a node's links feed one process)."""

    def __init__(self, box: Mailbox, wire: Any) -> None:
        self.box = box
        self.wire = wire
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.box.put(self.wire.unpack(data))


async def _attach(sock: socket.socket, box: Mailbox, wire: Any) -> Any:
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(
        lambda: FrameReader(box, wire), sock)
    return transport


async def _peer(sock: socket.socket, report: socket.socket, kind: str, me: int) -> None:
    box = Mailbox()
    out = _wire(kind, me)  # one per link: it reads one direction and writes the other
    write = (await _attach(sock, box, out)).write
    mark = time.process_time()
    # benchmarks/opcount.py: the first peer counts the Python each hop runs
    ops = opcount_for(f"asyncio_{kind}_peer") if me == 1 else None
    while True:
        sent, _ = await box.get()
        if sent == -1:
            break
        write(out.pack(sent, time.time_ns()))
        if ops is not None:
            ops.event()
    if ops is not None:
        ops.stop()
    report.sendall(struct.pack("<d", time.process_time() - mark))


async def _coordinator(socks: list[socket.socket], warm: int, rounds: int, kind: str
                       ) -> tuple[list[int], list[int], float]:
    # Replies from all peers reach one task, as the reports of mesh.py reach one process.
    inbox = Mailbox()
    links = []
    for sock in socks:
        wire = _wire(kind, 0)
        links.append(((await _attach(sock, inbox, wire)).write, wire))
    pooled: list[int] = []
    last: list[int] = []
    mark = 0.0
    for i in range(warm + rounds):
        if i == warm:
            mark = time.process_time()
        t0 = time.time_ns()
        for write, out in links:
            write(out.pack(t0, 0))
        worst = 0
        for _ in links:
            sent, seen = await inbox.get()
            if i >= warm:
                pooled.append(seen - sent)
                worst = max(worst, seen - sent)
        if i >= warm:
            last.append(worst)
    spent = time.process_time() - mark
    for write, out in links:
        write(out.pack(*QUIT))
    return pooled, last, spent


def _run(coro: Any, loop_name: str) -> Any:
    if loop_name == "uvloop":
        import uvloop  # type: ignore[import-not-found]
        return uvloop.run(coro)
    if loop_name == "spin":
        from .spinloop import run as spin_run
        return spin_run(coro)
    return asyncio.run(coro)


def measure(nodes: int, warm: int, rounds: int, loop_name: str = "asyncio",
            wire: str = "plain") -> tuple[list[int], list[int], float, list[float]]:
    """Fork nodes-1 peers; returns (pooled one-way ns, last-peer ns per round, A's CPU s,
    each peer's CPU s) over the measured rounds (a peer's CPU includes the warm-up's)."""
    mine: list[socket.socket] = []
    children: list[tuple[int, socket.socket]] = []
    for _ in range(nodes - 1):
        listener = socket.create_server(("127.0.0.1", 0))
        a = socket.create_connection(listener.getsockname())
        b, _ = listener.accept()
        listener.close()
        for s in (a, b):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        report_parent, report_child = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                a.close()
                report_parent.close()
                for s in mine:
                    s.close()
                for _, r in children:
                    r.close()
                _run(_peer(b, report_child, wire, len(children) + 1), loop_name)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        b.close()
        report_child.close()
        mine.append(a)
        children.append((pid, report_parent))
    try:
        pooled, last, spent = _run(_coordinator(mine, warm, rounds, wire), loop_name)
        peers_cpu = []
        for _, r in children:
            raw = r.recv(8)
            peers_cpu.append(struct.unpack("<d", raw)[0] if len(raw) == 8 else float("nan"))
    finally:
        for s in mine:
            s.close()
        for pid, r in children:
            r.close()
            os.waitpid(pid, 0)
    return pooled, last, spent, peers_cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.asyncio_floor",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("oneway", "mesh"))
    ap.add_argument("nodes", type=int, nargs="?", default=10,
                    help="mesh only: the number of nodes, A included (default 10)")
    ap.add_argument("--rounds", type=int, default=0,
                    help="measured rounds (default 2000 one-way, 500 mesh)")
    ap.add_argument("--loop", choices=("asyncio", "uvloop", "spin"), default="asyncio")
    ap.add_argument("--wire", choices=("plain", "pgviz"), default="plain",
                    help="plain: 16-byte frames (the loop's floor); pgviz: pgviz's codec, "
                         "framing and MAC on pg-shaped terms, nothing above them "
                         "(figures calib_asyncio_pgwire_*)")
    args = ap.parse_args(argv)
    prefix = "calib_asyncio_pgwire_" if args.wire == "pgviz" else "calib_asyncio_"
    frames = ("pgviz-encoded, framed and sealed pg-shaped terms" if args.wire == "pgviz"
              else "16-byte frames")
    if args.what == "oneway":
        rounds = args.rounds or 2000
        pooled, _, _, _ = measure(2, rounds // 10, rounds, args.loop, args.wire)
        result(f"{prefix}oneway_p50", pct(pooled, 50) / 1000, "us",
               f"one-way between two {args.loop} processes, {frames} (a task stamps and "
               f"writes; the peer's task wakes on it and stamps), no pgviz runtime; "
               f"{rounds} frames")
        return 0
    if args.nodes < 2:
        ap.error("mesh needs at least 2 nodes")
    rounds = args.rounds or 500
    pooled, last, spent, peers_cpu = measure(args.nodes, rounds // 10, rounds, args.loop,
                                             args.wire)
    n = args.nodes
    what = (f"{n} {args.loop} processes, {frames}: A writes its stamp to each of {n - 1} "
            f"peers whose task wakes and replies; no pgviz runtime; {rounds} rounds")
    result(f"{prefix}mesh{n}_p50", pct(pooled, 50) / 1000, "us", what + ", pooled")
    result(f"{prefix}mesh{n}_last_p50", pct(last, 50) / 1000, "us",
           "same rounds, until the last peer saw it")
    peer_mean = sum(peers_cpu) / len(peers_cpu) * rounds / (rounds + rounds // 10)
    result(f"{prefix}mesh{n}_cpu_per_round_a", spent / rounds * 1e6, "us",
           "A's CPU time (user + sys) per round")
    result(f"{prefix}mesh{n}_cpu_per_round_peer", peer_mean / rounds * 1e6, "us",
           "one peer's CPU time per round, the mean (its warm-up's share taken out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
