"""Structure-aware fuzzing after the handshake, against one live node per test: control messages
of every kind, pg peer messages, and raw msgpack garbage from an authenticated peer leave the
node alive and serving, and its view of an honest node's groups exactly what that node has."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgviz import Pid

from ..support import run
from .attacker import Attacker
from .harness import (
    KILLABLE,
    Arena,
    Tally,
    arena,
    assert_alive_and_serving,
    examples,
    fuzz_settings,
    run_in_thread,
    time_budget,
)
from .strategies import Cast, Input, control_inputs, garbage_inputs, pg_inputs

# Hypothesis once in a while builds the repr of a strategy holding the odd-value pools (~30 kB)
# and says so; nothing to act on.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


def _cast(ar: Arena, attacker: Attacker) -> Cast:
    vc = attacker.victim_creation
    good = ar.good
    fakes = (Pid(ar.victim.name, 10**6, 0, vc), Pid(ar.victim.name, 0, 0, vc),
             Pid(ar.victim.name, 1, 0, vc ^ 1))
    host, port = good.address.rsplit(":", 1)
    assert attacker.victim_scope is not None
    return Cast(
        victim=ar.victim.name, victim_creation=vc,
        attacker=attacker.name, attacker_creation=attacker.creation,
        third=good.name, third_creation=good.creation,
        victim_pids=tuple(ar.worker_pid(w, vc) for w in KILLABLE) + fakes,
        victim_system=(attacker.victim_scope,),
        third_pids=(good.pg.pid, *ar.members.values()),
        names=("pg", "shell", "w0", "w1", "nobody", ""),
        groups=("v0", "v1", "both", "h0", "h1", "g", ("t", 1)),
        addresses=(good.address, f"localhost:{port}", ar.victim.address, "127.0.0.1:1",
                   "127.0.0.1:9", "[::1]:1", "nohost", "host:99999", ""))


def _fuzz_session(test: str, inputs: Callable[[Cast], st.SearchStrategy[Input]],
                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

    async def main():
        async with arena() as ar:
            tally = Tally(test)
            attacker = Attacker(ar)

            def session():
                attacker.connect()
                attacker.learn_scope()
                cast = _cast(ar, attacker)

                @fuzz_settings(examples(test))
                @given(inputs(cast))
                def fuzz(inp):
                    tally.count(inp)
                    with tally.timed():
                        exchange(inp)

                def exchange(inp):
                    if not attacker.connected:
                        attacker.connect(ar.last_input)  # it closed the link after that one
                    ar.last_input = inp
                    for chunk in inp.chunks:
                        # Lying framing goes out as it is: it can no longer reach the
                        # codec (the MAC fails first), but a huge length is still refused
                        # before anything is buffered.
                        if not attacker.send(chunk, seal=not inp.desync):
                            break
                    if inp.desync:
                        attacker.hang_up()  # the stream is lost: the victim must close it
                    elif not attacker.ping():
                        tally.closed_by_victim += 1
                        attacker.close()
                        attacker.connect(inp)  # and it must still take a good peer

                try:
                    fuzz()
                finally:
                    tally.handshakes = attacker.handshakes
                    attacker.hang_up()

            try:
                await run_in_thread(session)
            finally:
                print(tally.finish())
            await assert_alive_and_serving(ar, caplog.records)
    run(main(), timeout=time_budget(test))


@pytest.mark.timeout(time_budget("control"))
def test_fuzzed_control_messages_leave_the_node_alive_and_serving(caplog):
    """SEND, SEND_MULTI, REG_SEND, MONITOR_P, DEMONITOR_P, MONITOR_P_EXIT, LINK, UNLINK, EXIT,
    EXIT2, PEERS, BYE and unknown ones, with pids of the attacker, the victim and others."""
    _fuzz_session("control", control_inputs, caplog)


@pytest.mark.timeout(time_budget("pg"))
def test_fuzzed_pg_peer_messages_leave_the_node_alive_and_serving(caplog):
    """discover / sync / join / leave (and forged DOWN / nodeup / nodedown) to the scope."""
    _fuzz_session("pg", pg_inputs, caplog)


@pytest.mark.timeout(time_budget("garbage"))
def test_raw_msgpack_garbage_after_the_handshake_leaves_the_node_alive_and_serving(caplog):
    """ext codes 1, 2, 3 and unknown ones, nesting up to 300 levels, lying lengths."""
    _fuzz_session("garbage", lambda cast: garbage_inputs(), caplog)
