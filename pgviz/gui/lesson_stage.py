"""A lesson's stage made of app windows: each lesson node is a window's own node, in this
process (as `pgviz demo` would show them, but driven by the lesson engine). Back restarts the
lesson's nodes (see pgviz.lessons.engine): the windows are closed and new ones open where the
old ones were."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from ..node import Node
from .main_window import MainWindow

__all__ = ["WindowStage"]


class WindowStage:
    def __init__(self, *, place: Callable[[list[MainWindow]], None] | None = None,
                 on_started: Callable[[dict[str, MainWindow]], Any] | None = None,
                 connect_timeout: float = 10.0, **node_options: Any) -> None:
        self.cookie = secrets.token_hex(8)
        self.place = place
        self.on_started = on_started
        self.connect_timeout = connect_timeout
        self.node_options = node_options
        self.windows: dict[str, MainWindow] = {}
        self._geometry: dict[str, Any] = {}

    async def start(self, names: Sequence[str], tick_time: float | None) -> dict[str, Node]:
        from .app import open_window

        await self.stop()
        options = dict(self.node_options)
        if tick_time is not None:
            options.setdefault("tick_time", tick_time)
        windows: dict[str, MainWindow] = {}
        try:
            for name in names:
                windows[name] = await open_window(name, cookie=self.cookie, whole_cluster=True,
                                                  discovery=False, **options)
                windows[name].remember = False
        finally:
            self.windows = windows  # stopped by stop() even if one failed to start
        first, *rest = windows.values()
        for w in rest:
            await first.session.connect(w.session.node.address)
        want = len(windows) - 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connect_timeout
        while not all(len(w.session.node.nodes()) == want for w in windows.values()):
            if loop.time() > deadline:
                raise TimeoutError("the lesson's nodes did not connect as a mesh")
            await asyncio.sleep(0.01)
        if self._geometry:
            for name, w in windows.items():
                if name in self._geometry:
                    w.setGeometry(self._geometry[name])
        elif self.place is not None:
            self.place(list(windows.values()))
        for w in windows.values():
            w.show()
        if self.on_started is not None:
            self.on_started(windows)
        return {name: w.session.node for name, w in windows.items()}

    async def stop(self) -> None:
        windows, self.windows = self.windows, {}
        for name, w in windows.items():
            if w.isVisible():
                self._geometry[name] = w.geometry()
            if not w.stopped.done():
                await w.shutdown()
