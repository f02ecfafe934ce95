"""`scope.watch(group)` / `scope.watch_scope()`: pg's monitor notifications as typed objects.

    async with node.pg.watch("room") as w:
        print(w.members)                    # the members when watching started
        async for change in w:              # MembershipChange(kind="join", group, pids, scope)
            print(change.kind, change.pids, w.members)

Underneath: a process subscribed with `scope.monitor(group, pid)` (or `monitor_scope(pid)`),
whose `(ref, "join" | "leave", group, [pids])` notifications become `MembershipChange`s. OTP's
monitor call returns the current members and registers the subscriber in one step, so nothing
happens between reading the members and watching: `w.members` (`w.groups` for the whole
scope) starts from that reply, and is brought up to date by each change as the iteration
yields it -- after a change it is the view that change leads to. Notifications keep OTP's
payloads: a list leave names the pids as passed, members or not.

Ends (after the notifications already received) when the scope stops or the node stops;
`close()` / leaving the `async with` demonitors and stops the process. Unbounded, like the
mailbox it reads: membership changes are not dropped, or `members` would be wrong.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import NoScopeError
from ..wire.terms import Pid, Ref
from .inbox import SKIP, Inbox

if TYPE_CHECKING:
    from .scope import Scope

__all__ = ["MembershipChange", "Watch"]

_WHOLE_SCOPE = object()


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """One pg monitor notification: `pids` joined or left `group` of `scope`."""

    kind: Literal["join", "leave"]
    group: Any
    pids: tuple[Pid, ...]
    scope: str


class Watch:
    """Membership changes of one group (`scope.watch(group)`) or of every group of the scope
    (`scope.watch_scope()`), as an async iterator of MembershipChange."""

    def __init__(self, scope: Scope, group: Any = _WHOLE_SCOPE) -> None:
        self.scope = scope
        self._group = group
        self._inbox: Inbox | None = None
        self._ref: Ref | None = None
        self._groups: dict[Any, tuple[Pid, ...]] = {}

    @property
    def whole_scope(self) -> bool:
        return self._group is _WHOLE_SCOPE

    @property
    def group(self) -> Any:
        """The group watched (None for a whole-scope watch)."""
        return None if self.whole_scope else self._group

    # -- starting ----------------------------------------------------------------------------------
    def _start(self) -> Watch:
        if self._inbox is not None:
            raise RuntimeError("this watch was already started")
        scope = self.scope
        inbox = Inbox(scope.node, scope.pid, self._convert)
        pid = inbox.start()
        self._inbox = inbox
        try:
            if self.whole_scope:
                self._ref, groups = scope.monitor_scope(pid)
                self._groups = {g: tuple(pids) for g, pids in groups.items()}
            else:
                self._ref, pids = scope.monitor(self._group, pid)
                self._groups = {self._group: tuple(pids)} if pids else {}
        except BaseException:
            inbox.close()
            raise
        return self

    async def __aenter__(self) -> Watch:
        return self._start()

    async def __aexit__(self, *exc: object) -> None:
        self._close()

    def __await__(self) -> Generator[Any, None, Watch]:
        return self._start_async().__await__()

    async def _start_async(self) -> Watch:
        return self._start()

    def _convert(self, msg: Any) -> Any:
        if (type(msg) is tuple and len(msg) == 4 and msg[0] == self._ref
                and msg[1] in ("join", "leave")):
            return MembershipChange(msg[1], msg[2], tuple(msg[3]), self.scope.name)
        return SKIP  # not a notification of this watch (someone sent to its pid)

    # -- reading -----------------------------------------------------------------------------------
    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> MembershipChange:
        if self._inbox is None:
            raise RuntimeError("start the watch first: `async with scope.watch(g) as w:` or "
                               "`w = await scope.watch(g)`")
        change: MembershipChange = await self._inbox.get()
        self._apply(change)
        return change

    def _apply(self, change: MembershipChange) -> None:
        current = self._groups.get(change.group, ())
        if change.kind == "join":
            # OTP puts a join's pids first, in the order passed (get_members' order).
            self._groups[change.group] = change.pids + current
            return
        remaining = list(current)
        for pid in change.pids:  # one membership per pid named, as lists:delete
            if pid in remaining:
                remaining.remove(pid)
        if remaining:
            self._groups[change.group] = tuple(remaining)
        else:
            self._groups.pop(change.group, None)

    @property
    def members(self) -> tuple[Pid, ...]:
        """The watched group's members (a multiset: a pid joined twice is there twice), as of
        the last change the iteration yielded (or the start)."""
        if self.whole_scope:
            raise TypeError("a whole-scope watch has `groups`, not `members`")
        return self._groups.get(self._group, ())

    @property
    def groups(self) -> dict[Any, tuple[Pid, ...]]:
        """Every group watched with its members, as of the last change yielded (a copy)."""
        return dict(self._groups)

    @property
    def open(self) -> bool:
        return self._inbox is not None and self._inbox.open

    @property
    def reason(self) -> Any:
        """None while open; else why it ended ("closed", "scope stopped", "shutdown", ...)."""
        return self._inbox.reason if self._inbox is not None else None

    def __len__(self) -> int:
        """Changes received and not yet yielded."""
        return len(self._inbox) if self._inbox is not None else 0

    # -- ending ------------------------------------------------------------------------------------
    async def close(self) -> None:
        """Demonitor and stop the process. Idempotent."""
        self._close()

    def _close(self) -> None:
        inbox = self._inbox
        if inbox is None or not inbox.open:
            return
        if self._ref is not None and self.scope.running:
            try:
                self.scope.demonitor(self._ref)
            except NoScopeError:
                pass
        inbox.close()

    def __repr__(self) -> str:
        what = "the whole scope" if self.whole_scope else repr(self._group)
        state = "open" if self.open else f"ended ({self.reason})"
        return f"<Watch of {what} in scope {self.scope.name!r} {state}>"
