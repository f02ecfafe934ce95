"""Where the cookie comes from: an explicit value, PGVIZ_COOKIE, or a per-user file.

The file is created on first use with mode 0600 and a random secret, as Erlang's ~/.erlang.cookie.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

__all__ = ["resolve_cookie", "cookie_path"]

log = logging.getLogger(__name__)


def cookie_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "pgviz" / "cookie"


def resolve_cookie(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    env = os.environ.get("PGVIZ_COOKIE")
    if env:
        return env
    path = cookie_path()
    try:
        text = path.read_text().strip()
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("cookie file %s is readable by others (mode %o); chmod 600 it", path, mode)
        if text:
            return text
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another node created it meanwhile: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    log.info("created cookie file %s", path)
    return value
