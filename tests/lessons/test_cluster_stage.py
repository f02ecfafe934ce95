"""Lessons cast on a running cluster through the nodes' lesson agents (what a class's laptops
and `pgviz demo` do): every shipped lesson runs end to end, Back resets the cast instead of
restarting it, and a cluster that cannot play the lesson says why."""

from __future__ import annotations

import re

import pytest

from pgviz import Node
from pgviz.lessons import (
    ActionError,
    ClusterStage,
    Expectation,
    LessonAgent,
    LessonRun,
    Shown,
    load_lesson,
)

from ..support import run, wait_until

COOKIE = "lesson-cookie-" + "x" * 8


async def cluster(names, agents=None, **options):
    """Nodes connected as a mesh, with a lesson agent on those in `agents` (default: all)."""
    nodes = [Node(n, cookie=COOKIE, **options) for n in names]
    for node in nodes:
        await node.start()
    for node in nodes[1:]:
        await nodes[0].connect(node.address)
    await wait_until(lambda: all(len(n.nodes()) == len(nodes) - 1 for n in nodes))
    shown: dict[str, list[Shown]] = {n.short_name: [] for n in nodes}
    served = {n.short_name: LessonAgent(n, on_show=shown[n.short_name].append)
              for n in nodes if agents is None or n.short_name in agents}
    return nodes, served, shown


async def stop_all(nodes):
    for node in nodes:
        await node.stop()


@pytest.mark.parametrize("name", ["1-process-groups", "2-netsplit", "3-joins-in-flight"])
def test_a_shipped_lesson_runs_end_to_end_on_a_clusters_agents(name):
    lesson = load_lesson(name)

    async def main():
        nodes, _, shown = await cluster(list(lesson.nodes), tick_time=2.0)
        stage = ClusterStage(seeds=[nodes[0].address], cookie=COOKIE, tick_time=2.0)
        lesson_run = LessonRun(lesson, stage)
        try:
            await lesson_run.start()
            # each lesson node is played by the node of the same name; the conductor is not
            assert {n: p.name for n, p in lesson_run.world.players.items()} == {
                n.short_name: n.name for n in nodes}
            assert lesson_run.nodes == {}  # nothing of the lesson runs in the conductor
            while (result := await lesson_run.next()) is not None:
                assert result.ok, (f"{name} step {result.index + 1} ({result.step.title}): "
                                   f"{result.error or [str(c) for c in result.checks]}")
            # the class saw every step, numbered, in their own windows' terms
            assert [s.number for s in shown["alice"]] == list(range(1, len(lesson.steps) + 1))
            assert shown["alice"][0].lesson == lesson.title
        finally:
            await lesson_run.stop()
            await stop_all(nodes)

    run(main(), timeout=120)


def test_back_resets_the_cast_and_replays_and_stop_leaves_no_lesson_process():
    lesson = load_lesson("netsplit")

    async def main():
        nodes, agents, _ = await cluster(list(lesson.nodes))
        before = {n.short_name: set(n.processes()) for n in nodes}
        lesson_run = LessonRun(lesson, ClusterStage(seeds=[nodes[1].address], cookie=COOKIE))
        try:
            await lesson_run.start()
            for _ in range(3):  # one room, the split, a join on one side
                assert (await lesson_run.next()).ok
            first_pid = lesson_run.world.processes["a1"].pid
            result = await lesson_run.back()
            assert result is not None and result.index == 1 and result.ok
            assert "a2" not in lesson_run.world.processes  # the state of step 2, not 3
            assert lesson_run.world.processes["a1"].pid != first_pid
            assert not nodes[0].is_alive(first_pid)  # the first run's process was reset
            assert (await lesson_run.goto(3)).ok
        finally:
            await lesson_run.stop()
        # nothing of the lesson is left on the class's nodes, the network is whole and live
        await wait_until(lambda: all(set(n.processes()) == before[n.short_name]
                                     for n in nodes))
        assert all(n.net.clock.live and not n.net.cuts for n in nodes)
        assert all(a.active for a in agents.values())
        await stop_all(nodes)

    run(main(), timeout=120)


def test_a_cast_can_be_named_and_spectators_are_not_counted():
    async def main():
        nodes, _, _ = await cluster(["n1", "n2", "n3", "n4", "n5"])
        lesson = load_lesson("netsplit")
        stage = ClusterStage(node=None, seeds=[nodes[0].address], cookie=COOKIE,
                             cast={"alice": "n4", "carol": "n2@127.0.0.1"})
        lesson_run = LessonRun(lesson, stage)
        try:
            await lesson_run.start()
            players = {n: p.name.split("@")[0] for n, p in lesson_run.world.players.items()}
            assert players == {"alice": "n4", "bob": "n1", "carol": "n2", "dave": "n3"}
            result = await lesson_run.next()
            assert result.ok, [str(c) for c in result.checks]
            # n4 sees four peers and the conductor: three of them are the lesson's nodes
            assert len(nodes[3].nodes()) == 5
            nodes_at_alice = Expectation("nodes", ("alice",), "==", 3, "nodes at alice == 3")
            assert await lesson_run.world.measure(nodes_at_alice) == 3
        finally:
            await lesson_run.stop()
            await stop_all(nodes)

    run(main(), timeout=60)


def test_too_few_agents_or_a_bad_cast_is_a_clear_error_and_opt_in_is_respected():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob", "carol"], agents={"alice", "bob"})
        carol_before = nodes[2].processes()
        try:
            stage = ClusterStage(seeds=[nodes[0].address], cookie=COOKIE, find_timeout=3)
            with pytest.raises(ActionError) as err:
                await stage.start(["alice", "bob", "carol"], None)
            text = str(err.value)
            assert "needs 3 nodes with a lesson agent and the cluster has 2" in text
            assert "without: carol@127.0.0.1" in text and "--lesson-agent" in text
            await stage.stop()
            assert not any(n.nodes() == [] for n in nodes)
            bad = ClusterStage(seeds=[nodes[0].address], cookie=COOKIE, find_timeout=3,
                               cast={"zed": "alice"})
            with pytest.raises(ActionError, match="the cast names zed, which the lesson"):
                await bad.start(["alice", "bob"], None)
            await bad.stop()
            # carol without an agent was never driven: no process appeared there
            assert nodes[2].processes() == carol_before
        finally:
            await stop_all(nodes)

    run(main(), timeout=60)


def test_a_crashed_cast_node_stops_back_with_what_to_do():
    lesson = load_lesson("process-groups")

    async def main():
        nodes, _, _ = await cluster(["alice", "bob", "carol"], tick_time=2.0)
        lesson_run = LessonRun(lesson, ClusterStage(seeds=[nodes[0].address], cookie=COOKIE,
                                                    find_timeout=3, answer_timeout=1))
        try:
            await lesson_run.start()
            while (result := await lesson_run.next()) is not None:
                assert result.ok
            assert not nodes[2].running  # the lesson crashed carol (its agent with it)
            with pytest.raises(ActionError, match="carol .*does not answer.*restart it"):
                await lesson_run.back()
        finally:
            await lesson_run.stop()
            await stop_all(nodes)

    run(main(), timeout=90)


def test_bad_requests_get_an_error_reply_and_the_agent_serves_on():
    async def main():
        nodes, agents, _ = await cluster(["alice", "bob"], agents={"bob"})
        alice, bob = nodes
        from pgviz.lessons import AgentClient
        client = AgentClient(alice)
        try:
            for op, args, why in [
                ("format_disk", [], "unknown operation"),
                ("spawn", [], "spawn: takes (str)"),
                ("spawn", [1], "spawn: takes (str)"),
                ("join", ["room", "nobody"], "no process 'nobody'"),
                ("spawn", ["x" * 20_000], "longer than"),
                ("broadcast", ["room", "hi", "yes"], "takes (str, str, bool)"),
            ]:
                with pytest.raises(ActionError, match=re.escape(why)):
                    await client.call(bob.name, op, *args)
            # garbage that is not even a request: ignored, the agent goes on
            for junk in (None, [], ["x", "y", "z"], [1, 2], {"a": 1}, [7, "hello", "no"]):
                alice.backstage.send(bob.name, "lesson", junk)
            pid = await client.call(bob.name, "spawn", "ws1")
            await client.call(bob.name, "join", "room", "ws1")
            await wait_until(lambda: alice.pg.get_members("room") == [pid])
            assert agents["bob"].served >= 2
        finally:
            client.close()
            await stop_all(nodes)

    run(main(), timeout=60)
