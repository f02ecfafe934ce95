"""Two hostile peers for the chaos soak (`--attackers`): a slow reader and a gossip flooder.

Both are raw TCP peers that complete the cookie handshake (the soak's fixed cookie) with one
live node -- the target slot, n1 by default -- and keep at it for the whole soak, attaching
again whenever that node was killed and restarted, or cut them:

* the slow reader stops reading (`pause_reading`) and sends a steady trickle of
  `["MONITOR_P", its_pid, "nobody", ref]` frames (RATE a second, 3,000 a minute at most), each
  answered by a MONITOR_P_EXIT that the node must queue for a peer that never reads;
* the flooder sends `["PEERS", [...]]` with FLOOD_SIZE (1,024) bogus entries every
  FLOOD_INTERVAL (about one soak round): fresh unique names each time, on loopback ports this
  module holds bound but not listening (a dial to them is refused; nothing else can take them).
  It reads (and drops) what the node sends and keeps the link alive with ticks.

Bounded: loopback only (anything but 127.0.0.1 is refused before a connect), one connection
per attacker at a time, a fixed rate, at most 1 MiB of their own unsent data, and every task
ends when the `async with` block does. A sampler reads VmRSS and the open fd count of every
node process from /proc every SAMPLE_INTERVAL, keeping the peaks of the attacked node (all its
incarnations) and of the others, for comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from dataclasses import dataclass

from pgviz import Pid, Ref
from pgviz.wire.codec import encode
from pgviz.wire.frames import TICK, encode_frame
from pgviz.wire.handshake import Established, Handshake
from pgviz.wire.mac import FrameSealer, SessionKeys

from .soak_cluster import COOKIE, Cluster, SoakNode

__all__ = ["Attackers", "AttackStats", "FLOOD_SIZE", "RATE"]

LOOPBACK = "127.0.0.1"
RATE = 50.0  # slow reader frames a second
FLOOD_SIZE = 1024  # entries of one PEERS message
FLOOD_INTERVAL = 0.5  # seconds between two PEERS messages (a soak round takes ~0.5 s)
TICK_INTERVAL = 0.2  # the flooder's ticks (the soak's tick time is 1 s)
MAX_UNSENT = 1 << 20  # bytes an attacker lets pile up in its own transport before skipping
ATTACH_TIMEOUT = 5.0
RETRY_DELAY = 0.2
SAMPLE_INTERVAL = 0.25


@dataclass
class AttackStats:
    target: str = ""
    slow_frames: int = 0  # MONITOR_P frames written by the slow reader
    slow_attaches: int = 0  # completed handshakes (the first one and every re-attach)
    flood_messages: int = 0  # PEERS messages written
    flood_entries: int = 0  # bogus entries in them
    flood_attaches: int = 0
    failed_attaches: int = 0  # handshakes refused, timed out or cut (retried)
    peak_rss_kb: int = 0  # the attacked node's processes
    peak_fds: int = 0
    others_peak_rss_kb: int = 0  # every other node process, for comparison
    others_peak_fds: int = 0
    samples: int = 0

    @property
    def reconnects(self) -> int:
        return max(0, self.slow_attaches - 1) + max(0, self.flood_attaches - 1)

    def summary(self) -> str:
        return (f"attackers: target={self.target} slow_frames={self.slow_frames} "
                f"flood_messages={self.flood_messages} flood_entries={self.flood_entries} "
                f"attaches={self.slow_attaches}+{self.flood_attaches} "
                f"reconnects={self.reconnects} failed_attaches={self.failed_attaches} "
                f"target_peak_rss={self.peak_rss_kb / 1024:.1f}MB "
                f"target_peak_fds={self.peak_fds} "
                f"others_peak_rss={self.others_peak_rss_kb / 1024:.1f}MB "
                f"others_peak_fds={self.others_peak_fds}")


def proc_usage(pid: int) -> tuple[int, int] | None:
    """(VmRSS in kB, open fds) of a process from /proc; None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, ValueError):
        return None


def _reserve_ports(n: int) -> list[socket.socket]:
    """n loopback ports bound without listening: a connection to them is refused."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((LOOPBACK, 0))
        socks.append(s)
    return socks


class Attackers:
    """`async with Attackers(cluster) as attackers:` runs both attackers until the block ends."""

    def __init__(self, cluster: Cluster, *, slot: str | None = None, cookie: str = COOKIE,
                 rate: float = RATE, flood_size: int = FLOOD_SIZE,
                 flood_interval: float = FLOOD_INTERVAL) -> None:
        self.cluster = cluster
        self.slot = slot or cluster.slots[0]
        self.cookie = cookie
        self.rate = min(rate, 100.0)  # never more than 6,000 frames a minute
        self.flood_size = flood_size
        self.flood_interval = max(flood_interval, 0.1)
        self.stats = AttackStats(target=self.slot)
        self._sockets: list[socket.socket] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> Attackers:
        self._sockets = _reserve_ports(self.flood_size + 2)
        self._tasks = [asyncio.create_task(self._slow_reader()),
                       asyncio.create_task(self._flooder()),
                       asyncio.create_task(self._sampler())]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for w in self._writers:
            w.transport.abort()
        self._writers.clear()
        for s in self._sockets:
            s.close()
        self._sample()

    def _port(self, i: int) -> int:
        return int(self._sockets[i].getsockname()[1])

    # -- attaching -----------------------------------------------------------------------------
    def _current(self) -> SoakNode | None:
        node = self.cluster.nodes.get(self.slot)
        if node is None or node.stopped or node.killed or not node.address:
            return None
        return node

    async def _attach(self, name: str, own_port: int
                      ) -> tuple[SoakNode, asyncio.StreamReader, asyncio.StreamWriter]:
        """Handshake with the target's current incarnation (waiting while it is down or
        stopped, retrying a refusal); a new creation every time."""
        while True:
            node = self._current()
            if node is None:
                await asyncio.sleep(0.05)
                continue
            host, port = node.address.rsplit(":", 1)
            if host != LOOPBACK:  # loopback only, whatever a node reports
                raise RuntimeError(f"attackers: refusing to connect to {node.address}")
            writer = None
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(LOOPBACK, int(port)), ATTACH_TIMEOUT)
                self._writers.add(writer)
                creation = time.monotonic_ns() & 0x7FFFFFFF
                hs = Handshake(initiator=True, name=name, creation=creation,
                               cookie=self.cookie, address=f"{LOOPBACK}:{own_port}",
                               explicit=True)
                hs.start()
                writer.write(hs.data_to_send())
                keys = await asyncio.wait_for(self._handshake(hs, reader, writer),
                                              ATTACH_TIMEOUT)
                writer.pgviz_creation = hs.creation  # type: ignore[attr-defined]
                # It holds the cookie: its frames carry the session's MAC (protocol 3), so
                # that what it floods reaches the node rather than failing the MAC.
                writer.pgviz_seal = FrameSealer(keys.send).seal  # type: ignore[attr-defined]
                return node, reader, writer
            except Exception:  # refused, timed out, cut: try again
                self.stats.failed_attaches += 1
                if writer is not None:
                    writer.transport.abort()
                    self._writers.discard(writer)
                await asyncio.sleep(RETRY_DELAY)

    @staticmethod
    async def _handshake(hs: Handshake, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> SessionKeys:
        event = None
        while not isinstance(event, Established):
            chunk = await reader.read(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            event = hs.receive_data(chunk)
            writer.write(hs.data_to_send())
        await writer.drain()
        assert event.keys is not None
        return event.keys

    def _alive(self, node: SoakNode, writer: asyncio.StreamWriter) -> bool:
        return not writer.is_closing() and self.cluster.nodes.get(self.slot) is node

    def _drop(self, writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()
        self._writers.discard(writer)

    # -- the attackers -------------------------------------------------------------------------
    async def _slow_reader(self) -> None:
        name = f"slowreader@{LOOPBACK}"
        n = 0
        while True:
            node, _reader, writer = await self._attach(name, self._port(self.flood_size))
            self.stats.slow_attaches += 1
            writer.transport.pause_reading()  # type: ignore[attr-defined]  # never reads again
            creation = writer.pgviz_creation  # type: ignore[attr-defined]
            me = Pid(name, 1, 0, creation)
            while self._alive(node, writer):
                if writer.transport.get_write_buffer_size() < MAX_UNSENT:
                    n += 1
                    writer.write(writer.pgviz_seal(encode_frame(encode(  # type: ignore[attr-defined]
                        ["MONITOR_P", me, "nobody", Ref(name, n, creation)]))))
                    self.stats.slow_frames += 1
                await asyncio.sleep(1 / self.rate)
            self._drop(writer)

    async def _flooder(self) -> None:
        name = f"flooder@{LOOPBACK}"
        batch = 0
        while True:
            node, reader, writer = await self._attach(name, self._port(self.flood_size + 1))
            self.stats.flood_attaches += 1
            drain = asyncio.create_task(self._discard(reader))
            try:
                next_flood = 0.0
                while self._alive(node, writer) and not drain.done():
                    if writer.transport.get_write_buffer_size() < MAX_UNSENT:
                        now = time.monotonic()
                        if now >= next_flood:
                            batch += 1
                            peers = [[f"bogus{batch}-{i}@{LOOPBACK}",
                                      f"{LOOPBACK}:{self._port(i)}"]
                                     for i in range(self.flood_size)]
                            writer.write(writer.pgviz_seal(  # type: ignore[attr-defined]
                                encode_frame(encode(["PEERS", peers]))))
                            self.stats.flood_messages += 1
                            self.stats.flood_entries += len(peers)
                            next_flood = now + self.flood_interval
                        else:
                            writer.write(writer.pgviz_seal(TICK))  # type: ignore[attr-defined]
                    await asyncio.sleep(TICK_INTERVAL)
            finally:
                drain.cancel()
                self._drop(writer)

    @staticmethod
    async def _discard(reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError):
            while await reader.read(65536):
                pass

    # -- measuring -----------------------------------------------------------------------------
    async def _sampler(self) -> None:
        while True:
            self._sample()
            await asyncio.sleep(SAMPLE_INTERVAL)

    def _sample(self) -> None:
        st = self.stats
        for slot, node in self.cluster.nodes.items():
            if node is None:
                continue
            usage = proc_usage(node.proc.pid)
            if usage is None:
                continue
            rss, fds = usage
            st.samples += 1
            if slot == self.slot:
                st.peak_rss_kb, st.peak_fds = max(st.peak_rss_kb, rss), max(st.peak_fds, fds)
            else:
                st.others_peak_rss_kb = max(st.others_peak_rss_kb, rss)
                st.others_peak_fds = max(st.others_peak_fds, fds)
