"""disconnect() against a connection to that peer still in its handshake, over loopback TCP.

The last wish wins: a connection begun before node.disconnect(peer) and finishing after it
never comes up, whichever side dialled and wherever its handshake was; only a connect()
made after the disconnect lifts it.
"""

from __future__ import annotations

import asyncio

import pytest

from pgviz import ConnectionRefused, Refusal

from ..support import run, start_node, wait_until
from .hand_driven import HandDriven, terms_until_closed


def test_disconnect_refuses_the_proof_of_a_connection_it_had_welcomed():
    """x's connect to n1 is welcomed, then n1.disconnect(x) is called, then x proves: n1
    refuses the proof (disconnected) instead of acknowledging it, and x never comes up."""
    async def main() -> None:
        x = HandDriven()
        await x.listen()
        n1 = await start_node("n1")
        seen: list[tuple[str, str]] = []
        n1.add_node_callback(lambda ev, peer, why: seen.append((ev, peer)))
        try:
            dialled = await x.dial(n1)
            assert await n1.disconnect(x.name) is False
            with pytest.raises(ConnectionRefused) as refused:
                await x.prove(dialled)
            assert refused.value.reason == Refusal.DISCONNECTED
            assert n1.nodes() == [] and seen == []
        finally:
            await n1.stop()
            await x.close()
    run(main())


@pytest.mark.parametrize("held", ["welcome", "ack"])
def test_disconnect_ends_a_dial_still_in_its_handshake(held):
    """n1.connect(x) is on its way, x holding its welcome (or its ack) back, when
    n1.disconnect(x) is called: the connect fails (disconnected) and x never shows up on
    n1. Held at the ack, x is up already: n1 says goodbye to it as disconnect() does to a
    peer that is up (BYE "disconnect": x remembers it too, and does not dial again)."""
    async def main() -> None:
        x = HandDriven()
        x.hold = held
        await x.listen()
        n1 = await start_node("n1")
        seen: list[tuple[str, str]] = []
        n1.add_node_callback(lambda ev, peer, why: seen.append((ev, peer)))
        try:
            dial = asyncio.ensure_future(n1.connect(x.address))
            await wait_until(lambda: x.holding, what=f"x holding its {held}")
            assert await n1.disconnect(x.name) is False
            x.release()
            with pytest.raises(ConnectionRefused) as refused:
                await asyncio.wait_for(dial, 5)
            assert refused.value.reason == Refusal.DISCONNECTED
            assert n1.nodes() == [] and seen == []
            if held == "ack":
                assert len(x.sessions) == 1
                assert await terms_until_closed(x.sessions[0]) == [["BYE", "disconnect"]]
            else:
                assert x.sessions == []
        finally:
            await n1.stop()
            await x.close()
    run(main())

