"""What frame integrity and TLS cost: python -m benchmarks.tls_cost [--rounds R] [--size S].

Three pairs of nodes on loopback TCP, in this one process (so both ends' work -- sealing and
checking, encrypting and decrypting -- is on the clock):
* `nomac`: the link without the frame MAC (as protocol 2 was; made by handing the handshake no
  session keys, which only a benchmark does),
* `mac`:   the default link, every frame tagged (HMAC-SHA256/128, wire/mac.py),
* `tls`:   a TLS link (mutual authentication; no MAC: TLS protects the records).
Measured, interleaved round by round (nomac, mac, tls, nomac, ...) so that drift of the
machine hits all three alike:
* join propagation: a.pg.join of a fresh pid, until b's view has it (median and p99, us);
* broadcast delivered: `msgs` pg broadcasts of a 100-byte payload to one member on b, until
  the member has them all (messages per second).
Prints RESULT lines (name, value, unit, note), then the ratios mac/nomac and tls/nomac in %."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pgviz
from pgviz.net.certs import init_classroom, node_files

SIZES = {
    "full": dict(rounds=7, joins=300, msgs=20000),
    "quick": dict(rounds=3, joins=100, msgs=5000),
    "smoke": dict(rounds=1, joins=10, msgs=200),
}
MODES = ("nomac", "mac", "tls")
COOKIE = "tls-cost-benchmark"
PAYLOAD = b"x" * 100


def result(name: str, value: float, unit: str, note: str) -> None:
    print(f"RESULT\t{name}\t{float(value):.1f}\t{unit}\t{note}", flush=True)


async def _pair(mode: str, pki: Path) -> tuple[pgviz.Node, pgviz.Node]:
    def tls(name: str) -> pgviz.TLSConfig | None:
        if mode != "tls":
            return None
        cert, key = node_files(pki, name)
        return pgviz.TLSConfig(cert, key, pki / "ca.pem")

    a = pgviz.Node(f"a{mode}", cookie=COOKIE, tls=tls(f"a{mode}"), heal=False)
    b = pgviz.Node(f"b{mode}", cookie=COOKIE, tls=tls(f"b{mode}"), heal=False)
    await a.start()
    await b.start()
    if mode == "nomac":
        with mock.patch("pgviz.wire.handshake.session_keys", lambda *args, **kw: None):
            await a.connect(b.address)
    else:
        await a.connect(b.address)
    conn = a._dist.connection(b.name)
    assert conn is not None and (conn._sealer is not None) == (mode == "mac")
    return a, b


async def _until(pred: Any, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out: a correctness check failed")
        await asyncio.sleep(0)


async def _joins(a: pgviz.Node, b: pgviz.Node, n: int, tag: int) -> list[float]:
    async def idle(proc: pgviz.Process) -> None:
        await proc.receive()

    samples = []
    for i in range(n):
        pid = a.spawn(idle)
        group = ("j", tag, i)
        t0 = time.perf_counter()
        a.pg.join(group, pid)
        await _until(lambda g=group: b.pg.get_members(g))
        samples.append((time.perf_counter() - t0) * 1e6)
        a.pg.leave(group, pid)
    return samples


async def _broadcast(a: pgviz.Node, b: pgviz.Node, msgs: int, tag: int) -> float:
    got = [0]

    async def member(proc: pgviz.Process) -> None:
        while True:
            await proc.receive()
            got[0] += 1

    group = ("bcast", tag)
    pid = b.spawn(member)
    b.pg.join(group, pid)
    await _until(lambda: a.pg.get_members(group))
    t0 = time.perf_counter()
    for i in range(msgs):
        a.pg.broadcast(group, ("data", i, PAYLOAD))
        if i % 64 == 63:
            await asyncio.sleep(0)
            await a.drain(b.name)
    await _until(lambda: got[0] >= msgs, timeout=120)
    elapsed = time.perf_counter() - t0
    b.pg.leave(group, pid)
    return msgs / elapsed


async def run(rounds: int, joins: int, msgs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pki = Path(tmp)
        init_classroom(pki, [f"{side}tls" for side in "ab"])
        pairs = {mode: await _pair(mode, pki) for mode in MODES}
        join_us: dict[str, list[float]] = {m: [] for m in MODES}
        rate: dict[str, list[float]] = {m: [] for m in MODES}
        try:
            for r in range(rounds):
                for mode in MODES:
                    a, b = pairs[mode]
                    join_us[mode] += await _joins(a, b, joins, r)
                    rate[mode].append(await _broadcast(a, b, msgs, r))
                print(f"round {r + 1}/{rounds}: " + ", ".join(
                    f"{m} {statistics.median(rate[m]):.0f} msg/s" for m in MODES),
                    file=sys.stderr, flush=True)
        finally:
            for a, b in pairs.values():
                await a.stop()
                await b.stop()
    what = {"nomac": "no frame MAC", "mac": "frame MAC (default)", "tls": "TLS, mutual auth"}
    for mode in MODES:
        s = sorted(join_us[mode])
        result(f"pgviz_join_propagation_{mode}_median", statistics.median(s), "us",
               f"{what[mode]}; {len(s)} joins, both nodes in one process")
        result(f"pgviz_join_propagation_{mode}_p99", s[int(0.99 * (len(s) - 1))], "us",
               what[mode])
        result(f"pgviz_broadcast_delivered_{mode}", statistics.median(rate[mode]), "msg/s",
               f"{what[mode]}; median of {rounds} rounds of {msgs}")
    for mode in ("mac", "tls"):
        result(f"pgviz_join_propagation_ratio_{mode}_vs_nomac",
               100 * statistics.median(join_us[mode]) / statistics.median(join_us["nomac"]),
               "%", "median join propagation time; over 100 is slower")
        result(f"pgviz_broadcast_delivered_ratio_{mode}_vs_nomac",
               100 * statistics.median(rate[mode]) / statistics.median(rate["nomac"]), "%",
               "broadcast messages delivered per second; under 100 is slower")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=tuple(SIZES), default="full")
    ap.add_argument("--rounds", type=int, default=0, help="override the size's rounds")
    args = ap.parse_args(argv)
    params = dict(SIZES[args.size])
    if args.rounds:
        params["rounds"] = args.rounds
    asyncio.run(run(**params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
