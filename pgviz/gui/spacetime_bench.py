"""How long one frame of the space-time diagram takes to draw: 10 lanes, 1,000 arrows all in
view (some in flight, in slow motion), membership marks, a partition and a pause.

    python -m pgviz.gui.spacetime_bench       # QT_QPA_PLATFORM=offscreen works
"""

from __future__ import annotations

import random
import statistics
import time

from PySide6.QtGui import QImage, QPainter

from ..events import Clock, Deliver, Event, Fault, Join, Send
from ..wire.terms import Pid
from .spacetime import SpaceTimeView

__all__ = ["synthetic_events", "measure_frame_ms"]

KINDS = ("user", "user", "join", "sync", "discover", "leave", "MONITOR_P")


def synthetic_events(nodes: int = 10, arrows: int = 1000, seconds: float = 20.0,
                     in_flight: int = 12, seed: int = 1) -> list[Event]:
    rng = random.Random(seed)
    names = [f"n{i:02d}@127.0.0.1" for i in range(nodes)]
    t0 = 1_000_000.0
    events: list[Event] = []
    lc = 0
    for i in range(arrows):
        src, dst = rng.sample(names, 2)
        sent = t0 + seconds * i / arrows
        travel = rng.choice((0.0, 0.0, 0.4, 1.0))
        kind = rng.choice(KINDS)
        fid = f"f{i}"
        lc += 1
        events.append(Send(node=src, t=sent, lc=lc, id=fid, src=src, dst=dst, kind=kind,
                           size=80, summary=f"({kind}, {i})", travel=travel))
        if i < arrows - in_flight:
            lc += 1
            events.append(Deliver(node=dst, t=sent + travel + 0.003, lc=lc, id=fid, src=src,
                                  dst=dst, kind=kind, size=80, summary=f"({kind}, {i})"))
        if i % 25 == 0:
            events.append(Join(node=src, t=sent, lc=lc, scope="pg", group=f"g{i % 4}",
                               pids=(Pid(src, i, 0, 1),)))
    mid = t0 + seconds / 2
    events.append(Fault(node=names[0], t=mid, lc=lc, what="cut", src=names[0], dst=names[5],
                        detail="partition n00,n01 | n05"))
    events.append(Fault(node=names[0], t=mid + 2, lc=lc, what="heal", src=names[0],
                        dst=names[5]))
    events.append(Clock(node=names[0], t=mid + 4, lc=lc, mode="pause"))
    events.append(Clock(node=names[0], t=mid + 5, lc=lc, mode="live"))
    events.sort(key=lambda e: e.t)
    return events


def measure_frame_ms(nodes: int = 10, arrows: int = 1000, frames: int = 60,
                     size: tuple[int, int] = (1280, 540)) -> dict[str, float]:
    """Median and 95th percentile of one full repaint, milliseconds (a QApplication must
    exist)."""
    events = synthetic_events(nodes, arrows)
    end = events[-1].t
    view = SpaceTimeView(clock=lambda: end + 0.2)
    view.feed_many(events)
    view.resize(*size)
    start = view.history.start or 0.0
    view.set_scale((size[0] - 140) / (end - start))
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)
    full = []
    for _ in range(max(5, frames // 6)):
        painter = QPainter(image)
        t0 = time.perf_counter()
        view.paint_on(painter, *size)
        painter.end()
        full.append((time.perf_counter() - t0) * 1000)
    cached, first = view.frame_ms(frames)
    after_event = _after_event_ms(view, image, events, frames)
    return {"frame_median_ms": round(cached, 2),
            "frame_after_event_median_ms": round(statistics.median(after_event), 2),
            "frame_after_event_p95_ms": round(sorted(after_event)[int(len(after_event) * 0.95)],
                                              2),
            "full_redraw_median_ms":
            round(statistics.median(full), 2), "full_redraw_max_ms": round(max(full), 2),
            "arrows": arrows, "nodes": nodes, "in_flight": len(view.history.in_flight)}

def _after_event_ms(view: SpaceTimeView, image: QImage, events: list[Event], frames: int
                    ) -> list[float]:
    """One repaint after each new event (a frame sent and delivered among the nodes, as a
    live window gets them): what the diagram costs while the cluster is busy."""
    src, dst = view.history.lanes[0], view.history.lanes[1]
    t = view.history.end
    lc = 10_000_000
    times = []
    for i in range(frames):
        t += 0.005
        fid = f"new{i}"
        view.feed(Send(node=src, t=t, lc=lc + 2 * i, id=fid, src=src, dst=dst, kind="user",
                       size=80, summary="new", travel=0.0))
        view.feed(Deliver(node=dst, t=t + 0.001, lc=lc + 2 * i + 1, id=fid, src=src, dst=dst,
                          kind="user", size=80, summary="new"))
        painter = QPainter(image)
        t0 = time.perf_counter()
        view._paint_cached(painter)
        painter.end()
        times.append((time.perf_counter() - t0) * 1000)
    return times


if __name__ == "__main__":
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    print(measure_frame_ms())
