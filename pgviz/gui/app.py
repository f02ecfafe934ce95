"""`pgviz gui`: a QApplication on a qasync loop, one node, one main window."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

from ..model import Recording
from ..net import registry
from ..node import Node
from .main_window import MainWindow
from .replay_window import ReplayWindow
from .session import NodeSession
from .tiling import tile_rects

__all__ = ["run_gui", "run_replay", "open_window", "connect_with_retry", "restart_window",
           "allow_restart"]

log = logging.getLogger(__name__)
_T0 = time.perf_counter()
_KEEP: list[object] = []


async def open_window(name: str, host: str = "127.0.0.1", port: int = 0,
                      cookie: str | None = None, whole_cluster: bool | None = None,
                      discovery: bool = True, lesson_agent: bool = False,
                      **options: Any) -> MainWindow:
    """Start a node and open its window (the node is stopped when the window closes).
    `whole_cluster`: show every node's links and members (None: as last time, else my node).
    `lesson_agent`: lessons run from elsewhere may drive this node (pgviz/lessons/agent.py)."""
    node = Node(name, host=host, port=port, cookie=cookie, **options)
    if node.protocol == "erlang" and whole_cluster is None:
        # BEAM nodes report no events: the picture is this node's view of their members.
        whole_cluster = False
    session = NodeSession(node)
    await session.start()
    if discovery:
        await session.start_discovery()  # only a node listening beyond loopback is announced
    try:
        registry.register(node.name, node.address)
    except OSError as exc:
        log.warning("cannot write the local node registry: %s", exc)
    window = MainWindow(session, whole_cluster)
    window.cookie, window.node_options = cookie, dict(options)
    if lesson_agent:
        window.lessons.set_agent(True)
    return window


async def connect_with_retry(window: MainWindow, address: str, timeout: float = 15.0) -> None:
    """--connect at start: the other node may still be starting (pgviz demo), so retry."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        try:
            name = await window.session.connect(address)
            window.report(f"connected to {name} at {address}")
            return
        except Exception as exc:
            if time.monotonic() > deadline or window.stopped.done():
                window.report(f"could not connect to {address}: {exc}", error=True)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 1.6, 1.0)


RECONNECT_TIMEOUT = 60.0  # peers accept the same name again once they timed the old one out


def allow_restart(window: MainWindow, cookie: str | None, **options: Any) -> None:
    """Give `window` the node menu's "Restart under the same name" (`pgviz demo`)."""
    window.restarter = lambda: window.run_task(restart_window(window, cookie, **options),
                                               "restart")


async def restart_window(old: MainWindow, cookie: str | None, **options: Any) -> MainWindow:
    """A new node with the crashed window's name and cookie on a new port, in a new window
    where the old one was, connected again to the peers the old node had (`old.replacement`
    resolves to it, so whoever waits for the old window to close follows the new one)."""
    loop = asyncio.get_running_loop()
    replacement: asyncio.Future[MainWindow] = loop.create_future()
    old.replacement = replacement
    addresses = list(old.net.peer_addresses)
    geometry, whole = old.geometry(), old.sync.whole
    agent = old.lessons.agent is not None
    name, host = old.session.node.name, old.session.node.host
    try:
        await old.shutdown()
        new = await open_window(name, host=host, port=0, cookie=cookie, whole_cluster=whole,
                                lesson_agent=agent, **options)
    except BaseException as exc:
        replacement.set_exception(exc)
        raise
    allow_restart(new, cookie, **options)
    new.setGeometry(geometry)
    new.show()
    replacement.set_result(new)
    new.report(f"restarted as {new.session.node.address}; reconnecting (peers accept the "
               "name again once their tick timeout has passed)")
    for address in addresses:
        new.run_task(connect_with_retry(new, address, RECONNECT_TIMEOUT),
                     f"connect to {address}")
    return new


def _tile(window: MainWindow) -> None:
    """PGVIZ_TILE=i,n (set by `pgviz demo`): take window i of n tiling the screen (see
    pgviz.gui.tiling: three windows on a wide screen are three columns, no cell left empty)."""
    spec = os.environ.get("PGVIZ_TILE")
    if not spec:
        return
    try:
        index, count = (int(x) for x in spec.split(","))
    except ValueError:
        return
    screen = window.screen() or QApplication.primaryScreen()
    area = screen.availableGeometry()
    rects = tile_rects(count, area.x(), area.y(), area.width(), area.height())
    if 0 <= index < len(rects):
        window.setGeometry(*rects[index])


def _install_signal_handlers(app: QApplication, on_signal) -> None:
    """SIGINT/SIGTERM close the window cleanly. A wakeup fd + socket notifier wakes the Qt
    loop when a signal arrives, so no polling timer runs while the window is idle."""
    rsock, wsock = socket.socketpair()
    rsock.setblocking(False)
    wsock.setblocking(False)
    signal.set_wakeup_fd(wsock.fileno())
    notifier = QSocketNotifier(rsock.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        try:
            data = rsock.recv(64)
        except OSError:
            return
        if data:
            on_signal()
    notifier.activated.connect(drain)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    _KEEP.append((rsock, wsock, notifier))  # alive as long as the app


class _FirstPaint(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            log.info("first paint of %s %.0f ms after the GUI module was imported",
                     self.window.session.name, (time.perf_counter() - _T0) * 1000)
        return False


def _log_first_paint(window: MainWindow) -> None:
    window.view.viewport().installEventFilter(_FirstPaint(window))


def _application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("pgviz")
    app.setOrganizationName("pgviz")
    app.setApplicationDisplayName("pgviz")
    app.setStyle("Fusion")
    return app


def run_replay(recording: Recording, path: str) -> int:
    """`pgviz replay FILE`: the recording in the cluster view, no node, no network."""
    app = _application()
    window = ReplayWindow(recording, path)
    _install_signal_handlers(app, window.close)
    window.show()
    return app.exec()


def run_gui(args: Any) -> int:
    os.environ.setdefault("QT_API", "pyside6")  # qasync must use the binding loaded here
    import qasync

    from ..names import default_name

    app = _application()
    app.setQuitOnLastWindowClosed(False)
    name = args.name or default_name()
    from ..cli_options import node_options

    options = node_options(args)
    # What happened, as our own state (not read from exception messages): a stop signal was
    # received; main() finished (the window closed and the node stopped).
    state = {"signalled": False, "finished": False}
    windows: list[MainWindow] = []

    def on_signal() -> None:
        state["signalled"] = True
        for window in windows:
            window.close()

    # Installed before the node starts: a SIGTERM during start-up (pgviz demo stopping at
    # once) stops the window as soon as it exists, instead of killing the process mid-way.
    _install_signal_handlers(app, on_signal)

    async def main() -> int:
        try:
            result = await _open_and_wait()
        except asyncio.CancelledError:
            raise  # asyncio.run cancels it after Qt's loop stopped under it: not finished
        except BaseException:
            state["finished"] = True  # it raised by itself: not Qt quitting
            raise
        state["finished"] = True
        return result

    async def _open_and_wait() -> int:
        # `pgviz demo` windows show the whole cluster
        whole = True if os.environ.get("PGVIZ_WHOLE_CLUSTER") == "1" else None
        try:
            window = await open_window(name, host=args.host, port=args.port,
                                       cookie=args.cookie, whole_cluster=whole,
                                       discovery=not getattr(args, "no_discovery", False),
                                       lesson_agent=getattr(args, "lesson_agent", False),
                                       **options)
        except Exception as exc:
            print(f"pgviz: cannot start node {name}: {exc}", file=sys.stderr)
            return 1
        windows.append(window)
        if os.environ.get("PGVIZ_DEMO") == "1":
            allow_restart(window, args.cookie, **options)
        _tile(window)
        _log_first_paint(window)
        window.show()
        if state["signalled"]:
            window.close()
        for address in args.connect:
            window.run_task(connect_with_retry(window, address), f"connect to {address}")
        while True:
            await window.stopped
            if window.replacement is None:
                return 0
            try:
                window = await window.replacement  # restarted under the same name
            except Exception as exc:
                print(f"pgviz: cannot restart {name}: {exc}", file=sys.stderr)
                return 1
            windows.append(window)

    try:
        return qasync.run(main())
    except KeyboardInterrupt:
        return 130
    except RuntimeError:
        # qasync: "Event loop stopped before Future completed". Qt left its event loop on
        # its own before main() finished: the display went away (the X server stopped with
        # `pgviz demo` under xvfb-run, a closed session). Nothing can be drawn or run any
        # more; the process ends, and peers see the link close.
        if state["finished"]:
            raise
        if not state["signalled"]:
            print(f"pgviz: {name}: the window system closed the app (display gone?)",
                  file=sys.stderr)
        return 0 if state["signalled"] else 1
