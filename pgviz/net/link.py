"""The per-link outgoing queue: every frame of a directed link passes here before the transport.

With no fault active it is a direct write. Otherwise frames are dropped (grudge), held (until
released) or delayed (each frame due `delay` after it was queued, never overtaking the previous
one). This is where slow motion, pause and single-stepping hook in.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from .faults import Faults

__all__ = ["Link"]


class Link:
    __slots__ = ("_loop", "_write", "_faults", "src", "dst", "_queue", "_timer", "_unsub",
                 "dropped", "_on_drop")

    def __init__(self, loop: asyncio.AbstractEventLoop, write: Callable[[bytes], None],
                 faults: Faults | None, src: str, dst: str,
                 on_drop: Callable[[], None] | None = None) -> None:
        self._loop = loop
        self._write = write
        self._faults = faults
        self.src = src
        self.dst = dst
        self._queue: deque[tuple[float, bytes]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self.dropped = 0
        self._on_drop = on_drop
        self._unsub = faults.subscribe(self._pump) if faults is not None else None

    @property
    def queued(self) -> int:
        return sum(len(d) for _, d in self._queue)

    def push(self, data: bytes) -> None:
        f = self._faults
        if f is None or not f.active:
            if self._queue:  # faults were just lifted: keep FIFO behind what is held
                self._queue.append((0.0, data))
                self._pump()
            else:
                self._write(data)
            return
        if f.drops(self.src, self.dst):
            # pg (like OTP's) relies on "a lost message means the connection went down": a
            # dropped frame cuts the link, as a real cable does, and the heal resyncs.
            self.dropped += 1
            if self._on_drop is not None:
                self._loop.call_soon(self._on_drop)
            return
        self._queue.append((self._loop.time() + f.delay_of(self.src, self.dst), data))
        self._pump()

    def _pump(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        f = self._faults
        now = self._loop.time()
        while self._queue:
            if f is not None and f.holds(self.src, self.dst):
                return
            due, data = self._queue[0]
            if f is not None and f.active and due > now:
                self._timer = self._loop.call_at(due, self._pump)
                return
            self._queue.popleft()
            self._write(data)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._unsub is not None:
            self._unsub()
        self._queue.clear()
