"""Long scope work in slices, so that a node's event loop never stalls for long.

A scope runs on the node's event loop, which also sends and reads the distribution's ticks: a
handler that holds the loop past the tick time gets the node dropped by its peers. OTP's
scheduler preempts a long-running process; here the long handlers (a sync that touches many
groups, a departed peer's cleanup, a sync or a join too big for one frame) are generators that
yield between units of work, and these two queues run them at most SLICE seconds per loop
iteration.

* InboundQueue: the scope's messages, handled in arrival order. While a job is unfinished, the
  messages that arrive queue behind it, so the scope still handles one message at a time, in
  order, as OTP's gen_server does (per-sender FIFO holds; so does everything else). A job
  changes one group at a time, the group's row and its notification together, so between two
  slices each group is in a state that the same messages and calls, in some order, produce
  (as an ETS reader of OTP's sees a sync change one group after another).
* Outboxes: per peer scope, messages waiting to be sent. While anything waits for a peer, every
  later message to it queues behind (a join made after a sync never overtakes the sync's
  pieces). A peer's connection with more than HIGH_WATER bytes unsent is skipped until it
  drains, so a large sync goes out at the pace the peer reads it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from ..wire.render import safe_repr
from ..wire.terms import Pid

if TYPE_CHECKING:
    import asyncio

    from ..runtime.node import RuntimeNode

__all__ = ["InboundQueue", "Outboxes", "SLICE", "HIGH_WATER", "PROTOCOL_ERRORS"]

log = logging.getLogger("pgviz.pg.scope")

SLICE = 0.02  # seconds of loop time per slice: a small fraction of any sensible tick time
HIGH_WATER = 1 << 20  # unsent bytes to a peer above which its outbox waits
PROTOCOL_ERRORS = (ValueError, TypeError, KeyError, IndexError)

Job = Generator[None, None, None]
Dispatch = Callable[[Any, "str | None"], "Job | None"]
Refuse = Callable[[Any, "str | None", Exception], None]


class InboundQueue:
    """The scope's messages in order; a message's long work (a job) runs in slices."""

    __slots__ = ("_node", "_dispatch", "_refuse", "_alive", "_job", "_queue", "_timer")

    def __init__(self, node: RuntimeNode, dispatch: Dispatch, refuse: Refuse,
                 alive: Callable[[], bool]) -> None:
        self._node = node
        self._dispatch = dispatch  # handles a message; returns a job for long work
        self._refuse = refuse  # a message the protocol rejects (logged, counted)
        self._alive = alive
        self._job: tuple[Job, Any, str | None] | None = None
        self._queue: deque[tuple[Any, str | None]] = deque()
        self._timer: asyncio.Handle | None = None

    @property
    def busy(self) -> bool:
        return self._job is not None or bool(self._queue)

    def handle(self, msg: Any, origin: str | None) -> None:
        if self._job is not None or self._queue:
            self._queue.append((msg, origin))
        else:
            self._start(msg, origin, None)

    def finish(self) -> None:
        """Run everything queued to the end, now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._work(float("inf"))

    def clear(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._job is not None:
            self._job[0].close()
            self._job = None
        self._queue.clear()

    def _start(self, msg: Any, origin: str | None, deadline: float | None) -> bool:
        try:
            job = self._dispatch(msg, origin)
        except PROTOCOL_ERRORS as exc:
            self._refuse(msg, origin, exc)
            return True
        except Exception as exc:  # as Process._call_handler: the scope survives its bugs
            log.error("pg scope failed on %s from %s", safe_repr(msg), origin or "this node",
                      exc_info=exc)
            return True
        if job is None:
            return True
        if deadline is None:
            deadline = time.perf_counter() + SLICE
        return self._run(job, msg, origin, deadline)

    def _run(self, job: Job, msg: Any, origin: str | None, deadline: float) -> bool:
        """Advance a job until it ends (True) or the slice is used up (False: parked)."""
        clock = time.perf_counter
        try:
            for _ in job:
                if clock() >= deadline:
                    self._job = (job, msg, origin)
                    self._schedule()
                    return False
        except PROTOCOL_ERRORS as exc:
            self._refuse(msg, origin, exc)
        except Exception as exc:  # a bug must cost this message, never the scope or the loop
            log.error("pg scope job failed on %s from %s", safe_repr(msg),
                      origin or "this node", exc_info=exc)
        return True

    def _schedule(self) -> None:
        if self._timer is None:
            self._timer = self._node.loop.call_soon(self._drive)

    def _drive(self) -> None:
        self._timer = None
        self._work(time.perf_counter() + SLICE)

    def _work(self, deadline: float) -> None:
        if not self._alive():
            self.clear()
            return
        progressed = False  # each slice does at least one unit, however short it is
        if self._job is not None:
            job, msg, origin = self._job
            self._job = None
            if not self._run(job, msg, origin, deadline):
                return
            progressed = True
        queue = self._queue
        while queue:
            if progressed and time.perf_counter() >= deadline:
                self._schedule()
                return
            msg, origin = queue.popleft()
            if not self._start(msg, origin, deadline):
                return
            progressed = True


class Outboxes:
    """Per peer scope, the messages waiting to be sent (a message, or an iterator of them)."""

    __slots__ = ("_node", "_send_now", "_alive", "_boxes", "_timer")

    def __init__(self, node: RuntimeNode, send_now: Callable[[Pid, tuple[Any, ...]], None],
                 alive: Callable[[], bool]) -> None:
        self._node = node
        self._send_now = send_now
        self._alive = alive
        self._boxes: dict[Pid, deque[Any]] = {}
        self._timer: asyncio.Handle | None = None

    def __bool__(self) -> bool:
        return bool(self._boxes)

    def waiting(self, peer: Pid) -> bool:
        return peer in self._boxes

    def send(self, peer: Pid, item: tuple[Any, ...] | Iterator[tuple[Any, ...]]) -> None:
        """Send `item` after whatever waits for `peer`: a message at once when nothing does,
        an iterator of messages one by one from the next loop iteration on."""
        box = self._boxes.get(peer)
        if box is not None:
            box.append(item)
        elif type(item) is tuple:
            self._send_now(peer, item)
        else:
            self._boxes[peer] = deque((item,))
            self._schedule(0.0)

    def drop(self, peer: Pid) -> None:
        """The peer is gone: what waits for it is dropped (as the connection would)."""
        box = self._boxes.pop(peer, None)
        if box is not None:
            _close_all(box)

    def clear(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for box in self._boxes.values():
            _close_all(box)
        self._boxes.clear()

    def _schedule(self, delay: float) -> None:
        if self._timer is None:
            loop = self._node.loop
            self._timer = (loop.call_soon(self._drive) if delay <= 0
                           else loop.call_later(delay, self._drive))

    def _backed_up(self, peer: Pid) -> bool:
        info = self._node.connection_info(peer[2])
        return info is not None and info["queued"] > HIGH_WATER

    def _next(self, box: deque[Any]) -> tuple[Any, ...] | None:
        while box:
            item = box[0]
            if type(item) is tuple:
                box.popleft()
                return item  # type: ignore[no-any-return]
            msg = next(item, None)
            if msg is not None:
                return msg  # type: ignore[no-any-return]
            box.popleft()
        return None

    def _drive(self) -> None:
        self._timer = None
        if not self._alive():
            self.clear()
            return
        deadline = time.perf_counter() + SLICE
        boxes = self._boxes
        sent = True
        while boxes and sent:  # a round at least, however short the slice
            sent = False
            for peer in list(boxes):  # one message per peer per round: fair between peers
                if self._backed_up(peer):
                    continue
                box = boxes[peer]
                try:
                    msg = self._next(box)
                    if msg is not None:
                        self._send_now(peer, msg)
                        sent = True
                except Exception as exc:
                    log.error("pg scope: sending to %s failed; dropping what waits for it",
                              peer, exc_info=exc)
                    _close_all(box)
                if not box:
                    del boxes[peer]
                if time.perf_counter() >= deadline:
                    break
            if time.perf_counter() >= deadline:
                break
        if boxes:
            self._schedule(0.0 if sent else 0.005)


def _close_all(box: deque[Any]) -> None:
    for item in box:
        if type(item) is not tuple:
            close = getattr(item, "close", None)
            if close is not None:
                close()
    box.clear()
