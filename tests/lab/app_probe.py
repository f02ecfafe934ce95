"""Run inside a lab machine: open the app's window on 0.0.0.0 (offscreen), wait until its
"On this network" list shows EXPECTED, print the list as JSON, save a picture, exit.

    python -m tests.lab.app_probe NAME EXPECTED_NODE PNG_PATH
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from pgviz.gui.app import open_window  # noqa: E402


async def probe(name: str, expected: str, png: str) -> int:
    window = await open_window(name, host="0.0.0.0", whole_cluster=False)
    window.resize(1280, 800)
    window.show()
    lst = window.panel.lan_nodes_list
    try:
        for _ in range(300):
            rows = [lst.item(i).text() for i in range(lst.count())]
            if lst.isVisible() and any(expected.split("@")[0] in r for r in rows):
                window.grab().save(png)
                print(json.dumps({"rows": rows, "visible": lst.isVisible()}), flush=True)
                return 0
            await asyncio.sleep(0.1)
        print(json.dumps({"rows": rows, "visible": lst.isVisible()}), flush=True)
        return 1
    finally:
        window.close()
        await window.stopped


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(probe(*sys.argv[1:4]))


if __name__ == "__main__":
    raise SystemExit(main())
