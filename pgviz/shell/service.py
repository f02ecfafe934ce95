"""`pgviz node`: one node, its shell, its signals. The node as a service:

* commands come from a terminal (with line editing), from a pipe or file (one per line), or
  from nowhere (`--no-shell`);
* the end of a non-terminal stdin does not stop the node (a unit under systemd or a container
  has no input) unless `--exit-on-eof`; Ctrl-D in a terminal and `quit` do;
* SIGTERM and SIGINT stop it cleanly: peers get a goodbye (their nodedown says so at once),
  the registry entry and a recording are closed, the exit status is 0;
* `--exit-on-error`: the first command that fails (or a failed --connect at start) ends the
  node with status 1, after its reply;
* startup flags (--join, --connect) print events, never replies: a reply only ever answers a
  command line that was read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Awaitable
from typing import Protocol, TypeVar

from ..errors import PgvizError
from ..lessons import LessonAgent
from ..net import registry
from ..node import Node
from ..trace import describe
from . import lan
from .commands import Shell
from .lan import start_discovery
from .logs import JsonLogFormatter
from .output import Output

__all__ = ["run_node", "serve", "LineInput"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Input(Protocol):
    interactive: bool

    async def read(self) -> str | None: ...


class LineInput:
    """One command per line from a pipe or a file; None at the end of input. A thread reads,
    so a tty, a pipe and a file behave the same, and the loop never blocks on stdin."""

    interactive = False

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = loop
        threading.Thread(target=self._lines, name="pgviz-stdin", daemon=True).start()

    def _lines(self) -> None:
        try:
            for line in sys.stdin:
                self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, None)
        except RuntimeError:
            pass  # the loop is gone already

    async def read(self) -> str | None:
        return await self._queue.get()


class Stopped(Exception):
    """A signal (or `quit`) arrived while waiting."""


def _is_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


async def serve(args: argparse.Namespace) -> int:
    from ..cli_options import node_options
    from ..names import default_name

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, _on_signal, stop, sig)
    out = Output(as_json=args.json, shell=not args.no_shell,
                 stderr_line=_json_line if args.log_format == "json" else None)
    options = node_options(args)
    node = Node(args.name or default_name(), host=args.host, port=args.port,
                cookie=args.cookie, **options)
    try:
        await node.start()
    except OSError as exc:
        sys.stderr.write(f"pgviz node: cannot listen on {args.host}:{args.port}: {exc}\n")
        return 2
    try:
        registry.register(node.name, node.address)  # so desktop windows list this node
    except OSError as exc:
        log.warning("cannot write the local node registry: %s", exc)
    shell = Shell(node, out.emit)
    if getattr(args, "lesson_agent", False):
        # A lesson run from elsewhere drives this node; each step it shows is an event here.
        LessonAgent(node, on_show=lambda shown: out.emit({
            "event": "lesson", "lesson": shown.lesson, "step": shown.number,
            "title": shown.title, "look": shown.look}))
    discovery = await start_discovery(node, out.emit) if lan.wanted(args, node) else None
    shell.discovery = discovery
    try:
        shell.start()
        if args.trace:
            node.add_listener(lambda ev: out.emit({"event": "trace", "trace": ev.to_dict(),
                                                   "text": describe(ev)}))
        out.emit({"event": "started", "name": node.name, "address": node.address})
        return await _run(args, node, shell, out, stop)
    except Stopped:
        return 0
    finally:
        shell.stop_recording()
        if discovery is not None:
            await discovery.stop()  # a goodbye on the LAN too
        registry.unregister(node.name)
        await node.stop()  # goodbyes: peers see nodedown "said goodbye (stopping)"
        log.info("%s stopped", node.name)


def _json_line(text: str) -> str:
    """A failure line as --log-format json writes every stderr line: one JSON object."""
    record = logging.LogRecord("pgviz.shell", logging.ERROR, __file__, 0, text, None, None)
    return JsonLogFormatter().format(record)


def _on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    log.info("%s received: stopping", sig.name)
    stop.set()


async def _run(args: argparse.Namespace, node: Node, shell: Shell, out: Output,
               stop: asyncio.Event) -> int:
    async def until_stopped(work: Awaitable[T]) -> T:
        task = asyncio.ensure_future(work)
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(shell.quitting.wait())]
        try:
            await asyncio.wait([task, *waits], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise Stopped
        return task.result()

    if args.join:
        member = shell.spawn_member("member")
        for group in args.join:
            node.pg.join(group, member)
        out.emit({"event": "joined", "pid": str(member), "groups": args.join})
    failed = False
    for addr in args.connect:
        # Success shows as the nodeup event; a failure is an event too (nothing asked).
        try:
            await until_stopped(node.connect(addr))
        except (PgvizError, OSError, ValueError) as exc:
            failed = True
            out.emit({"event": "connect_failed", "address": addr, "error": str(exc)})
    if failed and args.exit_on_error:
        return 1
    if args.no_shell:
        await until_stopped(asyncio.get_running_loop().create_future())  # until a signal
        return 0
    source: Input
    terminal = contextlib.ExitStack()
    if _is_terminal():
        from prompt_toolkit.patch_stdout import patch_stdout

        from .terminal import TerminalInput

        source = TerminalInput(shell)
        terminal.enter_context(patch_stdout(raw=True))  # events print above the prompt
    else:
        source = LineInput(asyncio.get_running_loop())
    with terminal:
        while True:
            line = await until_stopped(source.read())
            if line is None:
                if not (source.interactive or args.exit_on_eof):
                    log.info("end of input: the node goes on (stop it with SIGTERM; "
                             "--exit-on-eof stops it here)")
                    await until_stopped(asyncio.get_running_loop().create_future())
                return 0
            reply = await until_stopped(shell.execute(line))
            if reply is not None:
                out.emit(reply)
                if not reply["ok"] and args.exit_on_error:
                    return 1
            if shell.quitting.is_set():
                return 0


def run_node(args: argparse.Namespace) -> int:
    factory = None
    if getattr(args, "loop", "asyncio") == "uvloop":
        try:
            import uvloop
        except ImportError:
            sys.stderr.write("pgviz node: --loop uvloop needs uvloop (pip install 'pgviz[fast]')\n")
            return 2
        factory = uvloop.new_event_loop
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(serve(args))
    except KeyboardInterrupt:  # before the handlers were installed
        return 0
