"""Frame render time of the cluster view: 30 nodes, 1000 members, 500 dots in flight.

    python -m pgviz.gui.framebench [--frames 300] [--png out.png] [--slow]

Builds the view from synthetic data (no network), shows it offscreen at 1280x800, then times
frames as the animation timer would run them (move every dot, repaint the viewport
synchronously) and prints the median as
`RESULT<TAB>pgviz_gui_frame_ms<TAB>value<TAB>ms<TAB>note`.

`--slow`: slow motion on (travel 10 s): the dots are 200 real frames in flight drawn from a
ClusterModel (`model.traffic()` and `flight_dots` every frame, as a live window does), a send
and a deliver folded every frame (the traffic is rebuilt each time), and 20 members joining at
once (one picture change: the background is rendered again). Printed as
`pgviz_gui_slow_frame_ms`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any


def build(nodes: int = 30, members: int = 1000, dots: int = 500, theme_name: str = "light"
          ) -> tuple[Any, Any, dict[str, float]]:
    from PySide6.QtWidgets import QApplication

    from ..runtime import Pid
    from .cluster_view import ClusterView
    from .picture import GroupRow, Member, Picture
    from .theme import THEMES

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    from .theme import stylesheet
    app.setStyleSheet(stylesheet(THEMES[theme_name]))
    me = "node1@127.0.0.1"
    peers = [f"node{i}@127.0.0.1" for i in range(2, nodes + 1)]
    everyone = [me, *peers]
    groups = ["chat", "news", "orders", "users", "jobs", "alerts", "presence", "metrics"]
    ms = []
    for i in range(members):
        node = everyone[i % len(everyone)]
        gs = (groups[i % len(groups)],) if i % 7 else (groups[i % 8], groups[(i + 3) % 8])
        ms.append(Member(Pid(node, 10 + i, 0, 1), node, gs, node == me))
    view = ClusterView(me, THEMES[theme_name])
    view.resize(1280, 800)
    rows = tuple(GroupRow(g, sum(g in m.groups for m in ms), 0) for g in groups)
    view.set_picture(Picture(me, peers=tuple(peers), members=tuple(ms), groups=rows,
                             links=frozenset(frozenset((me, p)) for p in peers)))
    view.show()
    app.processEvents()
    fake = {"now": 0.0}
    animator = view.animator
    animator.clock = lambda: fake["now"]
    links = [(me, p) for p in peers] + [(p, me) for p in peers]
    made, rnd = 0, 0
    while made < dots:
        fake["now"] = rnd * 0.08
        for k, (src, dst) in enumerate(links):
            if made >= dots:
                break
            animator.add(src, dst, ("user", "pg", "control")[(k + rnd) % 3],
                         1 if (k + rnd) % 11 else 5)
            made += 1
        rnd += 1
    animator.timer.stop()
    fake["now"] = rnd * 0.08 - 0.079
    return app, view, fake


def measure(frames: int = 300, png: str | None = None) -> tuple[float, int]:
    app, view, fake = build()
    animator = view.animator
    vp = view.viewport()
    times = []
    for i in range(frames + 10):
        fake["now"] += 0.00002
        t0 = time.perf_counter()
        animator.tick()
        vp.repaint()
        t1 = time.perf_counter()
        if i >= 10:  # the first frames build the background cache
            times.append((t1 - t0) * 1000)
    animator.timer.stop()
    in_flight = len(view.dot_layer.frame)
    if png:
        view.grab().save(png)
    return statistics.median(times), in_flight


def measure_slow(frames: int = 300, png: str | None = None) -> tuple[float, int]:
    import dataclasses

    from ..events import Clock, Deliver, Send
    from ..model import ClusterModel
    from ..runtime import Pid
    from .flights import flight_dots
    from .picture import Member

    app, view, fake = build(dots=0)
    me = view.centre
    peers = list(view.picture.peers)
    travel, dt, in_flight = 10.0, 0.016, 200
    model = ClusterModel([Clock(me, 0.0, 1, "slow", travel)])
    clock = {"now": 100.0}
    counter = {"lc": 2, "id": 0}

    def send(t: float) -> None:
        i = counter["id"]
        peer = peers[i % len(peers)]
        src, dst = (me, peer) if i % 2 else (peer, me)
        model.feed(Send(src, t, counter["lc"], f"f{i}", src, dst,
                        ("user", "join", "sync")[i % 3], 120, "('msg', <alice.1>, 'hi')",
                        travel))
        counter["lc"] += 1
        counter["id"] += 1

    for k in range(in_flight):  # spread along their links: sent over the last travel time
        send(clock["now"] - travel + k * travel / in_flight)
    shows = view.picture.shows_frames
    view.animator.flights = lambda: flight_dots(model.traffic(), clock["now"], shows)
    joined = tuple(Member(Pid(p, 5000 + i, 0, 1), p, ("chat",), False)
                   for i, p in enumerate(peers[:20]))
    vp = view.viewport()
    times = []
    oldest = 0
    for i in range(frames + 10):
        clock["now"] += dt
        t0 = time.perf_counter()
        model.feed(Deliver(me, clock["now"], counter["lc"], f"f{oldest}", me, me, "user", 1, ""))
        oldest += 1
        send(clock["now"])
        if i == 10:  # 20 members join at once: one new picture, the background redrawn
            pic = view.picture
            view.set_picture(dataclasses.replace(pic, members=pic.members + joined))
        view.animator.tick()
        vp.repaint()
        t1 = time.perf_counter()
        if i >= 10:
            times.append((t1 - t0) * 1000)
    view.animator.timer.stop()
    drawn = sum(d.count for _, _, d in view.animator.hits)
    if png:
        view.grab().save(png)
    return statistics.median(times), drawn


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    p = argparse.ArgumentParser(prog="python -m pgviz.gui.framebench")
    p.add_argument("--frames", type=int, default=300)
    p.add_argument("--png", default=None, help="also save the scene to this PNG")
    p.add_argument("--slow", action="store_true",
                   help="slow motion: 200 real frames in flight, 20 members joining at once")
    args = p.parse_args(argv)
    if args.slow:
        median, in_flight = measure_slow(args.frames, args.png)
        print(f"RESULT\tpgviz_gui_slow_frame_ms\t{median:.2f}\tms\tslow motion, 30 nodes, "
              f"1000+20 members (20 joining at once), {in_flight} frames in flight, a send "
              f"and a deliver per frame, 1280x800 offscreen, median of {args.frames} frames")
        return 0
    median, in_flight = measure(args.frames, args.png)
    print(f"RESULT\tpgviz_gui_frame_ms\t{median:.2f}\tms\t30 nodes, 1000 members, "
          f"{in_flight} dots in flight, 1280x800 offscreen, median of {args.frames} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
