"""Which frames a diagram or an export shows: the kinds of traffic and the default filter.

A frame's `kind` (see pgviz.events.FrameEvent) is "user" for a user's message, pg's message
name for the scope protocol ("discover", "sync", "join", "leave"), else the distribution
layer's control name ("MONITOR_P", "EXIT", "NETCTL" ...; "tick" for keep-alives). A class
wants to see the messages and pg's gossip; ticks and the distribution's housekeeping drown
them, so they are hidden unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PG_MESSAGES", "TICKS", "category", "FrameFilter", "DEFAULT_FILTER", "ALL_FRAMES"]

PG_MESSAGES = frozenset({"discover", "sync", "join", "leave"})
TICKS = frozenset({"tick", "TICK"})


def category(kind: str) -> str:
    """A frame kind -> "user", "pg", "tick" or "distribution"."""
    if kind == "user":
        return "user"
    if kind in PG_MESSAGES:
        return "pg"
    if kind in TICKS:
        return "tick"
    return "distribution"


@dataclass(frozen=True, slots=True)
class FrameFilter:
    """What to show, by category. The default hides ticks and distribution traffic."""
    user: bool = True
    pg: bool = True
    distribution: bool = False
    ticks: bool = False

    def shows(self, kind: str) -> bool:
        cat = category(kind)
        if cat == "tick":
            return self.ticks
        return bool(getattr(self, cat))


DEFAULT_FILTER = FrameFilter()
ALL_FRAMES = FrameFilter(distribution=True, ticks=True)
