"""The replay's playhead (Qt-free): where in the recording the view is, and how it moves.

The position is a number of events (`count`: the view shows the snapshot after the first
`count` events) and a time `t` on the recording's clock; playing advances `t` by wall-clock
time times `speed` and `count` follows it. Jumps (scrubbing to a time, next/previous event) set
both.
"""

from __future__ import annotations

from ..model import Replay

__all__ = ["Playhead", "SPEEDS"]

SPEEDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


class Playhead:
    def __init__(self, replay: Replay, count: int = 0) -> None:
        self.replay = replay
        self.speed = 1.0
        self.playing = False
        self.count = 0
        self.t = replay.start
        self.to_count(count)

    @property
    def total(self) -> int:
        return len(self.replay)

    @property
    def duration(self) -> float:
        return self.replay.end - self.replay.start

    @property
    def at_end(self) -> bool:
        return self.count >= self.total

    def to_count(self, count: int) -> None:
        """Stand just after the first `count` events."""
        self.count = max(0, min(count, self.total))
        if self.count == 0:
            self.t = self.replay.start
        else:
            self.t = self.replay.times[self.count - 1]

    def to_time(self, t: float) -> None:
        self.t = max(self.replay.start, min(t, self.replay.end))
        self.count = self.replay.index_at(self.t)

    def step(self, n: int) -> None:
        """n events forward (or back)."""
        self.to_count(self.count + n)

    def set_speed(self, speed: float) -> None:
        self.speed = max(SPEEDS[0], min(SPEEDS[-1], float(speed)))

    def play(self) -> None:
        if self.at_end:
            self.to_count(0)
        self.playing = self.total > 0

    def pause(self) -> None:
        self.playing = False

    def advance(self, wall_seconds: float) -> tuple[int, int]:
        """Move on by `wall_seconds` of playing; returns (old count, new count). Stops at
        the end."""
        old = self.count
        if not self.playing:
            return old, old
        self.t = min(self.t + wall_seconds * self.speed, self.replay.end)
        self.count = self.replay.index_at(self.t)
        if self.count >= self.total:
            self.count = self.total
            self.playing = False
        return old, self.count
