"""The README's picture of a lesson cast on a running cluster (offscreen, no display needed):

    QT_QPA_PLATFORM=offscreen python resources/screenshots/take_class_lesson_screenshot.py

Four app windows as `pgviz demo --nodes 4` opens them (whole cluster, each letting lessons
drive its node), connected; alice's Lessons menu runs lesson 2 on this cluster. At step 2 (the
split), lesson-on-cluster.png shows the lesson window beside the four windows, each with the
teacher's step in its lesson banner, laid out as on a 1920×1080 screen.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import isolated  # (this folder: the script's own settings, registry, recordings)

SCRATCH = isolated.environment()

from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

HERE = Path(__file__).parent
COOKIE = "screenshot-cookie-0123456789"


async def until(cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def main() -> None:
    from pgviz.gui.app import open_window

    names = ["alice", "bob", "carol", "dave"]
    windows = [await open_window(n, cookie=COOKIE, whole_cluster=True, discovery=False,
                                 lesson_agent=True) for n in names]
    for w in windows[1:]:
        await windows[0].session.connect(w.session.node.address)
    await until(lambda: all(len(w.session.node.nodes()) == 3 for w in windows))
    cells = [(640, 0), (1280, 0), (640, 540), (1280, 540)]
    for w, (x, y) in zip(windows, cells, strict=True):
        w.remember = False  # the picture's layout is not this machine's user's
        w.setGeometry(x, y, 640, 540)
        w.show()
    alice = windows[0]
    alice.lessons.on_cluster.setChecked(True)
    lw = alice.lessons.open("2")
    assert lw is not None
    await until(lambda: not lw.busy and lw.run.world is not None)
    assert not lw.error, lw.error
    lw.setGeometry(0, 0, 640, 1080)
    lw.show()
    for step in range(2):
        lw.next()
        await until(lambda step=step: not lw.busy and lw.run.position == step)
        await asyncio.sleep(0.8)
    assert lw.result is not None and lw.result.ok, lw.result
    canvas = QImage(1920, 1080, QImage.Format.Format_RGB32)
    canvas.fill(QColor("#20232a"))
    painter = QPainter(canvas)
    for window in (lw, *windows):
        painter.drawPixmap(window.geometry().topLeft(), window.grab())
    painter.end()
    canvas.save(str(HERE / "lesson-on-cluster.png"))
    lw.close()
    await lw.stopped
    for w in windows:
        await w.shutdown()


if __name__ == "__main__":
    import qasync

    app = QApplication(sys.argv)
    app.setStyle("Fusion")
    isolated.settings(SCRATCH)
    app.setQuitOnLastWindowClosed(False)
    qasync.run(main())
