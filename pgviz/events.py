"""Typed cluster events: what happened, where, and in which causal order.

Every view, recording, export and lesson is built from this one stream (never from reading
pg's or the runtime's tables). An event is a frozen dataclass of plain data; `to_dict()` gives
its JSON- and msgpack-able form (an "event" key names the kind) and `from_dict()` reads it back.

Every event has:
  node  where it happened (a node name)
  t     that node's wall clock, seconds
  lc    a Lamport clock: an event that causally follows another has a larger lc; in particular
        a `deliver` has the same `id` as its `send` and a larger `lc`.

Pids are `Pid` objects here ([node, id, serial, creation] in dict form); groups are the
group terms themselves (a tuple group is a list in dict form: a list is never a group; bytes
are {"bytes": hex}).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from .wire.terms import Pid

__all__ = [
    "Event", "FrameEvent", "NodeUp", "NodeDown", "Join", "Leave", "ScopeView", "Spawn", "Exit", "Send", "Deliver",
    "Fault", "Clock", "Overflow", "Received", "Unwatched", "EVENT_KINDS", "EventError",
    "frame_position",
]


class EventError(ValueError):
    """A dict that is not a pgviz event (unknown kind, missing or mistyped fields)."""


@dataclass(frozen=True, slots=True)
class Event:
    node: str
    t: float
    lc: int

    event: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event}
        for name in _field_names(type(self))[0]:
            out[name] = _out(getattr(self, name))
        return out

    @staticmethod
    def from_dict(data: Any) -> Event:
        if not isinstance(data, dict):
            raise EventError(f"an event is an object, not {type(data).__name__}")
        cls = EVENT_KINDS.get(data.get("event"))  # type: ignore[arg-type]
        if cls is None:
            raise EventError(f"unknown event kind {data.get('event')!r}")
        names, converted = _field_names(cls)
        optional = _OPTIONAL[cls]
        try:
            # A field added later has a default: older recordings, newer readers.
            values = {name: data[name] if name not in optional else data.get(name, optional[name])
                      for name in names}
        except KeyError as exc:
            raise EventError(f"{cls.event} event without {exc.args[0]!r}") from None
        for name in converted:
            values[name] = _in(name, values[name])
        try:
            return cls(**values)
        except TypeError as exc:
            raise EventError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class NodeUp(Event):
    """`node` connected to `peer`."""
    peer: str
    event: ClassVar[str] = "nodeup"


@dataclass(frozen=True, slots=True)
class NodeDown(Event):
    """`node` lost its link to `peer`, for `reason`."""
    peer: str
    reason: str
    event: ClassVar[str] = "nodedown"


@dataclass(frozen=True, slots=True)
class Join(Event):
    """In `node`'s view of `scope`, `pids` joined `group` (local joins and what peers told)."""
    scope: str
    group: Any
    pids: tuple[Pid, ...]
    event: ClassVar[str] = "join"


@dataclass(frozen=True, slots=True)
class Leave(Event):
    """In `node`'s view of `scope`, `pids` left `group`. `cause`: "leave", "exit" (the member
    died), "peer" (its node's scope went away), "sync" (a sync rewrote the group)."""
    scope: str
    group: Any
    pids: tuple[Pid, ...]
    cause: str = "leave"
    event: ClassVar[str] = "leave"


@dataclass(frozen=True, slots=True)
class ScopeView(Event):
    """Everything `node` knows of `scope` right now, as ((group, (pid, ...)), ...): sent first
    to a new watcher, so that a model started late (or resumed) does not miss what happened
    before it. It replaces whatever the watcher knew of that view."""
    scope: str
    groups: tuple[tuple[Any, tuple[Pid, ...]], ...]
    event: ClassVar[str] = "view"


@dataclass(frozen=True, slots=True)
class Spawn(Event):
    pid: Pid
    name: str | None = None
    event: ClassVar[str] = "spawn"


@dataclass(frozen=True, slots=True)
class Exit(Event):
    pid: Pid
    reason: str
    event: ClassVar[str] = "exit"


@dataclass(frozen=True, slots=True)
class FrameEvent(Event):
    """One frame on the link src -> dst. `id` is unique in the cluster and the same for the
    frame's send and deliver; `kind` is "user" for a user's message, else the pg or
    distribution message's name.

    A frame's id is its link's tag (one connection, one direction: it ends with a letter)
    followed by the frame's number on that link, counted from 1 in the order the frames were
    queued ("5f0c…i17"); see `frame_position`. Frames on one link arrive in that order, and
    a frame lost on the way takes its link down with it: so once a frame is delivered,
    every frame before it on its link arrived too."""
    id: str
    src: str
    dst: str
    kind: str
    size: int
    summary: str


@dataclass(frozen=True, slots=True)
class Send(FrameEvent):
    """The frame was queued by src (= node). `travel`: the seconds of network time it spends
    on its link (slow motion plus latency; 0 when live), so that a view can draw its dot
    arriving when it really does; a pause stops that time, frames queued ahead delay it."""
    travel: float = 0.0
    event: ClassVar[str] = "send"


@dataclass(frozen=True, slots=True)
class Deliver(FrameEvent):
    """The frame was handled by dst (= node)."""
    event: ClassVar[str] = "deliver"


@dataclass(frozen=True, slots=True)
class Fault(Event):
    """A link fault changed: `what` is "cut", "heal", "delay", "hold", "release"."""
    what: str
    src: str
    dst: str
    detail: str = ""
    event: ClassVar[str] = "fault"


@dataclass(frozen=True, slots=True)
class Clock(Event):
    """The network clock changed: `mode` "live", "slow", "pause"; `seconds` for slow."""
    mode: str
    seconds: float = 0.0
    event: ClassVar[str] = "clock"


@dataclass(frozen=True, slots=True)
class Overflow(Event):
    """A listener fell behind: `dropped` events were not delivered to it."""
    dropped: int
    event: ClassVar[str] = "overflow"


@dataclass(frozen=True, slots=True)
class Received(Event):
    """`node` has received every frame `peer` sent it on their link up to and including the
    frame `id` (a watermark, sent to a new watcher with the node's state): the delivers of
    those frames happened before the watcher could hear them."""
    peer: str
    id: str
    event: ClassVar[str] = "received"


@dataclass(frozen=True, slots=True)
class Unwatched(Event):
    """The cluster-wide listeners of `node` stop hearing `peer`'s events (their link went
    down): what `peer` would report from now on (the deliver of a frame sent to it) they
    will not hear, until the link is back and `peer` sends its state again."""
    peer: str
    event: ClassVar[str] = "unwatched"


EVENT_KINDS: dict[str, type[Event]] = {
    cls.event: cls for cls in (NodeUp, NodeDown, Join, Leave, ScopeView, Spawn, Exit, Send,
                               Deliver, Fault, Clock, Overflow, Received, Unwatched)
}

_POSITION = re.compile(r"(.*\D)(\d+)")


def frame_position(frame_id: str) -> tuple[str, int] | None:
    """(link tag, number on that link) of a frame id, or None for an id of another form
    (made up by hand): frames with the same tag are on one link, in the order of their
    numbers."""
    m = _POSITION.fullmatch(frame_id)
    return (m[1], int(m[2])) if m is not None else None

_CONVERTED = frozenset({"pid", "pids", "group", "groups"})
_NAMES: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_OPTIONAL: dict[type, dict[str, Any]] = {}


def _field_names(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every field, the fields whose dict form differs) of an event class."""
    names = _NAMES.get(cls)
    if names is None:
        every = tuple(f.name for f in dataclasses.fields(cls))
        names = _NAMES[cls] = (every, tuple(n for n in every if n in _CONVERTED))
        _OPTIONAL[cls] = {f.name: f.default for f in dataclasses.fields(cls)
                          if f.default is not dataclasses.MISSING}
    return names


def _out(value: Any) -> Any:
    t = type(value)
    if t is Pid:
        return list(value.fields)
    if t is tuple:
        return [_out(x) for x in value]
    if t is bytes:
        return {"bytes": value.hex()}
    return value


def _in(name: str, value: Any) -> Any:
    if name == "pid":
        return _pid_in(value)
    if name == "pids":
        if not isinstance(value, list):
            raise EventError("pids is a list")
        return tuple(_pid_in(p) for p in value)
    if name == "group":
        return _group_in(value)
    if name == "groups":
        if not isinstance(value, list):
            raise EventError("groups is a list")
        out = []
        for item in value:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], list)):
                raise EventError("groups holds [group, pids] pairs")
            out.append((_group_in(item[0]), tuple(_pid_in(p) for p in item[1])))
        return tuple(out)
    return value


def _pid_in(value: Any) -> Pid:
    if (type(value) is list and len(value) == 4 and type(value[0]) is str
            and type(value[1]) is int and type(value[2]) is int and type(value[3]) is int):
        return Pid(*value)
    raise EventError(f"not a pid: {value!r:.80}")


def _group_in(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_group_in(x) for x in value)
    if isinstance(value, dict) and set(value) == {"bytes"}:
        try:
            return bytes.fromhex(value["bytes"])
        except (TypeError, ValueError):
            raise EventError("bad bytes group") from None
    return value
