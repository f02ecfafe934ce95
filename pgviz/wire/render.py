"""Text of a term that came from someone else: bounded in size and depth, and never raising.

Anything a peer sends may end up in a log line, a shell event or a trace summary. Python's own
`repr` recurses without bound (a list nested 1,000 deep raises RecursionError while the log
record is formatted, and `logging` re-raises it) and prints control characters a terminal acts
on. These helpers cap both, so printing a peer's data can never break the code that prints it.
"""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = ["safe_repr", "escape_controls", "MAX_LEVEL"]

MAX_LEVEL = 6  # containers shown this deep; deeper ones print as [...]


class _BoundedRepr(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = MAX_LEVEL
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 12
        self.maxstring = 120
        self.maxother = 120

    def repr_instance(self, obj: Any, level: int) -> str:
        # Pid, Ref and anything else: its own repr, cut; a repr that raises is named instead.
        try:
            text = repr(obj)
        except Exception:
            return f"<unprintable {type(obj).__name__}>"
        return reprlib.Repr.repr_str(self, text, level)[1:-1] if len(text) > self.maxother \
            else text


_REPR = _BoundedRepr()


def safe_repr(term: Any, limit: int = 200) -> str:
    """A repr of `term` of at most `limit` characters, nested at most MAX_LEVEL deep, with
    control characters escaped; never raises."""
    try:
        text = _REPR.repr(term)
    except Exception:  # a hostile __repr__ deep inside, or anything else: still one line
        text = f"<unprintable {type(term).__name__}>"
    text = escape_controls(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_controls(text: str) -> str:
    """`text` with every control or bidi-formatting character written as an escape, so a
    peer's string cannot move the cursor, recolour a terminal or forge a new line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
