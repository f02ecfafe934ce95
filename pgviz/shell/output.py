"""What the shell prints: replies and events as JSON Lines (--json) or as human lines.

Human lines: a reply is `ok ...` on stdout, a failed one `error: ...` on stderr; an event is
`* KIND field=value ...` on stdout, a failure at start (`connect_failed`) on stderr. Values may
come from peers (message data, group and node names, reasons): each is escaped, so a peer can
neither forge a line nor send the terminal escape sequences. JSON mode keeps the DESIGN.md
contract: every reply and event is one object on stdout.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..wire.render import escape_controls

__all__ = ["Output", "human"]

# Events that report a failure: in human mode they go to stderr, with the failed replies.
FAILURE_EVENTS = frozenset({"connect_failed"})


class Output:
    """Thread-safe printing of replies and events (`emit`); stdout and stderr are looked up
    at each call, so a terminal's patched streams (prompt_toolkit) are used when active."""

    def __init__(self, *, as_json: bool, shell: bool = True,
                 stderr_line: Callable[[str], str] | None = None) -> None:
        self.as_json = as_json
        self.shell = shell  # False: no command is read (--no-shell)
        # How a failure line is written on stderr: as is, or shaped like the log lines there
        # (--log-format json: every stderr line is then one JSON object).
        self._stderr_line = stderr_line or (lambda text: text)
        self._lock = threading.Lock()

    def emit(self, obj: dict[str, Any]) -> None:
        if self.as_json:
            self._write(sys.stdout, json.dumps(obj, default=str))
            return
        text = human(obj, shell=self.shell)
        if obj.get("ok") is False or obj.get("event") in FAILURE_EVENTS:
            self._write(sys.stderr, self._stderr_line(text))
        else:
            self._write(sys.stdout, text)

    def _write(self, stream: Any, text: str) -> None:
        with self._lock:
            try:
                stream.write(text + "\n")
                stream.flush()
            except (BrokenPipeError, ValueError):
                pass  # nobody reads any more (closed pipe or stream): the node goes on


def human(obj: dict[str, Any], *, shell: bool = True) -> str:
    if "reply" in obj:
        if not obj["ok"]:
            return f"error: {_text(obj['error'])}"
        body = {k: v for k, v in obj.items() if k not in ("reply", "ok")}
        if obj["reply"] == "help":
            return "\n".join(body["commands"])  # our own text, one command a line
        if not body:
            return "ok"
        return "ok " + _fields(body)
    if obj.get("event") == "trace":
        return "trace " + obj["text"]
    if obj.get("event") == "started":
        hint = "type help for the commands" if shell else "no shell; stop it with SIGTERM"
        return f"pgviz node {_text(obj['name'])} listening on {_text(obj['address'])} ({hint})"
    rest = {k: v for k, v in obj.items() if k != "event"}
    return f"* {_text(obj.get('event'))} " + _fields(rest)


def _fields(values: dict[str, Any]) -> str:
    return " ".join(f"{_text(k)}={_text(v)}" for k, v in values.items())


def _text(value: Any) -> str:
    """A value as the human shell prints it: a string bare, anything else as JSON (which
    escapes most control characters, but not DEL), then every control character escaped."""
    return escape_controls(value if isinstance(value, str) else json.dumps(value, default=str))
