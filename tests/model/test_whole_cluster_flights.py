"""A whole-cluster window's model over real loopback TCP: no frame stays in flight forever.

A window folds every connected node's events, each forwarded over that node's own link; a
peer's `send` may reach it while the matching `deliver` never does (issue 11's hanging
dots). These scenarios reproduce how, and check the model ends each such frame honestly.
"""

from __future__ import annotations

import asyncio

from pgviz import Node
from pgviz.events import Deliver, Event
from pgviz.model import ClusterModel
from pgviz.runtime.event_links import FORWARD_BACKLOG

from ..support import Inbox, cluster, run, spawn_idle, wait_until


def watch(node: Node) -> ClusterModel:
    """A model fed as a window's is: the node's state, then its cluster-wide listener."""
    model = ClusterModel(node.state_events())
    node.add_listener(model.feed, cluster=True)
    return model


async def watching(watcher: Node, *peers: Node) -> None:
    """Until every peer forwards its events to `watcher` (its subscription reached them)."""
    await wait_until(lambda: all(
        (conn := p._dist.connection(watcher.name)) is not None and conn.peer_events == "cluster"
        for p in peers), what=f"{watcher.name}'s subscription at every peer")


def on_link(model: ClusterModel, src: Node, dst: Node, kind: str = "user") -> list[str]:
    return [f.id for f in model.snapshot().in_flight
            if (f.src, f.dst, f.kind) == (src.name, dst.name, kind)]


def test_frames_delivered_while_the_window_could_not_hear_the_receiver_end_as_arrived():
    """netsplit between the window and the receiver: the window still hears a's sends to b,
    b's delivers do not reach it. When its link to b is back, b's watermark (sent with its
    state) closes them as arrived, not delivered: the window never heard those delivers."""
    async def main() -> None:
        async with cluster(3, names=["w", "a", "b"]) as (w, a, b):
            model = watch(w)
            await watching(w, a, b)
            box = Inbox(b)
            await w.disconnect(b.name)
            await wait_until(lambda: b.name not in w.nodes() and w.name not in b.nodes(),
                             what="w and b apart")
            for i in range(20):
                a.send(box.pid, ("hello", i))
            await wait_until(lambda: len(box.messages) == 20, what="b got them")
            sent = await wait_until(lambda: len(on_link(model, a, b)) == 20 and on_link(model, a, b),
                                    what="the window heard a's 20 sends")
            await w.connect(b.address)
            await wait_until(lambda: not on_link(model, a, b), 10,
                             what="a's frames to b no longer in flight")
            assert {model.fate(fid) for fid in sent} == {"arrived"}
    run(main())


def test_a_paused_link_full_of_frames_does_not_silence_the_events_forwarded_past_it():
    """Events go past a paused link (they are urgent): frames held on it are no backlog for
    them. A megabyte of user frames held for the window must not make a's events dropped."""
    async def main() -> None:
        async with cluster(2, names=["w", "a"]) as (w, a):
            model = watch(w)
            await watching(w, a)
            box = Inbox(w)
            a.net.pause()
            await wait_until(lambda: model.snapshot().paused, what="the pause heard")
            blob = "x" * 64 * 1024
            for _ in range(2 * FORWARD_BACKLOG // len(blob)):
                a.send(box.pid, blob)
            assert a.connection_info(w.name)["queued"] > FORWARD_BACKLOG
            pid = spawn_idle(a)
            await wait_until(lambda: pid in model.snapshot().processes.get(a.name, ()),
                             what="a's spawn heard while its link to w is paused and full")
            assert model.snapshot().dropped == 0
            a.net.resume()
            await wait_until(lambda: not model.snapshot().in_flight, 10,
                             what="every frame delivered after the resume")
    run(main())


def test_heavy_traffic_with_pauses_steps_and_a_netsplit_leaves_nothing_in_flight():
    """Four nodes sending to each other as fast as they can, each watching the whole cluster;
    the clock paused, stepped, slowed and resumed, a netsplit and its heal. Once the traffic
    stops and every link has carried one more frame, no window shows a frame in flight, and
    none was declared delivered without its deliver."""
    async def main() -> None:
        async with cluster(4, names=["a", "b", "c", "d"]) as nodes:
            sinks = {n.name: spawn_idle(n) for n in nodes}
            models: dict[str, ClusterModel] = {}
            heard: dict[str, set[str]] = {}
            for n in nodes:
                models[n.name] = watch(n)
                heard[n.name] = set()

                def note(ev: Event, seen: set[str] = heard[n.name]) -> None:
                    if isinstance(ev, Deliver):
                        seen.add(ev.id)
                n.add_listener(note, cluster=True)
            stop = asyncio.Event()

            async def blast(node: Node) -> None:
                i = 0
                while not stop.is_set():
                    for name, pid in sinks.items():
                        if name in node.nodes():
                            node.send(pid, ("x", i))
                            i += 1
                    await asyncio.sleep(0.001)
            tasks = [asyncio.create_task(blast(n)) for n in nodes]
            a, b, c, d = nodes
            await asyncio.sleep(0.2)
            a.net.pause()
            await asyncio.sleep(0.2)
            for _ in range(5):
                await a.net.step()
            a.net.slow(0.2)
            await asyncio.sleep(0.3)
            a.net.slow(0)
            a.net.partition([[a.name, b.name], [c.name, d.name]])
            await asyncio.sleep(0.3)
            a.net.heal()
            await wait_until(lambda: all(len(n.nodes()) == 3 for n in nodes), 20, what="healed")
            await asyncio.sleep(0.2)
            stop.set()
            await asyncio.gather(*tasks)
            for x in nodes:  # one more frame on every link, heard by every window
                for y in nodes:
                    if x is not y:
                        x.send(sinks[y.name], "last")
            await wait_until(lambda: all(not m.snapshot().in_flight for m in models.values()),
                             20, what="nothing in flight in any window")
            for name, model in models.items():
                fates = model.snapshot().fates
                assert fates["delivered"] > 1000, (name, dict(fates))
                wrongly = [fid for fid in heard[name] if model.fate(fid) not in (None, "delivered")]
                assert not wrongly, (name, wrongly[:5])
    run(main(), timeout=120)

