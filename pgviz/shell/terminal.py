"""The shell in a terminal: line editing, history and completion, through prompt_toolkit.

Used only when stdin and stdout are both terminals; scripts and pipes get the plain
line-per-command reader (`service.LineInput`), so their input and output are unchanged.
Completion knows the commands and, per argument, the node's groups, processes (registered
names and the pids the shell spawned), peers, scopes and the nodes of this machine's registry.
History persists in $XDG_STATE_HOME/pgviz/shell_history (~/.local/state by default).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from .commands import COMMANDS, Shell

__all__ = ["TerminalInput", "ShellCompleter", "history_path"]

log = logging.getLogger(__name__)


def history_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                             "state")
    return Path(state) / "pgviz" / "shell_history"


def _history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        return FileHistory(str(path))
    except OSError as exc:
        log.info("no shell history file (%s); history lasts this session only", exc)
        return InMemoryHistory()


def _quoted(word: str) -> str:
    # Only a word with a space or a quote needs quoting (shlex-style, as the commands parse
    # it); pids and ordinary names are inserted as they are.
    if any(c.isspace() or c in "'\"" for c in word):
        return "'" + word.replace("'", "'\"'\"'") + "'"
    return word


class ShellCompleter(Completer):
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor.lstrip()
        words = text.split()
        ended = not words or text[-1:].isspace()  # the cursor is after a space
        if len(words) == 0 or (len(words) == 1 and not ended):
            prefix = words[0].lower() if words else ""
            for command in COMMANDS:
                if command.startswith(prefix):
                    yield Completion(command, -len(prefix), display_meta=_usage(command))
            return
        position = len(words) - 1 if ended else len(words) - 2
        prefix = "" if ended else words[-1]
        for word in self.shell.candidates(words[0].lower(), position):
            if word.startswith(prefix):
                yield Completion(_quoted(word), -len(prefix))


def _usage(command: str) -> str:
    return COMMANDS[command].split("  ")[0]


class TerminalInput:
    """Reads command lines with editing; None at the end of input (Ctrl-D on an empty line).
    Ctrl-C clears the line being typed."""

    interactive = True

    def __init__(self, shell: Shell) -> None:
        self._session: PromptSession[str] = PromptSession(
            history=_history(), completer=ShellCompleter(shell), complete_while_typing=False)
        self._prompt = f"{shell.node.name.split('@')[0]}> "

    async def read(self) -> str | None:
        while True:
            try:
                # SIGINT stays the service's (it stops the node); Ctrl-C typed here is a key.
                return await self._session.prompt_async(self._prompt, handle_sigint=False)
            except KeyboardInterrupt:
                continue
            except EOFError:
                return None
