"""EventHub: a node's listeners, its Lamport clock, and the bounded streams of `node.events()`.

Nobody listening costs one attribute test per would-be event (`hub.active`). Listeners are
synchronous callbacks; a listener that raises is logged and removed, never allowed to break
the code that emitted. `stream()` gives an async iterator with a bounded queue: a consumer that
falls behind loses events, and is told how many by an `Overflow` event as soon as it catches up.

Cluster listeners also receive the events of other nodes (forwarded by them, see
`runtime/forwarding.py`); plain listeners only this node's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..events import Event, Overflow

__all__ = ["EventHub", "Listener", "StampEvent", "STREAM_LIMIT"]

log = logging.getLogger(__name__)

Listener = Callable[[Event], None]
StampEvent = Callable[..., Event]  # stamp(cls, **fields): an event of this node, now
STREAM_LIMIT = 10_000


class EventHub:
    def __init__(self, node: str, *, on_change: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.node = node
        self.lc = 0
        self.active = False  # anyone listening here (or a peer asking for our events)
        self._local: list[Listener] = []
        self._cluster: list[Listener] = []
        self._clock = clock
        self._on_change = on_change

    # -- subscribing -----------------------------------------------------------------------------
    def add_listener(self, cb: Listener, *, cluster: bool = False) -> Callable[[], None]:
        """cb(event) for every event of this node (and of every connected node when
        `cluster`); returns the unsubscribe callable."""
        (self._cluster if cluster else self._local).append(cb)
        self._changed()

        def unsubscribe() -> None:
            for lst in (self._local, self._cluster):
                if cb in lst:
                    lst.remove(cb)
            self._changed()
        return unsubscribe

    @property
    def wants_cluster(self) -> bool:
        return bool(self._cluster)

    def _changed(self) -> None:
        self.active = bool(self._local or self._cluster)
        if self._on_change is not None:
            self._on_change()  # the node tells its peers what it now wants of them

    async def stream(self, *, cluster: bool = False, limit: int = STREAM_LIMIT
                     ) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        dropped = 0

        def put(ev: Event) -> None:
            nonlocal dropped
            if queue.qsize() >= limit:
                dropped += 1
                return
            if dropped:
                queue.put_nowait(Overflow(self.node, self._clock(), self.lc, dropped))
                dropped = 0
            queue.put_nowait(ev)

        unsubscribe = self.add_listener(put, cluster=cluster)
        try:
            while True:
                yield await queue.get()
                if dropped and queue.empty():  # the gap came after what was queued
                    yield Overflow(self.node, self._clock(), self.lc, dropped)
                    dropped = 0
        finally:
            unsubscribe()

    # -- emitting --------------------------------------------------------------------------------
    def tick(self, seen: int = 0) -> int:
        """Advance the Lamport clock past `seen` (a peer's clock); returns the new value."""
        self.lc = (self.lc if self.lc > seen else seen) + 1
        return self.lc

    def emit(self, cls: type[Event], **fields: Any) -> Event | None:
        """Build and publish one event of this node (None when nobody listens)."""
        if not self.active:
            return None
        ev = self.stamp(cls, **fields)
        self.publish(ev)
        return ev

    def stamp(self, cls: type[Event], **fields: Any) -> Event:
        """An event of this node, stamped now, not published."""
        return cls(node=self.node, t=self._clock(), lc=self.tick(), **fields)

    def publish(self, ev: Event) -> None:
        for cb in tuple(self._local) + tuple(self._cluster):
            self._call(cb, ev)

    def publish_remote(self, ev: Event) -> None:
        """An event another node forwarded: for cluster listeners only."""
        self.tick(ev.lc)
        for cb in tuple(self._cluster):
            self._call(cb, ev)

    def _call(self, cb: Listener, ev: Event) -> None:
        try:
            cb(ev)
        except Exception:
            log.exception("event listener %r failed on %s; removed", cb, ev.event)
            for lst in (self._local, self._cluster):
                if cb in lst:
                    lst.remove(cb)
            self._changed()
