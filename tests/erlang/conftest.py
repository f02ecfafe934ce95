"""One private EPMD and one BEAM (`beam@127.0.0.1`, OTP's pg scope `pg` started) for the
whole tests/erlang session; each test starts its own pgviz node under a fresh name."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from .beam import EPMD, ERL, SKIP_REASON, Beam, Epmd

COOKIE = "bridge-cookie"
_names = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ERL is None or EPMD is None:
        if os.environ.get("CI"):
            return  # never silently skipped in CI: the fixtures fail loudly there
        for item in items:  # the sans-IO unit tests here need no Erlang
            if {"beam", "epmd"} & set(getattr(item, "fixturenames", ())):
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def epmd() -> Iterator[Epmd]:
    if ERL is None or EPMD is None:
        pytest.fail(SKIP_REASON)
    server = Epmd()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def beam(epmd: Epmd) -> Iterator[Beam]:
    node = Beam("beam@127.0.0.1", COOKIE, epmd.port)
    yield node
    node.stop()


@pytest.fixture
def py_name() -> str:
    return f"py{os.getpid()}x{next(_names)}"
