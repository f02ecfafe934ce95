"""Where the cookie comes from, and when it is refused.

The cookie is the cluster's shared secret: any holder can connect and speak for its processes.
It is taken from the first of

1. an explicit value (`Node(cookie=...)`, `--cookie`: visible to every user in `ps`),
2. an explicit file (`--cookie-file PATH`),
3. `$PGVIZ_COOKIE`,
4. the file named by `$PGVIZ_COOKIE_FILE`,
5. the per-user file `$XDG_CONFIG_HOME/pgviz/cookie` (`~/.config/pgviz/cookie`), created on first
   use with mode 0600 and a random secret, as Erlang's `~/.erlang.cookie`.

Refused, with a `CookieError` that says what to do (as Erlang refuses a readable
`.erlang.cookie`): a cookie file that group or others may read, write or execute, one that is
missing, empty or not a regular file, an empty cookie, and, for a node that listens on anything
but loopback (127.0.0.0/8, ::1, localhost), a cookie shorter than `MIN_REMOTE_COOKIE_LENGTH`
characters. Generated cookies are 32 characters long and always pass.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import shlex
import stat
import tempfile
from pathlib import Path

from ..errors import CookieError

__all__ = ["resolve_cookie", "read_cookie_file", "cookie_path", "check_cookie_strength",
           "is_loopback", "MIN_REMOTE_COOKIE_LENGTH"]

log = logging.getLogger(__name__)

#: Shortest cookie accepted by a node that listens on a non-loopback address.
MIN_REMOTE_COOKIE_LENGTH = 16

# A cookie file is a line of text; anything much larger is not one (and is not read whole).
_MAX_FILE_SIZE = 4096

_ENV_COOKIE = "PGVIZ_COOKIE"
_ENV_COOKIE_FILE = "PGVIZ_COOKIE_FILE"
_NEW_COOKIE_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(24))'"


def cookie_path() -> Path:
    """The per-user cookie file: $XDG_CONFIG_HOME/pgviz/cookie, else ~/.config/pgviz/cookie."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "pgviz" / "cookie"


def resolve_cookie(explicit: str | None = None, *, file: str | os.PathLike[str] | None = None,
                   bind_host: str | None = None) -> str:
    """The cookie to use, by the precedence of the module docstring. With `bind_host` (the
    address the node listens on), a cookie too short for a non-loopback address is refused.
    Raises CookieError."""
    value, source = _find_cookie(explicit, file)
    if bind_host is not None:
        check_cookie_strength(value, bind_host, source=source)
    return value


def _find_cookie(explicit: str | None, file: str | os.PathLike[str] | None) -> tuple[str, str]:
    if explicit is not None:
        if not explicit:
            raise CookieError("the cookie given is empty")
        return explicit, "the cookie given"
    if file is not None:
        return read_cookie_file(file), f"cookie file {file}"
    env = os.environ.get(_ENV_COOKIE)
    if env:
        return env, f"${_ENV_COOKIE}"
    env_file = os.environ.get(_ENV_COOKIE_FILE)
    if env_file:
        return read_cookie_file(env_file), f"cookie file {env_file} (${_ENV_COOKIE_FILE})"
    path = cookie_path()
    if not os.path.lexists(path):
        try:
            _create_cookie_file(path)
        except OSError as exc:
            raise CookieError(f"cannot create cookie file {path}: {exc.strerror or exc}; set "
                              f"${_ENV_COOKIE} or ${_ENV_COOKIE_FILE} instead") from None
    return read_cookie_file(path), f"cookie file {path}"


def read_cookie_file(path: str | os.PathLike[str]) -> str:
    """The cookie in `path` (surrounding whitespace stripped). Raises CookieError when the file
    is missing, not a regular file, empty, or accessible to group or others."""
    shown = os.fspath(path)
    quoted = shlex.quote(shown)
    try:
        # O_NONBLOCK: opening a FIFO must not hang. Every check is made on the opened file, so
        # the file checked is the file read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise CookieError(f"cookie file {shown} does not exist; create it with: "
                          f"(umask 077; {_NEW_COOKIE_HINT} > {quoted})") from None
    except OSError as exc:
        raise CookieError(f"cannot read cookie file {shown}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CookieError(f"cookie file {shown} is not a regular file")
        mode = stat.S_IMODE(st.st_mode)
        if os.name == "posix" and mode & 0o077:
            raise CookieError(
                f"cookie file {shown} is accessible to other users (mode {mode:04o}: "
                f"{_who_else(mode)}), so they could take the secret or change it; it must be "
                f"private to you: chmod 600 {quoted}")
        if st.st_size > _MAX_FILE_SIZE:
            raise CookieError(f"cookie file {shown} is {st.st_size} bytes: not a cookie file "
                              f"(at most {_MAX_FILE_SIZE})")
        raw = os.read(fd, _MAX_FILE_SIZE + 1)
    except OSError as exc:
        raise CookieError(f"cannot read cookie file {shown}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CookieError(f"cookie file {shown} is not UTF-8 text") from None
    if not text:
        raise CookieError(f"cookie file {shown} is empty; put a secret in it: "
                          f"{_NEW_COOKIE_HINT} > {quoted}")
    return text


def _who_else(mode: int) -> str:
    parts = []
    for who, shift in (("group", 3), ("others", 0)):
        rights = [r for r, bit in (("read", 4), ("write", 2), ("execute", 1))
                  if mode >> shift & bit]
        if rights:
            parts.append(f"{who} can {'/'.join(rights)}")
    return ", ".join(parts)


def _create_cookie_file(path: Path) -> None:
    """Create `path` holding a new random cookie, mode 0600, complete or not at all: the
    secret is written to a private temporary file that is then hard-linked into place, so a
    node starting at the same moment reads either no file or the whole cookie (the first
    link wins; the loser uses the winner's cookie)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    fd, tmp = tempfile.mkstemp(prefix=".cookie-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return  # another node created it meanwhile: use theirs
        except OSError:  # no hard links on this file system: create it in place
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "w") as f:
                f.write(value + "\n")
        log.info("created cookie file %s", path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def is_loopback(host: str) -> bool:
    """Whether listening on `host` reaches this machine only: 127.0.0.0/8, ::1, localhost.
    Any other name, and the wildcard addresses ("", 0.0.0.0, ::), are not loopback."""
    host = host.strip().strip("[]")
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def check_cookie_strength(cookie: str, bind_host: str, *, source: str = "the cookie") -> None:
    """Refuse (CookieError) a cookie shorter than MIN_REMOTE_COOKIE_LENGTH characters for a
    node listening on a non-loopback address: other machines can then try to guess it. On
    loopback any non-empty cookie is accepted (tests, a classroom on one machine)."""
    if not cookie:
        raise CookieError(f"{source} is empty")
    if is_loopback(bind_host) or len(cookie) >= MIN_REMOTE_COOKIE_LENGTH:
        return
    raise CookieError(
        f"{source} is too short to listen on {bind_host or 'every address'} "
        f"({len(cookie)} characters): other machines could guess it. A node reachable from "
        f"the network needs a cookie of at least {MIN_REMOTE_COOKIE_LENGTH} characters, e.g. "
        f"one made by {_NEW_COOKIE_HINT} (or listen on 127.0.0.1 only)")
