"""Backstage frames (a lesson conductor's requests to its agents) reach the peer's handler at
once, even through a paused network clock, and are no frame of the show: no send or deliver
event, nothing held, nothing for `step` to release."""

from __future__ import annotations

import logging

from pgviz import Node

from ..support import run, wait_until


def test_a_backstage_frame_passes_a_paused_clock_and_is_no_event_of_the_show():
    async def main():
        async with Node("a", cookie="c" * 16) as a, Node("b", cookie="c" * 16) as b:
            await a.connect(b.address)
            got: list[tuple[str, object]] = []
            b.backstage.serve("t", lambda peer, payload: got.append((peer, payload)))
            events = []
            a.add_listener(events.append, cluster=True)
            a.net.pause()
            await wait_until(lambda: b.net.clock.paused)
            a.send(("nobody", b.name), "held")  # a frame of the show: held by the pause
            await wait_until(lambda: len(a.net.held()) == 1)
            assert a.backstage.send(b.name, "t", ("hello", [1, 2]))
            await wait_until(lambda: got == [(a.name, ["hello", [1, 2]])] or
                             got == [(a.name, ("hello", [1, 2]))])
            assert len(a.net.held()) == 1  # still only the show's frame
            frames = [e for e in events if e.event in ("send", "deliver")]
            assert [e.summary for e in frames if e.src == a.name] == ["held → nobody"]
            assert not [e for e in frames if "hello" in e.summary]
            assert not a.backstage.send("nobody@nowhere", "t", 1)

    run(main())


def test_a_frame_nobody_serves_or_a_handler_that_raises_keeps_the_link_up(caplog):
    caplog.set_level(logging.INFO, logger="pgviz.peers")

    async def main():
        async with Node("a", cookie="c" * 16) as a, Node("b", cookie="c" * 16) as b:
            await a.connect(b.address)
            assert a.backstage.send(b.name, "t", "unserved")
            await wait_until(lambda: "which nothing here serves" in caplog.text)
            seen = []

            def broken(peer, payload):
                seen.append(payload)
                raise RuntimeError("boom")
            b.backstage.serve("t", broken)
            assert a.backstage.send(b.name, "t", "raises")
            await wait_until(lambda: seen == ["raises"])
            got = []
            b.backstage.serve("t", lambda peer, payload: got.append(payload))
            assert a.backstage.send(b.name, "t", "after")
            await wait_until(lambda: got == ["after"])
            assert "backstage frame from a@127.0.0.1 dropped" in caplog.text
            assert b.name in a.nodes() and a.name in b.nodes()

    run(main())
