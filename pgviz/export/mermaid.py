"""A recording as a Mermaid `sequenceDiagram`: one participant per node, one arrow per frame.

Mermaid draws a message as one instantaneous arrow, so an arrow stands where its frame was
*delivered* in the causal order (`causal_order`); a frame that never arrived (its link went
down) is drawn where it was sent, as a lost message (`-x`). User messages are solid arrows,
pg's gossip dashed, distribution traffic open (`-)`). Membership changes, links going down and
partitions are notes on their node's lane.

Mermaid's grammar forbids `;` and `#` in a message and reads `<...>` as HTML, so those are
replaced by look-alikes (pids print as ‹alice.2›).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..events import Clock, Deliver, Event, Fault, Join, Leave, NodeDown, Send
from .filters import DEFAULT_FILTER, FrameFilter, category
from .labels import describe, one_line, short_names
from .order import causal_order

__all__ = ["to_mermaid", "MAX_TEXT"]

MAX_TEXT = 72
_ARROWS = {"user": "->>", "pg": "-->>", "distribution": "-)", "tick": "-)"}
_LOST = {"user": "-x", "pg": "--x", "distribution": "-x", "tick": "-x"}
_KEYWORDS = {"end", "participant", "actor", "loop", "alt", "else", "opt", "par", "and", "rect",
             "note", "over", "box", "critical", "break", "activate", "deactivate", "title",
             "autonumber", "off", "left", "right", "of", "links", "link", "properties",
             "details", "create", "destroy", "as", "sequencediagram"}
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]")


def to_mermaid(events: Iterable[Event], *, frames: FrameFilter = DEFAULT_FILTER,
               notes: bool = True, nodes: Iterable[str] = ()) -> str:
    ordered = causal_order(events)
    every = list(dict.fromkeys([*nodes, *(ev.node for ev in ordered),
                                *(x for ev in ordered if isinstance(ev, Send | Deliver)
                                  for x in (ev.src, ev.dst))]))
    names = short_names(every)
    ids = _participant_ids(every, names)
    out = ["sequenceDiagram"]
    out += [f"    participant {ids[n]} as {_text(names[n])}" for n in every]
    delivered = {ev.id for ev in ordered if isinstance(ev, Deliver)}
    notes_out = _Notes(ids, every, names)
    for ev in ordered:
        if isinstance(ev, Send | Deliver):
            if not frames.shows(ev.kind):
                continue
            if isinstance(ev, Send) and ev.id in delivered:
                continue  # drawn where it arrives
            out.append(_arrow(ev, ids, lost=isinstance(ev, Send)))
        elif notes:
            out.extend(notes_out.note(ev))
    return "\n".join(out) + "\n"


class _Notes:
    """Notes on the lanes; a partition every node reports, or a clock change, is one note."""

    def __init__(self, ids: dict[str, str], nodes: list[str], names: dict[str, str]) -> None:
        self.ids, self.names = ids, names
        self.span = f"{ids[nodes[0]]},{ids[nodes[-1]]}" if len(nodes) > 1 else ids[nodes[0]]
        self.partition = ""
        self.healed = False  # after a partition's heal note, the nodes' own heals are noise
        self.clock = ""

    def note(self, ev: Event) -> list[str]:
        if isinstance(ev, Fault) and (self.partition or ev.detail.startswith("partition")
                                      or (self.healed and ev.what == "heal")):
            if ev.what == "cut" and ev.detail != self.partition:
                self.partition, self.healed = ev.detail, False
                return [f"    Note over {self.span}: {_text(self._short(ev.detail))}"]
            if ev.what == "heal" and self.partition:
                self.partition, self.healed = "", True
                return [f"    Note over {self.span}: heal"]
            return []
        if isinstance(ev, Clock):
            text = describe(ev, self.names) or ""
            if text == self.clock:
                return []
            self.clock = text
            return [f"    Note over {self.span}: {_text(text)}"]
        if isinstance(ev, Join | Leave | NodeDown | Fault):
            said = describe(ev, self.names)
            if said:
                return [f"    Note over {self.ids[ev.node]}: {_text(said)}"]
        return []


    def _short(self, text: str) -> str:
        for full, short in self.names.items():
            text = text.replace(full, short)
        return text


def _arrow(ev: Send | Deliver, ids: dict[str, str], *, lost: bool) -> str:
    cat = category(ev.kind)
    arrow = (_LOST if lost else _ARROWS)[cat]
    label = one_line(ev.summary) if cat == "user" else ev.kind
    if lost:
        label += " (lost)"
    return f"    {ids[ev.src]}{arrow}{ids[ev.dst]}: {_text(label)}"


def _participant_ids(nodes: list[str], names: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in nodes:
        base = _UNSAFE_ID.sub("_", names[n]) or "node"
        if base.lower() in _KEYWORDS or base[0].isdigit():
            base = f"n_{base}"
        pid, i = base, 2
        while pid.lower() in used:
            pid, i = f"{base}_{i}", i + 1
        used.add(pid.lower())
        out[n] = pid
    return out


_REPLACE = str.maketrans({";": ",", "#": "♯", "<": "‹", ">": "›", "\n": " ", "%": "％"})


def _text(text: str) -> str:
    text = one_line(text.translate(_REPLACE))
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT - 1] + "…"
    return text or "·"
