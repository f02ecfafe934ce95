"""Nodes that dial each other at the same moment, each in its own process, over loopback TCP.

A pair that dials both ways at once must end with one connection, the same on both sides,
settled during the handshakes (as OTP's dist_util does with `ok_simultaneous`, `nok` and
`alive`): a link that came up is never dropped for its duplicate. Forming a mesh then shows
no nodedown, and pg shows every remote member join once and never leave. (In one process
the race hardly ever happens: one event loop runs every dial and accept in turn.)
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pgviz import ConnectionRefused, Refusal
from pgviz.wire.handshake import Handshake

from ..cli.nodeproc import NodeProc
from ..support import holds_for, run, start_node, wait_until
from .hand_driven import HandDriven, nodedowns

NODES = 10
FORMATIONS = 4  # each a fresh set of processes: the race is timing-dependent


def test_nodes_that_all_dial_each_other_at_once_mesh_without_a_nodedown_or_a_leave():
    """Ten nodes each dial the nine others at once (and gossip makes them dial again): every
    dial returns the peer's name, no node reports a nodedown or logs a lost peer, and the pg
    monitor on each node sees each remote member join exactly once and never leave."""
    async def main() -> None:
        for formation in range(FORMATIONS):
            await form_mesh_at_once(formation)

    run(main(), timeout=240)


def _events(node: NodeProc, kind: str) -> list[dict[str, Any]]:
    return [ev for ev in node.events if ev.get("event") == kind]


def _joined(node: NodeProc) -> list[str]:
    return [pid for ev in _events(node, "join") for pid in ev["members"]]


async def form_mesh_at_once(formation: int) -> None:
    nodes = list(await asyncio.gather(*(NodeProc.start(f"f{formation}n{i}")
                                        for i in range(NODES))))
    try:
        members: dict[str, str] = {}
        for node in nodes:
            members[node.name] = (await node.cmd("spawn"))["pid"]
            await node.cmd(f"join g {members[node.name]}")
            await node.cmd("monitor g")
        replies_before = {node.name: len(node.replies) for node in nodes}
        for node in nodes:  # all the lines at once: each node dials the nine in a row
            assert node.proc.stdin is not None
            node.proc.stdin.write("".join(f"connect {peer.address}\n" for peer in nodes
                                          if peer is not node).encode())
        await asyncio.gather(*(node.proc.stdin.drain() for node in nodes
                               if node.proc.stdin is not None))
        remote = {node.name: {pid for name, pid in members.items() if name != node.name}
                  for node in nodes}
        await wait_until(lambda: all(set(_joined(n)) >= remote[n.name] for n in nodes),
                         timeout=20, what="every remote member's join on every node")
        await wait_until(lambda: all(len(n.replies) - replies_before[n.name] == NODES - 1
                                     for n in nodes), timeout=20, what="every connect's reply")

        def no_flap() -> None:
            for node in nodes:
                where = f"formation {formation}, {node.name}"
                assert not _events(node, "nodedown"), (where, _events(node, "nodedown"))
                assert not _events(node, "leave"), (where, _events(node, "leave"))
                assert sorted(_joined(node)) == sorted(remote[node.name]), where
                lost = [line for line in node.stderr if "dialling it again" in line]
                assert not lost, (where, lost)

        no_flap()
        for node in nodes:
            connects = node.replies[replies_before[node.name]:]
            assert all(r["ok"] for r in connects), (node.name, connects)
            assert sorted(r["node"] for r in connects) == sorted(
                peer.name for peer in nodes if peer is not node)
        # A duplicate handshake still in flight would bring a link down within this watch.
        await holds_for(lambda: not any(_events(n, "nodedown") for n in nodes), 0.5,
                        what=f"formation {formation}: no nodedown")
        no_flap()
    finally:
        await asyncio.gather(*(node.close() for node in nodes))


def test_a_duplicate_from_the_smaller_name_never_replaces_a_link_that_is_up():
    """n1 dialled x and is up; then x (the smaller name) dials n1: refused at its proof
    (already connected) once n1 has asked the link that is up and heard x answer on it, and
    n1's link stays (OTP: `alive`, answered false)."""
    async def main() -> None:
        x = HandDriven()
        await x.listen()
        n1 = await start_node("n1")
        try:
            assert await n1.connect(x.address) == x.name
            downs = nodedowns(n1)
            with pytest.raises(ConnectionRefused) as refused:
                await x.prove(await x.dial(n1))
            assert refused.value.reason == Refusal.ALREADY_CONNECTED
            await holds_for(lambda: not downs, 0.2, what="no nodedown on n1")
            info = n1.connection_info(x.name)
            assert n1.nodes() == [x.name] and info is not None and info["initiator"]
        finally:
            await n1.stop()
            await x.close()
    run(main())


def test_the_smaller_names_dial_wins_over_a_larger_names_proof():
    """x (the smaller name) dialled n1 and n1 welcomed it; n1 then dials x and proves (an
    incoming hello's name is not proved, so n1 does not give its dial up for it); x refuses
    that proof, as the smaller name's node does while its own dial is pending (OTP: `nok`);
    x's connection comes up, and n1's connect() returns x's name with no nodedown."""
    async def main() -> None:
        x = HandDriven()
        await x.listen()
        n1 = await start_node("n1")
        try:
            downs = nodedowns(n1)
            dialled = await x.dial(n1)  # welcomed by n1, the proof held back
            x.refuse_proofs = Refusal.SIMULTANEOUS
            dial = asyncio.ensure_future(n1.connect(x.address))
            await wait_until(lambda: x.refused_proofs, what="x refusing n1's proof")
            await x.prove(dialled)
            assert await asyncio.wait_for(dial, 5) == x.name
            info = n1.connection_info(x.name)
            assert n1.nodes() == [x.name] and info is not None and not info["initiator"]
            await holds_for(lambda: not downs, 0.2, what="no nodedown on n1")
        finally:
            await n1.stop()
            await x.close()
    run(main())


def test_a_strangers_hello_in_a_smaller_name_does_not_stop_a_dial():
    """A stranger without the cookie opens a hello to n2 claiming to be n1 (a smaller name)
    and never proves it. n2's own dial to the real n1 still comes up at once: an unproved
    name is no rival (it used to make n2 give its dial up and wait 5 s for nothing)."""
    async def main() -> None:
        n1 = await start_node("n1")
        n2 = await start_node("n2")
        host, port = n2.address.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            hs = Handshake(initiator=True, name=n1.name, creation=n1.creation,
                           cookie="not-the-cookie", address=n1.address)
            hs.start()
            writer.write(hs.data_to_send())
            await asyncio.wait_for(reader.read(4096), 5)  # n2's welcome: the hello is pending
            assert await asyncio.wait_for(n2.connect(n1.address), 3) == n1.name
            assert n2.nodes() == [n1.name]
        finally:
            writer.close()
            await n2.stop()
            await n1.stop()
    run(main())


def test_dials_given_up_for_a_connection_that_never_comes_leave_nothing_waiting():
    """x refuses every hello as settled by a rival connection that never comes up: each of
    n1's connects fails after the handshake timeout, and nothing is left waiting for x's
    name, nor for a dial still waiting when n1 stops (one waiter was left per failed dial)."""
    async def main() -> None:
        x = HandDriven()
        await x.listen()
        x.refuse_hellos = (Refusal.SIMULTANEOUS, x.name)
        n1 = await start_node("n1", handshake_timeout=0.2)
        try:
            for _ in range(5):
                with pytest.raises(ConnectionRefused, match="no other connection"):
                    await n1.connect(x.address)
            assert n1._dist.dials._name_waiters == {}  # (no behaviour shows it: memory only)
            dial = asyncio.ensure_future(n1.connect(x.address))
            await wait_until(lambda: n1._dist.dials._name_waiters, what="n1 waiting for x's link")
        finally:
            await n1.stop()
            await x.close()
        with pytest.raises(ConnectionRefused, match="cancelled"):
            await dial
        assert n1._dist.dials._name_waiters == {}
    run(main())


def test_a_settling_refusal_in_another_name_is_no_answer_to_a_dial_for_a_name():
    """A gossip or heal dial expects a name at the address. x answers it as settled by a
    rival connection (SIMULTANEOUS) in the name of n3, a peer n1 is connected to: the dial
    fails as the wrong node, rather than returning n3 (a healer took that for "x is
    back", and stopped dialling x)."""
    async def main() -> None:
        x = HandDriven()
        await x.listen()
        n1 = await start_node("n1")
        n3 = await start_node("n3")
        try:
            assert await n1.connect(n3.address) == n3.name
            x.refuse_hellos = (Refusal.SIMULTANEOUS, n3.name)
            with pytest.raises(ConnectionRefused) as refused:
                await n1._dist.connect(x.address, explicit=False, expect=x.name)
            assert refused.value.reason == Refusal.WRONG_NODE
            assert refused.value.peer == n3.name
            assert n1.nodes() == [n3.name]
        finally:
            await n1.stop()
            await n3.stop()
            await x.close()
    run(main())


@pytest.mark.parametrize("code", [Refusal.SIMULTANEOUS, Refusal.ALREADY_CONNECTED])
def test_a_strangers_settling_refusal_is_no_answer_to_a_dial_by_address(code):
    """connect(address) expects no name. x, without the cookie, refuses n1's hello as settled
    (a rival connection lives on) in the name of n3, a peer n1 is connected to at another
    address: n1's connect fails, saying the claim could not be verified, rather than
    returning n3 (the caller would take x's address for n3's); n1's link to n3 stays."""
    async def main() -> None:
        x = HandDriven()
        await x.listen()
        n1 = await start_node("n1")
        n3 = await start_node("n3")
        try:
            assert await n1.connect(n3.address) == n3.name
            link = n1._dist.conns[n3.name]
            x.refuse_hellos = (code, n3.name)
            with pytest.raises(ConnectionRefused, match="could not be verified") as refused:
                await n1.connect(x.address)
            assert refused.value.reason == Refusal.WRONG_NODE
            assert refused.value.peer == n3.name
            assert n1._dist.conns.get(n3.name) is link and link.state == "up"
        finally:
            await n1.stop()
            await n3.stop()
            await x.close()
    run(main())


def test_a_strangers_welcome_in_a_connected_nodes_name_is_no_answer_to_a_dial_by_address():
    """x welcomes n1's dial by address in the name and creation of n3, to which n1 is
    connected (n3 dialled it). n1 gives its dial up before its proof (already connected),
    and its connect fails as unverified rather than returning n3 (the welcome proved
    nothing); n1's link to n3 stays, with no nodedown."""
    async def main() -> None:
        n1 = await start_node("n1")
        n3 = await start_node("n3")
        x = HandDriven()
        x.name, x.creation = n3.name, n3.creation
        await x.listen()
        try:
            assert await n3.connect(n1.address) == n1.name
            await wait_until(lambda: n3.name in n1.nodes(), what="n3 up on n1")
            link = n1._dist.conns[n3.name]
            downs = nodedowns(n1)
            with pytest.raises(ConnectionRefused, match="could not be verified") as refused:
                await n1.connect(x.address)
            assert refused.value.reason == Refusal.WRONG_NODE
            await holds_for(lambda: not downs, 0.2, what="no nodedown on n1")
            assert n1._dist.conns.get(n3.name) is link and link.state == "up"
        finally:
            await n1.stop()
            await n3.stop()
            await x.close()
    run(main())


@pytest.mark.parametrize("host, again", [("127.0.0.1", "localhost"), ("0.0.0.0", "127.0.0.1")],
                         ids=["localhost-for-127.0.0.1", "127.0.0.1-for-the-wildcard"])
def test_a_dial_by_another_spelling_of_a_connected_nodes_address_returns_its_name(host, again):
    """n1 is connected to n3, then connects to it again at another spelling of its address:
    "localhost:port" when n3 announced 127.0.0.1:port; "127.0.0.1:port" when n3 listens on
    0.0.0.0 (the LAN setup) and announced this machine's primary address (as a click in "On
    this machine" does). n3 answers already connected; the dial reached n3's announced
    endpoint, or landed on this machine at the port n3 announced on it, so the claim holds:
    connect() returns n3, with no nodedown."""
    cookie = "spelling-cookie-0123456789"

    async def main() -> None:
        n1 = await start_node("n1", cookie=cookie)
        n3 = await start_node("n3", host=host, cookie=cookie)
        try:
            assert await n1.connect(n3.address) == n3.name
            link = n1._dist.conns[n3.name]
            downs = nodedowns(n1)
            port = n3.address.rsplit(":", 1)[1]
            assert await n1.connect(f"{again}:{port}") == n3.name
            await holds_for(lambda: not downs, 0.2, what="no nodedown on n1")
            assert n1._dist.conns.get(n3.name) is link and link.state == "up"
        finally:
            await n1.stop()
            await n3.stop()
    run(main())
