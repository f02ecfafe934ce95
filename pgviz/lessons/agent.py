"""The lesson agent: lets a teacher's lesson drive this node, from another process or laptop.

Opt-in (`pgviz --lesson-agent`, `pgviz node --lesson-agent`, the app's Lessons menu; every
window of `pgviz demo`): a node without an agent ignores lesson requests. With one, any node
holding the cluster's cookie may spawn lesson processes here, join and leave them, broadcast,
kill them and crash this node: the powers a lesson's `do` lines have, nothing more (no code
runs, at most MAX_PROCESSES processes).

Requests and replies are backstage frames (pgviz/runtime/backstage.py): they pass a paused
network clock, are not what `step` releases, and are no frame in anyone's diagram.

    request  (topic "lesson")        [ref, op, args]
    reply    (topic "lesson-reply")  [ref, ok, value or error text]
    show     (topic "lesson-show")   [lesson title, step number, step title, narration, look]
    key      (topic "lesson-key")    "next" | "back": a clicker aimed at a driven window (only
                                     a conductor that asked for them listens: `pgviz demo`)
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..node import Node
from ..ratelog import RateLimitedLog
from ..wire.render import safe_repr
from .players import ActionError, LocalPlayer, check_reply, check_request

__all__ = ["LessonAgent", "AgentClient", "Shown", "NoAnswer"]

log = logging.getLogger(__name__)

REQUEST, REPLY, SHOW, KEY = "lesson", "lesson-reply", "lesson-show", "lesson-key"


@dataclass(frozen=True, slots=True)
class Shown:
    """A lesson step the conductor shows the class (for this node's window to display)."""
    lesson: str
    number: int
    title: str
    say: str
    look: str


class NoAnswer(ActionError):
    """The node did not answer: it is gone, partitioned from the conductor, or runs no agent."""


class LessonAgent:
    """Serves lesson requests on `node`. Each conductor (a teacher's node) has a player of its
    own here: its processes are its own, its reset kills only them, and when the conductor
    leaves the cluster (a teacher's laptop closed mid-lesson) they are killed too."""

    MAX_CONDUCTORS = 8

    def __init__(self, node: Node, on_show: Callable[[Shown], Any] | None = None) -> None:
        self.node = node
        self.players: dict[str, LocalPlayer] = {}  # conductor -> its lesson's processes here
        self.on_show = on_show
        self.shown_by: str | None = None  # the conductor of the last step shown here
        self.served = 0
        self._faults = RateLimitedLog(log)
        node.backstage.serve(REQUEST, self._request)
        node.backstage.serve(SHOW, self._show)
        node.add_node_callback(self._node_event)

    def close(self) -> None:
        """Stop serving; the lesson processes started here are killed."""
        self.node.backstage.unserve(REQUEST, self._request)
        self.node.backstage.unserve(SHOW, self._show)
        for player in self.players.values():
            player.run("reset", [])
        self.players.clear()

    @property
    def active(self) -> bool:
        return self.node.backstage.handler(REQUEST) == self._request

    def _node_event(self, event: str, peer: str, _reason: str) -> None:
        if event == "nodedown" and peer in self.players:
            self.players.pop(peer).run("reset", [])

    def _request(self, peer: str, payload: Any) -> None:
        if type(payload) is not list or len(payload) != 3 or type(payload[0]) is not int:
            self._faults.log(logging.WARNING, "bad lesson request",
                             "%s: a malformed lesson request from %s ignored: %s",
                             self.node.name, peer, safe_repr(payload, 80))
            return
        ref, op, args = payload
        player = self.players.get(peer)
        if player is None:
            if len(self.players) >= self.MAX_CONDUCTORS:
                self._reply(peer, ref, False, f"{self.node.short_name} already plays in "
                            f"{self.MAX_CONDUCTORS} lessons")
                return
            player = self.players[peer] = LocalPlayer(self.node)
        self.served += 1
        try:
            if op == "crash":  # the reply first: after the crash nothing leaves this node
                check_request(op, args)
                self._reply(peer, ref, True, None)
                self.node.loop.call_soon(self.node.crash)
                return
            value = player.run(op, args)
        except ActionError as exc:
            self._reply(peer, ref, False, str(exc))
        except Exception as exc:  # the cluster's own error (pg refused a name, ...)
            self._reply(peer, ref, False, f"{type(exc).__name__}: {exc}")
        else:
            self._reply(peer, ref, True, value)

    def _reply(self, peer: str, ref: int, ok: bool, value: Any) -> None:
        try:
            self.node.backstage.send(peer, REPLY, [ref, ok, value])
        except Exception as exc:  # too large to send (a huge view): say so instead
            self.node.backstage.send(peer, REPLY, [ref, False, f"the answer cannot be sent: "
                                                                f"{type(exc).__name__}"])

    def _show(self, peer: str, payload: Any) -> None:
        # Only a conductor this node plays for may put its lesson in this node's window.
        if self.on_show is None or peer not in self.players:
            return
        if (type(payload) is not list or len(payload) != 5 or type(payload[1]) is not int
                or not all(type(x) is str for i, x in enumerate(payload) if i != 1)):
            return
        self.shown_by = peer
        self.on_show(Shown(payload[0][:200], payload[1], payload[2][:200], payload[3][:4000],
                           payload[4][:200]))

    def press(self, key: str) -> bool:
        """Pass Next/Back ("next", "back") to the conductor whose step this node shows; False
        when none has shown one (or it is gone)."""
        if key not in ("next", "back") or self.shown_by is None:
            return False
        return self.node.backstage.send(self.shown_by, KEY, key)


class AgentClient:
    """The conductor's side: asks agents on other nodes and awaits their replies."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._waiting: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        node.backstage.serve(REPLY, self._reply)

    def listen_keys(self, on_key: Callable[[str], Any], cast: Callable[[], set[str]]) -> None:
        """on_key("next" | "back") when a node of `cast()` passes a key (`pgviz demo`: every
        window is the same person's, so a clicker aimed at any of them steps the lesson)."""
        def key(peer: str, payload: Any) -> None:
            if payload in ("next", "back") and peer in cast():
                on_key(payload)
        self._key = key
        self.node.backstage.serve(KEY, key)

    def close(self) -> None:
        key = getattr(self, "_key", None)
        if key is not None:
            self.node.backstage.unserve(KEY, key)
        self.node.backstage.unserve(REPLY, self._reply)
        for _, fut in self._waiting.values():
            if not fut.done():
                fut.cancel()
        self._waiting.clear()

    async def call(self, peer: str, op: str, *args: Any, timeout: float = 5.0) -> Any:
        # Random, so that no other request to the same node (one of ours that timed out, one
        # forged in our name) has a reply that could be taken for this one's.
        ref = secrets.randbits(62)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[ref] = (peer, fut)
        try:
            if not self.node.running or not self.node.backstage.send(
                    peer, REQUEST, [ref, op, list(args)]):
                raise NoAnswer(f"{_short(peer)} is not connected")
            try:
                return check_reply(op, await asyncio.wait_for(fut, timeout))
            except TimeoutError:
                raise NoAnswer(f"{_short(peer)} did not answer in {timeout:g} s (does it run "
                               "a lesson agent? `pgviz --lesson-agent`)") from None
        finally:
            self._waiting.pop(ref, None)

    def show(self, peer: str, shown: Shown) -> None:
        self.node.backstage.send(peer, SHOW, [shown.lesson, shown.number, shown.title,
                                              shown.say, shown.look])

    def _reply(self, peer: str, payload: Any) -> None:
        if type(payload) is not list or len(payload) != 3 or type(payload[0]) is not int:
            return
        ref, ok, value = payload
        asked, fut = self._waiting.get(ref, ("", None))
        if fut is None or fut.done() or asked != peer:
            return
        if ok is True:
            fut.set_result(value)
        else:
            fut.set_exception(ActionError(f"{_short(peer)}: {str(value)[:300]}"))


def _short(name: str) -> str:
    return name.split("@", 1)[0]
