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

FRAME = struct.Struct("<qq")  # (A's stamp, the receiver's stamp or 0)
QUIT = FRAME.pack(-1, -1)


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
    """Cuts 16-byte frames from one socket's bytes into a mailbox (several readers may feed
    one mailbox, as a node's links feed one process)."""

    def __init__(self, box: Mailbox) -> None:
        self.box = box
        self.partial = b""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        data = self.partial + data if self.partial else data
        end = len(data) - len(data) % FRAME.size
        self.partial = data[end:]
        self.box.put(FRAME.iter_unpack(data[:end]))


async def _attach(sock: socket.socket, box: Mailbox) -> Any:
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(
        lambda: FrameReader(box), sock)
    return transport


async def _peer(sock: socket.socket, report: socket.socket) -> None:
    box = Mailbox()
    write = (await _attach(sock, box)).write
    mark = time.process_time()
    while True:
        sent, _ = await box.get()
        if sent == -1:
            break
        write(FRAME.pack(sent, time.time_ns()))
    report.sendall(struct.pack("<d", time.process_time() - mark))


async def _coordinator(socks: list[socket.socket], warm: int, rounds: int
                       ) -> tuple[list[int], list[int], float]:
    # Replies from all peers reach one task, as the reports of mesh.py reach one process.
    inbox = Mailbox()
    writes = [(await _attach(sock, inbox)).write for sock in socks]
    pooled: list[int] = []
    last: list[int] = []
    mark = 0.0
    for i in range(warm + rounds):
        if i == warm:
            mark = time.process_time()
        frame = FRAME.pack(time.time_ns(), 0)
        for write in writes:
            write(frame)
        worst = 0
        for _ in writes:
            sent, seen = await inbox.get()
            if i >= warm:
                pooled.append(seen - sent)
                worst = max(worst, seen - sent)
        if i >= warm:
            last.append(worst)
    spent = time.process_time() - mark
    for write in writes:
        write(QUIT)
    return pooled, last, spent


def _run(coro: Any, loop_name: str) -> Any:
    if loop_name == "uvloop":
        import uvloop  # type: ignore[import-not-found]
        return uvloop.run(coro)
    if loop_name == "spin":
        from .spinloop import run as spin_run
        return spin_run(coro)
    return asyncio.run(coro)


def measure(nodes: int, warm: int, rounds: int, loop_name: str = "asyncio"
            ) -> tuple[list[int], list[int], float, list[float]]:
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
                _run(_peer(b, report_child), loop_name)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        b.close()
        report_child.close()
        mine.append(a)
        children.append((pid, report_parent))
    try:
        pooled, last, spent = _run(_coordinator(mine, warm, rounds), loop_name)
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
    args = ap.parse_args(argv)
    if args.what == "oneway":
        rounds = args.rounds or 2000
        pooled, _, _, _ = measure(2, rounds // 10, rounds, args.loop)
        result("calib_asyncio_oneway_p50", pct(pooled, 50) / 1000, "us",
               f"one-way between two {args.loop} processes (a task stamps and writes a 16-byte "
               f"frame; the peer's task wakes on it and stamps), nothing of pgviz; "
               f"{rounds} frames")
        return 0
    if args.nodes < 2:
        ap.error("mesh needs at least 2 nodes")
    rounds = args.rounds or 500
    pooled, last, spent, peers_cpu = measure(args.nodes, rounds // 10, rounds, args.loop)
    n = args.nodes
    what = (f"{n} {args.loop} processes, A writes a 16-byte stamp to each of {n - 1} peers "
            f"whose task wakes and replies; nothing of pgviz; {rounds} rounds")
    result(f"calib_asyncio_mesh{n}_p50", pct(pooled, 50) / 1000, "us", what + ", pooled")
    result(f"calib_asyncio_mesh{n}_last_p50", pct(last, 50) / 1000, "us",
           "same rounds, until the last peer saw it")
    peer_mean = sum(peers_cpu) / len(peers_cpu) * rounds / (rounds + rounds // 10)
    result(f"calib_asyncio_mesh{n}_cpu_per_round_a", spent / rounds * 1e6, "us",
           "A's CPU time (user + sys) per round")
    result(f"calib_asyncio_mesh{n}_cpu_per_round_peer", peer_mean / rounds * 1e6, "us",
           "one peer's CPU time per round, the mean (its warm-up's share taken out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
