"""Message dots: FIFO per directed link, bursts folded into counted dots, idle timer stops."""

import random

from pgviz.gui.animation import DotScheduler


def test_fifo_per_link_and_nothing_lost():
    """Dots on one directed link arrive in the order their messages were added."""
    rng = random.Random(7)
    sched = DotScheduler(travel=0.5, gap=0.05, max_pending=3, keep_seqs=True)
    now, added, arrived = 0.0, {}, {}
    links = [("a", "b"), ("b", "a"), ("a", "c")]
    in_flight: dict = {}
    for _ in range(3000):
        now += rng.choice([0.0, 0.0, 0.001, 0.01, 0.08])
        if rng.random() < 0.6:
            link = rng.choice(links)
            kind = rng.choice(["user", "pg", "control"])
            first = sched._seq
            sched.add(*link, kind, now)
            added.setdefault(link, []).append(first)
        frame = sched.advance(now)
        seen = {}
        for dot, p in frame:
            key = (dot.src, dot.dst)
            assert 0.0 <= p < 1.0
            # progress strictly decreases along a link: no dot overtakes another
            assert p < seen.get(key, 2.0)
            seen[key] = p
        current = {id(d): d for d, _ in frame}
        for ident, dot in list(in_flight.items()):
            if ident not in current:
                arrived.setdefault((dot.src, dot.dst), []).extend(dot.seqs)
                del in_flight[ident]
        in_flight.update(current)
        # never lagging further and further behind: a bounded queue per link
        assert sched.in_flight() <= len(links) * (3 + 0.5 / 0.05 + 2)
    while sched.busy:
        now += 0.05
        frame = sched.advance(now)
        current = {id(d): d for d, _ in frame}
        for ident, dot in list(in_flight.items()):
            if ident not in current:
                arrived.setdefault((dot.src, dot.dst), []).extend(dot.seqs)
                del in_flight[ident]
        in_flight.update(current)
    for link, seqs in added.items():
        assert arrived[link] == seqs, f"order broken on {link}"
    assert sched.delivered == sum(len(s) for s in added.values())


def test_burst_becomes_one_counted_dot():
    sched = DotScheduler(travel=0.9, gap=0.07, max_pending=3)
    for i in range(1000):
        sched.add("me", "peer", "user", 1.0 + i * 1e-6)
    frame = sched.advance(1.001)
    assert len(frame) == 1 and frame[0][0].count == 1
    assert sched.in_flight() == 2  # one flying, one pending dot carrying the other 999
    sched.advance(1.08)
    counts = sorted(d.count for d, _ in sched.advance(1.08))
    assert counts == [1, 999]
    while sched.busy:
        sched.advance(5.0)
    assert sched.delivered == 1000


def test_timer_runs_only_while_dots_move(qtbot, open_windows, run):
    """A message starts the animation timer; when the dot lands the timer stops and no
    further frame is drawn."""
    alice, bob = open_windows("alice", "bob")
    run(bob.session.connect(alice.session.node.address))
    animator = alice.view.animator
    qtbot.waitUntil(lambda: not animator.running, timeout=5000)
    pid = bob.session.spawn_member()
    alice.session.node.send(pid, ("msg", alice.session.console, "ping"))
    assert animator.running
    qtbot.waitUntil(lambda: not animator.running, timeout=5000)
    frames = animator.frames
    qtbot.wait(150)
    assert animator.frames == frames
    assert alice.view.dot_layer.frame == []
