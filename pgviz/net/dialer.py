"""The dials that mesh gossip asks for: one bounded, de-duplicated queue, a few at a time.

A peer's PEERS message names nodes it says it is connected to. Whatever it claims, this
node keeps at most `max_queued` dials waiting (later offers are dropped and counted), never
queues a name or an address twice, runs at most `concurrency` dials at once, and backs off
per address after a failure (exponential, capped), so a list of unreachable or bogus
addresses costs a bounded amount of memory and a trickle of connection attempts. The dial
itself checks that the node found at the address has the name the peer gave (see
`Handshake(expect=...)`): a gossiped address never completes a handshake with a stranger.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from ..errors import PgvizError

__all__ = ["GossipDialer"]

log = logging.getLogger(__name__)

BACKOFF_FIRST = 0.5  # seconds after a first failure; doubled per failure
BACKOFF_MAX = 60.0
MAX_REMEMBERED_FAILURES = 1024


class GossipDialer:
    def __init__(self, dial: Callable[[str, str], Awaitable[object]], *,
                 max_queued: int = 256, concurrency: int = 8,
                 clock: Callable[[], float] | None = None) -> None:
        self._dial = dial  # dial(name, address): connect, checking the name
        self.max_queued = max_queued
        self.concurrency = concurrency
        self._clock = clock
        self._queue: OrderedDict[str, str] = OrderedDict()  # name -> address, oldest first
        self._addresses: set[str] = set()  # queued or being dialled
        self._names_in_flight: set[str] = set()
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._workers: set[asyncio.Task[None]] = set()
        self.dropped = 0  # offers refused because the queue was full

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    @property
    def queued(self) -> int:
        return len(self._queue)

    def pending(self, name: str, address: str) -> bool:
        return name in self._queue or name in self._names_in_flight or address in self._addresses

    def offer(self, name: str, address: str) -> bool:
        """Queue a dial to `name` at `address`; False when it is already queued, backing off,
        or the queue is full."""
        if self.pending(name, address):
            return False
        failure = self._failures.get(address)
        if failure is not None and self._now() < failure[1]:
            return False
        if len(self._queue) >= self.max_queued:
            self.dropped += 1
            return False
        self._queue[name] = address
        self._addresses.add(address)
        if len(self._workers) < self.concurrency:
            task = asyncio.get_running_loop().create_task(self._work())
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)
        return True

    async def _work(self) -> None:
        while self._queue:
            name, address = self._queue.popitem(last=False)
            self._names_in_flight.add(name)
            try:
                await self._dial(name, address)
            except (TimeoutError, PgvizError, OSError) as exc:
                self._failed(address)
                log.debug("mesh dial to %s at %s failed: %s", name, address, exc)
            else:
                self._failures.pop(address, None)
            finally:
                self._names_in_flight.discard(name)
                self._addresses.discard(address)

    def _failed(self, address: str) -> None:
        count = self._failures.pop(address, (0, 0.0))[0] + 1
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (count - 1)) * random.uniform(0.8, 1.2)
        self._failures[address] = (count, self._now() + delay)
        while len(self._failures) > MAX_REMEMBERED_FAILURES:
            self._failures.popitem(last=False)

    def close(self) -> None:
        for task in list(self._workers):
            task.cancel()
        self._queue.clear()
        self._addresses.clear()
