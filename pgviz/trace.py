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
from collections.abc import Iterator
from typing import Any, NamedTuple

from .events import (
    Deliver,
    Event,
    Exit,
    Join,
    Leave,
    NodeDown,
    NodeUp,
    ScopeView,
    Send,
    Spawn,
)
from .wire.render import escape_controls, safe_repr
from .wire.terms import Pid, Ref, short_node

__all__ = ["to_jsonable", "describe", "format_event", "TraceRecorder", "MAX_DEPTH",
           "MAX_SIZE"]


MAX_DEPTH = 32  # containers rendered this deep; a deeper one becomes "[...]" (or "{...}")
MAX_SIZE = 100_000  # items plus characters of text rendered in one term; the rest is cut
_MAX_INT_BITS = 4096  # JSON printers refuse ints past 4,300 digits; none cross the wire

_DEEPER_LIST = "[...]"
_DEEPER_DICT = "{...}"
_MORE = "..."  # stands for the elements of a container left out past MAX_SIZE
_CUT = "…"  # ends a string cut at MAX_SIZE
_END = object()


def to_jsonable(term: Any) -> Any:
    """A JSON-friendly rendering of a term: pids and refs as their text, tuples as lists,
    bytes decoded as UTF-8 where possible (else as hex), dict keys as text.

    Terms come from peers, so the rendering is bounded and never raises: containers nested
    past MAX_DEPTH print as "[...]" ("{...}" for a dict), and past MAX_SIZE items and
    characters in all, strings are cut with "…" and containers end with a "..." element
    (a "..." key in a dict). It loops instead of recursing, so depth costs no Python frames
    (the result is at most MAX_DEPTH deep, which json.dumps and str() handle)."""
    try:
        return _Rendering().render(term, MAX_DEPTH)
    except Exception:  # a term no rule foresaw (an in-process object): still printable
        return f"<unprintable {type(term).__name__}>"


class _Frame(NamedTuple):
    items: Iterator[Any]  # the source container's elements, or a dict's (key, value) pairs
    out: list[Any] | dict[str, Any]
    depth: int  # containers that may still open below this one


class _Rendering:
    """One call of to_jsonable: the size budget its parts share, and an explicit stack."""

    def __init__(self) -> None:
        self.budget = MAX_SIZE

    def render(self, term: Any, depth: int) -> Any:
        root, frame = self._one(term, depth)
        stack = [frame] if frame is not None else []
        while stack:
            items, out, depth = stack[-1]
            entry: Any = next(items, _END)
            if entry is _END:
                stack.pop()
                continue
            if self.budget <= 0:
                if isinstance(out, dict):
                    out[_MORE] = _MORE
                else:
                    out.append(_MORE)
                stack.pop()
                continue
            if isinstance(out, dict):
                # A key is hashable, so it holds no list or dict: rendering it nests no
                # further than this one call.
                key = str(self.render(entry[0], depth))
                out[key], frame = self._one(entry[1], depth)
            else:
                rendered, frame = self._one(entry, depth)
                out.append(rendered)
            if frame is not None:
                stack.append(frame)
        return root

    def _one(self, term: Any, depth: int) -> tuple[Any, _Frame | None]:
        """The rendering of `term`; for a container, an empty one and the frame that fills it."""
        t = type(term)
        if t is list or t is tuple or t is dict:
            self.budget -= 1
            if depth <= 0:
                return (_DEEPER_DICT if t is dict else _DEEPER_LIST), None
            if t is dict:
                out: dict[str, Any] = {}
                return out, _Frame(iter(term.items()), out, depth - 1)
            items: list[Any] = []
            return items, _Frame(iter(term), items, depth - 1)
        if t is str:
            return self._text(term), None
        if t is int:
            self.budget -= 1
            bits = term.bit_length()
            return (term if bits <= _MAX_INT_BITS else f"<int of {bits} bits>"), None
        if t is float or t is bool or term is None:
            self.budget -= 1
            return term, None
        if t is Pid or t is Ref:
            return self._text(str(term)), None
        if t is bytes:
            try:
                return self._text(term.decode()), None
            except UnicodeDecodeError:
                return self._text(term.hex()), None
        return self._text(safe_repr(term)), None

    def _text(self, text: str) -> str:
        budget = self.budget
        self.budget -= max(len(text), 1)
        return text if len(text) <= budget else text[: max(budget, 0)] + _CUT


def describe(ev: Event) -> str:
    """One human-readable line for a typed event (the shell's --trace output). Summaries and
    groups hold peers' data: control characters are escaped, so it is always one line."""
    return escape_controls(f"{short_node(ev.node)} {ev.lc:>5} " + _describe(ev))


def _describe(ev: Event) -> str:
    if isinstance(ev, (Send, Deliver)):
        arrow = "->" if isinstance(ev, Send) else "<-"
        peer = ev.dst if isinstance(ev, Send) else ev.src
        return f"{arrow} {short_node(peer)} [{ev.kind}] {ev.size}B {ev.id}: {ev.summary}"
    if isinstance(ev, (Join, Leave)):
        cause = f" ({ev.cause})" if isinstance(ev, Leave) and ev.cause != "leave" else ""
        return (f"pg {ev.scope}: {ev.event} {to_jsonable(ev.group)!s} "
                f"{' '.join(map(str, ev.pids))}{cause}")
    if isinstance(ev, ScopeView):
        return f"pg {ev.scope}: view of {len(ev.groups)} groups"
    if isinstance(ev, Spawn):
        return f"+  spawned {ev.pid}" + (f" as {ev.name}" if ev.name else "")
    if isinstance(ev, Exit):
        return f"x  {ev.pid} exited: {ev.reason}"
    if isinstance(ev, NodeUp):
        return f"^  node up: {ev.peer}"
    if isinstance(ev, NodeDown):
        return f"v  node down: {ev.peer} ({ev.reason})"
    fields = {k: v for k, v in ev.to_dict().items() if k not in ("event", "node", "t", "lc")}
    return f"{ev.event} {fields}"


def format_event(ev: dict[str, Any]) -> str:
    """One human-readable line per event (the headless shell's --trace output). Summaries
    and groups hold peers' data: control characters are escaped, so it is always one line."""
    return escape_controls(_format_event(ev))


def _format_event(ev: dict[str, Any]) -> str:
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
