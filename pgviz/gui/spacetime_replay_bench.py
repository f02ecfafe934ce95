"""How long one frame of a replay's space-time diagram takes to draw: the benchmark's 10 lanes
and 1,000 arrows (spacetime_bench.py) fed whole, then the playhead playing forward a frame at a
time, and dragged back across the recording.

    python -m pgviz.gui.spacetime_replay_bench       # QT_QPA_PLATFORM=offscreen works
"""

from __future__ import annotations

import statistics
import time

from PySide6.QtGui import QImage, QPainter

from .spacetime import SpaceTimeView
from .spacetime_bench import synthetic_events

__all__ = ["measure_replay_ms"]


def measure_replay_ms(nodes: int = 10, arrows: int = 1000, frames: int = 120,
                      size: tuple[int, int] = (1280, 540)) -> dict[str, float]:
    """Medians and 95th percentiles, milliseconds, of one repaint while playing (the playhead
    1/30 s on each frame) and while scrubbing back (a slider drag: 1/2 s back each frame)."""
    events = synthetic_events(nodes, arrows)
    start, end = events[0].t, events[-1].t
    view = SpaceTimeView()
    view.feed_many(events)
    view.resize(*size)
    view.set_scale((size[0] - 140) / (end - start) * 4)  # a quarter of the recording in view
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)

    def frame(t: float) -> float:
        view.set_time(t)
        painter = QPainter(image)
        t0 = time.perf_counter()
        view._paint_cached(painter)
        painter.end()
        return (time.perf_counter() - t0) * 1000

    playing = [frame(start + 2.0 + i / 30) for i in range(frames)]
    back = [frame(end - 0.5 * i) for i in range(min(frames, int((end - start) / 0.5)))]

    def p95(xs: list[float]) -> float:
        return round(sorted(xs)[int(len(xs) * 0.95)], 2)

    return {"playing_median_ms": round(statistics.median(playing[1:]), 2),
            "playing_p95_ms": p95(playing[1:]),
            "scrub_back_median_ms": round(statistics.median(back[1:]), 2),
            "scrub_back_p95_ms": p95(back[1:]), "arrows": arrows, "nodes": nodes}


if __name__ == "__main__":
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    print(measure_replay_ms())
