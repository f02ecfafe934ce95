"""One dial's outcome, handed to every connect() that shares it.

Both protocols (net/dials.py, erlang/dials.py) run one dial per target at a time and let
later connect() calls to that target await the same future. A dial that is cancelled (the
node stops) must not hand its waiters a CancelledError of a task they never owned: they get
a ConnectionRefused. The outcome is marked retrieved, so one nobody awaits is not logged as
"exception was never retrieved".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from .errors import ConnectionRefused

__all__ = ["settle"]


async def settle(result: asyncio.Future[str], attempt: Awaitable[str], target: str) -> None:
    """Await `attempt` (the dial) and set `result` to the peer's name or to the failure."""
    try:
        name = await attempt
    except BaseException as exc:
        if not result.done():
            result.set_exception(exc if isinstance(exc, Exception) else
                                 ConnectionRefused(f"dial to {target} cancelled"))
            result.exception()
    else:
        if not result.done():
            result.set_result(name)
