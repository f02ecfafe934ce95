"""A cluster event as a line people read (Qt-free): the replay window's event list.

`pgviz.trace.describe` writes the shell's `--trace`, terse and complete for tools ("alice     0
^  node up: bob@127.0.0.1"); a replay's list is read by a class, so it says who did what:
"alice: connected to bob", "bob → alice: pg join room <bob.4>". The trace line stays
available as the row's tooltip.
"""

from __future__ import annotations

from typing import Any

from ..events import (
    Clock,
    Deliver,
    Event,
    Exit,
    Fault,
    Join,
    Leave,
    NodeDown,
    NodeUp,
    Overflow,
    Received,
    ScopeView,
    Send,
    Spawn,
    Unwatched,
)
from ..trace import to_jsonable
from ..wire.render import escape_controls
from ..wire.terms import short_node
from .net_commands import kind_words

__all__ = ["event_words"]

MAX_PIDS = 6  # pids listed in a line; the rest are counted


def event_words(ev: Event, limit: int = 200) -> str:
    """ "alice: connected to bob"; control characters escaped, cut at `limit` (one line)."""
    text = escape_controls(f"{short_node(ev.node)}: {_words(ev)}")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _group(group: Any) -> str:
    return group if isinstance(group, str) else str(to_jsonable(group))


def _pids(pids: tuple[Any, ...]) -> str:
    shown = ", ".join(map(str, pids[:MAX_PIDS]))
    return shown + (f" and {len(pids) - MAX_PIDS} more" if len(pids) > MAX_PIDS else "")


def _scope(scope: str) -> str:
    return "" if scope == "pg" else f" (scope {scope})"


def _words(ev: Event) -> str:
    if isinstance(ev, Send):
        what = f"sends {kind_words(ev.kind)} to {short_node(ev.dst)}"
        return what + (f": {ev.summary}" if ev.summary else "")
    if isinstance(ev, Deliver):
        what = f"receives {kind_words(ev.kind)} from {short_node(ev.src)}"
        return what + (f": {ev.summary}" if ev.summary else "")
    if isinstance(ev, Join):
        return f"{_pids(ev.pids)} joined {_group(ev.group)}{_scope(ev.scope)}"
    if isinstance(ev, Leave):
        why = "" if ev.cause == "leave" else f" ({ev.cause})"
        return f"{_pids(ev.pids)} left {_group(ev.group)}{why}{_scope(ev.scope)}"
    if isinstance(ev, ScopeView):
        n = len(ev.groups)
        if n == 0:
            return f"knows no group yet{_scope(ev.scope)}"
        names = ", ".join(_group(g) for g, _pids in ev.groups[:MAX_PIDS])
        more = f" and {n - MAX_PIDS} more" if n > MAX_PIDS else ""
        return f"knows {n} group{'s' if n != 1 else ''}: {names}{more}{_scope(ev.scope)}"
    if isinstance(ev, Spawn):
        return f"started {ev.pid}" + (f" as {ev.name}" if ev.name else "")
    if isinstance(ev, Exit):
        return f"{ev.pid} exited ({ev.reason})"
    if isinstance(ev, NodeUp):
        return f"connected to {short_node(ev.peer)}"
    if isinstance(ev, NodeDown):
        return f"lost {short_node(ev.peer)}" + (f" ({ev.reason})" if ev.reason else "")
    if isinstance(ev, Fault):
        link = f"{short_node(ev.src)} – {short_node(ev.dst)}"
        detail = f" ({ev.detail})" if ev.detail else ""
        return {"cut": f"link {link} cut", "heal": f"link {link} healed"}.get(
            ev.what, f"link {link}: {ev.what}{detail}")
    if isinstance(ev, Clock):
        if ev.mode == "slow":
            return f"network clock: slow motion, {ev.seconds:.2g} s per link"
        return {"pause": "network clock paused"}.get(ev.mode, f"network clock {ev.mode}")
    if isinstance(ev, Overflow):
        return f"{ev.dropped} events lost (a listener fell behind)"
    if isinstance(ev, Received):
        return f"everything from {short_node(ev.peer)} arrived"
    if isinstance(ev, Unwatched):
        return f"no longer hears {short_node(ev.peer)}'s events"
    return ev.event
