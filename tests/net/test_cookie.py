"""The cookie's sources, their order, and the cookies refused (pgviz.net.cookie, Node.start)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import pgviz
from pgviz import CookieError, MemoryNetwork, Node
from pgviz.net.cookie import (
    MIN_REMOTE_COOKIE_LENGTH,
    check_cookie_strength,
    cookie_path,
    is_loopback,
    read_cookie_file,
    resolve_cookie,
)

from ..support import run

LONG = "correct-horse-battery-staple"  # 28 characters


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG_CONFIG_HOME and no cookie in the environment; returns the default file."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("PGVIZ_COOKIE", raising=False)
    monkeypatch.delenv("PGVIZ_COOKIE_FILE", raising=False)
    return tmp_path / "config" / "pgviz" / "cookie"


def write_cookie(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


# -- where the cookie comes from ------------------------------------------------------------------

def test_precedence_explicit_file_env_env_file_default(config, tmp_path, monkeypatch):
    """Each source is used only when every source above it is absent."""
    write_cookie(config, "from-default\n")
    monkeypatch.setenv("PGVIZ_COOKIE_FILE", str(write_cookie(tmp_path / "ef", "from-env-file")))
    monkeypatch.setenv("PGVIZ_COOKIE", "from-env")
    file = write_cookie(tmp_path / "f", "from-file")
    assert resolve_cookie("explicit", file=file) == "explicit"
    assert resolve_cookie(None, file=file) == "from-file"
    assert resolve_cookie(None) == "from-env"
    monkeypatch.delenv("PGVIZ_COOKIE")
    assert resolve_cookie(None) == "from-env-file"
    monkeypatch.delenv("PGVIZ_COOKIE_FILE")
    assert resolve_cookie(None) == "from-default"


def test_empty_environment_variables_count_as_unset(config, monkeypatch):
    write_cookie(config, "from-default")
    monkeypatch.setenv("PGVIZ_COOKIE", "")
    monkeypatch.setenv("PGVIZ_COOKIE_FILE", "")
    assert resolve_cookie(None) == "from-default"


def test_default_file_is_created_0600_with_a_strong_random_secret(config):
    assert not config.exists()
    first = resolve_cookie(None)
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(config.parent).st_mode) == 0o700
    assert config.read_text().strip() == first
    assert resolve_cookie(None) == first  # created once, then read
    assert len(first) >= MIN_REMOTE_COOKIE_LENGTH
    check_cookie_strength(first, "0.0.0.0")  # a generated cookie passes the network rule
    assert [p.name for p in config.parent.iterdir()] == ["cookie"]  # no temporary file left


def test_default_file_path_follows_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert cookie_path() == tmp_path / "xdg" / "pgviz" / "cookie"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cookie_path() == tmp_path / "home" / ".config" / "pgviz" / "cookie"


def test_cookie_file_whitespace_is_stripped(tmp_path):
    assert read_cookie_file(write_cookie(tmp_path / "c", "  s3cret-value \n\n")) == "s3cret-value"


# -- cookie files refused -------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o610, 0o666])
def test_cookie_file_accessible_to_others_is_refused_with_the_chmod_fix(tmp_path, mode):
    path = write_cookie(tmp_path / "cookie", LONG, mode)
    with pytest.raises(CookieError) as err:
        read_cookie_file(path)
    message = str(err.value)
    assert str(path) in message and f"mode {mode:04o}" in message
    assert f"chmod 600 {path}" in message
    assert LONG not in message  # the secret is never shown


def test_the_chmod_fix_is_quoted_for_the_shell(tmp_path):
    path = write_cookie(tmp_path / "my cookie", LONG, 0o644)
    with pytest.raises(CookieError, match=r"chmod 600 '.*/my cookie'"):
        read_cookie_file(path)


def test_default_cookie_file_accessible_to_others_is_refused(config):
    write_cookie(config, LONG, 0o644)
    with pytest.raises(CookieError, match=r"mode 0644.*chmod 600"):
        resolve_cookie(None)


def test_cookie_file_from_the_environment_is_checked_too(config, tmp_path, monkeypatch):
    path = write_cookie(tmp_path / "ef", LONG, 0o640)
    monkeypatch.setenv("PGVIZ_COOKIE_FILE", str(path))
    with pytest.raises(CookieError, match=r"mode 0640"):
        resolve_cookie(None)


@pytest.mark.parametrize("text", ["", "\n", "  \n\t"])
def test_empty_cookie_file_is_refused(tmp_path, text):
    path = write_cookie(tmp_path / "cookie", text)
    with pytest.raises(CookieError, match="is empty"):
        read_cookie_file(path)


def test_empty_default_cookie_file_is_refused_not_replaced(config):
    write_cookie(config, "")
    with pytest.raises(CookieError, match="is empty"):
        resolve_cookie(None)
    assert config.read_text() == ""


def test_missing_or_non_regular_cookie_file_is_refused(tmp_path):
    with pytest.raises(CookieError, match="does not exist"):
        read_cookie_file(tmp_path / "missing")
    with pytest.raises(CookieError, match="not a regular file"):
        read_cookie_file(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(CookieError, match="not a regular file"):
        read_cookie_file(fifo)  # and does not hang waiting for a writer


def test_an_explicit_empty_cookie_is_refused(config):
    with pytest.raises(CookieError, match="empty"):
        resolve_cookie("")


# -- the minimum strength off loopback ------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "127.4.5.6", "::1", "[::1]", "localhost",
                                  "LOCALHOST", "::ffff:127.0.0.1"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.168.1.20", "10.0.0.1", "fe80::1",
                                  "laptop.local", "128.0.0.1", "localhost.example.com"])
def test_non_loopback_hosts(host):
    assert not is_loopback(host)


def test_short_cookie_is_refused_off_loopback_only():
    short = "x" * (MIN_REMOTE_COOKIE_LENGTH - 1)
    check_cookie_strength("x", "127.0.0.1")
    check_cookie_strength("x", "localhost")
    check_cookie_strength("x" * MIN_REMOTE_COOKIE_LENGTH, "0.0.0.0")
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        with pytest.raises(CookieError, match=f"at least {MIN_REMOTE_COOKIE_LENGTH} characters"):
            check_cookie_strength(short, host)


def test_resolve_checks_strength_only_when_given_the_bind_host(config):
    assert resolve_cookie("zq9") == "zq9"
    assert resolve_cookie("zq9", bind_host="127.0.0.1") == "zq9"
    with pytest.raises(CookieError, match="too short") as err:
        resolve_cookie("zq9", bind_host="0.0.0.0")
    assert "zq9" not in str(err.value)  # the secret is never shown


# -- through the library: await node.start() ------------------------------------------------------

def test_node_start_refuses_a_cookie_file_others_can_read(config):
    write_cookie(config, LONG, 0o644)

    async def main():
        node = Node("lib", cookie=None)
        with pytest.raises(CookieError) as err:
            await node.start()
        assert isinstance(err.value, pgviz.PgvizError) and isinstance(err.value, ValueError)
        assert str(config) in str(err.value) and f"chmod 600 {config}" in str(err.value)
        assert not node.running
    run(main())


def test_node_start_refuses_an_empty_cookie_file(config, tmp_path, monkeypatch):
    monkeypatch.setenv("PGVIZ_COOKIE_FILE", str(write_cookie(tmp_path / "c", "")))

    async def main():
        with pytest.raises(CookieError, match="is empty"):
            await Node("lib").start()
    run(main())


def test_node_start_refuses_a_short_cookie_on_a_network_address(config):
    async def main():
        with pytest.raises(CookieError, match="too short to listen on 0.0.0.0"):
            await Node("lib", host="0.0.0.0", cookie="short").start()
    run(main())


def test_node_start_accepts_a_short_cookie_on_loopback_and_a_long_one_anywhere(config):
    async def main():
        async with Node("loop", host="127.0.0.1", cookie="x") as node:
            assert node.running
        async with Node("wide", host="0.0.0.0", cookie=LONG) as node:
            assert node.running
    run(main())


def test_node_start_in_memory_binds_nothing_so_any_cookie_goes(config):
    async def main():
        async with Node("mem", host="10.0.0.1", cookie="x", network=MemoryNetwork()) as node:
            assert node.running
    run(main())


def test_node_start_generates_the_default_cookie_file(config):
    async def main():
        async with Node("fresh") as node:
            assert node.running
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    run(main())


def test_default_file_that_cannot_be_created_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    monkeypatch.delenv("PGVIZ_COOKIE", raising=False)
    monkeypatch.delenv("PGVIZ_COOKIE_FILE", raising=False)
    with pytest.raises(CookieError, match=r"cannot create cookie file .*PGVIZ_COOKIE"):
        resolve_cookie(None)
