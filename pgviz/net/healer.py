"""Links that heal: a peer lost by failure, and every seed, is dialled again until it is back.

A link that went down by failure (tick timeout, reset, a peer that vanished without a
goodbye) is re-dialled with exponential backoff and jitter: the first retry after
FIRST_RETRY seconds, then twice as long each time up to MAX_RETRY, each delay drawn from
[0.5, 1] of its nominal value so that a cluster that lost a node does not dial it in
lockstep. Seeds (addresses given at start) are dialled the same way until they answer. It
stops when the peer is back (whoever dialled), when this node disconnected it explicitly,
when the peer refuses because it disconnected *us* explicitly, or while a partition of the
network clock separates us (the heal re-dials then). One log line when a peer is lost, one
when it is back: a peer away for an hour does not fill the log.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from ..errors import ConnectionRefused, PgvizError, Refusal

__all__ = ["Healer", "FIRST_RETRY", "MAX_RETRY"]

log = logging.getLogger(__name__)

FIRST_RETRY = 0.25  # seconds
MAX_RETRY = 30.0  # seconds: the longest a healed link waits for its next attempt


class Healer:
    def __init__(self, node: str, dial: Callable[[str | None, str], Awaitable[str]], *,
                 connected: Callable[[str], bool], wanted: Callable[[str], bool],
                 first: float = FIRST_RETRY, cap: float = MAX_RETRY) -> None:
        """dial(name or None, address) -> the name found there; connected(name); wanted(name):
        False when it was disconnected explicitly or a partition separates us."""
        self._node = node
        self._dial = dial
        self._connected = connected
        self._wanted = wanted
        self.first = first
        self.cap = cap
        self._tasks: dict[str, asyncio.Task[None]] = {}  # by name, or "seed " + address

    @property
    def healing(self) -> list[str]:
        """Peers and seeds being re-dialled now."""
        return sorted(self._tasks)

    def lost(self, name: str, address: str, reason: str) -> None:
        if not address or name in self._tasks:
            return
        log.warning("%s: lost %s (%s); dialling it again, backing off up to %g s",
                    self._node, name, reason, self.cap)
        self._start(name, name, address)

    def seed(self, address: str) -> None:
        key = "seed " + address
        if key not in self._tasks:
            self._start(key, None, address)

    def forget(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()

    def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    def _start(self, key: str, name: str | None, address: str) -> None:
        task = asyncio.get_running_loop().create_task(self._heal(key, name, address))
        self._tasks[key] = task
        task.add_done_callback(lambda t: self._tasks.pop(key, None)
                               if self._tasks.get(key) is t else None)

    def delay(self, attempt: int) -> float:
        """The wait before retry number `attempt` (1, 2, ...), jitter included."""
        nominal = min(self.cap, self.first * 2 ** (attempt - 1))
        return nominal * random.uniform(0.5, 1.0)

    async def _heal(self, key: str, name: str | None, address: str) -> None:
        attempt = 0
        while True:
            if name is not None and (self._connected(name) or not self._wanted(name)):
                return
            try:
                found = await self._dial(name, address)
            except ConnectionRefused as exc:
                if exc.reason == Refusal.DISCONNECTED:
                    log.info("%s: %s disconnected us explicitly; not dialling it again",
                             self._node, name or address)
                    return
                last = exc
            except (TimeoutError, OSError, PgvizError) as exc:
                last = exc  # type: ignore[assignment]
            except Exception:
                log.exception("%s: dialling %s at %s failed unexpectedly; giving up on it",
                              self._node, name or "seed", address)
                return
            else:
                if name is not None or attempt:
                    log.warning("%s: %s is back (after %d attempt%s)", self._node, found,
                                attempt + 1, "s" if attempt else "")
                return
            attempt += 1
            log.debug("%s: dial %d to %s at %s failed: %s", self._node, attempt,
                      name or "seed", address, last)
            await asyncio.sleep(self.delay(attempt))
