"""Run one pgviz scenario in this process: python -m benchmarks.scenario NAME [--size S].

NAME: local | latency | broadcast | converge | mesh | memory | gui | replay | converge_many |
biggroup. --size full (the anchors'
sizes, default), quick, or smoke (tiny, for the test suite). Prints RESULT lines; exits non-zero
when a correctness check fails."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import sys

from .common import run_profiled

SCENARIOS = ("local", "latency", "broadcast", "converge", "mesh", "memory", "gui", "replay",
             "converge_many", "biggroup")
TWO_NODE = ("latency", "broadcast", "converge", "mesh", "converge_many")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=SCENARIOS)
    ap.add_argument("--size", choices=("full", "quick", "smoke"), default="full")
    ap.add_argument("--loop", choices=("asyncio", "uvloop", "spin"), default="asyncio",
                    help="event loop of both nodes (uvloop must be installed)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a size parameter, e.g. --set n=1000000")
    ap.add_argument("--timeout", type=float, default=0,
                    help="fail after this many seconds (default 60 for smoke, 900 otherwise)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    mod = importlib.import_module(f"benchmarks.{args.name}")
    params = dict(mod.SIZES[args.size])
    for kv in args.set:
        key, _, value = kv.partition("=")
        if key not in params:
            ap.error(f"--set {key}: {args.name} has no such size parameter "
                     f"(it has: {', '.join(params)})")
        old = params.get(key)
        params[key] = type(old)(value) if old is not None and not isinstance(old, bool) \
            else (value.lower() in ("1", "true", "yes") if isinstance(old, bool) else value)
    if "loop_name" in inspect.signature(mod.run).parameters:
        params["loop_name"] = args.loop
    limit = args.timeout or (60.0 if args.size == "smoke" else 900.0)

    async def bounded() -> None:
        try:
            await asyncio.wait_for(mod.run(**params), limit)
        except TimeoutError:
            raise SystemExit(f"scenario {args.name} did not finish within {limit:g} s") from None

    def go() -> None:
        coro = bounded()
        if args.loop == "uvloop":
            import uvloop  # type: ignore[import-not-found]
            uvloop.run(coro)
        elif args.loop == "spin":
            from .spinloop import run as spin_run
            spin_run(coro)
        else:
            asyncio.run(coro)

    run_profiled(f"{args.name}.A", go)
    return 0


if __name__ == "__main__":
    sys.exit(main())
