"""The per-link outgoing queue: every frame of a directed link passes here before the transport.

Live and without faults it is a direct write (`direct`; the connection then coalesces a loop
iteration's frames into one write). Otherwise each frame waits here on its own: dropped
(grudge: the link is cut, as a pulled cable does), held (until released), delayed (latency) or
travelling (slow motion), each due at a network time of the node's NetClock, never overtaking
the frame before it. A paused clock freezes every link; `release` lets one frame go (a step).
Ticks never queue here: the connection writes them past the queue, so a pause of minutes never
times a link out.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .clock import NetClock
from .faults import Faults

__all__ = ["Link", "HeldFrame", "NotFirst"]


class NotFirst(ValueError):
    """A frame cannot go before the frames queued ahead of it on its link (FIFO)."""


@dataclass(frozen=True, slots=True)
class HeldFrame:
    id: str  # the frame's cluster-unique id (the one its send/deliver events carry)
    src: str
    dst: str
    sent: float  # wall-clock seconds when it was queued
    due: float  # network time (NetClock.now) when it goes out, unless paused or held
    size: int
    first: bool  # at the head of its link: the next to go


class Link:
    __slots__ = ("_loop", "_write", "_faults", "_clock", "src", "dst", "_queue", "_timer",
                 "_unsubs", "dropped", "_on_drop", "_frame_id", "_last_due", "direct")

    def __init__(self, loop: asyncio.AbstractEventLoop, write: Callable[[bytes], None],
                 faults: Faults | None, src: str, dst: str,
                 on_drop: Callable[[], None] | None = None, *,
                 clock: NetClock | None = None,
                 frame_id: Callable[[int], str] | None = None) -> None:
        self._loop = loop
        self._write = write
        self._faults = faults
        self._clock = clock if clock is not None else NetClock(loop.time)
        self.src = src
        self.dst = dst
        # [due (network time), frame, sequence number on this link, wall-clock time queued]
        self._queue: deque[tuple[float, bytes, int, float]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self.dropped = 0
        self._on_drop = on_drop
        self._frame_id = frame_id or str
        self._last_due = 0.0
        # Nothing waits and nothing would: frames may be written (and coalesced) at once. An
        # attribute, kept by _settle() whenever the queue, the clock or the faults change:
        # every frame of a live link reads it, twice.
        self.direct = True
        self._unsubs = [self._clock.subscribe(self._pump)]
        if faults is not None:
            self._unsubs.append(faults.subscribe(self._pump))
        self._settle()

    def _settle(self) -> None:
        f = self._faults
        self.direct = not self._queue and self._clock.live and (f is None or not f.active)

    @property
    def travel(self) -> float:
        """Network seconds a frame pushed now spends here, not counting those ahead of it."""
        f = self._faults
        return self._clock.travel + (f.delay_of(self.src, self.dst) if f is not None else 0.0)

    @property
    def queued(self) -> int:
        return sum(len(entry[1]) for entry in self._queue)

    def __len__(self) -> int:
        return len(self._queue)

    def push(self, data: bytes, seq: int = 0) -> None:
        """Queue one frame (or, when `direct`, write `data`: frames coalesced by the caller)."""
        if self.direct:
            self._write(data)
            return
        f = self._faults
        if f is not None and f.drops(self.src, self.dst):
            # pg (like OTP's) relies on "a lost message means the connection went down": a
            # dropped frame cuts the link, as a real cable does, and the heal resyncs.
            self._cut()
            return
        clock = self._clock
        travel = self.travel
        # FIFO: a frame never arrives before the one ahead of it, whatever its own travel.
        due = max(clock.now() + travel, self._last_due if self._queue else 0.0)
        self._last_due = due
        self._queue.append((due, data, seq, time.time()))
        self._pump()

    def tick(self, data: bytes) -> None:
        """A tick goes past the queue (a pause must not time the link out), unless the link
        drops frames: then it is lost like the rest, and the link is cut."""
        f = self._faults
        if f is not None and f.active and f.drops(self.src, self.dst):
            self._cut()
        else:
            self._write(data)

    def held(self) -> list[HeldFrame]:
        """The frames waiting on this link, oldest first."""
        return [HeldFrame(self._frame_id(seq), self.src, self.dst, sent, due, len(data), i == 0)
                for i, (due, data, seq, sent) in enumerate(self._queue)]

    def oldest(self) -> tuple[float, str] | None:
        """(wall-clock time queued, id) of the frame at the head, if any."""
        if not self._queue:
            return None
        _, _, seq, sent = self._queue[0]
        return sent, self._frame_id(seq)

    def release(self, frame_id: str | None = None) -> bool:
        """Send the first frame now (or the one with `frame_id`, which must be first: frames
        on one link never overtake each other). False when there is no such frame."""
        if not self._queue:
            return False
        if frame_id is not None and self._frame_id(self._queue[0][2]) != frame_id:
            if any(self._frame_id(seq) == frame_id for _, _, seq, _ in self._queue):
                first = self._frame_id(self._queue[0][2])
                raise NotFirst(f"frame {frame_id} waits behind {first} on the link "
                               f"{self.src} -> {self.dst}: frames on a link keep their order")
            return False
        _, data, _, _ = self._queue.popleft()
        self._write(data)
        self._pump()
        return True

    def drop(self, frame_id: str) -> bool:
        """Lose the frame `frame_id`: the link is cut, as when a cable loses what it carries
        (peers then resync, exactly as after a partition). False when it is not here."""
        if not any(self._frame_id(seq) == frame_id for _, _, seq, _ in self._queue):
            return False
        self._cut()
        return True

    def _cut(self) -> None:
        self.dropped += 1
        self._queue.clear()
        self._settle()
        if self._on_drop is not None:
            self._loop.call_soon(self._on_drop)

    def _pump(self) -> None:
        self._drain()
        self._settle()

    def _drain(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        queue = self._queue
        if not queue:
            return
        clock, f = self._clock, self._faults
        if clock.paused or (f is not None and f.holds(self.src, self.dst)):
            return
        now = clock.now()
        while queue:
            due = queue[0][0]
            if due > now:
                self._timer = self._loop.call_at(clock.to_loop_time(due), self._pump)
                return
            self._write(queue.popleft()[1])

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for unsub in self._unsubs:
            unsub()
        self._queue.clear()
