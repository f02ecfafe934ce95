"""A node's ticks: a frame on every link at least every tick_time/4, and a link on which
nothing was heard for tick_time is closed (the peer is gone; see distribution.py's rules).

One timer per node, not per link: every quarter tick it walks the links that are up. A link
held on purpose (the classroom clock's pause, see faults.py) is not a dead peer. The tick frame
itself is the connection's (Connection.send_tick); nothing here runs per frame.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .distribution import Distribution

__all__ = ["Ticker"]


class Ticker:
    def __init__(self, dist: Distribution) -> None:
        self._dist = dist
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Tick until stop() (or until the distribution stops running)."""
        dist = self._dist
        self._timer = dist.loop.call_later(dist.tick_time / 4, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _tick(self) -> None:
        dist = self._dist
        try:
            now = dist.loop.time()
            faults = dist.faults
            for conn in list(dist.conns.values()):
                held = faults.holds(conn.peer_name or "", dist.name)
                if now - conn.last_recv > dist.tick_time and not held:
                    # (A link held on purpose -- classroom pause -- is not a dead peer.)
                    conn.close(f"no tick from {conn.peer_name} for {dist.tick_time:g} s",
                               log_level=logging.WARNING, abort=True)
                elif now - conn.last_send >= dist.tick_time / 4 - 0.01:
                    conn.send_tick()
                if held:
                    conn.last_recv = now
        finally:
            if dist.running:
                self.start()
