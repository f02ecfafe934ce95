"""The README's screenshots: three live windows (whole cluster) with a broadcast and a join in
flight, and the replay window on the recording alice made meanwhile, playing at 0.1x.

    .venv/bin/python resources/screenshots/take_screenshots.py [OUT_DIR]

Offscreen (no display needed), with its own registry, settings and recordings directories;
writes whole-cluster.png, my-node.png and replay.png (my-node.png is for looking at, it is not
in the README). Look at them before committing them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable

SCRATCH = tempfile.mkdtemp(prefix="pgviz-shots-")
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["QT_API"] = "pyside6"
os.environ["PGVIZ_REGISTRY_DIR"] = f"{SCRATCH}/registry"
os.environ["PGVIZ_RECORDINGS_DIR"] = f"{SCRATCH}/recordings"
os.environ["XDG_CONFIG_HOME"] = f"{SCRATCH}/config"

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from pgviz.events import Send  # noqa: E402
from pgviz.gui.app import open_window  # noqa: E402
from pgviz.gui.replay_window import open_replay  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
SIZE = (1280, 800)


async def until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("the cluster did not settle")
        await asyncio.sleep(0.01)


async def main() -> None:
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
    for w in ws:
        await w.shutdown()


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      f"{SCRATCH}/settings")
    qasync.run(main())
