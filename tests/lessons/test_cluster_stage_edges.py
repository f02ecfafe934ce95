"""The edges of a lesson cast on a running cluster (found by review): a second lesson on the
same teacher's node, two conductors at once, Back after slow motion or after a crash with a
spare node around, spectators' members, a partial cast, an agent's nonsense replies and its
bounds."""

from __future__ import annotations

import pytest

from pgviz import Node
from pgviz.lessons import (
    ActionError,
    AgentClient,
    ClusterStage,
    LessonRun,
    load_lesson,
    parse_lesson,
)
from pgviz.lessons.players import MAX_JOINS

from ..support import run, spawn_idle, wait_until
from .test_cluster_stage import COOKIE, cluster, stop_all


def test_a_second_lesson_on_the_teachers_node_works_while_the_first_stops():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob", "carol", "dave"])
        teacher = Node("teacher", cookie=COOKIE)
        await teacher.start()
        await teacher.connect(nodes[0].address)
        await wait_until(lambda: len(teacher.nodes()) == 4)
        old = LessonRun(load_lesson("process-groups"), ClusterStage(node=teacher))
        new = LessonRun(load_lesson("netsplit"), ClusterStage(node=teacher))
        try:
            await old.start()
            assert (await old.next()).ok
            await old.stop()  # its client must not take the new lesson's replies with it
            await new.start()
            result = await new.next()
            assert result.ok, (result.error, [str(c) for c in result.checks])
        finally:
            await new.stop()
            await stop_all([*nodes, teacher])

    run(main(), timeout=90)


def test_two_conductors_at_once_keep_their_own_processes():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob", "carol", "dave"])
        lesson = load_lesson("joins-in-flight")
        one = LessonRun(lesson, ClusterStage(seeds=[nodes[0].address], cookie=COOKIE))
        two = LessonRun(lesson, ClusterStage(seeds=[nodes[3].address], cookie=COOKIE,
                                             cast={"alice": "carol", "bob": "dave"}))
        try:
            await one.start()
            assert (await one.next()).ok  # a watcher on bob
            await two.start()  # a second conductor node: not refused as a duplicate name
            assert (await two.next()).ok  # its own watcher, on dave
            await two.stop()  # its reset kills its processes only
            watcher = one.world.processes["watcher"]
            assert nodes[1].is_alive(watcher.pid)
            result = await one.next()
            assert result.ok, (result.error, [str(c) for c in result.checks])
        finally:
            await one.stop()
            await stop_all(nodes)

    run(main(), timeout=90)


SLOW_THEN_BACK = '''
title = "slow then back"
nodes = ["alice", "bob"]
[[step]]
title = "pause"
say = "x"
do = ["pause"]
expect = ["held == 0", "members room at bob == 0"]
wait = 1
[[step]]
title = "a join in slow motion"
say = "x"
do = ["slow 3", "spawn alice ws1", "join room ws1"]
expect = ["members room at alice == 1"]
'''


def test_back_after_slow_motion_leaves_no_frame_of_the_last_run_in_the_network():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob"])
        lesson_run = LessonRun(parse_lesson(SLOW_THEN_BACK),
                               ClusterStage(seeds=[nodes[0].address], cookie=COOKIE))
        try:
            await lesson_run.start()
            assert (await lesson_run.next()).ok and (await lesson_run.next()).ok
            result = await lesson_run.back()  # the join still travels its 3 s
            assert result.ok, [str(c) for c in result.checks]
        finally:
            await lesson_run.stop()
            await stop_all(nodes)

    run(main(), timeout=60)


def test_back_after_a_crash_never_gives_the_part_to_a_spare_node():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob", "carol", "zoe"], tick_time=2.0)
        lesson_run = LessonRun(load_lesson("process-groups"),
                               ClusterStage(seeds=[nodes[0].address], cookie=COOKIE,
                                            find_timeout=3))
        try:
            await lesson_run.start()
            while (result := await lesson_run.next()) is not None:
                assert result.ok
            with pytest.raises(ActionError, match=r"carol \(carol@127.0.0.1\) does not answer"):
                await lesson_run.back()
        finally:
            await lesson_run.stop()
            await stop_all(nodes)

    run(main(), timeout=90)


def test_a_spectators_members_do_not_count():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob", "zoe"], agents={"alice", "bob"})
        zoe = nodes[2]
        outsider = spawn_idle(zoe)
        zoe.pg.join("room", outsider)  # a student outside the lesson, in its group
        lesson = load_lesson("joins-in-flight")
        lesson_run = LessonRun(lesson, ClusterStage(seeds=[nodes[0].address], cookie=COOKIE))
        try:
            await lesson_run.start()
            while (result := await lesson_run.next()) is not None:
                assert result.ok, (result.step.title, [str(c) for c in result.checks])
            assert outsider in nodes[1].pg.get_members("room")  # bob does see zoe's member
        finally:
            await lesson_run.stop()
            await stop_all(nodes)

    run(main(), timeout=60)


def test_a_partial_cast_with_too_few_agents_is_a_clear_error():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob", "carol"], agents={"alice"})
        stage = ClusterStage(seeds=[nodes[0].address], cookie=COOKIE, find_timeout=2,
                             cast={"alice": "alice"})
        try:
            with pytest.raises(ActionError, match="needs 3 nodes with a lesson agent and the "
                                                  "cluster has 1"):
                await stage.start(["alice", "bob", "carol"], None)
        finally:
            await stage.stop()
            await stop_all(nodes)

    run(main(), timeout=60)


def test_nonsense_from_an_agent_is_an_action_error_and_its_bounds_hold():
    async def main():
        nodes, _, _ = await cluster(["alice", "bob"], agents={"bob"})
        alice, bob = nodes
        client = AgentClient(alice)
        try:
            pid = await client.call(bob.name, "spawn", "p")
            for i in range(MAX_JOINS):
                await client.call(bob.name, "join", f"g{i % 3}", "p")
            with pytest.raises(ActionError, match=f"already in {MAX_JOINS} groups"):
                await client.call(bob.name, "join", "g0", "p")
            await wait_until(lambda: len(alice.pg.get_members("g0")) == 34)
            assert pid in alice.pg.get_members("g0")
            # an agent of another make, answering nonsense: refused as such, not a TypeError
            bob.backstage.serve("lesson", lambda peer, payload: bob.backstage.send(
                peer, "lesson-reply", [payload[0], True, [["x"]]]))
            with pytest.raises(ActionError, match="answer makes no sense"):
                await client.call(bob.name, "peers")
        finally:
            client.close()
            await stop_all(nodes)

    run(main(), timeout=60)


def test_a_clicker_aimed_at_a_driven_node_steps_the_lesson_only_when_the_conductor_asks():
    async def main():
        nodes, agents, _ = await cluster(["alice", "bob", "zoe"])
        keys: list[str] = []
        lesson = load_lesson("joins-in-flight")
        lesson_run = LessonRun(lesson, ClusterStage(seeds=[nodes[0].address], cookie=COOKIE,
                                                    on_key=keys.append))
        other = LessonRun(lesson, ClusterStage(seeds=[nodes[0].address], cookie=COOKIE,
                                               cast={"alice": "zoe", "bob": "alice"}))
        try:
            assert not agents["bob"].press("next")  # no step shown there yet: nowhere to go
            await lesson_run.start()
            assert (await lesson_run.next()).ok
            await wait_until(lambda: agents["bob"].shown_by is not None)
            assert agents["bob"].press("next") and agents["bob"].press("back")
            await wait_until(lambda: keys == ["next", "back"])
            # zoe plays no part in it: its keys are not the lesson's
            conductor = agents["bob"].shown_by
            agents["zoe"].shown_by = conductor
            assert agents["zoe"].press("next")
            # a round trip on the same link (FIFO): the key has arrived, and was refused
            await lesson_run.stage.client.call(nodes[2].name, "hello")
            assert keys == ["next", "back"]
            # a lesson that did not ask for keys ignores them
            await other.start()
            assert (await other.next()).ok
            await wait_until(lambda: agents["zoe"].shown_by not in (None, agents["bob"].shown_by))
            assert agents["zoe"].press("next")
            assert (await lesson_run.check()) and keys == ["next", "back"]
        finally:
            await other.stop()
            await lesson_run.stop()
            await stop_all(nodes)

    run(main(), timeout=90)
