"""A lesson's actions carried out on real nodes, and its expectations measured on them."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..node import Node
from ..runtime import Pid, Process
from .format import Action, Expectation

__all__ = ["World", "LessonProcess", "ActionError"]

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le,
    ">": operator.gt, "<": operator.lt}


class ActionError(RuntimeError):
    """An action the cluster refused (a node that crashed, a step with nothing to release)."""


@dataclass
class LessonProcess:
    """A process a lesson spawned: it keeps every message it receives (monitor news too)."""
    name: str
    node: str
    pid: Pid
    received: list[Any] = field(default_factory=list)


class World:
    def __init__(self, nodes: dict[str, Node]) -> None:
        self.nodes = nodes
        self.processes: dict[str, LessonProcess] = {}

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

    def _running(self, name: str) -> Node:
        node = self.nodes[name]
        if not node.running:
            raise ActionError(f"node {name} is not running")
        return node

    def _any(self) -> Node:
        """The network clock and faults are cluster-wide: any running node sets them."""
        for node in self.nodes.values():
            if node.running:
                return node
        raise ActionError("no node is running")

    def _process(self, name: str) -> tuple[Node, LessonProcess]:
        proc = self.processes[name]
        return self._running(proc.node), proc

    def _do_spawn(self, node_name: str, name: str) -> None:
        record = LessonProcess(name, node_name, Pid(node_name, 0, 0, 0))

        async def keep(proc: Process) -> None:
            while True:
                record.received.append(await proc.receive())

        record.pid = self._running(node_name).spawn(keep)
        self.processes[name] = record

    def _do_join(self, group: str, name: str) -> None:
        node, proc = self._process(name)
        node.pg.join(group, proc.pid)

    def _do_leave(self, group: str, name: str) -> None:
        node, proc = self._process(name)
        node.pg.leave(group, proc.pid)

    def _do_monitor(self, group: str, name: str) -> None:
        node, proc = self._process(name)
        node.pg.monitor(group, proc.pid)

    def _do_broadcast(self, node_name: str, group: str, text: str, remote: str = "") -> None:
        self._running(node_name).pg.broadcast(group, text, exclude_local=bool(remote))

    def _do_kill(self, name: str) -> None:
        node, proc = self._process(name)
        node.exit(proc.pid, "kill")

    def _do_crash(self, node_name: str) -> None:
        self._running(node_name).crash()

    def _do_partition(self, *sides: str) -> None:
        self._any().net.partition([[self.nodes[n].name for n in side.split(",")]
                                   for side in sides])

    def _do_heal(self) -> None:
        self._any().net.heal()

    def _do_slow(self, seconds: str) -> None:
        self._any().net.slow(float(seconds))

    def _do_pause(self) -> None:
        self._any().net.pause()

    def _do_resume(self) -> None:
        self._any().net.resume()

    async def _do_step(self, count: str = "1") -> None:
        for _ in range(int(count)):
            if await self._any().net.step() is None:
                raise ActionError("step: no frame is waiting in the network")

    async def _do_sleep(self, seconds: str) -> None:
        await asyncio.sleep(float(seconds))

    # -- expectations -------------------------------------------------------------------------
    def measure(self, exp: Expectation) -> int:
        if exp.what == "members":
            group, node_name = exp.args
            node = self.nodes[node_name]
            return len(node.pg.get_members(group)) if node.running else 0
        if exp.what == "nodes":
            node = self.nodes[exp.args[0]]
            return len(node.nodes()) if node.running else 0
        if exp.what == "received":
            return len(self.processes[exp.args[0]].received)
        if exp.what == "held":
            return sum(len(n.net.held()) for n in self.nodes.values() if n.running)
        if exp.what == "agreed":
            views = {tuple(sorted(n.pg.get_members(exp.args[0])))
                     for n in self.nodes.values() if n.running}
            return int(len(views) <= 1)
        raise ValueError(f"unknown expectation {exp.what!r}")

    def holds(self, exp: Expectation) -> tuple[bool, int]:
        actual = self.measure(exp)
        return _COMPARE[exp.op](actual, exp.value), actual
