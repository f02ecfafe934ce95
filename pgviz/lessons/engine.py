"""Run a lesson on a cluster: step by step, each step's actions then its expectations.

    run = LessonRun(load_lesson("netsplit"))
    await run.start()              # the lesson's nodes, started and connected
    result = await run.next()      # step 1: actions done, expectations awaited
    result.ok, result.checks       # what the class should now see, checked on the cluster
    await run.back()               # step 0 again, by replaying from the start
    await run.stop()

Next runs the following step's actions on the live cluster, then waits (up to the step's
`wait`) until every expectation holds; a result lists each check with the value measured, so
a class sees when the cluster disagrees with the narration.

Back cannot undo: a join that peers have seen is not taken back by a leave (they would see a
leave, a different story), frames delivered stay delivered, a crashed node stays crashed. So
Back restarts the lesson's nodes and replays every step up to the one before, waiting for each
step's expectations as Next does: the cluster is then in the state that step showed (new pids
and frame ids, the same memberships, clock and partitions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..node import Node
from .format import Expectation, Lesson, Step
from .players import LocalPlayer
from .stage import Cast, LoopbackStage, Stage
from .wording import check_sentence, check_words
from .world import ActionError, World

__all__ = ["LessonRun", "StepResult", "Check"]


@dataclass(frozen=True, slots=True)
class Check:
    expectation: Expectation
    ok: bool
    actual: int

    def __str__(self) -> str:
        """A sentence for the class: "✓ alice sees 1 other node" (lesson file's wording:
        `expectation.text`; the number measured: `actual`)."""
        return check_sentence(self.expectation, self.ok, self.actual)

    @property
    def words(self) -> str:
        """The sentence without its ✓ or ✗ (a window that draws the mark itself)."""
        return check_words(self.expectation, self.ok, self.actual)


@dataclass(frozen=True, slots=True)
class StepResult:
    index: int
    step: Step
    checks: tuple[Check, ...]
    error: str = ""  # an action the cluster refused

    @property
    def ok(self) -> bool:
        return not self.error and all(c.ok for c in self.checks)


class LessonRun:
    def __init__(self, lesson: Lesson, stage: Stage | None = None, *,
                 on_step: Callable[[StepResult], Any] | None = None) -> None:
        self.lesson = lesson
        self.stage: Stage = stage if stage is not None else LoopbackStage()
        self.on_step = on_step
        self.position = -1  # index of the step shown; -1: the lesson's nodes, no step yet
        self.world: World | None = None
        self.cast: Cast = Cast({}, lambda: None)
        self._lock = asyncio.Lock()

    @property
    def nodes(self) -> dict[str, Node]:
        """The lesson's nodes that run in this process (a class's laptops do not)."""
        if self.world is None:
            return {}
        return {name: p.node for name, p in self.world.players.items()
                if isinstance(p, LocalPlayer)}

    @property
    def step(self) -> Step | None:
        return self.lesson.steps[self.position] if self.position >= 0 else None

    @property
    def at_end(self) -> bool:
        return self.position >= len(self.lesson.steps) - 1

    async def start(self) -> None:
        async with self._lock:
            await self._restart()

    async def stop(self) -> None:
        async with self._lock:
            await self.stage.stop()
            self.world = None
            self.position = -1

    async def next(self) -> StepResult | None:
        """Run the next step; None when the lesson is over."""
        async with self._lock:
            if self.world is None:
                await self._restart()
            if self.at_end:
                return None
            return await self._run(self.position + 1)

    async def back(self) -> StepResult | None:
        """Show the previous step again (replayed from the start); None before step 1."""
        async with self._lock:
            if self.position <= 0:
                if self.position == 0:
                    await self._restart()
                return None
            return await self._replay_to(self.position - 1)

    async def goto(self, index: int) -> StepResult | None:
        """Show step `index` (0-based): forward by running steps, backward by replaying."""
        async with self._lock:
            index = max(-1, min(index, len(self.lesson.steps) - 1))
            if self.world is None or index < self.position:
                return await self._replay_to(index)
            result = None
            while self.position < index:
                result = await self._run(self.position + 1)
            return result

    async def check(self) -> tuple[Check, ...]:
        """The shown step's expectations, measured now (no waiting)."""
        step = self.step
        if step is None or self.world is None:
            return ()
        return await self._measure(step)

    async def _measure(self, step: Step) -> tuple[Check, ...]:
        assert self.world is not None
        held = await asyncio.gather(*(self.world.holds(e) for e in step.expect))
        return tuple(Check(e, ok, actual) for e, (ok, actual) in zip(step.expect, held,
                                                                      strict=True))

    async def _restart(self) -> None:
        self.world = None
        started = await self.stage.start(self.lesson.nodes, self.lesson.tick_time)
        self.cast = started if isinstance(started, Cast) else Cast.local(started)
        self.world = World(self.cast.players, self.cast.net)
        self.position = -1

    async def _replay_to(self, index: int) -> StepResult | None:
        await self._restart()
        result = None
        while self.position < index:
            result = await self._run(self.position + 1)
        return result

    async def _run(self, index: int) -> StepResult:
        assert self.world is not None
        step = self.lesson.steps[index]
        self.position = index
        if self.cast.show is not None:
            self.cast.show(self.lesson.title, index, step)
        error = ""
        for action in step.do:
            try:
                await self.world.run(action)
            except ActionError as exc:
                error = f"line {action.line}: {exc}" if action.line else str(exc)
                break
        checks = await self._await_expectations(step) if not error else ()
        result = StepResult(index, step, checks, error)
        if self.on_step is not None:
            self.on_step(result)
        return result

    async def _await_expectations(self, step: Step) -> tuple[Check, ...]:
        assert self.world is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.wait
        while True:
            checks = await self._measure(step)
            if all(c.ok for c in checks) or loop.time() >= deadline:
                return checks
            await asyncio.sleep(0.02)
