"""`await scope.wait_for_members(group, n, timeout)`: until a group has n members in view."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..errors import NoScopeError
from ..wire.terms import Pid
from .watch import Watch

if TYPE_CHECKING:
    from .scope import Scope

__all__ = ["wait_for_members"]


async def wait_for_members(scope: Scope, group: Any, n: int = 1,
                           timeout: float | None = None) -> list[Pid]:
    """Return `scope.get_members(group)` as soon as it holds at least `n` members (counted as
    get_members counts them: a pid joined twice counts twice) -- at once if it already does.
    TimeoutError after `timeout` seconds (None: no limit); NoScopeError if the scope stops
    meanwhile. Event-driven (a pg monitor underneath), not polling."""
    if type(n) is not int or n < 0:
        raise ValueError(f"n is a count of members, got {n!r}")
    members = scope.get_members(group)
    if len(members) >= n:
        return members
    try:
        async with asyncio.timeout(timeout):
            async with Watch(scope, group) as watch:
                # The monitor's reply is the view at this instant: a member that joined
                # since the first look is in it.
                if len(watch.members) >= n:
                    return scope.get_members(group)
                async for _ in watch:
                    members = scope.get_members(group)
                    if len(members) >= n:
                        return members
    except TimeoutError:
        have = len(scope.get_members(group))
        raise TimeoutError(f"{group!r} has {have} of {n} members after {timeout} s") from None
    raise NoScopeError(f"pg scope {scope.name!r} stopped while waiting for members of "
                       f"{group!r} ({watch.reason})")
