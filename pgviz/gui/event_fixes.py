"""Two corrections applied to the event stream before the views' ClusterModel folds it (Qt-free).

They make up for what the model does not (yet) fold itself; both are plain events in, events out:

* **A link one end reports down is down.** The model keeps a link up while either end last
  said "up"; but an end that stopped (a closed window) or lost the link cannot forward its own
  `nodedown` any more, so the link would stay drawn forever. `mirrored(ev)` gives, for a
  `nodedown` of A about B, the same `nodedown` as B would report it about A.
* **A send before its deliver.** A window hears its peers' events forwarded over their links:
  a peer's `send` to this node can arrive *after* this node's own `deliver` of that frame, and
  the frame then looks in flight forever. `replay_order(events)` puts a recording (kept in the
  order the events arrived) in causal order.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..events import Event, NodeDown
from ..export.order import causal_order

__all__ = ["mirrored", "replay_order"]


def mirrored(ev: Event) -> Event | None:
    """The other end's `nodedown` for a `nodedown` event, else None."""
    if type(ev) is NodeDown and ev.peer != ev.node:
        return NodeDown(ev.peer, ev.t, ev.lc, ev.node, ev.reason)
    return None


def replay_order(events: Iterable[Event]) -> list[Event]:
    """Events in an order the model folds correctly: the recording's causal order (each
    node's own order kept, every `send` before its `deliver`: pgviz/export/order.py, which
    the exports use too), and every `nodedown` followed by its mirror."""
    out: list[Event] = []
    for ev in causal_order(events):
        out.append(ev)
        mirror = mirrored(ev)
        if mirror is not None:
            out.append(mirror)
    return out
