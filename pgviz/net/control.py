"""Classroom control of the real network, cluster-wide: the clock, partitions and latency.

Every setting is a last-writer-wins register stamped (counter, node): `clock` (travel time,
paused), `partition` (the sides of a partition and single links cut), and `latency SRC DST` (extra one-way seconds on one link).
A change made on any node is applied there and sent to every connected peer as
["NETCTL", "set", entries]; a node that connects later gets the whole state the same way,
so it adopts the cluster's clock (a fresh node's registers are older than anything set).
Concurrent changes settle everywhere on the same winner: the larger stamp.

A partition cuts links at once on both sides, and each side refuses the other's connections
while it lasts. The heal has to cross the cut: the side that heals first re-dials the nodes it
lost, announcing its partition stamp in the handshake (a capability "partition:N:NODE"); the
other side accepts a dialler whose stamp is newer than its own partition, and adopts the heal
from the state exchanged once connected.

`step` releases one frame while paused: the oldest queued anywhere in the cluster (every node
is asked for the head of its links) or the one named; frames on one link keep their order.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .clock import NetClock, check_travel
from .faults import Faults
from .link import HeldFrame, Link, NotFirst

__all__ = ["NetControl", "ControlError", "Released", "STAMP_CAP", "ALIVE_QUESTION"]

log = logging.getLogger(__name__)

STAMP_CAP = "partition:"  # handshake capability carrying the dialler's partition stamp
MAX_ENTRIES = 4096  # registers in one NETCTL set
MAX_SIDE_NODES = 1024
MAX_LATENCY = 60.0  # seconds
STEP_WAIT = 1.0  # seconds to wait for the peers' answers to "what is your oldest frame?"
# A question every node answers at once and that changes nothing: "what is your oldest
# frame?" under query id 0, which is nobody's (ids start at 1). The distribution asks it on a
# link whose peer may be gone (see rivals.AskOld): any answer says someone is there.
ALIVE_QUESTION = ("NETCTL", "held?", 0)

Stamp = tuple[int, str]


class ControlError(ValueError):
    """A clock or fault command that cannot be applied (bad argument, unknown node...)."""


@dataclass(frozen=True, slots=True)
class Released:
    """The frame a step let go: its id and link."""
    id: str
    src: str
    dst: str


class NetControl:
    def __init__(self, name: str, clock: NetClock, faults: Faults, *,
                 send: Callable[[str, list[Any]], Any],
                 peers: Callable[[], list[str]],
                 links: Callable[[], Iterable[Link]],
                 address_of: Callable[[str], str | None],
                 dial: Callable[[str, str], object],
                 on_change: Callable[[str, dict[str, Any]], None]) -> None:
        self.name = name
        self.clock = clock
        self.faults = faults
        self._send = send
        self._peers = peers
        self._links = links
        self._address_of = address_of
        self._dial = dial
        self._on_change = on_change
        self._registers: dict[str, tuple[int, str, Any]] = {}
        self._counter = 0
        self._sides: list[list[str]] = []
        self._cuts: list[list[str]] = []  # single links cut, [a, b] sorted
        self._pairs: set[frozenset[str]] = set()  # every pair that cannot talk, either way
        self._cut: dict[str, str] = {}  # nodes this one lost to a cut -> address
        self._queries = itertools.count(1)
        self._answers: dict[int, list[tuple[float, str, str, str]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- reading --------------------------------------------------------------------------------
    @property
    def sides(self) -> list[list[str]]:
        return [list(s) for s in self._sides]

    @property
    def cuts(self) -> list[tuple[str, str]]:
        """Every pair of nodes that cannot talk (by the partition or a cut link), sorted."""
        return sorted(tuple(sorted(p)) for p in self._pairs)  # type: ignore[misc]

    def latencies(self) -> dict[tuple[str, str], float]:
        return {tuple(k.split(" ")[1:3]): v for k, (_, _, v) in self._registers.items()  # type: ignore[misc]
                if k.startswith("latency ") and v > 0}

    def held(self) -> list[HeldFrame]:
        """This node's frames waiting on their links, oldest first per link."""
        return [f for link in self._links() for f in link.held()]

    def partition_stamp(self) -> Stamp:
        counter, origin, _ = self._registers.get("partition", (0, "", None))
        return counter, origin

    def hello_caps(self) -> frozenset[str]:
        counter, origin = self.partition_stamp()
        return frozenset({f"{STAMP_CAP}{counter}:{origin}"}) if counter else frozenset()

    def admits(self, peer: str, caps: frozenset[str]) -> bool:
        """May `peer` connect although this node's partition separates them? Only when it
        knows a newer partition (it healed, or re-drew the sides) than this node does."""
        theirs = _stamp_from_caps(caps)
        return theirs is not None and theirs > self.partition_stamp()

    # -- commands (this node) ---------------------------------------------------------------------
    def slow(self, seconds: float) -> None:
        """Every frame travels `seconds` (0: live). Also resumes a paused clock."""
        try:
            travel = check_travel(seconds)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        self._set("clock", [travel, False])

    def pause(self) -> None:
        self._set("clock", [self.clock.travel, True])

    def resume(self) -> None:
        self._set("clock", [self.clock.travel, False])

    def partition(self, sides: list[list[str]]) -> list[list[str]]:
        """Cut every link between nodes of different sides (names: full or short, of this
        node and its peers); returns the sides as full names."""
        known = [self.name, *self._peers(), *self._cut]
        resolved: list[list[str]] = []
        seen: set[str] = set()
        if len(sides) < 2:
            raise ControlError("a partition needs at least two sides")
        for side in sides:
            if not side:
                raise ControlError("a side of a partition is empty")
            names = []
            for n in side:
                full = _resolve(n, known)
                if full in seen:
                    raise ControlError(f"{n} is on two sides")
                seen.add(full)
                names.append(full)
            resolved.append(sorted(names))
        self._set("partition", {"sides": resolved, "cuts": []})
        return resolved

    def cut(self, a: str, b: str) -> tuple[str, str]:
        """Cut the link between nodes a and b (a pulled cable), whoever they are."""
        x, y = self._link_ends(a, b)
        cuts = [c for c in self._cuts if c != [x, y]] + [[x, y]]
        self._set("partition", {"sides": self._sides, "cuts": cuts})
        return x, y

    def heal(self, a: str | None = None, b: str | None = None) -> None:
        """Heal the link between a and b; without them, every cut and every latency."""
        if a is not None or b is not None:
            if a is None or b is None:
                raise ControlError("heal takes two nodes (one link) or none (everything)")
            pair = frozenset(self._link_ends(a, b))
            if pair not in self._pairs:
                raise ControlError(f"the link {' - '.join(sorted(pair))} is not cut")
            # The partition becomes the single cuts it stood for, less this one.
            rest = sorted(sorted(p) for p in self._pairs if p != pair)
            self._set("partition", {"sides": [], "cuts": rest})
            return
        entries: list[list[Any]] = [["partition", {"sides": [], "cuts": []}]]
        entries += [[k, 0.0] for k, (_, _, v) in self._registers.items()
                    if k.startswith("latency ") and v]
        self._set_many(entries)

    def latency(self, peer: str, seconds: float, src: str | None = None) -> str:
        """Extra one-way delay on the link src -> peer (src: this node by default); returns
        the peer's full name."""
        source, full = self._link_ends(src or self.name, peer, ordered=True)
        if type(seconds) not in (int, float) or isinstance(seconds, bool) \
                or not 0 <= seconds <= MAX_LATENCY:
            raise ControlError(f"latency is between 0 and {MAX_LATENCY * 1000:g} ms")
        self._set(f"latency {source} {full}", float(seconds))
        return full

    def _link_ends(self, a: str, b: str, ordered: bool = False) -> tuple[str, str]:
        known = [self.name, *self._peers(), *self._cut]
        x, y = _resolve(a, known), _resolve(b, known)
        if x == y:
            raise ControlError("a link joins two different nodes")
        return (x, y) if ordered else (min(x, y), max(x, y))

    async def step(self, frame_id: str | None = None) -> Released | None:
        """While paused, let exactly one frame go: `frame_id`, or the oldest one queued in the
        cluster. None when nothing is queued anywhere."""
        if not self.clock.paused:
            raise ControlError("step works while the clock is paused (pause first)")
        if frame_id is not None:
            done = self._release_here(frame_id)
            if done is not None:
                return done
            if not self._peers():
                raise ControlError(f"no frame {frame_id} is waiting")
            # Whoever holds it lets it go; an unknown id changes nothing anywhere.
            for peer in self._peers():
                self._send(peer, ["NETCTL", "release", frame_id])
            return Released(frame_id, "", "")
        candidates = await self._gather_oldest()
        if not candidates:
            return None
        sent, fid, owner, dst = min(candidates)
        if owner == self.name:
            return self._release_here(fid)
        self._send(owner, ["NETCTL", "release", fid])
        return Released(fid, owner, dst)

    def deliver_now(self, frame_id: str) -> Released | None:
        """Let the frame `frame_id` go now, whatever the clock ("deliver now"), on whichever
        node holds it: None when it is not this node's (its holder is asked)."""
        done = self._release_here(frame_id)
        if done is None:
            for peer in self._peers():
                self._send(peer, ["NETCTL", "release", frame_id])
        return done

    def drop(self, frame_id: str) -> bool:
        """Lose the frame `frame_id`: its link is cut, as a real network losing what it
        carries would be (pg then resyncs as after a partition). True when this node held
        it; otherwise its holder is asked."""
        if self._drop_here(frame_id):
            return True
        for peer in self._peers():
            self._send(peer, ["NETCTL", "drop", frame_id])
        return False

    def _drop_here(self, frame_id: str) -> bool:
        for link in list(self._links()):
            if link.drop(frame_id):
                self._on_change("fault", {"what": "cut", "src": link.src, "dst": link.dst,
                                          "detail": f"frame {frame_id} lost"})
                return True
        return False

    # -- the protocol ---------------------------------------------------------------------------
    def nodeup(self, peer: str) -> None:
        self._cut.pop(peer, None)
        if self._registers:
            self._send(peer, ["NETCTL", "set", self._entries(self._registers)])

    def received(self, peer: str, term: list[Any]) -> None:
        """["NETCTL", ...] from `peer`. ValueError for a malformed one (nothing applied)."""
        op = term[1] if len(term) > 1 else None
        if op == "set":
            self._merge(_parse_entries(term[2] if len(term) > 2 else None), forward=True)
        elif op == "held?" and len(term) == 3 and type(term[2]) is int:
            oldest = self._oldest_here()
            self._send(peer, ["NETCTL", "held", term[2], *(oldest or (None, "", ""))])
        elif op == "held" and len(term) == 6 and type(term[2]) is int:
            answers = self._answers.get(term[2])
            if answers is not None:
                if type(term[3]) is float and type(term[4]) is str and type(term[5]) is str:
                    answers.append((term[3], term[4], peer, term[5]))
                elif term[3] is None:
                    answers.append((0.0, "", peer, ""))  # nothing waits there
        elif op == "release" and len(term) == 3 and type(term[2]) is str:
            try:
                self._release_here(term[2])
            except NotFirst as exc:
                log.info("%s: step from %s refused: %s", self.name, peer, exc)
        elif op == "drop" and len(term) == 3 and type(term[2]) is str:
            self._drop_here(term[2])
        else:
            raise ValueError(f"malformed NETCTL message {op!r}")

    # -- inside -----------------------------------------------------------------------------------
    def _set(self, key: str, value: Any) -> None:
        self._set_many([[key, value]])

    def _set_many(self, pairs: list[list[Any]]) -> None:
        stamped: dict[str, tuple[int, str, Any]] = {}
        for key, value in pairs:
            self._counter += 1
            stamped[key] = (self._counter, self.name, value)
        self._merge(stamped, forward=True)

    def _merge(self, incoming: dict[str, tuple[int, str, Any]], *, forward: bool) -> None:
        changed: dict[str, tuple[int, str, Any]] = {}
        for key, entry in incoming.items():
            old = self._registers.get(key)
            self._counter = max(self._counter, entry[0])
            if old is None or entry[:2] > old[:2]:
                self._registers[key] = entry
                changed[key] = entry
        if not changed:
            return
        # Forward what was new to this node: the mesh is full, so one hop reaches everyone
        # connected; forwarding again is harmless (older or equal stamps change nothing).
        if forward:
            for peer in self._peers():
                self._send(peer, ["NETCTL", "set", self._entries(changed)])
        for key, (_, _, value) in changed.items():
            self._apply(key, value)

    def _apply(self, key: str, value: Any) -> None:
        if key == "clock":
            travel, paused = value
            if self.clock.set(travel, paused):
                self._on_change("clock", {"mode": self.clock.mode, "seconds": travel})
        elif key == "partition":
            self._apply_partition(value)
        elif key.startswith("latency "):
            _, src, dst = key.split(" ")
            before = self.faults.delay_of(src, dst)
            self.faults.set_delay(src, dst, value)
            if src == self.name and value != before:
                self._on_change("fault", {"what": "delay", "src": src, "dst": dst,
                                          "detail": f"{value * 1000:g} ms"})

    def _apply_partition(self, value: dict[str, Any]) -> None:
        sides, cuts = value["sides"], value["cuts"]
        pairs = {frozenset((x, y)) for i, side in enumerate(sides) for other in sides[i + 1:]
                 for x in side for y in other}
        pairs |= {frozenset(c) for c in cuts}
        me = self.name
        before = {n for p in self._pairs if me in p for n in p if n != me}
        after = {n for p in pairs if me in p for n in p if n != me}
        for n in after - before:  # remember how to reach them again, before the links go
            address = self._address_of(n)
            if address:
                self._cut[n] = address
        self._sides, self._cuts, self._pairs = sides, cuts, pairs
        self.faults.set_cuts([tuple(p) for p in pairs])  # type: ignore[misc]
        detail = (f"partition {' | '.join(','.join(s) for s in sides)}" if sides
                  else "link cut")
        for n in sorted(after - before):
            self._on_change("fault", {"what": "cut", "src": me, "dst": n, "detail": detail})
        for n in sorted(before - after):
            self._on_change("fault", {"what": "heal", "src": me, "dst": n, "detail": ""})
            address = self._cut.pop(n, None)
            if address and n not in self._peers():
                self._dial(n, address)

    def _entries(self, registers: dict[str, tuple[int, str, Any]]) -> list[list[Any]]:
        return [[k, c, o, v] for k, (c, o, v) in registers.items()]

    def _oldest_here(self) -> tuple[float, str, str] | None:
        """(time queued, id, destination) of the oldest frame at the head of a link here."""
        heads = [(*h, link.dst) for link in self._links() if (h := link.oldest()) is not None]
        return min(heads) if heads else None

    async def _gather_oldest(self) -> list[tuple[float, str, str, str]]:
        qid = next(self._queries)
        answers: list[tuple[float, str, str, str]] = []
        mine = self._oldest_here()
        if mine is not None:
            answers.append((mine[0], mine[1], self.name, mine[2]))
        peers = self._peers()
        if not peers:
            return answers
        replies: list[tuple[float, str, str, str]] = []
        self._answers[qid] = replies
        for peer in peers:
            self._send(peer, ["NETCTL", "held?", qid])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_WAIT
        try:
            while len({r[2] for r in replies}) < len(peers) and loop.time() < deadline:
                await asyncio.sleep(0.005)
        finally:
            del self._answers[qid]
        return answers + [r for r in replies if r[1]]  # (answers with no frame dropped)

    def _release_here(self, frame_id: str) -> Released | None:
        for link in list(self._links()):
            if link.release(frame_id):  # NotFirst propagates: a clear error for the teacher
                return Released(frame_id, link.src, link.dst)
        return None


def _resolve(name: str, known: list[str]) -> str:
    if not isinstance(name, str) or not name:
        raise ControlError(f"not a node name: {name!r}")
    if name in known:
        return name
    matches = sorted({k for k in known if k.split("@")[0] == name})
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ControlError(f"unknown node {name!r} (known: "
                           f"{', '.join(sorted(set(k.split('@')[0] for k in known)))})")
    raise ControlError(f"{name!r} is ambiguous: {', '.join(matches)}")


def _stamp_from_caps(caps: frozenset[str]) -> Stamp | None:
    for cap in caps:
        if cap.startswith(STAMP_CAP):
            counter, _, origin = cap[len(STAMP_CAP):].partition(":")
            if counter.isdigit() and len(counter) < 20:
                return int(counter), origin
    return None


def _parse_entries(data: Any) -> dict[str, tuple[int, str, Any]]:
    if type(data) is not list or len(data) > MAX_ENTRIES:
        raise ValueError("NETCTL set: not a list of entries")
    out: dict[str, tuple[int, str, Any]] = {}
    for item in data:
        if type(item) is not list or len(item) != 4:
            raise ValueError("NETCTL set: bad entry")
        key, counter, origin, value = item
        if type(key) is not str or type(counter) is not int or type(origin) is not str \
                or counter < 0:
            raise ValueError("NETCTL set: bad entry")
        out[key] = (counter, origin, _check_value(key, value))
    return out


def _check_value(key: str, value: Any) -> Any:
    if key == "clock":
        if type(value) is not list or len(value) != 2 or type(value[1]) is not bool:
            raise ValueError("NETCTL clock: [travel, paused]")
        return [check_travel(value[0]), value[1]]
    if key == "partition":
        if type(value) is not dict or set(value) != {"sides", "cuts"}:
            raise ValueError("NETCTL partition: {sides, cuts}")
        sides, cuts = value["sides"], value["cuts"]
        if type(sides) is not list or type(cuts) is not list or \
                len(sides) + len(cuts) > MAX_SIDE_NODES:
            raise ValueError("NETCTL partition: lists of sides and cuts")
        for side in sides + cuts:
            if type(side) is not list or len(side) > MAX_SIDE_NODES or not all(
                    type(n) is str and 0 < len(n) < 256 for n in side):
                raise ValueError("NETCTL partition: a side or a cut is a list of node names")
        if any(len(c) != 2 or c[0] == c[1] for c in cuts):
            raise ValueError("NETCTL partition: a cut joins two nodes")
        return {"sides": [list(s) for s in sides], "cuts": [list(c) for c in cuts]}
    if key.startswith("latency ") and len(key.split(" ")) == 3:
        if type(value) not in (int, float) or not 0 <= value <= MAX_LATENCY:
            raise ValueError("NETCTL latency: seconds")
        return float(value)
    raise ValueError(f"NETCTL: unknown setting {key[:40]!r}")
