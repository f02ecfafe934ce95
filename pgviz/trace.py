"""Trace events: plain data (msgpack- and JSON-able) describing what a node does.

A node reports to its observers (`node.add_observer(cb)`) every message it sends or receives,
membership changes, processes spawned and exited, and nodes going up and down:

    {"event": "send" | "recv", "t", "node", "peer", "op", "kind": "user"|"pg"|"control",
     "size", "to", "summary"[, "count"]}
    {"event": "local", "t", "node", "to", "kind", "summary"}
    {"event": "spawn", "t", "node", "pid", "name"} / {"event": "exit", ..., "pid", "reason"}
    {"event": "nodeup" | "nodedown", "t", "node", "peer"[, "reason"]}
    {"event": "membership", "t", "node", "scope", "change": "join"|"leave"|"sync", "group", "pids"}

Being plain data, events can be forwarded to another node (a cluster-wide trace) or recorded
and exported, e.g. as a Mermaid sequence diagram.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from .wire.terms import Pid, Ref, short_node

__all__ = ["to_jsonable", "format_event", "TraceRecorder"]


def to_jsonable(term: Any) -> Any:
    """A JSON-friendly rendering of a term: pids and refs as their text, tuples as lists,
    bytes decoded as UTF-8 where possible."""
    t = type(term)
    if t is Pid or t is Ref:
        return str(term)
    if t in (str, int, float, bool) or term is None:
        return term
    if t is bytes:
        try:
            return term.decode()
        except UnicodeDecodeError:
            return term.hex()
    if t in (list, tuple):
        return [to_jsonable(x) for x in term]
    if t is dict:
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in term.items()}
    return repr(term)


def format_event(ev: dict[str, Any]) -> str:
    """One human-readable line per event (the headless shell's --trace output)."""
    kind = ev.get("event")
    if kind in ("send", "recv"):
        arrow = "->" if kind == "send" else "<-"
        count = f" x{ev['count']}" if "count" in ev else ""
        return (f"{arrow} {short_node(ev['peer'])} {ev['op']} [{ev['kind']}] {ev['size']}B "
                f"to {ev['to']}{count}: {ev['summary']}")
    if kind == "local":
        return f".. local to {ev['to']} [{ev['kind']}]: {ev['summary']}"
    if kind == "spawn":
        return f"+  spawned {ev['pid']}" + (f" as {ev['name']}" if ev.get("name") else "")
    if kind == "exit":
        return f"x  {ev['pid']} exited: {ev['reason']}"
    if kind == "nodeup":
        return f"^  node up: {ev['peer']}"
    if kind == "nodedown":
        return f"v  node down: {ev['peer']} ({ev.get('reason', '')})"
    if kind == "membership":
        return (f"pg {ev['scope']}: {ev['change']} {to_jsonable(ev['group'])!s} "
                f"{' '.join(ev['pids'])}")
    return str(ev)


class TraceRecorder:
    """Keeps the last `limit` events of one or more nodes (use it as an observer)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.events: deque[dict[str, Any]] = deque(maxlen=limit)
        self.started = time.time()

    def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def messages(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") in ("send", "recv")]

    def to_mermaid(self, *, include_pg: bool = True) -> str:
        """A Mermaid sequenceDiagram of the messages sent (one arrow per sent message)."""
        lines = ["sequenceDiagram"]
        for ev in self.events:
            if ev.get("event") != "send" or (not include_pg and ev.get("kind") == "pg"):
                continue
            arrow = "->>" if ev.get("kind") == "user" else "-->>"
            label = str(ev.get("summary", "")).replace(";", ",").replace("\n", " ")
            lines.append(f"    {_actor(ev['node'])}{arrow}{_actor(ev['peer'])}: {label}")
        return "\n".join(lines) + "\n"


def _actor(node: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in short_node(node))
