"""pytest-qt offscreen with one qasync loop for the whole session.

The rest of the suite runs each test with asyncio.run(), which refuses to start while a loop
is registered as running. So the shared qasync loop is marked running only for the duration of
each GUI test (autouse fixture below) and unmarked afterwards.
"""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_API", "pyside6")  # qasync binds to PySide6 whatever the import order

import asyncio  # noqa: E402

import pytest  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

COOKIE = "gui-test-cookie"


@pytest.fixture(scope="session")
def qt_loop(qapp, tmp_path_factory):
    qapp.setStyle("Fusion")
    settings_dir = tmp_path_factory.mktemp("qsettings")
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(settings_dir))
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    yield loop
    # Never loop.stop() here: Qt's quit flag would make every later wait return at once.


@pytest.fixture(autouse=True)
def _qasync_running(qt_loop, tmp_path, monkeypatch):
    monkeypatch.setenv("PGVIZ_REGISTRY_DIR", str(tmp_path / "registry"))
    monkeypatch.setenv("PGVIZ_RECORDINGS_DIR", str(tmp_path / "recordings"))
    # Each test's windows remember in a place of its own: a window of an earlier test that
    # closed with its diagram open must not open the next test's "alice" with it.
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    asyncio.set_event_loop(qt_loop)
    asyncio.events._set_running_loop(qt_loop)
    try:
        yield qt_loop
    finally:
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


@pytest.fixture
def run(qt_loop, qtbot):
    """run(coro, timeout=10) drives a coroutine to completion on the shared loop."""
    def _run(coro, timeout: float = 10.0):
        task = qt_loop.create_task(coro)
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()
    return _run


@pytest.fixture
def open_windows(run, qtbot):
    """open_windows("alice", "bob") -> started windows, shown offscreen; stopped at teardown."""
    from pgviz.gui.app import open_window

    opened = []

    def _open(*names, size=(1200, 780), whole=False):
        out = []
        for name in names:
            w = run(open_window(name, cookie=COOKIE, whole_cluster=whole))
            w.resize(*size)
            w.show()
            opened.append(w)
            out.append(w)
        return out

    yield _open
    for w in opened:
        if not w.stopped.done():
            run(w.shutdown())


@pytest.fixture
def errors(qt_loop):
    """Every exception that reaches sys.excepthook or the loop's exception handler."""
    import sys
    import traceback

    seen = []
    old = sys.excepthook
    sys.excepthook = lambda t, v, tb: seen.append("".join(traceback.format_exception(t, v, tb)))
    qt_loop.set_exception_handler(lambda _loop, ctx: seen.append(repr(ctx)))
    yield seen
    sys.excepthook = old
    qt_loop.set_exception_handler(None)
