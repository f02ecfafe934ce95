"""`pgviz node --protocol erlang` as a real process inside a real Erlang cluster: it connects
to the BEAM by name, its --join member is listed by OTP's pg:get_members/1, and a message
the BEAM sends that member reaches the shell."""

from __future__ import annotations

import asyncio

from ..cli.nodeproc import NodeProc
from ..support import run
from .conftest import COOKIE


def test_the_headless_node_joins_a_beam_clusters_pg_group(beam, epmd, py_name):
    async def main():
        node = await NodeProc.start(py_name, "--protocol", "erlang", "--epmd-port",
                                    str(epmd.port), "--connect", beam.name, "--join", "room",
                                    cookie=COOKIE)
        try:
            await node.event("nodeup", timeout=15, node=beam.name)
            joined = await node.event("joined")
            loop = asyncio.get_running_loop()
            end = loop.time() + 10
            while True:
                members = await beam.eval("[erlang:node(P) || P <- pg:get_members(<<\"room\">>)].")
                if [str(m) for m in members] == [node.name]:
                    break
                assert loop.time() < end, members
                await asyncio.sleep(0.05)
            await beam.eval("[P ! {hello, <<\"from the beam\">>} || P <- pg:get_members(<<\"room\">>)], ok.")
            got = await node.event("message", timeout=10, pid=joined["pid"])
            assert "from the beam" in str(got["data"])
        finally:
            await node.close()
    run(main(), timeout=60)
