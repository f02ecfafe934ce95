"""A teacher's laptop in the lab: `python -m tests.lab.lesson_probe LESSON ADDR` joins the
cluster at ADDR from this machine, casts LESSON on its lesson agents, runs every step, and
prints one JSON line per step (its checks) then the cast; exit status 1 if a step failed."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from pgviz import Node
from pgviz.lessons import ClusterStage, LessonRun, load_lesson


async def main(lesson_name: str, address: str) -> int:
    teacher = Node("teacher", host="0.0.0.0", cookie=os.environ["PGVIZ_COOKIE"])
    await teacher.start()
    lesson_run = LessonRun(load_lesson(lesson_name),
                           ClusterStage(node=teacher, seeds=[address]))
    failed = False
    try:
        await lesson_run.start()
        while (result := await lesson_run.next()) is not None:
            failed |= not result.ok
            print(json.dumps({"step": result.index + 1, "ok": result.ok, "error": result.error,
                              "checks": [str(c) for c in result.checks]}), flush=True)
        cast = {n: p.name for n, p in lesson_run.world.players.items()}  # type: ignore[union-attr]
        print(json.dumps({"cast": cast, "teacher": teacher.name}), flush=True)
    finally:
        await lesson_run.stop()
        await teacher.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
