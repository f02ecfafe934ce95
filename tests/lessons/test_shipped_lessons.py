"""Every shipped lesson, stepped through end to end on loopback nodes: each step's
expectations are met on the real cluster; Back replays to the previous step's state."""

from __future__ import annotations

import pytest

from pgviz.lessons import LessonRun, LoopbackStage, load_lesson, shipped_lessons

from ..support import run


def test_three_lessons_ship_in_teaching_order():
    assert shipped_lessons() == ["1-process-groups", "2-netsplit", "3-joins-in-flight"]


@pytest.mark.parametrize("name", ["1-process-groups", "2-netsplit", "3-joins-in-flight"])
def test_a_shipped_lesson_runs_end_to_end_with_every_expectation_met(name):
    lesson = load_lesson(name)

    async def main():
        lesson_run = LessonRun(lesson, LoopbackStage())
        await lesson_run.start()
        try:
            results = []
            while (result := await lesson_run.next()) is not None:
                results.append(result)
                assert result.ok, (f"{name} step {result.index + 1} ({result.step.title}): "
                                   f"{result.error or [str(c) for c in result.checks]}")
            assert len(results) == len(lesson.steps)
            assert lesson_run.at_end and await lesson_run.next() is None
        finally:
            await lesson_run.stop()

    run(main(), timeout=90)


def test_back_replays_from_the_start_to_the_previous_step():
    lesson = load_lesson("netsplit")

    async def main():
        lesson_run = LessonRun(lesson)
        await lesson_run.start()
        try:
            for _ in range(3):  # one room, the split, a join on one side
                assert (await lesson_run.next()).ok
            first_alice = lesson_run.nodes["alice"]
            result = await lesson_run.back()
            assert result is not None and result.index == 1 and result.ok
            assert lesson_run.position == 1
            assert lesson_run.nodes["alice"] is not first_alice  # a fresh cluster, replayed
            # the state of step 2 (the split), not of step 3: a2 has not joined
            assert "a2" not in lesson_run.world.processes
            assert [str(c) for c in await lesson_run.check()][0].startswith("✓")
            result = await lesson_run.goto(3)
            assert result is not None and result.index == 3 and result.ok
            assert await lesson_run.back() is not None
            assert (await lesson_run.goto(0)).index == 0
            assert await lesson_run.back() is None and lesson_run.position == -1
        finally:
            await lesson_run.stop()

    run(main(), timeout=120)


def test_a_lesson_by_number_bare_name_or_path_is_the_same_lesson(tmp_path):
    assert load_lesson("2").title == load_lesson("netsplit").title == \
        load_lesson("2-netsplit").title
    copy = tmp_path / "mine.toml"
    copy.write_text(
        "title = 'Mine'\nnodes = ['a', 'b']\n[[step]]\ntitle = 'x'\nsay = 'y'\n"
        "expect = ['nodes at a == 1']\n")
    assert load_lesson(str(copy)).title == "Mine"
