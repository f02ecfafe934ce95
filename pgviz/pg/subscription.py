"""`scope.subscribe(group)`: a member of a group, managed for you, as an async iterator.

    async with node.pg.subscribe("room") as sub:     # a process is spawned and joins "room"
        async for msg in sub:                        # every message it receives: broadcasts
            ...                                      # leaves and ends on exit

or `sub = await node.pg.subscribe("room")` ... `await sub.close()`.

Underneath it is exactly what an OTP programmer writes: a process joins the group, receives
what is broadcast (or sent to `sub.pid`), and leaves. Lifecycle:
  * entering spawns the process and joins it (synchronously: when `async with` or `await`
    returns, the member is in the local table and its join is on its way to the peers);
  * exiting (or `close()`) leaves (peers see the leave) and stops the process; being cancelled
    inside the block still does that -- the teardown never waits;
  * when the scope stops, the node stops or the process is killed, the iteration ends after
    the messages already received (`sub.reason` says why); the membership is gone then, as in
    OTP: a restarted scope starts empty.
Slow consumers: unbounded by default, like a mailbox; `max_pending=N` drops what arrives while
N messages wait (counted in `sub.dropped`, with a warning). `len(sub)` is how many wait.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..errors import NoScopeError
from ..wire.terms import Pid
from .inbox import Inbox

if TYPE_CHECKING:
    from .scope import Scope

__all__ = ["Subscription"]


class Subscription:
    """A managed member of `group` in `scope`; iterate it for the messages it receives."""

    def __init__(self, scope: Scope, group: Any, *, max_pending: int | None = None) -> None:
        self.scope = scope
        self.group = group
        self._max_pending = max_pending
        self._inbox: Inbox | None = None

    # -- starting: `async with` or `await` ---------------------------------------------------------
    def _start(self) -> Subscription:
        if self._inbox is not None:
            raise RuntimeError("this subscription was already started")
        scope = self.scope
        inbox = Inbox(scope.node, scope.pid, _identity, max_pending=self._max_pending)
        pid = inbox.start()
        self._inbox = inbox
        try:
            # NoScopeError, or TypeError for a bad group: nothing is left behind.
            scope.join(self.group, pid)
        except BaseException:
            inbox.close()
            raise
        return self

    async def __aenter__(self) -> Subscription:
        return self._start()

    async def __aexit__(self, *exc: object) -> None:
        self._close()

    def __await__(self) -> Generator[Any, None, Subscription]:
        return self._start_async().__await__()

    async def _start_async(self) -> Subscription:
        return self._start()

    # -- reading ------------------------------------------------------------------------------------
    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Any:
        return await self._started().get()

    async def receive(self) -> Any:
        """The next message; StopAsyncIteration once the subscription has ended."""
        return await self._started().get()

    def _started(self) -> Inbox:
        if self._inbox is None:
            raise RuntimeError("start the subscription first: `async with scope.subscribe(g) "
                               "as sub:` or `sub = await scope.subscribe(g)`")
        return self._inbox

    @property
    def pid(self) -> Pid:
        """The member process (send to it directly, or see it in get_members)."""
        pid = self._started().pid
        assert pid is not None
        return pid

    @property
    def open(self) -> bool:
        return self._inbox is not None and self._inbox.open

    @property
    def reason(self) -> Any:
        """None while open; else why it ended: "closed", "scope stopped", "shutdown" (the node
        stopped), "killed", ..."""
        return self._inbox.reason if self._inbox is not None else None

    @property
    def dropped(self) -> int:
        """Messages dropped because `max_pending` were already waiting."""
        return self._inbox.dropped if self._inbox is not None else 0

    def __len__(self) -> int:
        return len(self._inbox) if self._inbox is not None else 0

    # -- ending -------------------------------------------------------------------------------------
    async def close(self) -> None:
        """Leave the group and stop the member process. Idempotent."""
        self._close()

    def _close(self) -> None:
        inbox = self._inbox
        if inbox is None or not inbox.open:
            return
        pid = inbox.pid
        if pid is not None and self.scope.running:
            try:
                self.scope.leave(self.group, pid)  # synchronous: peers are told now
            except NoScopeError:
                pass
        inbox.close()

    def __repr__(self) -> str:
        state = "open" if self.open else f"ended ({self.reason})"
        who = f" {self._inbox.pid}" if self._inbox is not None else ""
        return f"<Subscription {self.group!r}{who} in scope {self.scope.name!r} {state}>"


def _identity(msg: Any) -> Any:
    return msg
