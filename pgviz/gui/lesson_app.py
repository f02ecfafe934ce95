"""`pgviz lesson NAME`: the lesson window and one app window per lesson node, in this process
(each window's node is a real pgviz node on 127.0.0.1, connected to the others as a full
mesh). The process ends when the lesson window is closed: the lesson's nodes stop.

`pgviz lesson NAME --cluster ADDR`: the lesson window and the teacher's window (a node that
joins the class's cluster at ADDR and shows all of it); the lesson is cast on the cluster's
nodes that run a lesson agent (pgviz/lessons/cluster.py). Closing the lesson window ends the
lesson there (its processes are killed, the network healed) and closes the teacher's window."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..lessons import Lesson

__all__ = ["run_lesson"]


def run_lesson(lesson: Lesson, cluster: argparse.Namespace | None = None) -> int:
    os.environ.setdefault("QT_API", "pyside6")
    import qasync

    from .app import _application, _install_signal_handlers
    from .lessons_menu import open_lesson

    app = _application()
    app.setQuitOnLastWindowClosed(False)
    holder: list[Any] = []
    _install_signal_handlers(app, lambda: holder[0].close() if holder else None)

    def report(text: str, _error: bool) -> None:
        print(f"pgviz: {text}", file=sys.stderr)

    async def main() -> int:
        teacher = await _teacher_window(cluster) if cluster is not None else None
        window = open_lesson(lesson, report, on_cluster=teacher,
                             cast=cluster.cast if cluster is not None else None)
        if window is None:
            if teacher is not None:
                await teacher.shutdown()
            return 2
        holder.append(window)
        if teacher is not None:
            _side_by_side(window, teacher)
            teacher.show()
        await window.stopped
        if teacher is not None:
            await teacher.shutdown()
        return 0

    try:
        return qasync.run(main())
    except KeyboardInterrupt:
        return 130


async def _teacher_window(args: argparse.Namespace) -> Any:
    from ..net.tls import TLSConfig
    from .app import connect_with_retry, open_window

    options: dict[str, Any] = {}
    if args.tls_cert:
        options["tls"] = TLSConfig(args.tls_cert, args.tls_key, args.tls_ca)
    window = await open_window(args.node_name, host=args.host, port=args.port,
                               cookie=args.cookie, whole_cluster=True,
                               discovery=not args.no_discovery, **options)
    for address in args.cluster:
        window.run_task(connect_with_retry(window, address), f"connect to {address}")
    return window


def _side_by_side(lesson_window: Any, teacher: Any) -> None:
    from PySide6.QtWidgets import QApplication

    from .tiling import tile_rects

    screen = lesson_window.screen() or QApplication.primaryScreen()
    area = screen.availableGeometry()
    rects = tile_rects(2, area.x(), area.y(), area.width(), area.height())
    lesson_window.setGeometry(*rects[0])
    teacher.setGeometry(*rects[1])
