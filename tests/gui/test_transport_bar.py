"""The transport bar and the real frames' dots, over real nodes on loopback: the bar sets the
cluster's clock and follows it when another node sets it; in slow motion dots are the frames
in flight and none is drawn as arrived before its deliver; Pause freezes them and stops the
timer; Step releases exactly one frame; the inspector's Deliver now and Drop act on one frame."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from pgviz.gui.transport_bar import seconds_to_slider, slider_to_seconds

from .drivers import log_lines, peers


def cluster_of(run, qtbot, first, *others):
    for w in others:
        run(w.session.connect(first.session.node.address))
    everyone = (first, *others)
    qtbot.waitUntil(lambda: all(len(peers(w)) == len(others) for w in everyone), timeout=5000)
    return everyone


def held(w):
    return w.session.node.net.held()


def in_flight(w):
    return {f.id for f in w.session.model.traffic().in_flight}


def click(qtbot, w, object_name):
    from PySide6.QtWidgets import QToolButton

    button = w.findChild(QToolButton, object_name)
    assert button is not None and button.isEnabled(), object_name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_dot(qtbot, w, frame_id):
    x, y = w.view.dot_position(frame_id)
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=w.view.scene_to_widget(x, y))


def time_passes(qtbot, seconds):
    """Wait until the clock has moved on (a condition, not a sleep of the test's own)."""
    end = time.time() + seconds
    qtbot.waitUntil(lambda: time.time() >= end, timeout=int(seconds * 1000) + 2000)


def test_the_bar_follows_a_clock_set_from_another_node(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    bar = alice.net.bar
    assert bar.live_action.isChecked() and not bar.step_action.isEnabled()
    bob.session.node.net.slow(2.0)
    qtbot.waitUntil(lambda: bar.slow_action.isChecked(), timeout=5000)
    assert bar.slider.value() == seconds_to_slider(2.0) and not bar.live_action.isChecked()
    assert "2 s" in bar.state_label.text()
    bob.session.node.net.pause()
    qtbot.waitUntil(lambda: bar.pause_action.isChecked(), timeout=5000)
    assert bar.step_action.isEnabled() and not bar.slow_action.isChecked()
    bob.session.node.net.slow(0)
    qtbot.waitUntil(lambda: bar.live_action.isChecked(), timeout=5000)
    assert not bar.pause_action.isChecked() and not bar.step_action.isEnabled()


def test_live_slow_and_pause_buttons_set_the_whole_clusters_clock(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    clock = bob.session.node.net.clock
    alice.net.bar.slider.setValue(70)
    click(qtbot, alice, "slowToolButton")
    qtbot.waitUntil(lambda: clock.mode == "slow", timeout=5000)
    assert clock.travel == slider_to_seconds(70)
    alice.activateWindow()
    qtbot.waitUntil(alice.isActiveWindow, timeout=2000)
    qtbot.keyClick(alice.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: clock.paused, timeout=5000)
    qtbot.waitUntil(lambda: alice.net.bar.mode == "pause", timeout=5000)
    qtbot.keyClick(alice.view, Qt.Key.Key_Space)  # again: resume, at the same speed
    qtbot.waitUntil(lambda: not clock.paused and clock.mode == "slow", timeout=5000)
    click(qtbot, alice, "liveToolButton")
    qtbot.waitUntil(lambda: clock.mode == "live", timeout=5000)


def test_slow_motion_dots_are_the_frames_in_flight_and_none_arrives_before_its_deliver(
        qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    alice.session.node.net.slow(1.0)
    qtbot.waitUntil(lambda: alice.net.bar.mode == "slow" and bob.net.bar.mode == "slow",
                    timeout=5000)
    animator = alice.view.animator
    early: list[str] = []
    tick = animator.tick

    def checked_tick():
        tick()
        drawn = {i for _, _, dot in animator.hits for i in dot.ids}
        early.extend(in_flight(alice) - drawn)  # every frame still in flight has its dot
    animator.tick = checked_tick
    animator.timer.timeout.disconnect()
    animator.timer.timeout.connect(checked_tick)
    pid = alice.session.spawn_member()
    alice.session.join("chat", [pid])
    qtbot.waitUntil(lambda: bool(animator.hits), timeout=3000)
    frame_id = animator.hits[0][2].ids[0]
    assert animator.hits[0][2].kind == "pg" and frame_id in in_flight(alice)
    first = animator.hits[0][2].progress
    qtbot.waitUntil(lambda: bool(animator.hits) and animator.hits[0][2].progress > first + 0.2,
                    timeout=3000)
    assert pid not in bob.session.scope.get_members("chat")  # still on its way
    qtbot.waitUntil(lambda: pid in bob.session.scope.get_members("chat"), timeout=5000)
    qtbot.waitUntil(lambda: frame_id not in in_flight(alice), timeout=3000)
    qtbot.waitUntil(lambda: not animator.running, timeout=3000)  # idle again
    assert animator.hits == [] and early == []


def test_pause_freezes_the_dots_and_stops_the_timer(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    alice.session.node.net.slow(3.0)
    qtbot.waitUntil(lambda: alice.net.bar.mode == "slow", timeout=5000)
    alice.session.join("chat", [alice.session.spawn_member()])
    animator = alice.view.animator
    qtbot.waitUntil(lambda: bool(animator.hits) and animator.hits[0][2].progress > 0.05, timeout=3000)
    click(qtbot, alice, "pauseToolButton")
    qtbot.waitUntil(lambda: alice.net.bar.mode == "pause", timeout=5000)
    qtbot.waitUntil(lambda: not animator.running, timeout=2000)
    frozen = list(alice.view.dot_layer.frame)
    assert frozen
    time_passes(qtbot, 0.5)
    animator.tick()
    alice.view.viewport().repaint()
    assert alice.view.dot_layer.frame == frozen and not animator.running
    assert held(alice)  # the network holds it too


def test_step_releases_exactly_one_frame(qtbot, open_windows, run):
    everyone = cluster_of(run, qtbot, *open_windows("alice", "bob", "carol"))
    alice, bob, carol = everyone
    alice.session.node.net.pause()
    qtbot.waitUntil(lambda: all(w.net.bar.mode == "pause" for w in everyone), timeout=5000)
    pid = alice.session.spawn_member()
    alice.session.join("chat", [pid])
    qtbot.waitUntil(lambda: len(held(alice)) == 2, timeout=3000)
    qtbot.waitUntil(lambda: len(alice.view.animator.hits) == 2, timeout=3000)
    assert all(dot.progress == 1.0 for _, _, dot in alice.view.animator.hits)

    def waiting():
        return {f.id for w in everyone for f in held(w)}

    def joined():
        return [w for w in (bob, carol) if pid in w.session.scope.get_members("chat")]

    def step_released_one(press):
        """Press Step: exactly one of the frames held anywhere goes (a frame it delivers may
        make its receiver send new ones)."""
        before = waiting()  # the join's two frames, and whatever else the cluster holds
        press()
        qtbot.waitUntil(lambda: bool(before - waiting()), timeout=5000)
        assert len(before - waiting()) == 1
    alice.activateWindow()
    qtbot.waitUntil(alice.isActiveWindow, timeout=2000)
    step_released_one(lambda: qtbot.keyClick(alice.view, Qt.Key.Key_Right))  # Step (→)
    if len(held(alice)) == 1:  # it was one of the join's: exactly one peer has it
        qtbot.waitUntil(lambda: len(joined()) == 1, timeout=3000)
    while held(alice):  # one frame a press, until the join's frames are out
        step_released_one(lambda: click(qtbot, alice, "stepToolButton"))
    qtbot.waitUntil(lambda: len(joined()) == 2, timeout=3000)
    qtbot.waitUntil(lambda: len(alice.view.animator.hits) == 0, timeout=3000)


def test_the_inspector_shows_a_held_frame_and_delivers_it_now(qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    alice.session.node.net.pause()
    qtbot.waitUntil(lambda: alice.net.bar.mode == "pause", timeout=5000)
    pid = alice.session.spawn_member()
    alice.session.join("chat", [pid])
    qtbot.waitUntil(lambda: len(alice.view.animator.hits) == 1, timeout=3000)
    frame, = held(alice)
    click_dot(qtbot, alice, frame.id)
    inspector = alice.net.inspector
    assert inspector.isVisible() and inspector.frame_id == frame.id
    assert inspector.values["kind"].text() == "join"
    assert inspector.values["route"].text() == "alice → bob"
    sent, = alice.session.model.traffic().in_flight
    assert inspector.values["size"].text() == f"{sent.size} bytes"  # the message's, as sent
    assert 0 < sent.size <= frame.size  # the held frame adds its length prefix
    content = inspector.values["content"].text()
    assert content == sent.summary and "join" in content and "chat" in content
    assert alice.view.dot_layer.highlight is not None
    qtbot.mouseClick(inspector.deliver_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pid in bob.session.scope.get_members("chat"), timeout=5000)
    assert bob.session.node.net.clock.paused  # delivered by hand, the pause goes on
    qtbot.waitUntil(lambda: not inspector.deliver_button.isEnabled(), timeout=3000)
    assert "delivered" in inspector.values["state"].text()
    from PySide6.QtWidgets import QToolButton

    qtbot.mouseClick(alice.findChild(QToolButton, "inspectorCloseButton"),
                     Qt.MouseButton.LeftButton)
    assert not inspector.isVisible()


def test_a_frame_behind_another_says_why_it_cannot_go_first_and_drop_cuts_the_link(
        qtbot, open_windows, run):
    alice, bob = cluster_of(run, qtbot, *open_windows("alice", "bob"))
    alice.session.node.net.pause()
    qtbot.waitUntil(lambda: alice.net.bar.mode == "pause", timeout=5000)
    alice.session.join("chat", [alice.session.spawn_member()])
    alice.session.join("news", [alice.session.spawn_member()])
    qtbot.waitUntil(lambda: len(held(alice)) == 2, timeout=3000)
    qtbot.waitUntil(lambda: bool(alice.view.animator.hits)
                    and alice.view.animator.hits[0][2].count == 2, timeout=3000)
    first, second = held(alice)
    alice.net.commands.deliver_now(second.id)
    assert "waits behind" in alice.statusBar().currentMessage()
    assert len(held(alice)) == 2
    click_dot(qtbot, alice, first.id)
    assert alice.net.inspector.frame_id == first.id  # a stacked dot shows its first frame
    assert "1 more frame" in alice.net.inspector.values["state"].text()
    qtbot.mouseClick(alice.net.inspector.drop_button, Qt.MouseButton.LeftButton)
    # lost with its link, as on TCP (the link is dialled again at once, and pg resyncs)
    qtbot.waitUntil(lambda: any("nodedown bob" in line for line in log_lines(alice)),
                    timeout=5000)
    qtbot.waitUntil(lambda: first.id not in in_flight(alice), timeout=3000)
    assert not any(f.id in (first.id, second.id) for f in held(alice))

