"""The headless node: `pgviz node`, a node with a command shell (or none, as a service).

With --json every reply and every event is one JSON object per line, so scripts and tests can
drive a node:  {"reply": COMMAND, "ok": true|false, ...}  and  {"event": KIND, ...}.

    commands.py   the commands (one line in, one reply out); no IO
    output.py     how replies and events are printed (JSON Lines or human lines)
    service.py    the node's life: input source, signals, startup flags, exit status
    terminal.py   line editing, history and completion in a terminal (prompt_toolkit)
"""

from .commands import COMMANDS, CommandError, Shell
from .service import run_node

__all__ = ["run_node", "Shell", "COMMANDS", "CommandError"]
