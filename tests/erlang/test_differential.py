"""OTP's own pg and pgviz side by side in one scope: random join/leave/kill sequences issued
on both nodes (each on its own processes); at every quiet point both nodes list the same
members for every group, as multisets, and the BEAM's view of the Python members equals
pgviz's own local view (and the other way round)."""

from __future__ import annotations

import random

import pytest

from pgviz.erlang import Atom

from ..support import run
from .beam import start_py
from .conftest import COOKIE

BEAM = "beam@127.0.0.1"
GROUPS = [Atom("d_a"), Atom("d_b"), "d_c"]  # two atom groups, one binary group
N = 6  # processes per side


def _erl_group(g) -> str:
    return str(g) if type(g) is Atom else f"<<\"{g}\">>"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_join_leave_kill_agree_with_otp(beam, epmd, py_name, seed):
    rnd = random.Random(seed)

    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        try:
            await node.connect(BEAM)
            py = [node.spawn(_idle) for _ in range(N)]
            erl = await beam.eval(f"DP{seed} = [spawn(fun() -> receive stop -> ok end end) "
                                  f"|| _ <- lists:seq(1, {N})].")
            alive_py, alive_erl = set(range(N)), set(range(N))
            for step in range(60):
                side = rnd.choice("pe")
                op = rnd.choices(["join", "leave", "kill"], [6, 3, 1])[0]
                g = rnd.choice(GROUPS)
                alive = alive_py if side == "p" else alive_erl
                if not alive:
                    continue
                i = rnd.choice(sorted(alive))
                if side == "p":
                    if op == "join":
                        node.pg.join(g, py[i])
                    elif op == "leave":
                        node.pg.leave(g, py[i])
                    else:
                        node.exit(py[i], "kill")
                        alive.discard(i)
                else:
                    target = f"lists:nth({i + 1}, DP{seed})"
                    if op == "join":
                        await beam.eval(f"pg:join({_erl_group(g)}, {target}).")
                    elif op == "leave":
                        await beam.eval(f"pg:leave({_erl_group(g)}, {target}).")
                    else:
                        await beam.eval(f"exit({target}, kill).")
                        alive.discard(i)
                if step % 10 == 9:
                    await _quiet_point(node, beam, py, erl)
            final = await _quiet_point(node, beam, py, erl)
            assert any(final.values())  # the sequence left members to compare
        finally:
            for g in GROUPS:  # leave nothing behind for the next seed
                await beam.eval(f"[pg:leave({_erl_group(g)}, P) || P <- DP{seed}, "
                                f"lists:member(P, pg:get_local_members({_erl_group(g)}))].")
            await node.stop()
    run(main())


async def _quiet_point(node, beam, py, erl) -> dict:
    async def views():
        ours = {g: sorted(node.pg.get_members(g)) for g in GROUPS}
        theirs = {}
        for g in GROUPS:
            theirs[g] = sorted(await beam.eval(f"pg:get_members({_erl_group(g)})."))
        return ours, theirs

    import asyncio
    import time
    deadline = time.monotonic() + 5
    while True:
        ours, theirs = await views()
        if ours == theirs:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"pgviz {ours} != OTP {theirs}")
        await asyncio.sleep(0.01)
    for g in GROUPS:  # and each side's local members are what the other lists for it
        local = sorted(node.pg.get_local_members(g))
        assert [p for p in ours[g] if p.node == node.name] == local
        erl_local = sorted(await beam.eval(f"pg:get_local_members({_erl_group(g)})."))
        assert [p for p in ours[g] if p.node == BEAM] == erl_local
    return ours


async def _idle(proc):
    while True:
        await proc.receive()
