"""Mermaid sequenceDiagram export: parsed by mermaid's own grammar, one arrow per frame shown."""

from __future__ import annotations

import pytest

from pgviz.events import Deliver, Join, Send
from pgviz.export import ALL_FRAMES, to_mermaid
from pgviz.model import load_recording
from pgviz.wire.terms import Pid

from .mermaid_check import mermaid_accepts, parser_file

needs_parser = pytest.mark.skipif(
    parser_file() is None,
    reason="mermaid-syntax-parser (PyPI) with pythonmonkey is not installed: "
           "pip install mermaid-syntax-parser")


def _frame(cls, fid, src, dst, kind, lc, t, summary="x", **kw):
    node = src if cls is Send else dst
    return cls(node=node, t=t, lc=lc, id=fid, src=src, dst=dst, kind=kind, size=10,
               summary=summary, **kw)


def test_a_recorded_session_exports_a_diagram_mermaid_parses(recording_path):
    events = load_recording(recording_path).events
    text = to_mermaid(events)
    assert text.startswith("sequenceDiagram\n")
    assert "    participant alice as alice" in text
    assert "Note over alice,carol: partition alice,bob | carol" in text
    assert "alice->>bob: (hello, room, ♯1 ‹b›) → ‹bob." in text  # ; # < > made safe
    if parser_file() is not None:
        assert mermaid_accepts([text, to_mermaid(events, frames=ALL_FRAMES)]) == [True, True]


@needs_parser
def test_the_checker_rejects_a_broken_diagram():
    """The grammar check is real: a malformed arrow fails it."""
    assert mermaid_accepts(["sequenceDiagram\n    a-/>>b: hi\n",
                            "sequenceDiagram\n    a->>b: hi\n"]) == [False, True]


def test_arrows_stand_where_frames_arrive_and_lost_frames_are_crossed():
    a, b = "a@h", "b@h"
    events = [
        _frame(Send, "1", a, b, "user", 1, 1.0, "first"),
        _frame(Send, "2", a, b, "join", 2, 1.1),
        Join(node=a, t=1.2, lc=3, scope="pg", group="room", pids=(Pid(a, 1, 0, 1),)),
        _frame(Deliver, "2", a, b, "join", 4, 1.3),  # file order: before the first deliver
        _frame(Deliver, "1", a, b, "user", 5, 1.4, "first"),
        _frame(Send, "3", b, a, "user", 6, 1.5, "never arrives"),
        _frame(Send, "4", a, b, "tick", 7, 1.6),
        _frame(Send, "5", a, b, "MONITOR_P", 8, 1.7),
    ]
    lines = to_mermaid(events).splitlines()
    body = [line.strip() for line in lines[3:]]
    assert body == ["Note over a: join room ‹a.1›", "a-->>b: join", "a->>b: first",
                    "b-xa: never arrives (lost)"]
    every = to_mermaid(events, frames=ALL_FRAMES)
    assert "a-xb: MONITOR_P (lost)" in every and "a-xb: tick (lost)" in every


def test_node_names_that_are_mermaid_keywords_get_safe_ids():
    events = [_frame(Send, "1", "end@h", "loop@h", "user", 1, 1.0),
              _frame(Deliver, "1", "end@h", "loop@h", "user", 2, 1.1)]
    text = to_mermaid(events)
    assert "participant n_end as end" in text and "n_end->>n_loop: x" in text
    if parser_file() is not None:
        assert mermaid_accepts([text]) == [True]
