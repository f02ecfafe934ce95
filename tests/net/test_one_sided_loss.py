"""A peer that lost its side of a link silently and comes back while ours still looks up.

A node killed (SIGKILL) whose socket's close never reaches us -- a black hole on the path, a
machine that vanished -- leaves our link up until its tick timer runs out. Restarted under
the same name, it dials us before that. As OTP's `alive` round trip does, n1 then asks the
old link whether anyone is there, once the newcomer has proved the cookie: no answer, and
the old link goes for the new one at once; an answer (a live node with that name) and the
newcomer is refused (see test_lying_peers: a second incarnation cannot evict a live node).
"""

from __future__ import annotations

import asyncio
import contextlib

from ..cli.nodeproc import NodeProc
from ..support import run, start_node, wait_until
from .hand_driven import HandDriven


class BlackHole:
    """A TCP relay to `target` that, when the dialling side goes away, keeps the other side
    open and swallows whatever it sends (a close that never arrives)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.address = ""
        self.dialler_gone = False
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def listen(self) -> None:
        self._server = await asyncio.start_server(self._accepted, "127.0.0.1", 0)
        self.address = f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _accepted(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        host, port = self.target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        self._writers += [writer, up_writer]
        back = asyncio.ensure_future(self._pump(up_reader, writer))
        self._tasks.add(back)
        await self._pump(reader, up_writer)
        self.dialler_gone = True  # up_writer stays open; `back` writes into a dead socket

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if not writer.is_closing():
                    writer.write(data)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()


def test_a_peer_restarted_behind_a_silent_link_replaces_it_at_once():
    """v1 (a process) dials n1 through a black hole, then is killed with SIGKILL: n1 never
    hears of it, its link stays up. v1 restarted under the same name dials n1: its connect
    succeeds, and n1 reports the old link down (no answer to n1's question; not the tick
    timeout), then v1 up with its new creation."""
    async def main() -> None:
        n1 = await start_node("n1")
        hole = BlackHole(n1.address)
        await hole.listen()
        seen: list[tuple[str, str, int | None]] = []
        n1.add_node_callback(lambda ev, peer, why: seen.append(
            (ev, why if ev == "nodedown" else "", n1._dist.peer_creation(peer))))
        v1 = await NodeProc.start("v1")
        try:
            assert (await v1.cmd(f"connect {hole.address}"))["ok"]
            await wait_until(lambda: v1.name in n1.nodes(), what="v1 up on n1")
            old = n1._dist.peer_creation(v1.name)
            await v1.kill()
            await wait_until(lambda: hole.dialler_gone, what="v1's socket closed")
            assert v1.name in n1.nodes()  # n1 has not heard of it
            v1 = await NodeProc.start("v1")
            reply = await v1.cmd(f"connect {n1.address}")
            assert reply["ok"] and reply["node"] == n1.name, reply
            await wait_until(lambda: len(seen) == 3, what="v1 down and up again on n1")
            (up, _, first), (down, why, _), (again, _, new) = seen
            assert (up, down, again) == ("nodeup", "nodedown", "nodeup")
            assert first == old and new is not None and new != old
            assert "no tick" not in why, why
        finally:
            await v1.close()
            await n1.stop()
            await hole.close()
    run(main())


def test_a_peer_that_lost_our_link_silently_replaces_it_when_it_dials_again():
    """n1 dialled x; x loses its side without a word reaching n1 (it stops answering, the
    socket stays open) and dials n1 again, the same incarnation. n1 used to refuse it at
    the hello (already connected, over the link n1 dialled) until its tick timer dropped
    that link; now the hello goes on, and once x has proved the cookie n1 asks the old
    link, hears nothing, and takes the new connection: nodedown, then nodeup."""
    async def main() -> None:
        x = HandDriven()
        x.answers = False
        await x.listen()
        n1 = await start_node("n1")
        seen: list[tuple[str, str]] = []
        n1.add_node_callback(lambda ev, peer, why: seen.append((ev, why)))
        try:
            assert await n1.connect(x.address) == x.name
            await x.prove(await x.dial(n1))
            await wait_until(lambda: len(seen) == 3, what="x down and up again on n1")
            (up, _), (down, why), (again, _) = seen
            assert (up, down, again) == ("nodeup", "nodedown", "nodeup")
            assert "no tick" not in why, why
            info = n1.connection_info(x.name)
            assert n1.nodes() == [x.name] and info is not None and not info["initiator"]
        finally:
            await n1.stop()
            await x.close()
    run(main())


def test_a_peer_that_lost_the_link_it_dialled_replaces_it_when_it_dials_again():
    """x dialled n1, then lost its side without a word reaching n1 (it never reads or
    answers on that link again) and dials n1 again, the same incarnation. Once x has proved
    the cookie n1 asks the old link (the name and creation alone prove nothing), hears
    nothing, and takes the new connection: nodedown (not the tick timeout), then nodeup."""
    async def main() -> None:
        x = HandDriven()
        await x.listen()
        n1 = await start_node("n1")
        seen: list[tuple[str, str]] = []
        n1.add_node_callback(lambda ev, peer, why: seen.append((ev, why)))
        try:
            await x.prove(await x.dial(n1))  # x never reads this link again
            await wait_until(lambda: seen == [("nodeup", "")], what="x up on n1")
            first = n1._dist.conns[x.name]
            await x.prove(await x.dial(n1))
            await wait_until(lambda: len(seen) == 3, what="x down and up again on n1")
            (_, _), (down, why), (again, _) = seen
            assert (down, again) == ("nodedown", "nodeup")
            assert "no tick" not in why and "did not answer" in why, why
            assert n1.nodes() == [x.name] and n1._dist.conns[x.name] is not first
        finally:
            await n1.stop()
            await x.close()
    run(main())


def test_a_peer_that_lost_the_link_it_dialled_acknowledges_our_dial_and_replaces_it():
    """n1 dials x, which holds its ack; meanwhile x dials n1 and comes up, then loses that
    link on its side without a word (it never reads it again) and acknowledges n1's dial.
    At the ack n1 asks the link x dialled, hears nothing, and takes its own dial: connect()
    returns x, after a nodedown that says the old link did not answer."""
    async def main() -> None:
        x = HandDriven()
        x.hold = "ack"
        await x.listen()
        n1 = await start_node("n1")
        seen: list[tuple[str, str]] = []
        n1.add_node_callback(lambda ev, peer, why: seen.append((ev, why)))
        try:
            dial = asyncio.ensure_future(n1.connect(x.address))
            await wait_until(lambda: x.holding, what="x holding its ack")
            await x.prove(await x.dial(n1))  # x never reads this link again
            await wait_until(lambda: seen == [("nodeup", "")], what="x's dial up on n1")
            x.release()
            assert await asyncio.wait_for(dial, 5) == x.name
            await wait_until(lambda: len(seen) == 3, what="x down and up again on n1")
            (_, _), (down, why), (again, _) = seen
            assert (down, again) == ("nodedown", "nodeup")
            assert "did not answer" in why, why
            info = n1.connection_info(x.name)
            assert n1.nodes() == [x.name] and info is not None and info["initiator"]
        finally:
            await n1.stop()
            await x.close()
    run(main())
