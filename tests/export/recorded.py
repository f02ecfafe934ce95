"""A real recording for the export tests: three loopback nodes join, broadcast, split, heal."""

from __future__ import annotations

from pathlib import Path

from pgviz.model import Recorder

from ..support import cluster, run, settle, spawn_sleeper, wait_until


def record_session(path: Path) -> Path:
    async def main() -> None:
        async with cluster(3, names=["alice", "bob", "carol"]) as nodes:
            a, b, c = nodes
            recorder = Recorder(path, [n.name for n in nodes])
            offs = [n.add_listener(recorder) for n in nodes]
            try:
                pids = [spawn_sleeper(n) for n in nodes]
                for n, pid in zip(nodes, pids, strict=True):
                    n.pg.join("room", pid)
                await wait_until(lambda: all(len(n.pg.get_members("room")) == 3 for n in nodes))
                a.pg.broadcast("room", ("hello", "room; #1 <b>"), exclude_local=True)
                await settle(nodes)
                a.net.partition([[a.name, b.name], [c.name]])
                await wait_until(lambda: c.name not in a.nodes() and a.name not in c.nodes())
                extra = spawn_sleeper(a)
                a.pg.join("room", extra)
                await wait_until(lambda: len(b.pg.get_members("room")) == 3)
                a.net.heal()
                await wait_until(lambda: all(len(n.pg.get_members("room")) == 4 for n in nodes)
                                 and all(len(n.nodes()) == 2 for n in nodes), timeout=10)
                await settle(nodes)
            finally:
                for off in offs:
                    off()
                recorder.close()

    run(main())
    return path
