"""A process whose mailbox feeds an async iterator: the machinery under Subscription and Watch.

The process is a real pgviz process (it can join groups and subscribe to pg monitors: that is
the point), run by a small task that moves each message it receives into a local queue that
`await inbox.get()` reads. The inbox ends -- `get()` raises StopAsyncIteration once the queue is
empty -- when:
  * `close()` is called (the owner is done);
  * the scope's process goes down (scope stopped, or killed and restarted: memberships and
    monitors do not survive a scope restart, in OTP either);
  * the process itself dies (killed with `node.exit(pid, "kill")`, or the node stops).
`reason` then says which.

Slow consumers: the queue is unbounded by default, as an Erlang mailbox is (a broadcast never
blocks its sender, so there is no back-pressure to apply). With `max_pending=N`, messages that
arrive while N are waiting are dropped and counted in `dropped`, with a rate-limited warning:
the consumer learns of the gap instead of the node running out of memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..ratelog import RateLimitedLog
from ..wire.terms import Pid

if TYPE_CHECKING:
    from ..runtime.node import RuntimeNode
    from ..runtime.process import Process

__all__ = ["Inbox", "SKIP"]

log = logging.getLogger(__name__)
_overflow_log = RateLimitedLog(log)

SKIP = object()  # what a `convert` returns for a message that is not an item
_CLOSE = object()  # only ever sent by Inbox.close to its own process


class Inbox:
    """`convert(msg)` turns each message into an item (or SKIP). Start the process with
    `start()`; its pid is then `pid`."""

    def __init__(self, node: RuntimeNode, scope_pid: Pid, convert: Callable[[Any], Any], *,
                 max_pending: int | None = None) -> None:
        if max_pending is not None and max_pending < 1:
            raise ValueError(f"max_pending must be at least 1 (or None), got {max_pending!r}")
        self._node = node
        self._scope_pid = scope_pid
        self._convert = convert
        self._max_pending = max_pending
        self._items: deque[Any] = deque()
        self._waiters: list[asyncio.Future[None]] = []
        self.pid: Pid | None = None
        self.reason: Any = None  # None while open; why it ended otherwise
        self.dropped = 0

    def start(self) -> Pid:
        self.pid = self._node.spawn(self._run)
        return self.pid

    @property
    def open(self) -> bool:
        return self.reason is None

    def __len__(self) -> int:
        return len(self._items)

    async def _run(self, proc: Process) -> None:
        scope_ref = proc.monitor(self._scope_pid)
        try:
            while self.reason is None:
                msg = await proc.receive()
                if msg is _CLOSE:
                    return
                if (type(msg) is tuple and len(msg) == 5 and msg[0] == "DOWN"
                        and msg[1] == scope_ref):
                    self._end("scope stopped")
                    return
                item = self._convert(msg)
                if item is not SKIP:
                    self._push(item)
        finally:
            # Killed or the node stopped (the task is cancelled), or returned above.
            self._end(proc.exit_reason if not proc.alive else "closed")

    def _push(self, item: Any) -> None:
        if self._max_pending is not None and len(self._items) >= self._max_pending:
            self.dropped += 1
            _overflow_log.log(logging.WARNING, "slow consumer",
                              "%s: a consumer is %d messages behind; dropped %d so far",
                              self.pid, len(self._items), self.dropped)
            return
        self._items.append(item)
        self._wake()

    def _wake(self) -> None:
        for w in self._waiters:
            if not w.done():
                w.set_result(None)
        self._waiters.clear()

    def _end(self, reason: Any) -> None:
        if self.reason is None:
            self.reason = reason
        self._wake()

    async def get(self) -> Any:
        """The next item; StopAsyncIteration once the inbox has ended and is empty. Being
        cancelled while waiting loses nothing."""
        while not self._items:
            if self.reason is not None:
                raise StopAsyncIteration
            waiter = self._node.loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self._items.popleft()

    def close(self) -> None:
        """End it now (synchronous: safe in `__aexit__` under cancellation). Items still
        queued are dropped; the process ends normally on the loop's next iteration."""
        if self.reason is None:
            self.reason = "closed"
        self._items.clear()
        self._wake()
        if self.pid is not None:
            self._node.send(self.pid, _CLOSE)
