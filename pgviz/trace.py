"""Text for people: terms as JSON-friendly data (`to_jsonable`) and typed events as one line
each (`describe`, the headless shell's --trace output).

Both are bounded and never raise: they print what peers sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from .events import (
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
from .wire.render import escape_controls, safe_repr
from .wire.terms import Pid, Ref, short_node

__all__ = ["to_jsonable", "describe", "MAX_DEPTH", "MAX_SIZE"]


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


def describe(ev: Event, limit: int = 240) -> str:
    """One human-readable line for a typed event (the shell's --trace, the replay's event
    list): "alice    12 -> bob [join] 84B ...". Summaries and groups hold peers' data:
    control characters are escaped and the line is cut at `limit`, so it is always one line."""
    text = escape_controls(f"{short_node(ev.node)} {ev.lc:>5} " + _describe(ev))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pids(pids: tuple[Any, ...]) -> str:
    shown = " ".join(map(str, pids[:8]))
    return shown + (f" … (+{len(pids) - 8})" if len(pids) > 8 else "")


def _describe(ev: Event) -> str:
    if isinstance(ev, (Send, Deliver)):
        arrow = "->" if isinstance(ev, Send) else "<-"
        peer = ev.dst if isinstance(ev, Send) else ev.src
        return f"{arrow} {short_node(peer)} [{ev.kind}] {ev.size}B {ev.id}: {ev.summary}"
    if isinstance(ev, (Join, Leave)):
        cause = f" ({ev.cause})" if isinstance(ev, Leave) and ev.cause != "leave" else ""
        return f"pg {ev.scope}: {ev.event} {to_jsonable(ev.group)!s} {_pids(ev.pids)}{cause}"
    if isinstance(ev, ScopeView):
        n = len(ev.groups)
        return f"pg {ev.scope}: view of {n} group{'s' if n != 1 else ''}"
    if isinstance(ev, Spawn):
        return f"+  spawned {ev.pid}" + (f" as {ev.name}" if ev.name else "")
    if isinstance(ev, Exit):
        return f"x  {ev.pid} exited: {ev.reason}"
    if isinstance(ev, NodeUp):
        return f"^  node up: {ev.peer}"
    if isinstance(ev, NodeDown):
        return f"v  node down: {ev.peer} ({ev.reason})"
    if isinstance(ev, Fault):
        return f"!  fault {ev.what} {short_node(ev.src)} -> {short_node(ev.dst)} {ev.detail}".rstrip()
    if isinstance(ev, Clock):
        return f"@  clock {ev.mode}" + (f" {ev.seconds:g} s" if ev.mode == "slow" else "")
    if isinstance(ev, Overflow):
        return f"?  {ev.dropped} events lost (a listener fell behind)"
    if isinstance(ev, Received):
        return f"<= everything from {short_node(ev.peer)} up to {ev.id} arrived"
    if isinstance(ev, Unwatched):
        return f"-  no longer hears {short_node(ev.peer)}'s events"
    fields = {k: v for k, v in ev.to_dict().items() if k not in ("event", "node", "t", "lc")}
    return f"{ev.event} {fields}"
