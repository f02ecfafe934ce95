"""Dials that gave way to a rival connection, waiting for that connection's link by name.

When two nodes dial each other at once, one dial is refused so that the other connection
lives; the refused dial's result is then that connection's link. pgviz's own protocol
(net/dials.py) and Erlang's (erlang/distribution.py) both wait this way. A wait leaves nothing
behind however it ends (the link came up, it timed out, it was cancelled): a peer that keeps
refusing must not grow the table.
"""

from __future__ import annotations

import asyncio

__all__ = ["NameWaiters"]


class NameWaiters(dict[str, set[asyncio.Future[None]]]):
    """Peer name -> the futures waiting for a link to it."""

    async def wait(self, name: str, loop: asyncio.AbstractEventLoop, timeout: float) -> bool:
        """True when `wake(name)` came within `timeout` seconds, False when it did not."""
        fut: asyncio.Future[None] = loop.create_future()
        self.setdefault(name, set()).add(fut)
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            waiters = self.get(name)
            if waiters is not None:
                waiters.discard(fut)
                if not waiters:
                    del self[name]

    def wake(self, name: str) -> None:
        """A link to `name` came up: every wait for it ends."""
        for fut in self.pop(name, ()):
            if not fut.done():
                fut.set_result(None)
