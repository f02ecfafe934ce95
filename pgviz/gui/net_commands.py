"""What the transport bar, the dot inspector and the link, node and Partition menus do: the
cluster's network clock and faults through `node.net` (pgviz/net/control.py), which spreads
every change to the whole cluster. Errors are reported in words (they are meant for people:
a step refused because a frame waits behind another is a lesson, not a failure)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import NodeNotRunning
from ..net.control import NetControl
from ..wire.terms import short_node
from .feedback import Feedback, Tasks
from .picture import PG_MESSAGES
from .session import NodeSession

__all__ = ["NetCommands", "halves", "clock_words", "frame_words", "kind_words"]

log = logging.getLogger(__name__)

STEP_KEY = "→"


def clock_words(mode: str, seconds: float = 0.0) -> str:
    """The network clock in words: the transport bar's state and the status bar's report of
    a change say it the same way."""
    if mode == "slow":
        return f"slow motion — {seconds:.2g} s per link"
    if mode == "pause":
        return f"paused — nothing is delivered; Step ({STEP_KEY}) lets one frame go"
    return "live — frames go out at once"


def kind_words(kind: str) -> str:
    """A frame's kind as people say it: "message" (a user's), "pg join", "tick"."""
    if kind == "user":
        return "message"
    if kind in PG_MESSAGES:
        return f"pg {kind}"
    return kind


class _Frame(Protocol):
    """A frame in flight (model.InFlight) or drawn in the diagram (spacetime_history.Arrow)."""

    @property
    def kind(self) -> str: ...
    @property
    def src(self) -> str: ...
    @property
    def dst(self) -> str: ...


def frame_words(frame: _Frame) -> str:
    """ "pg join bob → alice": what the frame is and where it goes (its id is for tools)."""
    return f"{kind_words(frame.kind)} {short_node(frame.src)} → {short_node(frame.dst)}"


def halves(names: list[str]) -> list[list[str]]:
    """The nodes split in two halves (sorted by name; the first half is the larger)."""
    ordered = sorted(names)
    cut = (len(ordered) + 1) // 2
    return [ordered[:cut], ordered[cut:]]


class NetCommands:
    def __init__(self, session: NodeSession, feedback: Feedback, tasks: Tasks) -> None:
        self.session = session
        self.feedback = feedback
        self.tasks = tasks

    @property
    def net(self) -> NetControl:
        return self.session.node.net

    def _do(self, what: str, fn: Callable[[NetControl], Any]) -> Any:
        try:
            result = fn(self.net)
        except (ValueError, NodeNotRunning) as exc:  # ControlError, NotFirst: for people
            self.feedback.report(f"{what}: {exc}", error=True)
            return None
        self.feedback.report(what)
        return result

    # -- the clock ---------------------------------------------------------------------------------
    def live(self) -> None:
        self._do(clock_words("live"), lambda n: n.slow(0))

    def slow(self, seconds: float) -> None:
        self._do(clock_words("slow", seconds), lambda n: n.slow(seconds))

    def pause(self) -> None:
        self._do(clock_words("pause"), lambda n: n.pause())

    def resume(self, travel: float | None = None) -> None:
        """Resume; with `travel`, at that slow-motion speed (chosen while paused)."""
        if travel is not None:
            self.slow(travel)
        else:
            self._do("resumed", lambda n: n.resume())

    def step(self) -> None:
        self.tasks.run(self._step(None), "step")

    async def _step(self, frame_id: str | None) -> None:
        try:
            done = await self.net.step(frame_id)
        except (ValueError, NodeNotRunning) as exc:
            self.feedback.report(f"step: {exc}", error=True)
            return
        if done is None:
            self.feedback.report("step: no frame is waiting anywhere in the cluster")
        elif done.dst:
            self.feedback.report(f"step: let {self.frame_text(done.id, done.src, done.dst)} go")
        else:
            self.feedback.report(f"step: the node holding {self.frame_text(done.id)} lets it go")

    def frame_text(self, frame_id: str, src: str = "", dst: str = "") -> str:
        """A frame in words, as the model holds it while it is in flight: "pg join bob →
        alice" (or "a frame bob → alice", "that frame" once it is no longer known)."""
        frame = next((f for f in self.session.model.traffic().in_flight if f.id == frame_id),
                     None)
        if frame is not None:
            return frame_words(frame)
        if src and dst:
            return f"a frame {short_node(src)} → {short_node(dst)}"
        return "that frame"

    # -- one frame -----------------------------------------------------------------------------------
    def deliver_now(self, frame_id: str) -> None:
        self._do(f"deliver now: {self.frame_text(frame_id)}",
                 lambda n: n.deliver_now(frame_id))

    def drop(self, frame_id: str) -> None:
        self._do(f"dropped {self.frame_text(frame_id)}: its link is cut, as a real network's "
                 "would be", lambda n: n.drop(frame_id))

    # -- faults ---------------------------------------------------------------------------------------
    def cut(self, a: str, b: str) -> None:
        self._do(f"cut the link {short_node(a)} – {short_node(b)}", lambda n: n.cut(a, b))

    def heal(self, a: str, b: str) -> None:
        self._do(f"healed the link {short_node(a)} – {short_node(b)}", lambda n: n.heal(a, b))

    def delay(self, src: str, dst: str, ms: float) -> None:
        self._do(f"latency {short_node(src)} → {short_node(dst)}: {ms:g} ms",
                 lambda n: n.latency(dst, ms / 1000.0, src=src))

    def isolate(self, node: str) -> None:
        others = [n for n in self.cluster() if n != node]
        if not others:
            self.feedback.report("isolate: there is no other node to cut it from", error=True)
            return
        self._do(f"partition: {short_node(node)} isolated", lambda n: n.partition([[node], others]))

    def split_halves(self) -> None:
        names = self.cluster()
        if len(names) < 2:
            self.feedback.report("split: a partition needs two nodes at least", error=True)
            return
        sides = halves(names)
        text = " | ".join(", ".join(short_node(x) for x in side) for side in sides)
        self._do(f"partition: {text}", lambda n: n.partition(sides))

    def heal_all(self) -> None:
        self._do("healed: every cut link and every latency", lambda n: n.heal())

    def cluster(self) -> list[str]:
        """This node and the nodes it knows (connected, or lost to a cut)."""
        node = self.session.node
        if not node.running:
            return []
        lost = {n for pair in self.net.cuts for n in pair}
        return sorted({node.name, *node.nodes(), *lost})

    # -- this node ----------------------------------------------------------------------------------
    def crash(self) -> None:
        """Die without a goodbye: peers find out by their tick timeout."""
        self.session.node.crash()
        self.feedback.report(f"{self.session.short_name} crashed: no goodbye was sent; "
                             "its peers find out when its ticks stop", error=True)

