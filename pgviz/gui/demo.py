"""`pgviz demo --nodes N`: N app windows as separate processes, tiled and already connected.

Ports are picked free up front; the first window listens on its port and every other window
is started with `--connect` to it (they retry while it starts; the mesh does the rest). Each
window takes cell i of a grid on the screen (PGVIZ_TILE=i,n) and shows the whole cluster
(PGVIZ_WHOLE_CLUSTER=1) and can restart its node under the same name after a crash
(PGVIZ_DEMO=1, the node menu). Every window lets lessons drive its node (--lesson-agent), and
its Lessons menu casts a lesson on the demo's windows (Run lessons on this cluster). Ctrl-C / SIGTERM stops them all;
the demo also ends when the last window has been closed.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time

__all__ = ["run_demo", "demo_names", "free_ports"]

log = logging.getLogger(__name__)

_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
          "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter")


def demo_names(n: int) -> list[str]:
    return [_NAMES[i] if i < len(_NAMES) else f"node{i + 1}" for i in range(n)]


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _stop_all(procs: list[subprocess.Popen], timeout: float = 10.0) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("window process %d did not stop; killing it", p.pid)
            p.kill()
            p.wait()


def run_demo(args) -> int:
    n = args.nodes
    cookie = args.cookie or secrets.token_hex(12)
    names = demo_names(n)
    ports = free_ports(n)
    first = f"127.0.0.1:{ports[0]}"
    verbose = ["-" + "v" * args.verbose] if getattr(args, "verbose", 0) else []
    stop = {"signal": None}

    def on_signal(signum, _frame) -> None:
        stop["signal"] = signum
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    procs: list[subprocess.Popen] = []
    try:
        for i, (name, port) in enumerate(zip(names, ports, strict=True)):
            # --lesson-agent: a lesson opened in any window is cast on all of them
            cmd = [sys.executable, "-m", "pgviz", "gui", "--name", name, "--lesson-agent",
                   "--port", str(port), *(["--connect", first] if i else []), *verbose]
            # The cookie goes through the environment, not the command line (ps shows that).
            env = {**os.environ, "PGVIZ_COOKIE": cookie, "PGVIZ_TILE": f"{i},{n}",
                   "PGVIZ_WHOLE_CLUSTER": "1", "PGVIZ_DEMO": "1"}
            procs.append(subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                          start_new_session=False))
            log.info("started %s on port %d (process %d)", name, port, procs[-1].pid)
        print(f"pgviz demo: {n} windows ({', '.join(names)}), first at {first}; "
              "Ctrl-C stops them all", file=sys.stderr)
        while stop["signal"] is None and any(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        _stop_all(procs)
        for s, h in old.items():
            signal.signal(s, h)
    failed = [p.returncode for p in procs if p.returncode not in (0, -signal.SIGTERM)]
    if stop["signal"] is None and failed:
        return 1
    return 0
