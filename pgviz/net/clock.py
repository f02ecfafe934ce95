"""The network clock of one node: live, slow motion or paused, in a time that stops.

Frames wait on their link until a due time measured on `now()`, the node's *network time*: the
loop's clock minus the time spent paused. A pause freezes network time, so a frame that had
0.4 s of its 1.5 s travel left still has 0.4 s left after the pause, however long it was, and
its dot can be drawn where it froze. The clock is a value per node; the cluster-wide agreement
(who set it last) is NetControl's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

__all__ = ["NetClock", "LIVE", "SLOW", "PAUSE", "MIN_TRAVEL", "MAX_TRAVEL", "check_travel"]

LIVE, SLOW, PAUSE = "live", "slow", "pause"
MIN_TRAVEL = 0.0
MAX_TRAVEL = 3600.0  # an hour per hop is already absurd; more is surely a typo


def check_travel(seconds: object) -> float:
    """A travel time from a person or a peer: a finite number of seconds in range."""
    if type(seconds) not in (int, float) or isinstance(seconds, bool):
        raise ValueError(f"a travel time is a number of seconds, not {seconds!r}")
    value = float(seconds)  # type: ignore[arg-type]
    if not math.isfinite(value) or value < MIN_TRAVEL or value > MAX_TRAVEL:
        raise ValueError(f"a travel time is between 0 and {MAX_TRAVEL:g} s, not {value:g}")
    return value


class NetClock:
    __slots__ = ("travel", "paused", "_now", "_paused_at", "_paused_total", "_listeners")

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.travel = 0.0  # seconds every frame spends on its link (0: live)
        self.paused = False
        self._now = now
        self._paused_at = 0.0
        self._paused_total = 0.0
        self._listeners: list[Callable[[], None]] = []

    @property
    def mode(self) -> str:
        if self.paused:
            return PAUSE
        return SLOW if self.travel > 0 else LIVE

    @property
    def live(self) -> bool:
        """Frames go out at once (the hot path checks this and nothing else)."""
        return not self.paused and self.travel == 0.0

    def now(self) -> float:
        """Network time: the loop clock without the paused stretches."""
        if self.paused:
            return self._paused_at - self._paused_total
        return self._now() - self._paused_total

    def to_loop_time(self, network_time: float) -> float:
        """When (loop clock) network time reaches `network_time`, if nothing pauses before."""
        return network_time + self._paused_total

    def set(self, travel: float, paused: bool) -> bool:
        """Apply a clock; True when something changed (listeners are told)."""
        travel = check_travel(travel)
        if travel == self.travel and paused == self.paused:
            return False
        if paused and not self.paused:
            self._paused_at = self._now()
        elif not paused and self.paused:
            self._paused_total += self._now() - self._paused_at
        self.travel = travel
        self.paused = paused
        for cb in list(self._listeners):
            cb()
        return True

    def subscribe(self, cb: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(cb)
        return lambda: self._listeners.remove(cb) if cb in self._listeners else None
