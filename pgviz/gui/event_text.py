"""One line of text per cluster event, for the replay's event list (Qt-free)."""

from __future__ import annotations

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
    ScopeView,
    Send,
    Spawn,
)
from ..wire.terms import short_node
from .picture import group_text

__all__ = ["describe"]

LIMIT = 160


def describe(ev: Event) -> str:
    """"alice: send join → bob  (join, <alice.2>, chat, <alice.5>)" and the like."""
    text = f"{short_node(ev.node)}: {_what(ev)}"
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def _pids(pids: tuple) -> str:
    return ", ".join(map(str, pids[:6])) + (f" … (+{len(pids) - 6})" if len(pids) > 6 else "")


def _what(ev: Event) -> str:
    if isinstance(ev, Send):
        return f"send {ev.kind} → {short_node(ev.dst)}  {ev.summary}"
    if isinstance(ev, Deliver):
        return f"deliver {ev.kind} from {short_node(ev.src)}"
    if isinstance(ev, Join):
        return f"join {group_text(ev.group)} ({ev.scope}): {_pids(ev.pids)}"
    if isinstance(ev, Leave):
        return f"leave {group_text(ev.group)} ({ev.scope}, {ev.cause}): {_pids(ev.pids)}"
    if isinstance(ev, ScopeView):
        n = len(ev.groups)
        return f"view of scope {ev.scope}: {n} group{'s' if n != 1 else ''}"
    if isinstance(ev, NodeUp):
        return f"nodeup {short_node(ev.peer)}"
    if isinstance(ev, NodeDown):
        return f"nodedown {short_node(ev.peer)}" + (f" ({ev.reason})" if ev.reason else "")
    if isinstance(ev, Spawn):
        return f"spawn {ev.pid}" + (f" ({ev.name})" if ev.name else "")
    if isinstance(ev, Exit):
        return f"exit {ev.pid} ({ev.reason})"
    if isinstance(ev, Fault):
        return f"fault {ev.what} {short_node(ev.src)} → {short_node(ev.dst)} {ev.detail}".rstrip()
    if isinstance(ev, Clock):
        return f"clock {ev.mode}" + (f" {ev.seconds:g} s" if ev.mode == "slow" else "")
    if isinstance(ev, Overflow):
        return f"{ev.dropped} events lost (a listener fell behind)"
    return ev.event
