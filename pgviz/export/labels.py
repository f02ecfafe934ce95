"""Short, stable names for nodes and one-line descriptions of events, shared by the exports."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..events import Clock, Event, Exit, Fault, Join, Leave, NodeDown, NodeUp, Spawn

__all__ = ["short_names", "describe", "group_text"]


def short_names(nodes: Iterable[str]) -> dict[str, str]:
    """Full node name -> the part before "@" when that is unique, else the full name."""
    nodes = list(dict.fromkeys(nodes))
    shorts = [n.split("@", 1)[0] for n in nodes]
    return {n: s if shorts.count(s) == 1 else n for n, s in zip(nodes, shorts, strict=True)}


def group_text(group: Any) -> str:
    return group if isinstance(group, str) else repr(group)


def _pids(pids: Iterable[Any]) -> str:
    return ", ".join(str(p) for p in pids)


def describe(ev: Event, names: dict[str, str]) -> str | None:
    """What a local event says on its node's lane; None for events a diagram leaves out."""
    name = names.get
    if type(ev) is Join:
        return f"join {group_text(ev.group)} {_pids(ev.pids)}"
    if type(ev) is Leave:
        cause = "" if ev.cause == "leave" else f" ({ev.cause})"
        return f"leave {group_text(ev.group)} {_pids(ev.pids)}{cause}"
    if type(ev) is NodeUp:
        return f"nodeup {name(ev.peer, ev.peer)}"
    if type(ev) is NodeDown:
        return f"nodedown {name(ev.peer, ev.peer)} ({ev.reason})"
    if type(ev) is Fault:
        detail = ev.detail
        for full, short in names.items():
            detail = detail.replace(full, short)
        detail = f" ({detail})" if detail else ""
        return f"{ev.what} link to {name(ev.dst, ev.dst)}{detail}"
    if type(ev) is Clock:
        return f"clock {ev.mode}" + (f" {ev.seconds:g} s" if ev.mode == "slow" else "")
    if type(ev) is Spawn:
        return f"spawn {ev.pid}" + (f" ({ev.name})" if ev.name else "")
    if type(ev) is Exit:
        return f"exit {ev.pid} ({ev.reason})"
    return None


_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
