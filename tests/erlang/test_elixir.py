"""An Elixir node (`elixir --name`, Elixir 1.14 on OTP 25) and a pgviz node in one pg group:
a Phoenix.PubSub-style fan-out (`for pid <- :pg.get_members(topic), do: send(pid, msg)`)
reaches the Python member; Elixir strings are Python str, Elixir atoms are Atom."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

import pytest

from pgviz.erlang import Atom

from ..support import run, wait_until
from .beam import start_py
from .conftest import COOKIE

ELIXIR = shutil.which("elixir")

SCRIPT = """
py = String.to_atom(System.fetch_env!("PY_NODE"))
{:ok, _} = :pg.start_link()
true = Node.connect(py)
wait = fn wait ->
  case :pg.get_members("room:1") do
    [] -> Process.sleep(5); wait.(wait)
    members -> members
  end
end
members = wait.(wait)
for pid <- members, do: send(pid, {:hello, "from elixir", self()})
receive do
  {:reply, text} -> IO.puts("REPLY " <> text)
after 5000 -> IO.puts("NO REPLY")
end
"""


@pytest.mark.skipif(ELIXIR is None, reason="Elixir is not installed (apt-get install elixir)")
def test_elixir_fanout_reaches_python_member(epmd, py_name):
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        got = []

        async def member(proc):
            msg = await proc.receive()
            got.append(msg)
            node.send(msg[2], (Atom("reply"), "hi from python"))

        try:
            pid = node.spawn(member)
            node.pg.join("room:1", pid)
            env = dict(os.environ, ERL_EPMD_PORT=str(epmd.port), PY_NODE=node.name)
            proc = await asyncio.create_subprocess_exec(
                ELIXIR, "--name", "ex@127.0.0.1", "--cookie", COOKIE, "-e", SCRIPT,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), 30)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            assert b"REPLY hi from python" in out, out.decode(errors="replace")
            assert got[0][:2] == (Atom("hello"), "from elixir")
            await wait_until(lambda: "ex@127.0.0.1" not in node.nodes())
        finally:
            await node.stop()
    run(main())
