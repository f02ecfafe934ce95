"""At the file-descriptor limit a node logs one line, not a traceback per failed accept, and
serves again once descriptors are free."""

from __future__ import annotations

import asyncio
import resource

from ..support import run, wait_until
from .nodeproc import NodeProc


def _few_fds() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))


def test_accept_errors_at_the_fd_limit_are_one_quiet_line():
    async def main():
        node = await NodeProc.start("tight", preexec_fn=_few_fds)
        conns = []
        try:
            host, port = node.address.rsplit(":", 1)
            for _ in range(80):
                conns.append(await asyncio.open_connection(host, int(port)))
            await wait_until(lambda: any("cannot accept" in line for line in node.stderr),
                             timeout=15, what="the accept error line")
            for _, writer in conns:
                writer.close()
            conns.clear()
            other = await NodeProc.start("other")
            try:
                reply = await other.cmd(f"connect {node.address}", timeout=20)
                assert reply["ok"], reply
            finally:
                await other.close()
            text = "".join(node.stderr)
            assert "Traceback" not in text, text[-2000:]
            assert sum("cannot accept" in line for line in node.stderr) <= 3, text[-2000:]
        finally:
            for _, writer in conns:
                writer.close()
            await node.close()
    run(main(), timeout=90)
