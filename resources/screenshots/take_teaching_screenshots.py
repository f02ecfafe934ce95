"""The teaching pictures of the README (offscreen, no display needed):

    QT_QPA_PLATFORM=offscreen python resources/screenshots/take_teaching_screenshots.py

Lesson 2 (netsplit and heal) runs as `pgviz lesson 2` runs it: the lesson window and one app
window per node, in this process. lesson-step.png: the lesson window beside the four node
windows at step 3, laid out as on a 1920×1080 screen (each window grabbed by Qt and placed
where it is). spacetime.png: alice's window at step 4 (healed), 1400×900, with the space-time
diagram docked under the graph. export-diagram.png: File ▸ Export ▸ Space-time diagram as PNG
of that window; export-mermaid.md: its Mermaid export (for the README's example).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import isolated  # (this folder: the script's own settings, registry, recordings)

SCRATCH = isolated.environment()

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

HERE = Path(__file__).parent


async def until(cond, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def main() -> None:
    from pgviz.gui.lessons_menu import open_lesson

    lw = open_lesson("2")
    assert lw is not None
    await until(lambda: not lw.busy and len(lw.windows) == 4)
    # as on a 1920×1080 screen: the lesson window on the left, the nodes in a 2×2 grid
    lw.setGeometry(0, 0, 640, 1080)
    cells = [(640, 0), (1280, 0), (640, 540), (1280, 540)]
    for w, (x, y) in zip(lw.windows.values(), cells, strict=True):
        w.setGeometry(x, y, 640, 540)
    for step in range(3):
        lw.next()
        await until(lambda step=step: not lw.busy and lw.run.position == step)
        await asyncio.sleep(0.6)
    assert lw.result is not None and lw.result.ok, lw.result
    canvas = QImage(1920, 1080, QImage.Format.Format_RGB32)
    canvas.fill(QColor("#20232a"))
    painter = QPainter(canvas)
    for window in (lw, *lw.windows.values()):
        painter.drawPixmap(window.geometry().topLeft(), window.grab())
    painter.end()
    canvas.save(str(HERE / "lesson-step.png"))

    lw.next()  # heal
    await until(lambda: not lw.busy and lw.run.position == 3)
    alice = lw.windows["alice"]
    alice.session.broadcast("room", "hello after the heal")
    await asyncio.sleep(1.0)
    alice.setGeometry(0, 0, 1400, 900)
    alice.diagram.show()
    await asyncio.sleep(0.3)
    alice.resizeDocks([alice.diagram], [400], Qt.Orientation.Vertical)
    view = alice.diagram.view
    history = view.history
    span = max(0.5, history.end - (history.start or history.end))
    view.set_scale(max(60.0, (view.width() - 200) / (span * 1.12)))
    view.scroll_to(history.end + span * 0.1)  # the newest arrows whole, not at the edge
    await asyncio.sleep(0.5)
    users = [a for a in history.arrows if a.category == "user" and a.delivered is not None]
    if users:
        view.select_frame(users[-1].id)
    await asyncio.sleep(0.2)
    alice.grab().save(str(HERE / "spacetime.png"))
    alice.exports.write("diagram-png", str(HERE / "export-diagram.png"))
    alice.exports.write("mermaid", str(HERE / "export-mermaid.md"))
    lw.close()
    await lw.stopped


if __name__ == "__main__":
    import qasync

    app = QApplication(sys.argv)
    app.setStyle("Fusion")
    isolated.settings(SCRATCH)
    app.setQuitOnLastWindowClosed(False)
    qasync.run(main())
