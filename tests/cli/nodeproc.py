"""Drive a real `pgviz node --json` subprocess from a test."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from ..support import COOKIE, wait_until


class NodeProc:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.replies: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self._readers = [asyncio.create_task(self._read()), asyncio.create_task(self._err())]
        self.name = ""
        self.address = ""

    @classmethod
    async def start(cls, name: str, *args: str, cookie: str = COOKIE,
                    stdin: int = asyncio.subprocess.PIPE, prefix: tuple[str, ...] = (),
                    **popen: Any) -> NodeProc:
        """`prefix`: a command the node runs under (e.g. ip netns exec NS)."""
        env = dict(popen.pop("env", os.environ), PGVIZ_COOKIE=cookie)
        proc = await asyncio.create_subprocess_exec(
            *prefix, sys.executable, "-m", "pgviz", "node", "--json", "--name", name, *args,
            stdin=stdin, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, **popen)
        node = cls(proc)
        started = await node.event("started", timeout=20)
        node.name, node.address = started["name"], started["address"]
        return node

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            obj = json.loads(raw)
            (self.replies if "reply" in obj else self.events).append(obj)

    async def _err(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.stderr.append(raw.decode(errors="replace"))

    async def cmd(self, line: str, timeout: float = 10) -> dict[str, Any]:
        n = len(self.replies)
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()
        await wait_until(lambda: len(self.replies) > n, timeout, what=f"reply to {line!r}")
        return self.replies[n]

    async def event(self, kind: str, timeout: float = 10, **match: Any) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for ev in self.events:
                if ev.get("event") == kind and all(ev.get(k) == v for k, v in match.items()):
                    self.events.remove(ev)
                    return ev
            return None
        return await wait_until(find, timeout, what=f"event {kind} {match} "
                                f"(stderr: {''.join(self.stderr)[-500:]})")

    async def kill(self) -> None:
        self.proc.kill()
        await self.proc.wait()

    async def close(self) -> int:
        if self.proc.returncode is None:
            try:
                await self.cmd("quit", timeout=5)
            except (AssertionError, BrokenPipeError, ConnectionResetError):
                self.proc.kill()
            await asyncio.wait_for(self.proc.wait(), 10)
        for t in self._readers:
            t.cancel()
        return self.proc.returncode  # type: ignore[return-value]
