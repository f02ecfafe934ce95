"""A lesson's actions carried out by its players (pgviz/lessons/players.py: a node in this
process, or one anywhere through its lesson agent), and its expectations measured on them."""

from __future__ import annotations

import asyncio
import functools
import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..net.control import NetControl
from ..runtime import Pid
from .format import Action, Expectation
from .players import ActionError, Player

__all__ = ["World", "LessonProcess", "ActionError"]

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le,
    ">": operator.gt, "<": operator.lt}


@dataclass
class LessonProcess:
    """A process a lesson spawned: `node` is the lesson's name for its node."""
    name: str
    node: str
    pid: Pid


class World:
    def __init__(self, players: dict[str, Player],
                 net: Callable[[], NetControl | None]) -> None:
        self.players = players
        self._net = net  # who sets the cluster's clock and faults (they are cluster-wide)
        self.processes: dict[str, LessonProcess] = {}
        self.crashed: set[str] = set()
        self._last_received: dict[str, int] = {}

    def node_name(self, lesson_node: str) -> str:
        """The full name of the node that plays `lesson_node`."""
        return self.players[lesson_node].name

    def up(self, lesson_node: str) -> bool:
        return lesson_node not in self.crashed and self.players[lesson_node].reachable()

    # -- actions -----------------------------------------------------------------------------
    async def run(self, action: Action) -> None:
        handler = getattr(self, f"_do_{action.verb}")
        try:
            result = handler(*action.args)
            if asyncio.iscoroutine(result):
                await result
        except ActionError:
            raise
        except Exception as exc:  # the cluster's own errors, told as the action's
            raise ActionError(f"{action.text}: {exc}") from exc

    def _player(self, lesson_node: str) -> Player:
        if lesson_node in self.crashed:
            raise ActionError(f"node {lesson_node} crashed earlier in the lesson")
        return self.players[lesson_node]

    def _net_control(self) -> NetControl:
        net = self._net()
        if net is None:
            raise ActionError("no node is running")
        return net

    def _process(self, name: str) -> tuple[Player, LessonProcess]:
        proc = self.processes[name]
        return self._player(proc.node), proc

    async def _do_spawn(self, node_name: str, name: str) -> None:
        pid = await self._player(node_name).do("spawn", name)
        self.processes[name] = LessonProcess(name, node_name, pid)

    async def _do_join(self, group: str, name: str) -> None:
        player, _ = self._process(name)
        await player.do("join", group, name)

    async def _do_leave(self, group: str, name: str) -> None:
        player, _ = self._process(name)
        await player.do("leave", group, name)

    async def _do_monitor(self, group: str, name: str) -> None:
        player, _ = self._process(name)
        await player.do("monitor", group, name)

    async def _do_broadcast(self, node_name: str, group: str, text: str,
                            remote: str = "") -> None:
        await self._player(node_name).do("broadcast", group, text, bool(remote))

    async def _do_kill(self, name: str) -> None:
        player, _ = self._process(name)
        await player.do("kill", name)

    async def _do_crash(self, node_name: str) -> None:
        await self._player(node_name).do("crash")
        self.crashed.add(node_name)

    def _do_partition(self, *sides: str) -> None:
        self._net_control().partition([[self.node_name(n) for n in side.split(",")]
                                       for side in sides])

    def _do_heal(self) -> None:
        self._net_control().heal()

    def _do_slow(self, seconds: str) -> None:
        self._net_control().slow(float(seconds))

    def _do_pause(self) -> None:
        self._net_control().pause()

    def _do_resume(self) -> None:
        self._net_control().resume()

    async def _do_step(self, count: str = "1") -> None:
        """The oldest frame waiting between the lesson's nodes goes, one at a time: frames to
        a class's other nodes (the teacher's, spectators') are not the lesson's to release."""
        net = self._net_control()
        if not net.clock.paused:
            raise ActionError("step works while the clock is paused (pause first)")
        for _ in range(int(count)):
            heads = [f for f in await self._held() if f[3]]
            if not heads:
                raise ActionError("step: no frame is waiting in the network")
            oldest = min(heads, key=lambda f: f[2])
            frame_id: str = oldest[0]
            await net.step(frame_id)
            await _until(functools.partial(self._gone, frame_id))

    def _cast(self) -> list[str]:
        return [p.name for p in self.players.values()]

    async def _held(self) -> list[list[Any]]:
        cast = [p.name for n, p in self.players.items() if self.up(n)]
        found = await asyncio.gather(*(self._ask(n, "held", cast) for n in self.players))
        return [f for frames in found for f in frames or []]

    async def _gone(self, frame_id: str) -> bool:
        return frame_id not in {f[0] for f in await self._held()}

    async def _do_sleep(self, seconds: str) -> None:
        await asyncio.sleep(float(seconds))

    # -- expectations -------------------------------------------------------------------------
    async def _ask(self, lesson_node: str, op: str, *args: Any) -> Any:
        """A measure of a node that is up; None for one that is down or does not answer."""
        if not self.up(lesson_node):
            return None
        try:
            return await self.players[lesson_node].do(op, *args)
        except ActionError:
            return None

    async def measure(self, exp: Expectation) -> int:
        if exp.what == "members":  # members of the lesson's nodes: spectators' do not count
            group, node_name = exp.args
            return len(await self._ask(node_name, "members", group, self._cast()) or [])
        if exp.what == "nodes":
            # On a class's cluster, only the lesson's nodes count (a teacher's own node,
            # spectators' laptops are not in the lesson).
            cast = {p.name for n, p in self.players.items() if n != exp.args[0]}
            return len(cast.intersection(await self._ask(exp.args[0], "peers") or []))
        if exp.what == "received":
            name = exp.args[0]
            proc = self.processes.get(name)
            count = await self._ask(proc.node, "received", name) if proc else 0
            if count is None:  # its node is gone: what it had received before
                return self._last_received.get(name, 0)
            self._last_received[name] = count
            return int(count)
        if exp.what == "held":
            return len(await self._held())
        if exp.what == "agreed":
            names = self._cast()
            views = await asyncio.gather(*(self._ask(n, "members", exp.args[0], names)
                                           for n in self.players if self.up(n)))
            return int(len({tuple(v) for v in views if v is not None}) <= 1)
        raise ValueError(f"unknown expectation {exp.what!r}")

    async def holds(self, exp: Expectation) -> tuple[bool, int]:
        actual = await self.measure(exp)
        return _COMPARE[exp.op](actual, exp.value), actual


async def _until(done: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Until the frame a step released has left its link (its holder may be another node)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await done():
        if loop.time() > deadline:
            raise ActionError("step: the frame did not leave its link")
        await asyncio.sleep(0.005)
