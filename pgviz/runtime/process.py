"""Processes: an asyncio task (or a synchronous handler) with a mailbox and a pid."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..wire.render import safe_repr
from ..wire.terms import Pid, Ref
from .copying import LAST_IMMUTABLE, SHARED_TYPES, copy_term

if TYPE_CHECKING:
    from .node import RuntimeNode

__all__ = ["Process"]

log = logging.getLogger(__name__)

_NOTHING = object()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)

# A handler process's callback: handler(msg, origin), origin None for a message sent on this
# node, else the name of the peer node whose connection delivered it. Only the connection's
# peer is known for sure: whatever a message says about its sender, a handler that trusts
# peers only for their own processes (a pg scope) checks it against `origin`.
Handler = Callable[[Any, "str | None"], None]


class _FromPeer:
    """A queued network message of a handler process, with the peer it came from."""

    __slots__ = ("msg", "origin")

    def __init__(self, msg: Any, origin: str) -> None:
        self.msg = msg
        self.origin = origin


class Process:
    """A running process, as seen from its own code: `async def fn(proc, *args)`.

    `proc.pid` is its pid; `await proc.receive()` takes the next message. Set `proc.trap_exit`
    to receive exit signals from links as ("EXIT", pid, reason) messages instead of dying.
    A `system` process (pg scopes, the shell) ignores exit signals that come from other
    nodes: a peer must not be able to stop a node's services.
    """

    __slots__ = ("pid", "node", "name", "trap_exit", "system", "alive", "exit_reason", "links",
                 "monitors", "monitored_by", "_mailbox", "_waiter", "_task", "_handler",
                 "_drain_scheduled", "_kill_reason", "__weakref__")

    def __init__(self, node: RuntimeNode, pid: Pid,
                 handler: Handler | None = None) -> None:
        self.pid = pid
        self.node = node
        self.name: str | None = None
        self.trap_exit = False
        self.system = False
        self.alive = True
        self.exit_reason: Any = None
        # A dict used as an ordered set: an empty dict is not tracked by the garbage collector,
        # an empty set is (it matters with 100k idle processes).
        self.links: dict[Pid, None] = {}
        self.monitors: dict[Any, Pid] = {}  # monitors this process holds: ref -> target
        self.monitored_by: dict[Any, Pid] = {}  # ref -> watcher (Ref, or int for system monitors)
        self._mailbox: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[Any] | None = None
        self._handler = handler
        self._drain_scheduled = False
        self._kill_reason: Any = None

    # -- delivery (called by the node) ------------------------------------------------------------
    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.node._task_done(self, task)

    def _deliver(self, msg: Any) -> None:
        """A message sent on this node: the mailbox gets an isolated copy (copying.py), so
        that the sender changing it afterwards is not seen here -- as in Erlang, and as on
        the wire. LocalProtocolError (a term nested past the codec's depth limit, or
        containing itself) reaches the sender, and nothing is queued."""
        if not self.alive:
            return
        t = type(msg)
        if t not in SHARED_TYPES and msg is not LAST_IMMUTABLE[0]:
            if t is tuple:
                # The usual message, a short tuple: a plain loop beats copying.py's set test
                # (and a call) at this size; every local send pays it.
                for item in msg:
                    if type(item) not in SHARED_TYPES:
                        msg = copy_term(msg)
                        break
                else:
                    LAST_IMMUTABLE[0] = msg
            else:
                msg = copy_term(msg)
        self._enqueue(msg)

    def _enqueue(self, msg: Any) -> None:
        self._mailbox.append(msg)
        if self._handler is not None:
            # Handlers run on a later loop iteration, never inside the sender's call.
            if not self._drain_scheduled:
                self._drain_scheduled = True
                self.node.loop.call_soon(self._drain)
            return
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _deliver_network(self, msg: Any, origin: str, shared: bool = False) -> None:
        """Delivery of a message that came off the connection to `origin`: freshly decoded,
        so nobody else holds it and it is not copied -- unless `shared`: the same decoded
        message going to several processes (a SEND_MULTI frame), where every one but the
        first needs its own copy. A handler process (a pg scope) handles it at once when
        nothing is queued before it -- one loop iteration less per hop -- since no user call
        is on the stack here; otherwise it queues, keeping FIFO."""
        if not self.alive:
            return
        if shared and type(msg) not in SHARED_TYPES and msg is not LAST_IMMUTABLE[0]:
            msg = copy_term(msg)  # an immutable tuple is checked for the first copy only
        if self._handler is None:
            self._enqueue(msg)
        elif not self._mailbox:
            self._call_handler(msg, origin)
        else:
            self._enqueue(_FromPeer(msg, origin))

    def _call_handler(self, msg: Any, origin: str | None) -> None:
        try:
            self._handler(msg, origin)  # type: ignore[misc]
        except Exception as exc:
            # A system process must survive one bad message, and must never take down the
            # connection that delivered it; the message is a peer's, so printed safely.
            log.error("%s: handler failed on %s from %s: %s", self.pid, safe_repr(msg),
                      origin or "this node", safe_repr(exc), exc_info=exc)

    def _drain(self) -> None:
        self._drain_scheduled = False
        box = self._mailbox
        while box and self.alive:
            msg = box.popleft()
            if type(msg) is _FromPeer:
                self._call_handler(msg.msg, msg.origin)
            else:
                self._call_handler(msg, None)

    # -- the process's own API --------------------------------------------------------------------
    async def receive(self, timeout: float | None = None,
                      match: Callable[[Any], bool] | None = None) -> Any:
        """Next message (the first one `match` accepts, if given; others stay queued).
        TimeoutError after `timeout` seconds; timeout=0 only looks at what is queued."""
        loop = self.node.loop
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            msg = self._take(match)
            if msg is not _NOTHING:
                return msg
            if deadline is not None and loop.time() >= deadline:
                raise TimeoutError(f"{self.pid}: no message within {timeout} s")
            self._waiter = waiter = loop.create_future()
            if deadline is None:
                try:
                    await waiter
                finally:
                    self._waiter = None
                continue
            # A timer that only wakes this task (asyncio.wait_for would add a future, a
            # callback and a timer per call, ~5 us): the loop above then finds a message
            # that came in the meantime, or the deadline passed.
            timer = loop.call_at(deadline, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None

    def _take(self, match: Callable[[Any], bool] | None) -> Any:
        box = self._mailbox
        if not box:
            return _NOTHING
        if match is None:
            return box.popleft()
        for i, msg in enumerate(box):
            if match(msg):
                del box[i]
                return msg
        return _NOTHING

    def discard(self, match: Callable[[Any], bool]) -> int:
        """Drop the queued messages `match` accepts (the others keep their order); returns
        how many were dropped."""
        kept = deque(m for m in self._mailbox if not match(m))
        dropped = len(self._mailbox) - len(kept)
        self._mailbox = kept
        return dropped

    def flush(self) -> list[Any]:
        """Take every queued message at once."""
        msgs = list(self._mailbox)
        self._mailbox.clear()
        return msgs

    def __len__(self) -> int:
        """Messages waiting in the mailbox."""
        return len(self._mailbox)

    def __bool__(self) -> bool:
        # A process is truthy even with an empty mailbox (`if node.process(pid):` must work).
        return True

    def send(self, dest: Any, msg: Any) -> None:
        self.node.send(dest, msg)

    def monitor(self, target: Pid | str | tuple[str, str]) -> Ref:
        return self.node._monitor(self.pid, target)

    def demonitor(self, ref: Ref, flush: bool = False) -> bool:
        ok = self.node._demonitor(self.pid, ref)
        if flush:
            self._mailbox = deque(m for m in self._mailbox if not (
                type(m) is tuple and len(m) == 5 and m[0] == "DOWN" and m[1] == ref))
        return ok

    def link(self, other: Pid) -> None:
        self.node._link(self.pid, other)

    def unlink(self, other: Pid) -> None:
        self.node._unlink(self.pid, other)

    def __repr__(self) -> str:
        state = "alive" if self.alive else f"exited {self.exit_reason!r}"
        return f"<Process {self.pid}{' ' + self.name if self.name else ''} {state}>"
