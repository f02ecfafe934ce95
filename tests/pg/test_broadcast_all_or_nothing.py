"""broadcast validates the message as the wire would before anyone gets it: all or nothing."""

from __future__ import annotations

import pytest

from pgviz import LocalProtocolError

from ..support import cluster, run, settle, spawn_sleeper


def _mailboxes(nodes, pids):
    return [len(next(n for n in nodes if n.name == p.node).process(p)) for p in pids]


@pytest.mark.parametrize("bad", [{1, 2}, ("ok", object()), [{"k": {3}}]],
                         ids=["set", "object-in-tuple", "set-in-dict-in-list"])
def test_unencodable_broadcast_raises_and_delivers_to_nobody(bad):
    """Local and remote members alike: the error comes before any delivery."""
    async def main():
        async with cluster(2) as (a, b):
            local, remote = spawn_sleeper(a), spawn_sleeper(b)
            a.pg.join("g", local)
            b.pg.join("g", remote)
            await settle([a, b])
            assert len(a.pg.get_members("g")) == 2
            with pytest.raises(LocalProtocolError):
                a.pg.broadcast("g", bad)
            with pytest.raises(LocalProtocolError):  # from the other side too
                b.pg.broadcast("g", bad)
            with pytest.raises(LocalProtocolError):  # remote members only
                a.pg.broadcast("g", bad, exclude_local=True)
            await settle([a, b])
            assert _mailboxes([a, b], [local, remote]) == [0, 0]
            assert a.pg.broadcast("g", ("fine", [1, 2])) == 2  # the group still works
            await settle([a, b])
            assert _mailboxes([a, b], [local, remote]) == [1, 1]
    run(main())


def test_unencodable_broadcast_to_local_members_only_raises():
    async def main():
        async with cluster(1) as (a,):
            p = spawn_sleeper(a)
            a.pg.join("g", p)
            with pytest.raises(LocalProtocolError):
                a.pg.broadcast("g", {1, 2})
            with pytest.raises(LocalProtocolError):
                a.pg.broadcast("empty", {1, 2})  # no member: checked all the same
            assert len(a.process(p)) == 0
    run(main())


def test_broadcast_bigger_than_a_frame_raises_before_local_delivery():
    async def main():
        async with cluster(1, max_frame=4096) as (a,):
            p = spawn_sleeper(a)
            a.pg.join("g", p)
            with pytest.raises(LocalProtocolError, match="maximum frame size"):
                a.pg.broadcast("g", b"x" * 5000)
            assert len(a.process(p)) == 0
            assert a.pg.broadcast("g", b"x" * 1000) == 1
    run(main())
