"""Structure-aware fuzzing of the handshake against one live node: whatever an unauthenticated
client sends first (hello / welcome / proof / ack / refuse of right and wrong shapes, mutated
frames, msgpack garbage), and whoever an authenticated peer claims to be (the honest node's
name, the victim's, odd creations, addresses and caps), the node stays alive and serving."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given

from pgviz.wire.handshake import HANDSHAKE_MAX_FRAME, PROTOCOL_VERSION

from ..support import run
from .attacker import send_first
from .harness import (
    Tally,
    arena,
    assert_alive_and_serving,
    examples,
    fuzz_settings,
    run_in_thread,
    time_budget,
)
from .strategies import handshake_inputs

# Hypothesis once in a while builds the repr of a strategy holding the odd-value pools (~30 kB)
# and says so; nothing to act on.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@pytest.mark.timeout(time_budget("handshake"))
def test_fuzzed_handshakes_leave_the_node_alive_and_serving(caplog):
    """Each input on a fresh connection, half-closed; the victim must close it in turn."""
    caplog.set_level(logging.WARNING)

    async def main():
        async with arena() as ar:
            tally = Tally("handshake")
            names = (ar.victim.name, ar.good.name)
            addresses = (ar.good.address, ar.victim.address)

            @fuzz_settings(examples("handshake"))
            @given(handshake_inputs(PROTOCOL_VERSION, names, HANDSHAKE_MAX_FRAME, addresses))
            def fuzz(inp):
                tally.count(inp)
                with tally.timed():
                    tally.outcomes[send_first(ar, inp)] += 1

            try:
                await run_in_thread(fuzz)
            finally:
                print(tally.finish())
            await assert_alive_and_serving(ar, caplog.records)
    run(main(), timeout=time_budget("handshake"))
