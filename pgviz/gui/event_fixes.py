"""Two corrections applied to the event stream before the views' ClusterModel folds it (Qt-free).

They make up for what the model does not (yet) fold itself; both are plain events in, events out:

* **A link one end reports down is down.** The model keeps a link up while either end last
  said "up"; but an end that stopped (a closed window) or lost the link cannot forward its own
  `nodedown` any more, so the link would stay drawn forever. `mirrored(ev)` gives, for a
  `nodedown` of A about B, the same `nodedown` as B would report it about A.
* **A send before its deliver.** A window hears its peers' events forwarded over their links:
  a peer's `send` to this node can arrive *after* this node's own `deliver` of that frame, and
  the frame then looks in flight forever. `replay_order(events)` moves each such `send` to just
  before its `deliver` (a recording keeps the order the events arrived in).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..events import Deliver, Event, NodeDown, Send

__all__ = ["mirrored", "replay_order"]


def mirrored(ev: Event) -> Event | None:
    """The other end's `nodedown` for a `nodedown` event, else None."""
    if type(ev) is NodeDown and ev.peer != ev.node:
        return NodeDown(ev.peer, ev.t, ev.lc, ev.node, ev.reason)
    return None


def replay_order(events: Iterable[Event]) -> list[Event]:
    """Events in an order the model folds correctly: every `send` before its `deliver`,
    and every `nodedown` followed by its mirror."""
    events = list(events)
    first_deliver: dict[str, int] = {}
    sent: set[str] = set()
    late: dict[int, list[Event]] = {}   # deliver index -> sends that belong before it
    late_ids: set[int] = set()          # positions of those sends
    for i, ev in enumerate(events):
        t = type(ev)
        if t is Send:
            assert isinstance(ev, Send)
            fid = ev.id
            j = first_deliver.get(fid) if fid else None
            if j is not None and fid not in sent:
                late.setdefault(j, []).append(ev)
                late_ids.add(i)
            sent.add(fid)
        elif t is Deliver:
            assert isinstance(ev, Deliver)
            if ev.id and ev.id not in sent:
                first_deliver.setdefault(ev.id, i)
    out: list[Event] = []
    for i, ev in enumerate(events):
        if i in late_ids:
            continue
        before = late.get(i)
        if before:
            out.extend(before)
        out.append(ev)
        mirror = mirrored(ev)
        if mirror is not None:
            out.append(mirror)
    return out
