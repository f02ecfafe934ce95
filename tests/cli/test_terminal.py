"""`pgviz node` in a terminal (a pty): line editing, history and completion.

Without them, the arrow key reaches the shell as the bytes ESC [ A ("unknown command") and
Tab as a character of the command name, so each assertion below fails on a plain reader."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from ..support import COOKIE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux ptys")


class Terminal:
    """A process on a pty of 24x100, with everything it writes collected."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.screen = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO: the process is gone
                return
            if not data:
                return
            self.screen.extend(data)

    def type(self, keys: bytes) -> int:
        """Type `keys`; returns where the screen was, to wait for what they bring."""
        mark = len(self.screen)
        os.write(self.master, keys)
        return mark

    def wait_for(self, text: bytes, since: int = 0, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen[since:]:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"no {text!r} on the terminal: "
                                     f"{bytes(self.screen[since:])[-800:]!r}")
            time.sleep(0.01)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def test_history_line_editing_and_completion_in_a_terminal(tmp_path):
    env = dict(os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", PGVIZ_COOKIE=COOKIE,
               XDG_STATE_HOME=str(tmp_path / "state"), HOME=str(tmp_path))
    term = Terminal([sys.executable, "-m", "pgviz", "node", "--name", "tty"], env)
    try:
        term.wait_for(b"tty>")
        term.wait_for(b"ok nodes=[]", term.type(b"nodes\r"))
        # Up recalls "nodes"; Enter runs it again.
        mark = term.type(b"\x1b[A")
        term.wait_for(b"nodes", mark)
        term.wait_for(b"ok nodes=[]", term.type(b"\r"))
        # Left arrow and a typed character edit inside the line: "spawn w" -> "spawn xw".
        mark = term.type(b"spawn w\x1b[Dx")
        term.wait_for(b"ok pid=<tty.", term.type(b"\r"))
        term.wait_for(b"ok group=room", term.type(b"join room xw\r"))
        # Tab completes a command ("memb" -> "members"), then a group ("ro" -> "room").
        term.wait_for(b"members", term.type(b"memb\t"))
        term.wait_for(b"room", term.type(b" ro\t"))
        term.wait_for(b'ok group=room members=["<tty.', term.type(b"\r"))
        # ... and a process name ("kill x" -> "kill xw").
        term.wait_for(b"xw", term.type(b"kill x\t"))
        term.wait_for(b"ok pid=<tty.", term.type(b"\r"))
        assert b"unknown command" not in term.screen
        term.type(b"\x04")  # Ctrl-D on an empty line: the end of input, in a terminal
        assert term.proc.wait(10) == 0
    finally:
        term.close()
    history = (tmp_path / "state" / "pgviz" / "shell_history").read_text()
    assert "nodes" in history and "join room xw" in history  # kept for the next session
