"""The README's screenshots: three live windows (whole cluster) with a broadcast and a join in
flight, and the replay window on the recording alice made meanwhile, playing at 0.1x; then the
classroom controls on a new cluster: slow motion with dots mid-link, a paused cluster with a
dot's inspector open, and a partition seen from both sides.

    .venv/bin/python resources/screenshots/take_screenshots.py [OUT_DIR] [--classroom]

Offscreen (no display needed), with its own registry, settings and recordings directories;
writes three-windows.png (and -dark), whole-cluster.png, my-node.png, replay.png and killed-node.png
(my-node.png is for looking at, it is not in the README), slow-motion.png, paused-inspector.png and partition.png (`--classroom`: only
these three). Look at them before committing them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable

import isolated  # (this folder: the script's own settings, registry, recordings)

SCRATCH = isolated.environment()

import qasync  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from pgviz.events import Send  # noqa: E402
from pgviz.gui.app import open_window  # noqa: E402
from pgviz.gui.replay_window import open_replay  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
CLASSROOM_ONLY = "--classroom" in sys.argv[1:]
OUT = ARGS[0] if ARGS else os.path.dirname(os.path.abspath(__file__))
SIZE = (1280, 800)


async def until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("the cluster did not settle")
        await asyncio.sleep(0.01)


async def main() -> None:
    if not CLASSROOM_ONLY:
        await three_windows_and_replay()
    await classroom()


async def three_windows_and_replay() -> None:
    ws = [await open_window(n, cookie="screenshots", whole_cluster=True)
          for n in ("alice", "bob", "carol")]
    for w in ws:
        w.resize(*SIZE)
        w.show()
    alice, bob, carol = ws
    for w in (bob, carol):
        await w.session.connect(alice.session.node.address)
    await until(lambda: all(len(w.session.node.nodes()) == 2 for w in ws))
    await asyncio.sleep(0.3)
    path = alice.record.start()
    plan = {alice: ["chat", "chat", "news"], bob: ["chat", "jobs"],
            carol: ["news", "news", "chat", "jobs"]}
    for w, groups in plan.items():
        for group in groups:
            w.session.join(group, [w.session.spawn_member()])
            await asyncio.sleep(0.15)
    await until(lambda: all(len(w.view.members) == 9 for w in ws))
    await asyncio.sleep(1.2)  # the join dots land
    bob.session.broadcast("chat", "hello, class!")
    carol.session.broadcast("news", "news flash")
    await asyncio.sleep(0.2)
    carol.session.join("jobs", [carol.session.spawn_member()])  # pg's join dots too
    await asyncio.sleep(0.2)
    alice.grab().save(f"{OUT}/whole-cluster.png")
    for w in ws:  # narrower, so that three side by side still read at the README's width
        w.resize(1000, 760)
    await asyncio.sleep(0.05)
    side_by_side(alice, bob, carol, f"{OUT}/three-windows.png")
    for w in ws:  # the same moment in the dark theme
        w.look.set_choice("dark")
        w.look.apply()
    await asyncio.sleep(0.05)
    side_by_side(alice, bob, carol, f"{OUT}/three-windows-dark.png")
    for w in ws:
        w.look.set_choice("light")
        w.look.apply()
        w.resize(*SIZE)
    bob.set_whole_cluster(False)
    await asyncio.sleep(0.1)
    bob.grab().save(f"{OUT}/my-node.png")
    await asyncio.sleep(1.5)
    alice.record.stop()

    replay = open_replay(path)
    replay.resize(*SIZE)
    replay.show()
    # play the broadcasts at 0.1x and take the picture while their dots fly
    events = replay.replay.events
    first = next(i for i, ev in enumerate(events) if isinstance(ev, Send) and ev.kind == "user")
    replay.jump_to_time(replay.replay.times[first] - 0.003)
    replay.speed_combo.setCurrentIndex(0)
    replay.play()
    await asyncio.sleep(0.45)
    replay.grab().save(f"{OUT}/replay.png")
    print(f"{path}: {len(events)} events; screenshots in {OUT}")
    replay.close()

    # carol's window closes: alice and bob show her gone, her members removed
    bob.set_whole_cluster(True)
    await carol.shutdown()
    carol.close()
    await until(lambda: all(w.session.node.nodes() == [o.session.name]
                            for w, o in ((alice, bob), (bob, alice))))
    await until(lambda: all(len(w.view.members) == 5 for w in (alice, bob)))
    await asyncio.sleep(1.2)  # the leave dots land
    side_by_side(alice, bob, f"{OUT}/killed-node.png")
    for w in (alice, bob):
        await w.shutdown()


def side_by_side(*windows_then_path: QWidget | str) -> None:
    """side_by_side(w1, w2, ..., path): the windows' grabs in a row, a thin gap between."""
    *windows, path = windows_then_path
    shots = [w.grab() for w in windows if isinstance(w, QWidget)]
    gap = 6
    out = QPixmap(sum(s.width() for s in shots) + gap * (len(shots) - 1),
                  max(s.height() for s in shots))
    out.fill(QColor("#9aa4b5"))
    p = QPainter(out)
    x = 0
    for shot in shots:
        p.drawPixmap(x, 0, shot)
        x += shot.width() + gap
    p.end()
    out.save(str(path))


async def classroom() -> None:
    """Slow motion, pause with the inspector, and a partition, on three whole-cluster windows."""
    ws = [await open_window(n, cookie="screenshots-classroom", whole_cluster=True)
          for n in ("alice", "bob", "carol")]
    for w in ws:
        w.resize(*SIZE)
        w.show()
    alice, bob, carol = ws
    for w in (bob, carol):
        await w.session.connect(alice.session.node.address)
    await until(lambda: all(len(w.session.node.nodes()) == 2 for w in ws))
    plan = {alice: ["chat", "chat", "news"], bob: ["chat", "news"], carol: ["news", "jobs"]}
    for w, groups in plan.items():
        for group in groups:
            w.session.join(group, [w.session.spawn_member()])
    await until(lambda: all(len(w.view.members) == 7 for w in ws))
    await until(lambda: not alice.session.model.traffic().in_flight)
    await asyncio.sleep(1.0)  # the live dots land

    # slow motion: a broadcast and a join on their way, every dot a real frame in flight
    alice.net.commands.slow(4.0)
    await until(lambda: all(w.net.bar.mode == "slow" for w in ws))
    bob.session.broadcast("chat", "hello, class!")
    await asyncio.sleep(0.5)
    carol.session.join("chat", [carol.session.spawn_member()])
    await asyncio.sleep(1.3)
    alice.grab().save(f"{OUT}/slow-motion.png")

    # paused: the dots stop where they are; the inspector tells what one of them carries
    alice.net.commands.pause()
    await until(lambda: all(w.net.bar.mode == "pause" for w in ws))
    hits = alice.view.animator.hits
    dot = next((d for _, _, d in hits if d.kind == "user"), hits[0][2] if hits else None)
    if dot is not None:
        alice.net.inspect(dot)
    await asyncio.sleep(0.2)
    alice.grab().save(f"{OUT}/paused-inspector.png")
    alice.net.inspector.close_inspector()

    # a partition: alice and bob | carol; each side draws what it believes
    alice.net.commands.resume()
    await until(lambda: not alice.session.model.traffic().in_flight, timeout=15)
    alice.net.commands.split_halves()
    await until(lambda: alice.session.node.nodes() == [bob.session.name]
                and not carol.session.node.nodes())
    await asyncio.sleep(0.3)
    alice.session.join("jobs", [alice.session.spawn_member()])  # bob has not seen it yet
    leaving = next(p for p in bob.session.spawned
                   if p in bob.session.scope.get_local_members("news"))
    bob.session.leave("news", [leaving])  # alice still shows it
    carol.session.join("chat", [carol.session.spawn_member()])  # nobody across the cut hears
    await asyncio.sleep(1.5)
    for w in (alice, carol):
        w.resize(960, 760)
    await asyncio.sleep(0.3)
    side_by_side(alice, carol, f"{OUT}/partition.png")
    alice.net.commands.heal_all()
    alice.net.commands.live()
    print(f"classroom screenshots in {OUT}")
    for w in ws:
        await w.shutdown()


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    isolated.settings(SCRATCH)
    qasync.run(main())
