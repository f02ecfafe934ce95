"""Node B of the two-node scenarios, in its own OS process.

    python -m benchmarks.node_b [--watcher] [--bcast-members N] [--conv-members N --conv-groups G]
                                [--listener none|local|cluster]

Prints one JSON line {"name", "address"} when it listens, then serves JSON requests, one per
line on stdin (ops: nodes, members, probe, ping, connect, events), answering one JSON line each on stdout. It stops
when stdin closes, so it dies with node A (as OTP's peer node with its control on stdio).

Processes it runs (mirroring pg_bench.erl's functions that A spawns on B):
* registered `lat_watcher` (lat_watcher/1): on ("hello", Parent) it calls pg.monitor("lat"),
  answers (self, "ready"), then reports (self, "join"|"leave", time.time_ns()) per event (and,
  for mesh.py's `cpu=1`, on ("cpu", "read", Pid) the process's CPU seconds since
  ("cpu", "mark"));
* registered `bcast_coll` (bcast_collector/2) and N members of group "bcast" (bcast_member/1);
* `--conv-members`: N idle members in G groups ("cg", i % G), joined one list per group.

`--listener cluster` subscribes a counting callback with `node.add_listener(cb, cluster=True)`
before anything connects, so B receives its own events and every connected node's (A's are
forwarded to it): what a whole-cluster window on the receiving node costs. `local`: B's own
events only. The `events` op answers the count so far. Needs a pgviz with the event stream
(issue 9); the default (`none`) uses nothing newer than the code before it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from typing import Any

import pgviz

from .common import COOKIE, idle, run_profiled
from .opcount import opcount_for


async def lat_watcher(proc: pgviz.Process, node: pgviz.Node) -> None:
    msg = await proc.receive()
    parent = msg[1]
    ref, _ = node.pg.monitor("lat", proc.pid)
    node.send(parent, (proc.pid, "ready"))
    me = proc.pid
    send = node.send
    receive = proc.receive
    mark = time.process_time()
    # benchmarks/opcount.py: the mesh's first watcher counts the Python each hop runs
    ops = opcount_for(node.name.partition("@")[0]) if "_m1@" in node.name else None
    while True:
        m = await receive()
        if type(m) is tuple and m[0] == ref:
            send(parent, (me, m[1], time.time_ns()))
            if ops is not None:
                ops.event()
        elif m == "stop":
            if ops is not None:
                ops.stop()
            return
        elif m == ("cpu", "mark"):  # mesh.py --set cpu=1: this node's CPU from here
            mark = time.process_time()
        elif type(m) is tuple and m[:2] == ("cpu", "read"):
            send(m[2], (me, "cpu", time.process_time() - mark))


async def bcast_member(proc: pgviz.Process, node: pgviz.Node, coll: pgviz.Pid) -> None:
    node.pg.join("bcast", proc.pid)
    n = 0
    me = proc.pid
    send = node.send
    receive = proc.receive
    while True:
        m = await receive()
        tag = m[0] if type(m) is tuple else m
        if tag == "data":
            n += 1
        elif tag == "ping":
            send(coll, ("got", m[1], time.time_ns()))
        elif tag == "report":
            send(m[1], (me, "count", n, time.time_ns()))
            n = 0
        elif tag == "stop":
            return


async def bcast_collector(proc: pgviz.Process, node: pgviz.Node, n: int) -> None:
    msg = await proc.receive()
    parent = msg[1]
    node.send(parent, (proc.pid, "ready"))
    acc: dict[int, tuple[int, int]] = {}
    send = node.send
    receive = proc.receive
    while True:
        m = await receive()
        if type(m) is tuple and m[0] == "got":
            _, seq, t = m
            c, mx = acc.get(seq, (0, 0))
            if c + 1 == n:
                send(parent, ("round_done", seq, max(mx, t)))
                acc.pop(seq, None)
            else:
                acc[seq] = (c + 1, max(mx, t))
        elif m == "stop":
            return


async def serve(args: argparse.Namespace) -> None:
    node = pgviz.Node(args.name, host="127.0.0.1", port=0, cookie=COOKIE)
    await node.start()
    seen = [0]
    if args.listener != "none":
        def count(_ev: object) -> None:
            seen[0] += 1
        node.add_listener(count, cluster=args.listener == "cluster")
    try:
        if args.watcher:
            node.spawn(lat_watcher, node, name="lat_watcher")
        if args.bcast_members:
            coll = node.spawn(bcast_collector, node, args.bcast_members, name="bcast_coll")
            for _ in range(args.bcast_members):
                node.spawn(bcast_member, node, coll)
        if args.conv_members:
            by_group: dict[Any, list[pgviz.Pid]] = {}
            for i in range(1, args.conv_members + 1):
                p = node.spawn(idle)
                by_group.setdefault(("cg", i % args.conv_groups), []).insert(0, p)
            for g, ps in by_group.items():
                node.pg.join(g, ps)
        await asyncio.sleep(0)

        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        out = sys.stdout

        def reply(obj: dict[str, Any]) -> None:
            out.write(json.dumps(obj) + "\n")
            out.flush()

        reply({"name": node.name, "address": node.address})
        while True:
            line = await reader.readline()
            if not line:
                return  # A is gone (or done): stop
            try:
                req = json.loads(line)
                op = req["op"]
                if op == "nodes":
                    reply({"nodes": node.nodes()})
                elif op == "members":
                    reply({"n": len(node.pg.get_members(req["group"]))})
                elif op == "probe":
                    node.pg.join("overlay_probe", node.spawn(idle))
                    reply({"ok": True})
                elif op == "ping":
                    reply({"ok": True})
                elif op == "connect":  # converge_many: holders meshed before A comes
                    reply({"node": await node.connect(req["address"])})
                elif op == "events":
                    reply({"n": seen[0], "listener": args.listener})
                else:
                    reply({"error": f"unknown op {op!r}"})
            except Exception as exc:  # noqa: BLE001 - reported to A
                reply({"error": repr(exc)})
    finally:
        await node.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="pgviz_bench_b")
    ap.add_argument("--watcher", action="store_true")
    ap.add_argument("--bcast-members", type=int, default=0)
    ap.add_argument("--conv-members", type=int, default=0)
    ap.add_argument("--conv-groups", type=int, default=100)
    ap.add_argument("--loop", choices=("asyncio", "uvloop", "spin"), default="asyncio")
    ap.add_argument("--listener", choices=("none", "local", "cluster"), default="none",
                    help="an event listener on this node (counting callback)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    def go() -> None:
        if args.loop == "uvloop":
            import uvloop  # type: ignore[import-not-found]
            uvloop.run(serve(args))
        elif args.loop == "spin":
            from .spinloop import run as spin_run
            spin_run(serve(args))
        else:
            asyncio.run(serve(args))

    run_profiled(args.name, go)
    return 0


if __name__ == "__main__":
    sys.exit(main())
