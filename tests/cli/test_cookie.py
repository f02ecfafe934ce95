"""The cookie through the command line: real `pgviz` processes, each with its own config dir
(XDG_CONFIG_HOME and HOME in a temporary folder: the real user's cookie file is never touched)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pgviz import Node

from ..support import run

LONG = "correct-horse-battery-staple"  # 28 characters
WARNING = "warning: --cookie puts the secret on the command line"


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PGVIZ_COOKIE", "PGVIZ_COOKIE_FILE", "XDG_CONFIG_HOME")}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env


def pgviz(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pgviz", *args], input="quit\n",
                          capture_output=True, text=True, timeout=30, env=env)


def started(res: subprocess.CompletedProcess[str]) -> dict:
    assert res.returncode == 0, res.stdout + res.stderr
    first = json.loads(res.stdout.splitlines()[0])
    assert first["event"] == "started"
    return first


def assert_refused(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and "started" not in res.stdout
    for needle in needles:
        assert needle in res.stderr, res.stderr


def cookie_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


# -- --cookie still works, with one warning -------------------------------------------------------

def test_cookie_on_the_command_line_works_and_warns_once(tmp_path):
    res = pgviz("node", "--json", "--cookie", "x", env=cli_env(tmp_path))
    started(res)
    warnings = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and WARNING in warnings[0]
    assert "ps" in warnings[0] and "PGVIZ_COOKIE" in warnings[0]
    assert "--cookie-file" in warnings[0]


def test_cookie_file_and_environment_do_not_warn(tmp_path):
    path = cookie_file(tmp_path / "c", LONG)
    for res in (pgviz("node", "--json", "--cookie-file", str(path), env=cli_env(tmp_path)),
                pgviz("node", "--json", env=cli_env(tmp_path, PGVIZ_COOKIE="x")),
                pgviz("node", "--json", env=cli_env(tmp_path, PGVIZ_COOKIE_FILE=str(path)))):
        started(res)
        assert "warning" not in res.stderr


# -- precedence: --cookie, --cookie-file, PGVIZ_COOKIE, PGVIZ_COOKIE_FILE, the default file -------

SOURCES = ["--cookie", "--cookie-file", "PGVIZ_COOKIE", "PGVIZ_COOKIE_FILE", "default file"]


@pytest.mark.parametrize("winner", range(len(SOURCES)), ids=SOURCES)
def test_precedence_of_cookie_sources(tmp_path, winner):
    """Every source from `winner` down is set, each to its own cookie; the node proves which it
    used by connecting to a node that holds only the winner's cookie."""
    secrets = {source: f"cookie-from-{i}-" + source.strip("-") for i, source in enumerate(SOURCES)}
    args: list[str] = []
    extra: dict[str, str] = {}
    present = SOURCES[winner:]
    if "--cookie" in present:
        args += ["--cookie", secrets["--cookie"]]
    if "--cookie-file" in present:
        args += ["--cookie-file", str(cookie_file(tmp_path / "arg", secrets["--cookie-file"]))]
    if "PGVIZ_COOKIE" in present:
        extra["PGVIZ_COOKIE"] = secrets["PGVIZ_COOKIE"]
    if "PGVIZ_COOKIE_FILE" in present:
        extra["PGVIZ_COOKIE_FILE"] = str(cookie_file(tmp_path / "env",
                                                     secrets["PGVIZ_COOKIE_FILE"]))
    cookie_file(tmp_path / "config" / "pgviz" / "cookie", secrets["default file"])
    env = cli_env(tmp_path, **extra)

    async def main() -> None:
        async with Node("judge", cookie=secrets[SOURCES[winner]]) as judge:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "pgviz", "node", "--json", "--name", "probe",
                "--connect", judge.address, *args, env=env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(b"quit\n"), 30)
            lines = [json.loads(line) for line in out.decode().splitlines()]
            up = [e for e in lines if e.get("event") == "nodeup"]
            assert up and up[0]["node"] == judge.name, (lines, err.decode())
    run(main())


def test_wrong_cookie_source_fails_to_connect(tmp_path):
    """The precedence test's oracle can fail: a node with another cookie is refused."""
    env = cli_env(tmp_path, PGVIZ_COOKIE="not-the-judges")

    async def main() -> None:
        async with Node("judge", cookie="the-judges") as judge:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "pgviz", "node", "--json", "--connect", judge.address,
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
            out, _ = await asyncio.wait_for(proc.communicate(b"quit\n"), 30)
            lines = [json.loads(line) for line in out.decode().splitlines()]
            failed = next(e for e in lines if e.get("event") == "connect_failed")
            assert failed["address"] == judge.address and "cookie" in failed["error"]
            assert not any(e.get("event") == "nodeup" for e in lines)
    run(main())


# -- the default file -----------------------------------------------------------------------------

def test_first_run_creates_a_private_default_cookie_file(tmp_path):
    started(pgviz("node", "--json", env=cli_env(tmp_path)))
    path = tmp_path / "config" / "pgviz" / "cookie"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text().strip()
    assert len(first) >= 16
    started(pgviz("node", "--json", env=cli_env(tmp_path)))
    assert path.read_text().strip() == first  # reused, not replaced


def test_default_cookie_file_lives_under_home_without_xdg(tmp_path):
    env = cli_env(tmp_path)
    del env["XDG_CONFIG_HOME"]
    started(pgviz("node", "--json", env=env))
    path = tmp_path / "home" / ".config" / "pgviz" / "cookie"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / "config").exists()


# -- refused: exit status 2, the reason and the fix on stderr -------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_cookie_file_others_can_access_is_refused_with_the_fix(tmp_path, mode):
    path = cookie_file(tmp_path / "c", LONG, mode)
    res = pgviz("node", "--json", "--cookie-file", str(path), env=cli_env(tmp_path))
    assert_refused(res, str(path), f"mode {mode:04o}", f"chmod 600 {path}")
    assert LONG not in res.stderr


def test_default_cookie_file_others_can_read_is_refused(tmp_path):
    path = cookie_file(tmp_path / "config" / "pgviz" / "cookie", LONG, 0o644)
    res = pgviz("node", "--json", env=cli_env(tmp_path))
    assert_refused(res, str(path), "mode 0644", f"chmod 600 {path}")
    assert path.read_text().strip() == LONG  # left for the user to fix, not replaced


def test_environment_cookie_file_others_can_read_is_refused(tmp_path):
    path = cookie_file(tmp_path / "c", LONG, 0o640)
    res = pgviz("node", "--json", env=cli_env(tmp_path, PGVIZ_COOKIE_FILE=str(path)))
    assert_refused(res, str(path), "mode 0640", f"chmod 600 {path}")


def test_empty_or_missing_cookie_file_is_refused(tmp_path):
    empty = cookie_file(tmp_path / "empty", "")
    assert_refused(pgviz("node", "--json", "--cookie-file", str(empty), env=cli_env(tmp_path)),
                   str(empty), "is empty")
    missing = tmp_path / "missing"
    assert_refused(pgviz("node", "--json", "--cookie-file", str(missing),
                         env=cli_env(tmp_path)), str(missing), "does not exist")


def test_short_cookie_is_refused_on_a_network_address(tmp_path):
    res = pgviz("node", "--json", "--host", "0.0.0.0", env=cli_env(tmp_path, PGVIZ_COOKIE="x"))
    assert_refused(res, "0.0.0.0", "at least 16 characters")


def test_short_cookie_is_fine_on_loopback_and_a_long_one_anywhere(tmp_path):
    started(pgviz("node", "--json", "--host", "127.0.0.1", env=cli_env(tmp_path, PGVIZ_COOKIE="x")))
    path = cookie_file(tmp_path / "c", LONG)
    # (--no-discovery: a test sends nothing onto the machine's real network)
    first = started(pgviz("node", "--json", "--host", "0.0.0.0", "--no-discovery",
                          "--cookie-file", str(path), env=cli_env(tmp_path)))
    assert not first["address"].startswith("0.0.0.0:")  # named by a dialable address


def test_generated_default_cookie_is_strong_enough_for_the_network(tmp_path):
    started(pgviz("node", "--json", "--host", "0.0.0.0", env=cli_env(tmp_path)))


def test_gui_app_and_demo_refuse_a_bad_cookie_file_before_any_window(tmp_path):
    path = cookie_file(tmp_path / "c", LONG, 0o644)
    fix = f"chmod 600 {path}"
    assert_refused(pgviz("gui", "--cookie-file", str(path), env=cli_env(tmp_path)), fix)
    assert_refused(pgviz("demo", "--cookie-file", str(path), env=cli_env(tmp_path)), fix)
    assert_refused(pgviz(env=cli_env(tmp_path, PGVIZ_COOKIE_FILE=str(path))), fix)
    default = cookie_file(tmp_path / "config" / "pgviz" / "cookie", LONG, 0o604)
    assert_refused(pgviz(env=cli_env(tmp_path)), f"chmod 600 {default}")
    assert_refused(pgviz("gui", "--host", "0.0.0.0", env=cli_env(tmp_path, PGVIZ_COOKIE="x")),
                   "at least 16 characters")
