"""A recording as a ShiViz log: one line per event with the host's vector timestamp.

ShiViz (https://bestchai.bitbucket.io/shiviz/) draws a space-time diagram from a log whose
lines it reads with a regular expression holding the named groups `host`, `clock` (a JSON
object host -> count) and `event`. Each host's own count starts at 1 and grows by one per
event; a `deliver` merges the clock its `send` carried, so ShiViz can draw the message.

Vector clocks are computed here from the recording, in its causal order: every event shown
ticks its node's own entry; a deliver first takes the element-wise maximum with its send's
clock. Frames the filter hides take no part (their causality is simply not drawn).

`ShivizLog.file_text()` is the file to upload: the regular expression on the first line, an
empty second line (no multiple executions), then the log. `REGEX` is what to paste in
ShiViz's regular expression field when pasting the log itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from ..events import Deliver, Event, Send
from .filters import DEFAULT_FILTER, FrameFilter, category
from .labels import describe, one_line, short_names
from .order import causal_order

__all__ = ["to_shiviz", "ShivizLog", "REGEX", "PYTHON_REGEX"]

#: ShiViz's (JavaScript) syntax for named groups.
REGEX = r"^(?<host>\S+) (?<clock>\{[^}]*\}) (?<event>.*)$"
#: The same expression in Python's `re` syntax.
PYTHON_REGEX = REGEX.replace("(?<", "(?P<")


@dataclass(frozen=True, slots=True)
class ShivizLog:
    regex: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def file_text(self) -> str:
        return f"{self.regex}\n\n{self.text}"


def to_shiviz(events: Iterable[Event], *, frames: FrameFilter = DEFAULT_FILTER,
              local: bool = True) -> ShivizLog:
    ordered = causal_order(events)
    every = list(dict.fromkeys([*(ev.node for ev in ordered),
                                *(x for ev in ordered if isinstance(ev, Send | Deliver)
                                  for x in (ev.src, ev.dst))]))
    names = short_names(every)
    clocks: dict[str, dict[str, int]] = {}
    carried: dict[str, dict[str, int]] = {}  # frame id -> the clock its send carried
    lines: list[str] = []
    for ev in ordered:
        if isinstance(ev, Send | Deliver):
            if not frames.shows(ev.kind):
                continue
            text = _frame_text(ev, names)
        elif local:
            described = describe(ev, names)
            if described is None:
                continue
            text = described
        else:
            continue
        host = names[ev.node]
        clock = clocks.setdefault(host, {})
        if isinstance(ev, Deliver):
            for h, c in carried.pop(ev.id, {}).items():
                if c > clock.get(h, 0):
                    clock[h] = c
        clock[host] = clock.get(host, 0) + 1
        if isinstance(ev, Send):
            carried[ev.id] = dict(clock)
        lines.append(f"{host} {json.dumps(clock, separators=(',', ':'))} {one_line(text)}")
    return ShivizLog(REGEX, tuple(lines))


def _frame_text(ev: Send | Deliver, names: dict[str, str]) -> str:
    what = one_line(ev.summary) if category(ev.kind) == "user" else ev.kind
    if isinstance(ev, Send):
        return f"send {ev.kind} #{ev.id} to {names[ev.dst]}: {what}"
    return f"deliver {ev.kind} #{ev.id} from {names[ev.src]}: {what}"
