"""When a connection writes a frame at once and when it coalesces frames into one write."""

from __future__ import annotations

import asyncio

from pgviz.net import connection as connection_module

from ..support import Inbox, cluster, run, wait_until


def _count_writes(conn) -> list[bytes]:
    """The connection's writes to its transport (not the transport's own method: uvloop's is
    read-only)."""
    writes: list[bytes] = []
    write = conn._write

    def counting(data: bytes) -> None:
        writes.append(bytes(data))
        write(data)

    conn._write = counting
    return writes


def test_a_lone_frame_is_written_at_once_and_schedules_nothing(monkeypatch):
    async def main():
        async with cluster(2) as (a, b):
            inbox = Inbox(b, name="inbox")
            conn = a._dist.conns[b.name]
            writes = _count_writes(conn)
            monkeypatch.setattr(connection_module, "COALESCE_WINDOW", 0.0)
            a.send(("inbox", b.name), "one")
            assert len(writes) == 1 and not conn._flush_pending and not conn._wbuf
            assert await inbox.next() == "one"
    run(main())


def test_a_burst_is_coalesced_into_one_write_in_order(monkeypatch):
    async def main():
        async with cluster(2) as (a, b):
            inbox = Inbox(b, name="inbox")
            conn = a._dist.conns[b.name]
            writes = _count_writes(conn)
            monkeypatch.setattr(connection_module, "COALESCE_WINDOW", 3600.0)
            for i in range(5):
                a.send(("inbox", b.name), i)
            assert writes == [] and conn._flush_pending  # all wait for the loop's next turn
            await asyncio.sleep(0)
            assert len(writes) == 1 and not conn._flush_pending
            await wait_until(lambda: len(inbox.messages) == 5)
            assert inbox.take() == [0, 1, 2, 3, 4]
    run(main())
