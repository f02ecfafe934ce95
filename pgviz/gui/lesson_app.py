"""`pgviz lesson NAME`: the lesson window and one app window per lesson node, in this process
(each window's node is a real pgviz node on 127.0.0.1, connected to the others as a full
mesh). The process ends when the lesson window is closed: the lesson's nodes stop."""

from __future__ import annotations

import os
import sys

from ..lessons import Lesson

__all__ = ["run_lesson"]


def run_lesson(lesson: Lesson) -> int:
    os.environ.setdefault("QT_API", "pyside6")
    import qasync

    from .app import _application, _install_signal_handlers
    from .lessons_menu import open_lesson

    app = _application()
    app.setQuitOnLastWindowClosed(False)
    holder: list = []
    _install_signal_handlers(app, lambda: holder[0].close() if holder else None)

    async def main() -> int:
        window = open_lesson(lesson, lambda text, _error: print(f"pgviz: {text}",
                                                                 file=sys.stderr))
        if window is None:
            return 2
        holder.append(window)
        await window.stopped
        return 0

    try:
        return qasync.run(main())
    except KeyboardInterrupt:
        return 130
