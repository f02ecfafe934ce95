"""Replay: how fast a large recording opens, and how fast a scrub jump redraws (issue 9, 5).

    python -m benchmarks.replay_bench [--events 100000] [--jumps 60] [--png out.png]
    python -m benchmarks.scenario replay [--size quick|smoke]    # the same, as the runner does

Writes a synthetic recording of a busy 5-node cluster (joins, leaves, broadcasts: every frame
a send and a deliver, pg's join messages to every peer; up to 40 members per node), then,
offscreen (QT_QPA_PLATFORM=offscreen unless set) at 1280x800:

* open: load the file, build the replay window (the checkpointed Replay included), show it and
  paint it once; writing the file is not timed. Target <= 2 s for 100k events;
* scrub: move the time slider to a random moment of the recording (`slider.setValue`, what a
  drag or a click on the slider does: the window jumps to that time) and repaint the whole
  window synchronously (view, event list, slider, labels); median, p95 and worst of the jumps.
  Target <= 50 ms.

Figures on a shared 2-vCPU VM swing by 2-3x with its load: compare with
`python -m pgviz.gui.framebench` run just before (3.7 ms on a quiet machine).

Prints `RESULT<TAB>name<TAB>value<TAB>unit<TAB>note` lines (the harness's format):
`pgviz_replay_open_s`, `pgviz_replay_scrub_ms` (median), `pgviz_replay_scrub_p95_ms`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pgviz.events import Deliver, Event, Join, Leave, NodeUp, ScopeView, Send, Spawn
from pgviz.model import Recorder
from pgviz.wire.terms import Pid

from .common import pct

NODES = [f"{n}@127.0.0.1" for n in ("alice", "bob", "carol", "dave", "erin")]
GROUPS = ["chat", "news", "orders", "jobs"]
MAX_MEMBERS = 40  # per node: a big classroom (the picture holds up to 5 x 40 members)


def synthetic_events(count: int, seed: int = 1) -> list[Event]:
    """A plausible cluster's events: state first, then joins/leaves propagated to every
    peer and broadcasts, ~1 ms apart."""
    rng = random.Random(seed)
    t, lc = 1_000_000.0, 0
    out: list[Event] = []
    members: dict[str, list[tuple[str, Pid]]] = {n: [] for n in NODES}
    frame = 0

    def stamp() -> tuple[float, int]:
        nonlocal t, lc
        t += rng.uniform(0.0002, 0.002)
        lc += 1
        return t, lc

    for a in NODES:
        for b in NODES:
            if a != b:
                out.append(NodeUp(a, *stamp(), b))
        out.append(ScopeView(a, *stamp(), "pg", ()))
    serial = 100
    while len(out) < count:
        node = rng.choice(NODES)
        roll = rng.random()
        if (roll < 0.45 and len(members[node]) < MAX_MEMBERS) or not members[node]:
            serial += 1
            pid = Pid(node, serial, 0, 1)
            group = rng.choice(GROUPS)
            out.append(Spawn(node, *stamp(), pid))
            out.append(Join(node, *stamp(), "pg", group, (pid,)))
            members[node].append((group, pid))
            for peer in NODES:
                if peer != node:
                    frame += 1
                    fid = f"f{frame}"
                    summary = f"(join, <{node[:3]}.2>, {group}, {pid})"
                    out.append(Send(node, *stamp(), fid, node, peer, "join", 90, summary))
                    out.append(Deliver(peer, *stamp(), fid, node, peer, "join", 90, summary))
                    out.append(Join(peer, *stamp(), "pg", group, (pid,)))
        elif roll < 0.6 or len(members[node]) >= MAX_MEMBERS:
            group, pid = members[node].pop(rng.randrange(len(members[node])))
            out.append(Leave(node, *stamp(), "pg", group, (pid,)))
            for peer in NODES:
                if peer != node:
                    frame += 1
                    fid = f"f{frame}"
                    out.append(Send(node, *stamp(), fid, node, peer, "leave", 90, "(leave, …)"))
                    out.append(Deliver(peer, *stamp(), fid, node, peer, "leave", 90, "(leave, …)"))
                    out.append(Leave(peer, *stamp(), "pg", group, (pid,)))
        else:
            for peer in NODES:
                if peer != node:
                    frame += 1
                    fid = f"f{frame}"
                    out.append(Send(node, *stamp(), fid, node, peer, "user", 40, "hello"))
                    out.append(Deliver(peer, *stamp(), fid, node, peer, "user", 40, "hello"))
    return out[:count]


def write_recording(path: Path, count: int) -> None:
    rec = Recorder(path, nodes=NODES, started=1_000_000.0)
    for ev in synthetic_events(count):
        rec(ev)
    rec.close()


def measure(count: int, jumps: int, png: str | None) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from pgviz.gui.replay_window import open_replay

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        write_recording(path, count)
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        window = open_replay(path, theme="light")
        window.show()
        app.processEvents()
        window.repaint()
        opened = time.perf_counter() - t0
    rng = random.Random(7)
    slider = window.slider
    top = slider.maximum()
    times = []
    for _ in range(jumps):
        value = slider.value()
        while value == slider.value():  # an unchanged value would not move the playhead
            value = rng.randint(0, top)
        t0 = time.perf_counter()
        slider.setValue(value)  # valueChanged -> the window jumps to that moment
        window.repaint()  # the whole window: view, event list, slider, labels
        times.append(time.perf_counter() - t0)
    if window.redraws < jumps + 1:
        raise RuntimeError(f"{jumps} slider moves redrew the view only {window.redraws} times")
    if png:
        window.jump(window.playhead.total // 2)
        app.processEvents()
        window.grab().save(png)
    members = len(window.view.members)
    window.close()
    ms = sorted(t * 1000 for t in times)
    return {"open_s": opened, "scrub_median_ms": statistics.median(ms),
            "scrub_p95_ms": pct(ms, 95), "scrub_max_ms": ms[-1], "size_mb": size_mb,
            "members": members, "duration_s": top / 1000}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    p = argparse.ArgumentParser(prog="python -m benchmarks.replay_bench")
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--jumps", type=int, default=60)
    p.add_argument("--png", default=None, help="also save the window at mid-recording")
    args = p.parse_args(argv)
    if args.events < 100 or args.jumps < 1:
        p.error("--events must be at least 100 and --jumps at least 1")
    r = measure(args.events, args.jumps, args.png)
    note = (f"{args.events} events ({r['size_mb']:.1f} MB, 5 nodes, {r['duration_s']:.0f} s "
            f"recorded), 1280x800, QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}")
    jumps = (f"{args.jumps} time-slider moves to random moments, each + a synchronous repaint "
             f"of the window")
    print(f"RESULT\tpgviz_replay_open_s\t{r['open_s']:.2f}\ts\t{note}; load + window + "
          "first paint (target <= 2 s)", flush=True)
    print(f"RESULT\tpgviz_replay_scrub_ms\t{r['scrub_median_ms']:.1f}\tms\t{note}; median of "
          f"{jumps}; p95 {r['scrub_p95_ms']:.1f} ms, worst {r['scrub_max_ms']:.1f} ms, "
          f"{r['members']} members at the last one (target <= 50 ms)", flush=True)
    print(f"RESULT\tpgviz_replay_scrub_p95_ms\t{r['scrub_p95_ms']:.1f}\tms\t{note}; p95 of "
          f"{jumps} (target <= 50 ms)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
