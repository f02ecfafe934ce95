"""Where a lesson runs: its nodes. `LoopbackStage` starts them as pgviz Nodes on this machine,
connected as a full mesh (what `pgviz lesson` and the tests use); the app hands the engine its
own windows' nodes the same way. `ClusterStage` (cluster.py) casts the lesson on the nodes of
a running cluster instead, through their lesson agents: a class's laptops, `pgviz demo`.

A stage's `start` returns the lesson's nodes (started here), or a `Cast`: who plays each
lesson node and who sets the cluster's network clock and faults."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..net.control import NetControl
from ..node import Node
from .format import Step
from .players import LocalPlayer, Player

__all__ = ["Stage", "LoopbackStage", "Cast"]


@dataclass
class Cast:
    players: dict[str, Player]  # lesson node name -> who plays it
    net: Callable[[], NetControl | None]  # a running node's network control (cluster-wide)
    show: Callable[[str, int, Step], None] | None = None  # (lesson title, index, step) to the class

    @classmethod
    def local(cls, nodes: dict[str, Node]) -> Cast:
        def net() -> NetControl | None:
            return next((n.net for n in nodes.values() if n.running), None)
        return cls({name: LocalPlayer(node) for name, node in nodes.items()}, net)


class Stage(Protocol):
    async def start(self, names: Sequence[str], tick_time: float | None
                    ) -> dict[str, Node] | Cast:
        """Fresh, connected nodes for these lesson names (each time: Back starts again)."""
        ...

    async def stop(self) -> None: ...


class LoopbackStage:
    def __init__(self, *, host: str = "127.0.0.1", cookie: str | None = None,
                 on_started: Callable[[dict[str, Node]], Any] | None = None,
                 connect_timeout: float = 10.0, **node_options: Any) -> None:
        self.host = host
        self.cookie = cookie or secrets.token_hex(8)
        self.on_started = on_started
        self.connect_timeout = connect_timeout
        self.node_options = node_options
        self.nodes: dict[str, Node] = {}

    async def start(self, names: Sequence[str], tick_time: float | None) -> dict[str, Node]:
        await self.stop()
        options = dict(self.node_options)
        if tick_time is not None:
            options.setdefault("tick_time", tick_time)
        nodes = {n: Node(n, host=self.host, port=0, cookie=self.cookie, **options)
                 for n in names}
        self.nodes = nodes
        for node in nodes.values():
            await node.start()
        first, *rest = nodes.values()
        for node in rest:
            await first.connect(node.address)
        want = len(nodes) - 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connect_timeout
        while not all(len(n.nodes()) == want for n in nodes.values()):
            if loop.time() > deadline:
                raise TimeoutError("the lesson's nodes did not connect as a mesh")
            await asyncio.sleep(0.01)
        if self.on_started is not None:
            self.on_started(nodes)
        return nodes

    async def stop(self) -> None:
        nodes, self.nodes = self.nodes, {}
        for node in nodes.values():
            await node.stop()
