"""A lesson cast on `pgviz node --lesson-agent` processes (what a class's laptops run), from a
conductor in another process: the lesson's actions happen in those processes, each shows the
step as an event, and a node that did not opt in is never driven."""

from __future__ import annotations

import asyncio

import pytest

from pgviz import Node
from pgviz.lessons import ClusterStage, LessonRun, NoAnswer, load_lesson

from ..cli.nodeproc import NodeProc
from ..support import COOKIE, run, wait_until


def test_lessons_run_on_agent_processes_and_leave_a_node_without_one_alone():
    async def main():
        first = await NodeProc.start("alice", "--lesson-agent", "--no-discovery")
        procs = [first] + list(await asyncio.gather(*(
            NodeProc.start(name, "--lesson-agent", "--no-discovery", "--connect", first.address)
            for name in ("bob", "carol", "dave"))))
        bystander = await NodeProc.start("zoe", "--no-discovery", "--connect", first.address)
        conductor = Node("teacher", cookie=COOKIE)
        await conductor.start()
        try:
            await conductor.connect(first.address)
            await wait_until(lambda: len(conductor.nodes()) == 5, 20)
            # joins in flight: the network paused by the conductor, the agents still answer,
            # and `step` releases the lesson's frames one by one across processes
            lesson = load_lesson("joins-in-flight")
            lesson_run = LessonRun(lesson, ClusterStage(node=conductor))
            await lesson_run.start()
            cast = {n: p.name.split("@")[0] for n, p in lesson_run.world.players.items()}
            assert cast == {"alice": "alice", "bob": "bob"}
            while (result := await lesson_run.next()) is not None:
                assert result.ok, (result.step.title, result.error,
                                   [str(c) for c in result.checks])
            await lesson_run.stop()
            shown = await procs[0].event("lesson", step=len(lesson.steps))
            assert shown["lesson"] == lesson.title and shown["title"] == lesson.steps[-1].title

            lesson = load_lesson("netsplit")  # four processes, a partition and its heal
            stage = ClusterStage(node=conductor)
            lesson_run = LessonRun(lesson, stage)
            await lesson_run.start()
            while (result := await lesson_run.next()) is not None:
                assert result.ok, (result.step.title, result.error,
                                   [str(c) for c in result.checks])
            # zoe never opted in: it sees the lesson's members, has none, was shown no step,
            # and a request to drive it goes unanswered
            everyone = await bystander.cmd("members room")
            assert everyone["ok"] and len(everyone["members"]) == 5, everyone
            assert (await bystander.cmd("local room"))["members"] == []
            assert not [e for e in bystander.events if e.get("event") == "lesson"]
            with pytest.raises(NoAnswer, match="does it run a lesson agent"):
                await stage.client.call(bystander.name, "spawn", "intruder", timeout=1)
            await lesson_run.stop()
        finally:
            await conductor.stop()
            for p in [*procs, bystander]:
                await p.close()

    run(main(), timeout=180)
