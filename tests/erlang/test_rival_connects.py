"""Rival connections between pgviz and Erlang nodes, settled as OTP's dist_util and net_kernel
do: simultaneous connects (nok / ok_simultaneous), a node that dials while a link to it is
up (status `alive`, answered `true` or `false`), a restarted node replacing its dead link.

Each side records its node events (pgviz: NodeUp/NodeDown; the BEAM: a process under
net_kernel:monitor_nodes/1), so that a link dropped and made again while both nodes stayed
up -- a flap, which pg sees as every member leaving and joining again -- is counted.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter

import pytest

from pgviz.erlang import Atom, epmd
from pgviz.events import NodeDown, NodeUp

from ..support import Inbox, run, wait_until
from .beam import Beam, Epmd, start_py
from .conftest import COOKIE

BEAM = "beam@127.0.0.1"

# A process on the BEAM that records nodeup/nodedown (net_kernel:monitor_nodes/1) and, for the
# nodes it is told to, calls net_kernel:connect_node/1 as soon as their nodedown arrives. The
# variables are prefixed: the driver's bindings outlive each line, and a fun's variable that
# is bound outside it would be matched instead of bound.
WATCHER = """
register({name}, spawn(fun() ->
    net_kernel:monitor_nodes(true),
    (fun RvLoop(RvEvs, RvRe) ->
        receive
            {{nodeup, RvN}} -> RvLoop([{{up, RvN}} | RvEvs], RvRe);
            {{nodedown, RvN}} ->
                case lists:member(RvN, RvRe) of
                    true ->
                        RvSelf = self(),
                        spawn(fun() ->
                            RvSelf ! {{connected, RvN, net_kernel:connect_node(RvN)}} end);
                    false -> ok
                end,
                RvLoop([{{down, RvN}} | RvEvs], RvRe);
            {{connected, RvN, RvR}} -> RvLoop([{{connected, RvN, RvR}} | RvEvs], RvRe);
            {{reconnect, RvL}} -> RvLoop(RvEvs, RvL);
            {{get, RvFrom}} -> RvFrom ! {{{name}, lists:reverse(RvEvs)}}, RvLoop(RvEvs, RvRe);
            stop -> ok
        end
    end)([], [])
end)).
"""


class Watcher:
    """The BEAM's side of the record (WATCHER), for one pgviz node's name."""

    def __init__(self, beam: Beam, peer: str) -> None:
        self.beam = beam
        self.peer = peer
        self.name = f"rv_watch_{peer.split('@')[0]}"
        beam.call(WATCHER.format(name=self.name))

    async def events(self) -> list[tuple[object, ...]]:
        """[("up"|"down",) | ("connected", result)] for this peer, oldest first."""
        evs = await self.beam.eval(
            f"(fun() -> {self.name} ! {{get, self()}}, "
            f"receive {{{self.name}, RvL}} -> RvL after 5000 -> timeout end end)().")
        out: list[tuple[object, ...]] = []
        for ev in evs:
            if str(ev[1]) == self.peer:
                out.append((str(ev[0]),) + tuple(ev[2:]))
        return out

    async def reconnect(self, on: bool) -> None:
        nodes = f"[{repr_atom(self.peer)}]" if on else "[]"
        await self.beam.eval(f"{self.name} ! {{reconnect, {nodes}}}.")

    async def link_state(self) -> tuple[bool, int, str]:
        """(peer in nodes(), its distribution controllers, net_kernel's state for it)."""
        p = repr_atom(self.peer)
        state = await self.beam.eval(
            f"(fun() -> {{lists:member({p}, nodes()), "
            f"length([x || {{RvN2, _}} <- erlang:system_info(dist_ctrl), RvN2 =:= {p}]), "
            f"case ets:lookup(sys_dist, {p}) of [RvC] -> element(4, RvC); [] -> none end}} "
            f"end)().")
        return state[0] is True, int(state[1]), str(state[2])

    def stop(self) -> None:
        self.beam.call(f"{self.name} ! stop.")


def repr_atom(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Record:
    """The pgviz side: its NodeUp/NodeDown events for one peer, and how its dials ended."""

    def __init__(self, node, peer: str) -> None:
        self.node = node
        self.peer = peer
        self.events: list[str] = []
        self.dials: list[str] = []
        self.reconnecting = False
        self._tasks: set[asyncio.Task] = set()
        node.add_listener(self._on_event)

    def _on_event(self, ev) -> None:
        if isinstance(ev, NodeUp) and ev.peer == self.peer:
            self.events.append("up")
        elif isinstance(ev, NodeDown) and ev.peer == self.peer:
            self.events.append("down")
            if self.reconnecting:
                self.dial()

    def dial(self, target: str | None = None) -> None:
        task = asyncio.get_running_loop().create_task(self._dial(target or self.peer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dial(self, target: str) -> None:
        try:
            self.dials.append(await self.node.connect(target))
        except Exception as exc:  # recorded: a simultaneous connect must not fail a dial
            self.dials.append(f"{type(exc).__name__}: {exc}")

    @property
    def dialling(self) -> bool:
        return bool(self._tasks)


def one_link(node, peer: str) -> bool:
    """pgviz's side holds exactly one link to `peer` and nothing in a handshake or a dial."""
    dist = node._dist
    return (node.nodes() == [peer] and not dist._pending and not dist.dials
            and dist.connection(peer).state == "up")


async def _settled(node, record: Record, watcher: Watcher) -> bool:
    """Every nodedown answered by a finished dial on both sides, one link up."""
    if not one_link(node, BEAM) or record.dialling:
        return False
    evs = await watcher.events()
    in_nodes, ctrls, state = await watcher.link_state()
    return (in_nodes and ctrls == 1 and state == "up"
            and sum(e[0] == "connected" for e in evs) == sum(e[0] == "down" for e in evs))


def flaps(events: list[str], rounds: int) -> int:
    """Links lost beyond the one each round drops on purpose."""
    return events.count("down") - rounds


async def _simultaneous_rounds(beam, epmd_server, name: str, rounds: int) -> None:
    node = await start_py(name, epmd_server.port, COOKIE)
    watcher = Watcher(beam, node.name)
    record = Record(node, BEAM)
    try:
        assert await node.connect(BEAM) == BEAM
        record.reconnecting = True
        await watcher.reconnect(True)
        for i in range(rounds):
            # Each side reconnects as soon as it sees the link go; who drops it alternates,
            # so that each side is the first to dial in half of the rounds.
            if i % 2:
                assert await node.disconnect(BEAM)
            else:
                assert await beam.eval(f"erlang:disconnect_node({repr_atom(node.name)}).")
            await wait_until(lambda n=i + 1: record.events.count("down") >= n,
                             what="nodedown")
            await wait_until_async(lambda: _settled(node, record, watcher), timeout=15,
                                   what=f"round {i} to settle")
        # a late flap would show here: the links still work both ways
        assert await beam.eval(f"net_adm:ping({repr_atom(node.name)}).") == Atom("pong")
        evs = await watcher.events()
        beam_events = [e[0] for e in evs if e[0] in ("up", "down")]
        connects = [e[1] for e in evs if e[0] == "connected"]
        report = (f"{rounds} rounds: pgviz {flaps(record.events, rounds)} flaps, dials "
                  f"{dict(Counter(record.dials))}; BEAM {flaps(beam_events, rounds)} flaps, "
                  f"connect_node {dict(Counter(connects))}")
        print(report)
        assert record.dials == [BEAM] * rounds, report
        assert connects == [True] * rounds, report
        assert record.events == ["up"] + ["down", "up"] * rounds, report
        assert beam_events == ["up"] + ["down", "up"] * rounds, report
        assert one_link(node, BEAM)
        assert (await watcher.link_state())[:2] == (True, 1)
    finally:
        record.reconnecting = False
        await watcher.reconnect(False)
        watcher.stop()
        await node.stop()


@pytest.mark.parametrize("order", ["pgviz_name_greater", "pgviz_name_smaller"])
def test_simultaneous_connect_rounds(beam, epmd, py_name, order):
    """40 rounds of a dropped link that both sides dial again at once: each round ends with
    one link, one nodedown and one nodeup on each side (no flap), every dial succeeds."""
    # beam@ sorts between the two: which side's dial wins (the smaller name's) alternates
    name = py_name if order == "pgviz_name_greater" else "a" + py_name
    assert (name + "@127.0.0.1" > BEAM) == (order == "pgviz_name_greater")
    run(_simultaneous_rounds(beam, epmd, name, rounds=40), timeout=120)


def test_dial_while_connected_keeps_the_link(beam, epmd, py_name):
    """pgviz dials the BEAM's address (it cannot know whose it is) while the link the BEAM
    dialled is up: the BEAM answers `alive`, pgviz `false` (it holds a link), the new connection
    is dropped and the old link stays: no nodedown on either side, connect() returns BEAM."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        watcher = Watcher(beam, node.name)
        record = Record(node, BEAM)
        try:
            # the BEAM dials: pgviz's link has no dial address to recognise the BEAM's by
            assert await beam.eval(f"net_kernel:connect_node({repr_atom(node.name)}).") is True
            await wait_until(lambda: node.nodes() == [BEAM], what="the BEAM's link")
            old = node._dist.connection(BEAM)
            port = await epmd_port_of("beam", epmd.port)
            assert await node.connect(f"127.0.0.1:{port}") == BEAM
            assert await beam.eval(f"net_adm:ping({repr_atom(node.name)}).") == Atom("pong")
            await wait_until(lambda: not node._dist._pending, what="the second dial ended")
            assert node._dist.connection(BEAM) is old and old.state == "up"
            assert record.events == ["up"], record.events
            assert [e[0] for e in await watcher.events()] == ["up"]
            assert (await watcher.link_state()) == (True, 1, "up")
        finally:
            watcher.stop()
            await node.stop()
    run(main())


def test_pgviz_restarted_under_its_name_replaces_its_link_on_the_beam(beam, epmd, py_name):
    """A new pgviz node under the name of one the BEAM still holds a link to (the old one
    went silent: it reads nothing) dials the BEAM: the BEAM answers `alive`, the new node
    `true` (it has no link), and the BEAM replaces the old link by the new one."""
    async def main():
        old = await start_py(py_name, epmd.port, COOKIE)
        other_epmd = Epmd()  # the old node keeps its name registered in the session's EPMD
        new = None
        try:
            assert await old.connect(BEAM) == BEAM
            old._dist.connection(BEAM)._transport.pause_reading()  # went silent
            port = await epmd_port_of("beam", epmd.port)
            new = await start_py(py_name, other_epmd.port, COOKIE)
            assert new.name == old.name
            inbox = Inbox(new, name="rv_inbox")
            assert await new.connect(f"127.0.0.1:{port}") == BEAM
            await beam.eval(f"{{rv_inbox, {repr_atom(new.name)}}} ! over_the_new_link.")
            assert await inbox.next(timeout=5) == Atom("over_the_new_link")
            assert new.nodes() == [BEAM]
        finally:
            if new is not None:
                await new.stop()
            await old.stop()
            other_epmd.stop()
    run(main())


def test_restarted_beam_replaces_the_dead_link(epmd, py_name):
    """A BEAM killed (SIGKILL) and started again under its name dials pgviz, which still
    holds the dead link (it has not read the close yet): pgviz answers `alive`, the new
    BEAM `true`; the old link goes (nodedown), the new one comes up (nodeup)."""
    async def main():
        node = await start_py(py_name, epmd.port, COOKIE)
        name = f"rv{os.getpid()}@127.0.0.1"
        first = await asyncio.to_thread(Beam, name, COOKIE, epmd.port)
        second = None
        record = Record(node, name)
        try:
            assert await node.connect(name) == name
            dead = node._dist.connection(name)
            dead._transport.pause_reading()  # the close stays unread: the link looks up
            os.killpg(first.proc.pid, signal.SIGKILL)
            await asyncio.to_thread(first.proc.wait)
            await wait_until_async(lambda: _unregistered(name.split("@")[0], epmd.port),
                                   what="EPMD forgets the killed BEAM")
            second = await asyncio.to_thread(Beam, name, COOKIE, epmd.port)
            assert node.nodes() == [name] and dead.state == "up"
            assert await second.eval(f"net_adm:ping({repr_atom(node.name)}).") == Atom("pong")
            await wait_until(lambda: record.events == ["up", "down", "up"],
                             what=f"nodedown then nodeup (got {record.events})")
            new = node._dist.connection(name)
            assert new is not dead and dead.state == "closed"
            assert new.peer_creation != dead.peer_creation
            assert await second.eval("nodes().") == [Atom(node.name)]
        finally:
            await node.stop()
            for b in (first, second):
                if b is not None:
                    b.stop()
    run(main(), timeout=90)


def test_pgviz_peer_dialling_while_connected_gets_alive_and_answers_false(epmd, py_name):
    """Two pgviz nodes on the Erlang protocol: one dials the other's address while their
    link is up; the acceptor answers `alive`, the initiator `false`: the link stays."""
    async def main():
        a = await start_py(py_name + "a", epmd.port, COOKIE)
        b = await start_py(py_name + "b", epmd.port, COOKIE)
        rec_a, rec_b = Record(a, b.name), Record(b, a.name)
        try:
            assert await a.connect(b.name) == b.name
            link_a, link_b = a._dist.connection(b.name), b._dist.connection(a.name)
            assert await b.connect(a.address) == a.name
            assert await a.connect(b.address) == b.name
            await wait_until(lambda: not a._dist._pending and not b._dist._pending,
                             what="the dials ended")
            assert a._dist.connection(b.name) is link_a and b._dist.connection(a.name) is link_b
            assert rec_a.events == rec_b.events == ["up"]
            assert link_a.state == link_b.state == "up"
        finally:
            await a.stop()
            await b.stop()
    run(main())


async def epmd_port_of(alive: str, epmd_port: int) -> int:
    return await epmd.port_please(alive, "127.0.0.1", epmd_port=epmd_port)


async def _unregistered(alive: str, epmd_port: int) -> bool:
    try:
        await epmd.port_please(alive, "127.0.0.1", epmd_port=epmd_port)
    except epmd.EpmdError:
        return True
    return False


async def wait_until_async(pred, timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not await pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


def test_two_pgviz_nodes_dialling_each_other_at_once(epmd, py_name):
    """Two pgviz nodes on the Erlang protocol that both dial again as soon as they see their
    link go (20 rounds, who drops it alternates): one link each round, no flap."""
    async def main():
        a = await start_py(py_name + "a", epmd.port, COOKIE)
        b = await start_py(py_name + "b", epmd.port, COOKIE)
        rec_a, rec_b = Record(a, b.name), Record(b, a.name)
        rounds = 20
        try:
            assert await a.connect(b.name) == b.name
            rec_a.reconnecting = rec_b.reconnecting = True
            for i in range(rounds):
                first, second = (a, b) if i % 2 else (b, a)
                assert await first.disconnect(second.name)
                await wait_until(lambda n=i + 1: rec_a.events.count("down") >= n
                                 and rec_b.events.count("down") >= n, what="both down")
                await wait_until(lambda: one_link(a, b.name) and one_link(b, a.name)
                                 and not rec_a.dialling and not rec_b.dialling,
                                 what="one link, the dials done")
            report = (f"{rounds} rounds: flaps {flaps(rec_a.events, rounds)} and "
                      f"{flaps(rec_b.events, rounds)}; dials {dict(Counter(rec_a.dials))} "
                      f"{dict(Counter(rec_b.dials))}")
            assert rec_a.dials == [b.name] * rounds and rec_b.dials == [a.name] * rounds, report
            assert rec_a.events == rec_b.events == ["up"] + ["down", "up"] * rounds, report
            # the same link on both sides: one dialled it, the other accepted it
            assert a._dist.connection(b.name).initiator != b._dist.connection(a.name).initiator
        finally:
            rec_a.reconnecting = rec_b.reconnecting = False
            await a.stop()
            await b.stop()
    run(main())
