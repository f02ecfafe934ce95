"""x, a peer node driven by hand over loopback TCP, for the tests of how rival connections
and explicit disconnects are settled during the handshakes: it answers and dials as the test
says, one handshake step at a time."""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from pgviz import ConnectionRefused
from pgviz.wire.codec import decode
from pgviz.wire.frames import TICK, FrameDecoder
from pgviz.wire.handshake import Established, Handshake, PeerHello

from ..support import COOKIE, OpenedReader, SealedWriter


class Dialled(NamedTuple):
    handshake: Handshake
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class Session:
    """A connection x accepted that came up: it reads every term the node sends (MAC
    checked) and, if `answer`, answers each read with a tick, as a live node would answer."""

    def __init__(self, established: Established, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, *, answer: bool) -> None:
        assert established.keys is not None
        self.established = established
        self.terms: list[Any] = []
        self.closed = asyncio.Event()
        self._opened = OpenedReader(reader, established.keys.receive, established.rest)
        self._sealed = SealedWriter(writer, established.keys.send)
        self._task = asyncio.ensure_future(self._read(answer))

    async def _read(self, answer: bool) -> None:
        frames = FrameDecoder()
        try:
            while chunk := await self._opened.read():
                self.terms += [decode(f) for f in frames.feed(chunk) if f]
                if answer:
                    self._sealed.write(TICK)
        except ConnectionError:
            pass
        finally:
            self.closed.set()

    def cancel(self) -> None:
        self._task.cancel()


class HandDriven:
    """x, a node driven by hand with a name smaller than the real node's: it listens and
    answers as a lone peer does (welcome and ack at once, no rivals of its own), and it
    dials when the test says; each of its handshakes is stepped by the test."""

    name = "a0@127.0.0.1"  # smaller than any nN@127.0.0.1
    creation = 7

    def __init__(self) -> None:
        self.address = ""
        self.refusals: list[ConnectionRefused] = []  # of the handshakes it accepted
        # Set: x refuses the proofs it receives with this code, as a node whose own dial to
        # that peer wins does (the smaller name's, at_proof).
        self.refuse_proofs: str | None = None
        self.refused_proofs = 0
        # Set (a Refusal code, a name): x refuses every hello at once with this code, in
        # that name, as a node does whose rival connection to the dialler lives on.
        self.refuse_hellos: tuple[str, str] | None = None
        # Set ("welcome" or "ack"): x holds that answer back until release(); `holding`
        # says it has something held.
        self.hold: str | None = None
        self.holding = False
        self._release = asyncio.Event()
        self.sessions: list[Session] = []  # the connections it accepted that came up
        # False: x never answers on them, as a node that lost its side of a link without
        # a word reaching the other (killed, its close lost) never does.
        self.answers = True
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def listen(self) -> None:
        self._server = await asyncio.start_server(self._accepted, "127.0.0.1", 0)
        self.address = f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def release(self) -> None:
        """Send the answer held back (see `hold`)."""
        self._release.set()

    async def _held(self, step: str) -> None:
        if self.hold == step:
            self.holding = True
            await self._release.wait()
            self.holding = False

    async def _accepted(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        code, claim = self.refuse_proofs, self.refuse_hellos
        hs = Handshake(initiator=False, name=claim[1] if claim else self.name,
                       creation=self.creation, cookie=COOKIE, address=self.address,
                       arbitrate=code is not None or self.hold == "ack")
        try:
            while hs.state not in ("done", "closed"):
                data = await reader.read(4096)
                if not data:
                    return
                event = hs.receive_data(data)
                if isinstance(event, PeerHello) and claim is not None:
                    hs.refuse("settled: another connection lives on", claim[0])
                    event = None
                while isinstance(event, PeerHello):
                    await self._held("welcome")
                    hs.accept()
                    event = hs.receive_data(b"")
                if code is not None and hs.state == "confirming":
                    hs.refuse("simultaneous connect: the connection from the smaller name wins",
                              code)
                    self.refused_proofs += 1
                elif hs.state == "confirming":
                    await self._held("ack")
                    hs.confirm()
                writer.write(hs.data_to_send())
                if isinstance(event, Established):
                    self.sessions.append(Session(event, reader, writer, answer=self.answers))
        except ConnectionRefused as exc:
            self.refusals.append(exc)

    async def dial(self, node: Any) -> Dialled:
        """Dial `node` and read up to its welcome; the proof is left unsent (prove())."""
        host, port = node.address.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        self._writers.append(writer)
        hs = Handshake(initiator=True, name=self.name, creation=self.creation, cookie=COOKIE,
                       address=self.address, explicit=True)
        hs.start()
        writer.write(hs.data_to_send())
        while hs.state == "await_welcome":
            data = await asyncio.wait_for(reader.read(4096), 5)
            assert data, "closed before the welcome"
            hs.receive_data(data)
        return Dialled(hs, reader, writer)

    async def prove(self, dialled: Dialled) -> None:
        """Send the proof; return at the ack (raises the refusal sent in its place)."""
        hs, reader, writer = dialled
        writer.write(hs.data_to_send())
        while hs.state != "done":
            data = await asyncio.wait_for(reader.read(4096), 5)
            assert data, "closed without an answer to the proof"
            hs.receive_data(data)

    async def close(self) -> None:
        for session in self.sessions:
            session.cancel()
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()


async def terms_until_closed(session: Session) -> list[Any]:
    """Every term the node sends on an accepted connection, until it closes it."""
    await asyncio.wait_for(session.closed.wait(), 5)
    return session.terms


def nodedowns(node: Any) -> list[tuple[str, str]]:
    """The nodedowns `node` reports from now on, (peer, reason)."""
    seen: list[tuple[str, str]] = []
    node.add_node_callback(lambda ev, peer, why: seen.append((peer, why))
                           if ev == "nodedown" else None)
    return seen
