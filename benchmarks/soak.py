"""Chaos soak: N real pgviz nodes, random operations and faults, one invariant.

    python -m benchmarks.soak --nodes 5 --seconds 60 --seed 1 [--tick-time 1] [--verbose]

The invariant (pg's strong eventual consistency), checked at every quiet point: once nothing is
disturbed any more and every live node is connected to every other one, every live node's view
of every group (`members GROUP`, sorted) equals the union of the live nodes' local members
(`local GROUP`), and `groups` lists exactly the groups that have a member somewhere.

A round is a few random pg operations on random nodes (spawn; join; leave; kill a process, from
its own node or from another one) with one or two faults, each begun and ended at random points
among them:

* restart: SIGKILL a node; later start it again under the same name (new port) and `connect` it
  to every node it is not cut from;
* stop: SIGSTOP a node for 0.1 to 2.5 tick times (the others drop it after one tick time);
  SIGCONT, wait until both ends of each of its links agree, `connect` what is missing (pgviz
  has no automatic re-dial);
* disconnect: `disconnect NODE` on one node; later `connect ADDR` for that pair;
* partition: `disconnect` every pair across two random halves; the heal `connect`s each of those
  pairs again (an explicitly disconnected pair is never re-dialled by gossip).

The fault kinds rotate, so each comes once in every four rounds; a second one overlaps in about a
third of the rounds. Then the quiet point: poll (no fixed sleeps) until the mesh is whole, the
invariant holds and every node's `local` is what the soak did; the elapsed time is the round's
time to converge. Not converged within --deadline seconds is a divergence, printed with the views
and the round's operations. A mesh still not whole after two tick times plus a second gets
explicit connects (a "repair": expected 0, the faults mend their own links).

A restarted node first spawns throwaway processes until its pid numbers are past those of its
earlier incarnations: the text of a pid (<n1.12>) has no creation, so a stale pid of the old
incarnation could otherwise hide behind a new one printed the same.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
from collections.abc import Callable

from .soak_attackers import Attackers
from .soak_chaos import Soak
from .soak_check import FAULTS, PG_OPS, SoakStats
from .soak_cluster import Cluster, NodeFailure

__all__ = ["run_soak", "main", "Soak", "SoakStats", "FAULTS", "PG_OPS"]


async def run_soak(nodes: int = 5, seconds: float = 60.0, seed: int = 1, *,
                   tick_time: float = 1.0, deadline: float = 20.0,
                   max_rounds: int | None = None, verbose: bool = False,
                   loop: str = "asyncio", out: Callable[[str], None] = print,
                   signals: bool = False, faults: tuple[str, ...] = FAULTS,
                   node_verbose: bool = False, attackers: bool = False) -> SoakStats:
    """Start the cluster, soak it, kill every node (whatever happens), return the figures.

    With `signals`, a first SIGINT or SIGTERM ends the soak after the current round (with its
    figures), a second one at once. With `attackers`, a slow reader and a gossip flooder
    (benchmarks/soak_attackers.py) work on n1 throughout; their figures join the summary."""
    async with Cluster(nodes, tick_time=tick_time, loop=loop,
                       node_verbose=node_verbose) as cluster:
        soak = Soak(cluster, seed=seed, deadline=deadline, out=out, verbose=verbose,
                    faults=faults)
        if attackers:
            async with Attackers(cluster) as attack:
                soak.stats.attack = attack.stats
                return await _run(soak, seconds, max_rounds, signals, out)
        return await _run(soak, seconds, max_rounds, signals, out)


async def _run(soak: Soak, seconds: float, max_rounds: int | None, signals: bool,
               out: Callable[[str], None]) -> SoakStats:
    if not signals:
        return await soak.run(seconds, max_rounds)
    loop_ = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def interrupt() -> None:
        if soak.interrupted:
            task.cancel()
        else:
            out("interrupted: stopping after this round (again to stop now)")
            soak.interrupted = soak.stats.interrupted = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop_.add_signal_handler(sig, interrupt)
    try:
        return await soak.run(seconds, max_rounds)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop_.remove_signal_handler(sig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=5, help="node processes (default 5, min 3)")
    p.add_argument("--seconds", type=float, default=60.0,
                   help="no round starts after this (default 60)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    p.add_argument("--rounds", type=int, default=None, help="stop after this many rounds")
    p.add_argument("--tick-time", type=float, default=1.0,
                   help="the nodes' --tick-time (default 1 s: stopped nodes drop out fast)")
    p.add_argument("--deadline", type=float, default=20.0,
                   help="seconds a quiet point may take before it is a divergence (default 20)")
    p.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                   help="the nodes' event loop")
    p.add_argument("--faults", default=",".join(FAULTS),
                   help=f"fault kinds, comma-separated (default {','.join(FAULTS)})")
    p.add_argument("--node-log", action="store_true",
                   help="nodes log at INFO level (shown with a repair or a divergence)")
    p.add_argument("--attackers", action="store_true",
                   help="hostile peers on n1 throughout: a slow reader and a gossip flooder")
    p.add_argument("-v", "--verbose", action="store_true", help="print every operation")
    args = p.parse_args(argv)
    if args.nodes < 3:
        p.error("--nodes: at least 3")
    faults = tuple(f for f in args.faults.split(",") if f)
    if not faults or set(faults) - set(FAULTS):
        p.error(f"--faults: a comma-separated choice among {','.join(FAULTS)}")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"soak: {args.nodes} nodes, {args.seconds:g} s, seed {seed}, tick time "
          f"{args.tick_time:g} s{', attackers on n1' if args.attackers else ''}", flush=True)
    try:
        stats = asyncio.run(run_soak(
            args.nodes, args.seconds, seed, tick_time=args.tick_time, deadline=args.deadline,
            max_rounds=args.rounds, verbose=args.verbose, loop=args.loop,
            out=lambda text: print(text, flush=True), signals=True, faults=faults,
            node_verbose=args.node_log, attackers=args.attackers))
    except asyncio.CancelledError:
        print("soak: stopped (every node killed)", flush=True)
        return 130
    except NodeFailure as exc:  # the cluster did not even start
        print(f"soak: {exc}", flush=True)
        return 2
    print(stats.summary(), flush=True)
    return 0 if stats.ok else 1


if __name__ == "__main__":
    sys.exit(main())
