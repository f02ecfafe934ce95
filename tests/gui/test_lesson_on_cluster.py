"""A lesson cast on the windows of a running cluster (what `pgviz demo` and a class do): the
windows opt in (Lessons ▸ Let lessons drive this node), one window's Lessons menu runs the
lesson on this cluster, the lesson's processes appear in the driven windows, and each driven
window shows the step the teacher is on."""

from __future__ import annotations

from pgviz.gui.lessons_menu import active_lesson


def test_a_lesson_from_the_menu_drives_the_clusters_windows(qtbot, run, open_windows):
    alice, bob, carol = open_windows("alice", "bob", "carol", whole=True)
    for w in (bob, carol):
        run(alice.session.connect(w.session.node.address))
    qtbot.waitUntil(lambda: all(len(w.session.node.nodes()) == 2 for w in (alice, bob, carol)),
                    timeout=10000)
    for w in (alice, bob):  # carol does not opt in
        w.findChild(type(w.lessons.drive), "lessonAgentAction").trigger()
        assert w.lessons.agent is not None and w.lessons.drive.isChecked()
    alice.lessons.on_cluster.setChecked(True)
    lw = alice.lessons.open("3")  # joins in flight: alice and bob
    assert lw is not None and active_lesson() is lw
    try:
        qtbot.waitUntil(lambda: not lw.busy and lw.run.world is not None, timeout=20000)
        assert lw.error == "", lw.error
        # the lesson opened no node windows of its own: alice's and bob's nodes play
        assert {n: p.name for n, p in lw.run.world.players.items()} == {
            "alice": alice.session.node.name, "bob": bob.session.node.name}
        assert "played by bob" in lw.narration.text()
        steps = len(lw.lesson.steps)
        for i in range(steps):
            lw.next()
            qtbot.waitUntil(lambda i=i: not lw.busy and lw.run.position == i, timeout=20000)
            assert lw.result is not None and lw.result.ok, (i, lw.result, lw.status.text())
            # bob's window shows the step the teacher is on
            qtbot.waitUntil(lambda i=i: bob.lessons.banner is not None
                            and bob.lessons.banner.shown is not None
                            and bob.lessons.banner.shown.number == i + 1, timeout=5000)
            assert bob.lessons.banner.isVisible()
            if i == 1:  # look = "diagram": it opens in the driven windows too
                assert bob.diagram.isVisible() and carol.diagram.isHidden()
            if i == 2:  # look = "frames join": bob's own diagram lights the join arrows
                assert bob.diagram.view.highlight.kind == "frames"
                assert bob.diagram.view.highlight.target == ("join",)
            assert bob.lessons.banner.title == f"Lesson ▸ Step {i + 1}: {lw.lesson.steps[i].title}"
        assert carol.lessons.banner is None  # not driven, not told
        # the lesson's processes run in the driven windows' nodes ("spawn bob watcher")
        watcher = lw.run.world.processes["watcher"]
        assert watcher.pid.node == bob.session.node.name
        assert bob.session.node.is_alive(watcher.pid)
    finally:
        lw.close()
        qtbot.waitUntil(lw.stopped.done, timeout=15000)
    # ending the lesson kills its processes and leaves the network live; the windows go on
    qtbot.waitUntil(lambda: not bob.session.node.is_alive(watcher.pid), timeout=10000)
    assert all(not w.stopped.done() for w in (alice, bob, carol))
    assert alice.session.node.net.clock.live
    # the conductor node the menu started (alice could be cast) has left the cluster
    qtbot.waitUntil(lambda: len(alice.session.node.nodes()) == 2, timeout=15000)


def test_closing_the_lesson_window_while_it_looks_for_players_ends_it_now(qtbot, open_windows):
    (alice,) = open_windows("alice")  # nobody lets lessons drive them: the search goes on
    alice.lessons.on_cluster.setChecked(True)
    lw = alice.lessons.open("2")
    assert lw is not None
    qtbot.waitUntil(lambda: lw.busy, timeout=5000)
    lw.close()  # the search would wait 20 s for agents; closing does not wait for it
    qtbot.waitUntil(lw.stopped.done, timeout=8000)
    assert not lw.isVisible() and active_lesson() is None
    assert not alice.stopped.done()
