"""Recordings: a cluster's events as JSON Lines, and their replay into a ClusterModel.

Format (version 1): a header line {"pgviz_recording": 1, "started": t, "nodes": [...]}, then
one event per line in its `to_dict()` form. Reading is forgiving and says what it skipped: a
line that is not JSON, a torn last line, an unknown event kind, or a newer format version give
a `problems` entry each and the rest is loaded; only a file with no usable header and no
event at all is an error.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..events import Event, EventError
from .cluster import ClusterModel, Snapshot

__all__ = ["Recorder", "Recording", "RecordingError", "load_recording", "Replay", "VERSION"]

VERSION = 1
CHECKPOINT_EVERY = 500


class RecordingError(ValueError):
    """A file that holds no recording at all."""


class Recorder:
    """Writes events to `path` as they come (use it as a listener: `recorder(ev)`)."""

    def __init__(self, path: str | Path, nodes: Iterable[str] = (),
                 started: float | None = None) -> None:
        self.path = Path(path)
        self.count = 0
        self._file: IO[str] | None = self.path.open("w", encoding="utf-8")
        header = {"pgviz_recording": VERSION, "started": started or time.time(),
                  "nodes": list(nodes)}
        self._file.write(json.dumps(header) + "\n")

    def __call__(self, ev: Event) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps(ev.to_dict(), default=str) + "\n")
        self.count += 1
        if self.count % 256 == 0:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def recording(self) -> bool:
        return self._file is not None


@dataclass
class Recording:
    header: dict[str, Any]
    events: list[Event]
    problems: list[str] = field(default_factory=list)

    @property
    def nodes(self) -> list[str]:
        named = [n for n in self.header.get("nodes", []) if isinstance(n, str)]
        seen = dict.fromkeys(named)
        for ev in self.events:
            seen.setdefault(ev.node)
        return list(seen)


def load_recording(path: str | Path) -> Recording:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise RecordingError(f"cannot read {path}: {exc.strerror or exc}") from None
    lines = text.split("\n")
    torn = bool(lines and lines[-1].strip())  # no newline after the last line
    header: dict[str, Any] | None = None
    events: list[Event] = []
    problems: list[str] = []
    unknown: dict[str, int] = {}
    parse = json.JSONDecoder().decode
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():
            continue
        try:
            data = parse(line)
        except ValueError:
            last = number == len(lines) and torn
            problems.append(f"line {number}: {'torn last line' if last else 'not JSON'}"
                            " (skipped)")
            continue
        if header is None and isinstance(data, dict) and "pgviz_recording" in data:
            header = data
            version = data.get("pgviz_recording")
            if not isinstance(version, int) or version > VERSION:
                problems.append(f"recording format {version!r} is newer than this pgviz "
                                f"reads ({VERSION}); loading what it understands")
            continue
        try:
            events.append(Event.from_dict(data))
        except EventError as exc:
            kind = data.get("event") if isinstance(data, dict) else None
            if isinstance(kind, str) and "unknown event kind" in str(exc):
                unknown[kind] = unknown.get(kind, 0) + 1
            else:
                problems.append(f"line {number}: {exc} (skipped)")
    for kind, n in unknown.items():
        problems.append(f"{n} event(s) of unknown kind {kind!r} skipped")
    if header is None:
        if not events:
            raise RecordingError(f"{path} is not a pgviz recording (no header, no events)")
        problems.insert(0, "no header line; events loaded anyway")
        header = {"pgviz_recording": VERSION, "started": events[0].t, "nodes": []}
    return Recording(header, events, problems)


class Replay:
    """Random access into a recording: the snapshot after any number of events, quickly
    (a checkpoint model every CHECKPOINT_EVERY events, folded forward from the nearest)."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.events = recording.events
        self.times = [ev.t for ev in self.events]
        # File order is the timeline; clocks of different nodes may disagree slightly.
        for i in range(1, len(self.times)):
            if self.times[i] < self.times[i - 1]:
                self.times[i] = self.times[i - 1]
        self._checkpoints: list[tuple[int, ClusterModel]] = []
        model = ClusterModel()
        for i, ev in enumerate(self.events):
            if i % CHECKPOINT_EVERY == 0:
                self._checkpoints.append((i, _copy(model)))
            model.feed(ev)
        self._end = model

    def __len__(self) -> int:
        return len(self.events)

    @property
    def start(self) -> float:
        return self.times[0] if self.times else 0.0

    @property
    def end(self) -> float:
        return self.times[-1] if self.times else 0.0

    def index_at(self, t: float) -> int:
        """How many events happened at or before time t."""
        return bisect.bisect_right(self.times, t)

    def snapshot_at(self, count: int) -> Snapshot:
        """The snapshot after the first `count` events."""
        count = max(0, min(count, len(self.events)))
        if count == len(self.events):
            return self._end.snapshot()
        k = bisect.bisect_right([c for c, _ in self._checkpoints], count) - 1
        start, base = self._checkpoints[max(k, 0)]
        model = _copy(base)
        for ev in self.events[start:count]:
            model.feed(ev)
        return model.snapshot()


def _copy(model: ClusterModel) -> ClusterModel:
    return model.copy()
