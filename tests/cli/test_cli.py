"""The command line itself: the bare `pgviz` takes the app's options, help says everything,
bad arguments are one clear line and exit status 2."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from pgviz.cli import build_parser
from pgviz.shell import COMMANDS


def _pgviz(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pgviz", *args], capture_output=True,
                          text=True, timeout=30, env=env)


def _no_display_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return {**env, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_RUNTIME_DIR": str(tmp_path)}


@pytest.mark.parametrize("argv", [
    ["--cookie-file", "COOKIE", "--name", "alice"],
    ["--name", "alice", "--port", "0", "--connect", "127.0.0.1:4369", "-v"],
    ["-v", "--name", "alice"],
])
def test_bare_pgviz_takes_the_gui_options(tmp_path, argv):
    """Parsed as `pgviz gui ...`: the run gets as far as the display check (none here)."""
    cookie = tmp_path / "cookie"
    cookie.write_text("class-secret-of-16-chars")
    cookie.chmod(0o600)
    argv = [str(cookie) if a == "COOKIE" else a for a in argv]
    res = _pgviz(*argv, env=_no_display_env(tmp_path))
    assert res.returncode == 2
    assert "no display found" in res.stderr, res.stderr
    assert "unrecognized" not in res.stderr and "invalid choice" not in res.stderr


def test_bare_pgviz_with_the_readme_classroom_cookie(tmp_path):
    res = _pgviz("--cookie", "class", "--name", "alice", env=_no_display_env(tmp_path))
    assert res.returncode == 2 and "no display found" in res.stderr, res.stderr


@pytest.mark.parametrize("argv,needle", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["bogus"], "invalid choice: 'bogus'"),
    (["node", "--log-format", "xml"], "invalid choice: 'xml'"),
    (["node", "--no-shell", "--exit-on-eof"], "not allowed with"),
    (["--port", "99999"], "port out of range"),
])
def test_invalid_arguments_are_one_clear_line_and_status_2(argv, needle):
    res = _pgviz(*argv)
    assert res.returncode == 2
    assert needle in res.stderr and "Traceback" not in res.stderr


def test_node_help_lists_the_shell_commands_and_the_service_options():
    res = _pgviz("node", "--help")
    assert res.returncode == 0
    for command in COMMANDS:
        assert f"\n  {command}" in res.stdout, command
    for option in ("--no-shell", "--exit-on-eof", "--exit-on-error", "--log-format"):
        assert option in res.stdout


def _parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_every_option_has_help_text():
    missing = [f"{p.prog} {'/'.join(a.option_strings) or a.dest}"
               for p in _parsers(build_parser()) for a in p._actions
               if not isinstance(a, argparse._SubParsersAction)
               and (not a.help or a.help == argparse.SUPPRESS)]
    assert missing == []
