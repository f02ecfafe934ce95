import pytest

from .recorded import record_session


@pytest.fixture(scope="session")
def recording_path(tmp_path_factory):
    """One real recording (three loopback nodes: joins, a broadcast, a partition, a heal)."""
    return record_session(tmp_path_factory.mktemp("rec") / "session.jsonl")
