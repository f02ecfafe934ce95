"""One group of n members on one node: a join, the newest member's leave, the oldest's leave.

For each n of `sizes` (default 10^3 and 10^6): n distinct `spawn_handler` processes join group
"big" in one call (the first created ends the oldest), then, `reps` times, a fresh pid joins
(timed) and leaves again (timed: the newest member's leave); then the 5 oldest members leave one
after the other (timed: each is the oldest when it goes). Medians, in microseconds; the
costliest of the oldest's leaves also on its own (`_leave_oldest_max_<n>`: in pgviz the one
that builds the list's index, pgviz/pg/memberlist.py, once per list; the first one scans). OTP's
counterparts `otp_biggroup_*_<n>` come from benchmarks/otp/pg_scale.erl (`biggroup N`); OTP
rewrites the whole member list per join or leave."""

from __future__ import annotations

import gc
import statistics
import time

from .common import label, result, start_node

SIZES = {
    "full": dict(sizes="1000,1000000", reps=21),
    "quick": dict(sizes="1000,100000", reps=21),
    "smoke": dict(sizes="100", reps=5),
}


async def run(sizes: str, reps: int) -> None:
    for n in (int(x) for x in sizes.split(",")):
        node = await start_node()
        try:
            pg = node.pg
            noop = lambda msg, origin: None  # noqa: E731
            members = [node.spawn_handler(noop).pid for _ in range(n)]
            pg.join("big", members[::-1])  # OTP's list order: the first created is the oldest
            assert len(pg.get_members("big")) == n
            gc.collect()
            fresh = node.spawn_handler(noop).pid
            joins, newest = [], []
            for _ in range(reps):
                t0 = time.perf_counter_ns()
                pg.join("big", fresh)
                t1 = time.perf_counter_ns()
                assert pg.leave("big", fresh)
                t2 = time.perf_counter_ns()
                joins.append(t1 - t0)
                newest.append(t2 - t1)
            oldest = []
            for p in members[:min(reps, 5)]:
                t0 = time.perf_counter_ns()
                assert pg.leave("big", p)
                oldest.append(time.perf_counter_ns() - t0)
            assert len(pg.get_members("big")) == n - min(reps, 5)
            lab = label(n)
            note = f"one group of {n} members on one node, median of {reps}"
            result(f"pgviz_biggroup_join_{lab}", statistics.median(joins) / 1000, "us",
                   f"pg.join of one pid; {note}")
            result(f"pgviz_biggroup_leave_newest_{lab}", statistics.median(newest) / 1000, "us",
                   f"pg.leave of the member joined last; {note}")
            result(f"pgviz_biggroup_leave_oldest_{lab}", statistics.median(oldest) / 1000, "us",
                   f"pg.leave of the member joined first (5, each the oldest when it goes); {note}")
            result(f"pgviz_biggroup_leave_oldest_max_{lab}", max(oldest) / 1000, "us",
                   f"the costliest of those 5 leaves (pgviz: the one that indexes the list); "
                   f"{note}")
            del members
        finally:
            await node.stop()
