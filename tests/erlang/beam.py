"""A real Erlang node for the bridge tests, started and stopped by pid, driven over stdin.

`Epmd(port)` runs a private `epmd -port N` in the foreground (never the machine's 4369, never
a daemon left behind). `Beam(name, cookie, epmd_port)` runs `erl -name ... -noshell` whose
-eval loop reads one Erlang expression sequence per line, evaluates it with the bindings of
the lines before (erl_eval), and answers `@@R <base64 of term_to_binary({ok, Value} |
{error, Class, Reason})>`; anything else it prints (logger reports) is kept in `log`.
Results are decoded with pgviz's own ETF decoder (etf.py is also checked on its own against
`term_to_binary` in test_etf_roundtrip.py). `await beam.eval(...)` runs the blocking call in
a thread so that the pgviz node in the test's loop keeps answering the BEAM meanwhile.
"""

from __future__ import annotations

import asyncio
import base64
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
from typing import Any

from pgviz.erlang import Atom, decode

ERL = shutil.which("erl")
EPMD = shutil.which("epmd")
SKIP_REASON = ("Erlang/OTP is not installed (`apt-get install erlang-base`; CI installs it): "
               "the bridge tests need a real `erl` and `epmd`")

DRIVER = r"""
pg:start_link(),
Loop = fun Loop(B) ->
    case io:get_line("") of
        eof -> halt();
        Line ->
            {R, B2} = try
                {ok, Toks, _} = erl_scan:string(Line),
                {ok, Exprs} = erl_parse:parse_exprs(Toks),
                {value, V, NB} = erl_eval:exprs(Exprs, B),
                {{ok, V}, NB}
            catch C:E -> {{error, C, E}, B}
            end,
            io:format("@@R ~s~n", [base64:encode(term_to_binary(R))]),
            Loop(B2)
    end
end,
Loop(erl_eval:new_bindings()).
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BeamError(AssertionError):
    pass


class Epmd:
    def __init__(self) -> None:
        assert EPMD is not None
        self.port = free_port()
        self.proc = subprocess.Popen([EPMD, "-port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


class Beam:
    def __init__(self, name: str, cookie: str, epmd_port: int, *extra: str) -> None:
        assert ERL is not None
        self.name = name
        self.log: list[str] = []
        env = dict(os.environ, ERL_EPMD_PORT=str(epmd_port))
        self.proc = subprocess.Popen(
            [ERL, "-name", name, "-setcookie", cookie, "-noshell", *extra,
             "-eval", DRIVER.replace("\n", " ")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
        self._results: queue.Queue[bytes | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._lock = threading.Lock()
        try:
            self.call("ok.", timeout=20)  # up and evaluating
        except BaseException:
            self.proc.kill()
            self.proc.wait()
            raise

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("@@R "):
                self._results.put(base64.b64decode(line[4:]))
            else:
                self.log.append(line)
        self._results.put(None)

    def call(self, expr: str, timeout: float = 10.0) -> Any:
        """Evaluate `expr` (Erlang, ending with '.') on the node; its value."""
        line = " ".join(expr.split()) + "\n"
        with self._lock:
            assert self.proc.stdin is not None
            self.proc.stdin.write(line.encode())
            self.proc.stdin.flush()
            try:
                raw = self._results.get(timeout=timeout)
            except queue.Empty:
                raise BeamError(f"no answer to {expr!r} in {timeout} s; log: "
                                f"{self.log[-20:]}") from None
        if raw is None:
            raise BeamError(f"the BEAM exited; log: {self.log[-20:]}")
        result = decode(raw)
        if result[0] == Atom("error"):
            raise BeamError(f"{expr!r} raised {result[1]}:{result[2]!r}")
        return result[1]

    async def eval(self, expr: str, timeout: float = 10.0) -> Any:
        return await asyncio.to_thread(self.call, expr, timeout)

    def stop(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


async def start_py(name: str, epmd_port: int, cookie: str, **opts: Any) -> Any:
    """A pgviz node on the Erlang protocol, registered with the private EPMD."""
    import pgviz

    node = pgviz.Node(name, host="127.0.0.1", cookie=cookie, protocol="erlang",
                      epmd_port=epmd_port, **opts)
    await node.start()
    return node
