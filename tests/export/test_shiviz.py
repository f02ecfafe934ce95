"""ShiViz log export: the regular expression reads every line, and the vector timestamps are
those ShiViz requires (own count from 1 in steps of 1; a deliver's clock dominates its send's)."""

from __future__ import annotations

import json
import re

from pgviz.events import Deliver, Send
from pgviz.export import PYTHON_REGEX, REGEX, to_shiviz
from pgviz.model import load_recording

FRAME = re.compile(r"^(send|deliver) \S+ #(\S+) ")


def check_shiviz(log_text: str) -> list[dict]:
    """Parse a ShiViz upload file with its own first line; returns the events, or fails."""
    regex_line, delimiter, *rest = log_text.split("\n")
    assert regex_line == REGEX and delimiter == ""
    pattern = re.compile(regex_line.replace("(?<", "(?P<"))
    assert pattern.pattern == PYTHON_REGEX
    counts: dict[str, int] = {}
    sends: dict[str, dict[str, int]] = {}
    parsed = []
    for number, line in enumerate(rest, 3):
        if not line:
            continue
        m = pattern.match(line)
        assert m, f"line {number} does not match the regex: {line!r}"
        host, clock, event = m["host"], json.loads(m["clock"]), m["event"]
        assert clock[host] == counts.get(host, 0) + 1, f"line {number}: {host}'s own count"
        for h, c in clock.items():  # nothing known of another host beyond what it did
            assert h == host or c <= counts.get(h, 0), f"line {number}: {h} ahead"
        counts[host] = clock[host]
        frame = FRAME.match(event)
        if frame and frame[1] == "send":
            sends[frame[2]] = clock
        elif frame:
            sent = sends.get(frame[2])
            assert sent is not None, f"line {number}: deliver before its send"
            assert all(clock.get(h, 0) >= c for h, c in sent.items()), \
                f"line {number}: deliver's clock does not dominate its send's"
            assert clock != sent
        parsed.append({"host": host, "clock": clock, "event": event})
    return parsed


def test_a_recorded_session_gives_a_log_shiviz_reads(recording_path):
    events = load_recording(recording_path).events
    log = to_shiviz(events)
    parsed = check_shiviz(log.file_text())
    assert {p["host"] for p in parsed} == {"alice", "bob", "carol"}
    delivers = [p for p in parsed if p["event"].startswith("deliver ")]
    assert len(delivers) > 10
    assert not any(" tick " in p["event"] for p in parsed)


def test_a_deliver_listed_before_its_send_still_merges_the_sends_clock():
    a, b = "a@h", "b@h"
    common = dict(src=a, dst=b, kind="user", size=1, summary="hi")
    events = [Deliver(node=b, t=2.0, lc=2, id="f", **common),
              Send(node=a, t=1.0, lc=1, id="f", **common)]
    parsed = check_shiviz(to_shiviz(events).file_text())
    assert [p["clock"] for p in parsed] == [{"a": 1}, {"b": 1, "a": 1}]
