"""An experimental event loop that busy-polls before it sleeps, like Erlang's schedulers do
(+sbwt): `--loop spin` of the benchmarks. Not part of pgviz; it measures how much of the
latency figures is the cost of waking an idle vCPU (see anchors/calib.py).

The selector polls epoll with a zero timeout for up to PGVIZ_SPIN_US microseconds (default 200)
before blocking for the rest of the loop's timeout."""

from __future__ import annotations

import asyncio
import os
import selectors
import time
from collections.abc import Coroutine
from typing import Any

SPIN_NS = int(float(os.environ.get("PGVIZ_SPIN_US", "200")) * 1000)


class SpinSelector(selectors.EpollSelector):
    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is not None and timeout <= 0:
            return super().select(0)
        now = time.perf_counter_ns()
        budget = SPIN_NS if timeout is None else min(SPIN_NS, int(timeout * 1e9))
        end = now + budget
        poll = super().select
        while True:
            ready = poll(0)
            if ready:
                return ready
            now = time.perf_counter_ns()
            if now >= end:
                break
        if timeout is None:
            return poll(None)
        return poll(max(0.0, timeout - budget / 1e9))


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    with asyncio.Runner(loop_factory=lambda: asyncio.SelectorEventLoop(SpinSelector())) as r:
        return r.run(coro)
