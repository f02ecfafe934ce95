"""Causal order of a recording's events, and the send/deliver pairs of its frames.

A recording interleaves the streams of several nodes (forwarded events race), so file order
is not causal across nodes: a `deliver` may come before its `send`. Each node's own events are
in the order they happened. `causal_order` merges the per-node streams, always taking the
earliest head (wall time, then Lamport clock) among the heads that are ready, a `deliver` being
ready only once its `send` (when the recording holds it) has been taken: concurrent events come
in the order a class saw them, and clocks that disagree across machines cannot break causality. The result is a linearisation
in which each node's order is kept and every deliver follows its send.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from ..events import Deliver, Event, Send

__all__ = ["causal_order", "Frame", "pair_frames"]


def causal_order(events: Iterable[Event]) -> list[Event]:
    streams: dict[str, list[Event]] = {}
    for ev in events:
        streams.setdefault(ev.node, []).append(ev)
    sent_ids = {ev.id for s in streams.values() for ev in s if type(ev) is Send}
    taken_sends: set[str] = set()
    pos = dict.fromkeys(streams, 0)
    out: list[Event] = []
    blocked: dict[str, str] = {}  # frame id -> node whose head waits for that send
    heap: list[tuple[float, int, int, str]] = []
    order = {n: i for i, n in enumerate(streams)}

    def offer(node: str) -> None:
        i = pos[node]
        if i >= len(streams[node]):
            return
        head = streams[node][i]
        if type(head) is Deliver and head.id in sent_ids and head.id not in taken_sends:
            blocked[head.id] = node
            return
        heapq.heappush(heap, (head.t, head.lc, order[node], node))

    for node in streams:
        offer(node)
    while heap or blocked:
        if not heap:
            # Only a corrupt recording gets here (a send after its own deliver on one node
            # chain): release the waiting head with the smallest clock rather than loop.
            fid = min(blocked, key=lambda f: streams[blocked[f]][pos[blocked[f]]].lc)
            node = blocked.pop(fid)
            taken_sends.add(fid)
            offer(node)
            continue
        node = heapq.heappop(heap)[3]
        ev = streams[node][pos[node]]
        pos[node] += 1
        out.append(ev)
        if type(ev) is Send:
            taken_sends.add(ev.id)
            waiting = blocked.pop(ev.id, None)
            if waiting is not None:
                offer(waiting)
        offer(node)
    return out


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame as a diagram draws it: its send and, unless it was lost, its deliver."""
    id: str
    src: str
    dst: str
    kind: str
    summary: str
    send: Send | None
    deliver: Deliver | None


def pair_frames(events: Iterable[Event]) -> dict[str, Frame]:
    """Frame id -> Frame, for every frame with a send or a deliver in `events`."""
    sends: dict[str, Send] = {}
    delivers: dict[str, Deliver] = {}
    for ev in events:
        if type(ev) is Send:
            sends[ev.id] = ev
        elif type(ev) is Deliver:
            delivers[ev.id] = ev
    out: dict[str, Frame] = {}
    for fid in {**sends, **delivers}:
        s, d = sends.get(fid), delivers.get(fid)
        one = s if s is not None else d
        assert one is not None
        out[fid] = Frame(fid, one.src, one.dst, one.kind, one.summary, s, d)
    return out
