"""Logging of what peers do wrong, at a rate no peer controls.

A hostile or broken peer can send bad frames, fail handshakes and open connections as fast as
the network allows; one log line each turned a fuzz run into 127,716 lines. Here the first
occurrence of each kind of fault is logged at once, and the ones that follow within
`interval` seconds are only counted, then summarised in one line when that kind occurs again
after the interval (or when `flush()` is called). Memory is bounded by the number of kinds,
which are fixed strings chosen by the caller, never peer data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RateLimitedLog"]


class _Window:
    __slots__ = ("start", "suppressed", "level")

    def __init__(self, start: float, level: int) -> None:
        self.start = start
        self.suppressed = 0
        self.level = level


class RateLimitedLog:
    def __init__(self, logger: logging.Logger, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self.counts: dict[str, int] = {}  # every occurrence, logged or not, by kind
        self._windows: dict[str, _Window] = {}

    def log(self, level: int, kind: str, msg: str, *args: object) -> None:
        """Log `msg % args` unless `kind` was logged less than `interval` seconds ago."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        now = self.clock()
        window = self._windows.get(kind)
        if window is not None and now - window.start < self.interval:
            window.suppressed += 1
            return
        if window is not None:
            self._summarise(kind, window, now)
        self._windows[kind] = _Window(now, level)
        self.logger.log(level, msg, *args)

    def flush(self) -> None:
        """Say now how many were suppressed, for every kind."""
        now = self.clock()
        for kind, window in self._windows.items():
            self._summarise(kind, window, now)
            window.suppressed = 0

    def _summarise(self, kind: str, window: _Window, now: float) -> None:
        if window.suppressed:
            self.logger.log(window.level, "%d more of: %s (in the last %.0f s)",
                            window.suppressed, kind, now - window.start)
