"""Pictures of the space-time diagram from real lesson runs (offscreen, no display needed):

    QT_QPA_PLATFORM=offscreen python resources/screenshots/take_spacetime_screenshots.py

spacetime-netsplit.png: lesson 2 (netsplit and heal) as it ran on four loopback nodes, a sync frame
selected; lesson-diagram.png: lesson 3's step "alice joins: join has returned", the narration
above the diagram at that moment (the network paused, the join frame waiting on its link).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget  # noqa: E402

from pgviz.gui.spacetime_export import view_of_recording  # noqa: E402
from pgviz.lessons import LessonRun, LoopbackStage, StepResult, load_lesson  # noqa: E402
from pgviz.model import Recorder, load_recording  # noqa: E402

HERE = Path(__file__).parent


async def record(lesson_name: str, path: Path, steps: int) -> list[tuple[StepResult, float]]:
    """Run the first `steps` steps, recording every node's events; (result, time) per step."""
    import time

    recorders: list[Recorder] = []

    def started(nodes):  # type: ignore[no-untyped-def]
        rec = Recorder(path, [n.name for n in nodes.values()])
        recorders.append(rec)
        for n in nodes.values():
            n.add_listener(rec)

    run = LessonRun(load_lesson(lesson_name), LoopbackStage(on_started=started))
    await run.start()
    out = []
    for _ in range(steps):
        result = await run.next()
        assert result is not None and result.ok, result
        out.append((result, time.time()))
        await asyncio.sleep(0.4)
    await asyncio.sleep(0.3)
    recorders[-1].close()
    await run.stop()
    return out


def main() -> int:
    app = QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp(prefix="pgviz-spacetime-"))
    asyncio.run(record("netsplit", tmp / "netsplit.jsonl", 4))
    view = view_of_recording(load_recording(tmp / "netsplit.jsonl"), width=1400)
    syncs = [a for a in view.history.arrows if a.kind == "sync"]
    if syncs:
        view.select_frame(syncs[0].id)
    view.resize(1400, 330)
    view.grab().save(str(HERE / "spacetime-netsplit.png"))

    steps = asyncio.run(record("joins-in-flight", tmp / "joins.jsonl", 4))
    result, _ = steps[2]
    recording = load_recording(tmp / "joins.jsonl")
    page = QWidget()
    page.setStyleSheet("background: #f4f6fa; color: #1f2430;")
    layout = QVBoxLayout(page)
    title = QLabel(f"Lesson 3 · step {result.index + 1}/{len(load_lesson('3').steps)} — "
                   f"{result.step.title}")
    title.setStyleSheet("font-size: 20pt; font-weight: 600;")
    say = QLabel(" ".join(result.step.say.split()))
    say.setWordWrap(True)
    say.setStyleSheet("font-size: 13pt;")
    checks = QLabel("   ".join(str(c).split(" (measured")[0] for c in result.checks))
    checks.setStyleSheet("font-size: 12pt; color: #15803d;")
    diagram = view_of_recording(recording, width=1400)
    # the moment after the step: the join sent, held by the pause
    join = next(a for a in diagram.history.arrows if a.kind == "join")
    diagram.set_time(join.sent + 0.15)
    diagram.set_highlight("frames", ["join"])
    diagram.setMinimumHeight(220)
    for w in (title, say, checks, diagram):
        layout.addWidget(w)
    page.resize(1400, 470)
    page.show()
    app.processEvents()
    page.grab().save(str(HERE / "lesson-diagram.png"))
    print("wrote", HERE / "spacetime-netsplit.png", HERE / "lesson-diagram.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
