"""A lesson cast on a running cluster: the nodes of a class's laptops, or of `pgviz demo`.

    stage = ClusterStage(seeds=["10.0.0.5:4370"], cookie=...)   # or node=a running Node
    run = LessonRun(load_lesson("netsplit"), stage)

The stage's own node (the *conductor*: a teacher's window, or a node started here) joins the
cluster and asks every node for its lesson agent (agent.py; opt-in, `pgviz --lesson-agent`).
Each lesson node is played by an agent's node: the one whose short name is the lesson node's
(`pgviz demo` names windows alice, bob, carol…), else the next by name, or as `cast` says.
The conductor plays no part: it is a spectator that sets the network clock and faults, which
are cluster-wide, and it is never cut by the lesson's partitions, so it can always ask.

Back cannot restart a class's nodes: `start` again resets them instead (the lesson's processes
killed, partitions healed, the clock live) and waits until they see each other. A node the
lesson crashed must be restarted by its owner first; the error says which and how.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..net.control import NetControl
from ..node import Node
from .agent import AgentClient, NoAnswer, Shown
from .format import Step
from .players import ActionError, Player, check_request
from .stage import Cast

__all__ = ["ClusterStage", "RemotePlayer"]

log = logging.getLogger(__name__)

_HELLO_TIMEOUT = 1.5
_ASK_SILENT_AGAIN = 2.0  # a peer without an agent may get one (a student ticks the box)
_SETTLE = 0.3  # seconds without a new peer before the casting is decided


class RemotePlayer:
    """A lesson node played by a node elsewhere, through its lesson agent."""

    def __init__(self, client: AgentClient, name: str, timeout: float = 5.0) -> None:
        self.client = client
        self._name = name
        self.timeout = timeout

    @property
    def name(self) -> str:
        return self._name

    def reachable(self) -> bool:
        return self.client.node.running and self._name in self.client.node.nodes()

    async def do(self, op: str, *args: Any) -> Any:
        op, checked = check_request(op, list(args))  # refused here as the agent would
        return await self.client.call(self._name, op, *checked, timeout=self.timeout)


class ClusterStage:
    def __init__(self, *, node: Node | None = None, seeds: Sequence[str] = (),
                 cast: Mapping[str, str] | None = None, name: str | None = None,
                 cookie: str | None = None, host: str = "127.0.0.1",
                 find_timeout: float = 20.0, answer_timeout: float = 5.0,
                 on_key: Callable[[str], Any] | None = None, **node_options: Any) -> None:
        if node is None and not seeds:
            raise ValueError("a cluster stage needs a running node or a seed address")
        self.node = node
        self._own = node is None
        self.seeds = list(seeds)
        self.cast = dict(cast or {})
        # Unique: two windows of `pgviz demo` may each conduct a lesson (or one after another
        # before the first conductor is gone), and peers refuse a second node of one name.
        self.name = name or f"lesson-{secrets.token_hex(2)}"
        self.cookie = cookie
        self.host = host
        self.find_timeout = find_timeout
        self.answer_timeout = answer_timeout
        self.node_options = node_options
        # on_key("next" | "back"): the cast's nodes may step the lesson (`pgviz demo`)
        self.on_key = on_key
        self.client: AgentClient | None = None
        self.players: dict[str, RemotePlayer] = {}

    # -- Stage ----------------------------------------------------------------------------------
    async def start(self, names: Sequence[str], tick_time: float | None) -> Cast:
        client = await self._conductor()
        agents = await self._find(names)
        casting = self._assign(names, agents)
        self.players = {n: RemotePlayer(client, full, self.answer_timeout)
                        for n, full in casting.items()}
        log.info("lesson cast: %s", ", ".join(f"{n}={f}" for n, f in casting.items()))
        await self._reset()
        node = client.node
        players: dict[str, Player] = dict(self.players)
        return Cast(players, lambda: node.net if node.running else None, self._show)

    async def stop(self) -> None:
        """The cast's lesson processes killed, the network healed and live; the conductor
        stopped if this stage started it."""
        try:
            if self.client is not None and self.client.node.running and self.players:
                self._heal(self.client.node.net)
                await asyncio.gather(*(p.do("reset") for p in self.players.values()
                                       if p.reachable()), return_exceptions=True)
        finally:
            self.players = {}
            if self.client is not None:
                self.client.close()
                self.client = None
            if self._own and self.node is not None:
                await self.node.stop()
                self.node = None

    # -- the conductor ----------------------------------------------------------------------------
    async def _conductor(self) -> AgentClient:
        if self.node is None:
            self.node = Node(self.name, host=self.host, port=0,
                             cookie=self.cookie or secrets.token_hex(8), **self.node_options)
        if not self.node.running:
            await self.node.start()
        if self.client is None:
            self.client = AgentClient(self.node)
            if self.on_key is not None:
                self.client.listen_keys(self.on_key, lambda: {p.name for p in
                                                              self.players.values()})
        if self.seeds and not self.node.nodes():
            await self._connect_seeds()
        return self.client

    async def _connect_seeds(self) -> None:
        assert self.node is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.find_timeout
        delay, last = 0.1, None
        while loop.time() < deadline:
            for seed in self.seeds:
                try:
                    await self.node.connect(seed)
                    return
                except Exception as exc:  # not up yet, refused: try the next, then again
                    last = exc
            await asyncio.sleep(delay)
            delay = min(delay * 1.6, 1.0)
        raise ActionError(f"could not reach the cluster at {', '.join(self.seeds)}: {last}")

    # -- casting ----------------------------------------------------------------------------------
    async def _find(self, names: Sequence[str]) -> list[str]:
        """The cluster's nodes with a lesson agent, once enough answered and no new peer has
        appeared for a moment (gossip connects the conductor to everyone). On Back, the nodes
        of the last casting must all be back: a part is never handed to someone else."""
        assert self.client is not None and self.node is not None
        client, node = self.client, self.node
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.find_timeout
        agents: set[str] = set()
        silent: dict[str, float] = {}  # peer -> when to ask it again
        seen: frozenset[str] = frozenset()
        settled_at = loop.time()
        again = [p.name for p in self.players.values()]
        wanted = again or list(self.cast.values())
        while True:
            peers = frozenset(node.nodes())
            if peers != seen:
                seen, settled_at = peers, loop.time()
            now = loop.time()
            ask = [p for p in peers if p not in agents and silent.get(p, 0.0) <= now]
            answers = await asyncio.gather(
                *(client.call(p, "hello", timeout=_HELLO_TIMEOUT) for p in ask),
                return_exceptions=True)
            for peer, answer in zip(ask, answers, strict=True):
                if isinstance(answer, BaseException):
                    silent[peer] = loop.time() + _ASK_SILENT_AGAIN
                else:
                    agents.add(peer)
                    silent.pop(peer, None)
            agents &= peers
            enough = (len(agents) >= len(names)
                      and all(self._match(w, agents) for w in wanted))
            if enough and loop.time() - settled_at >= _SETTLE:
                return sorted(agents)
            if loop.time() > deadline:
                gone = [(n, p.name) for n, p in self.players.items() if p.name not in agents]
                if gone:  # the cast of the last run, not all back
                    who = ", ".join(f"{n} ({full})" for n, full in gone)
                    raise ActionError(
                        f"{who} does not answer; if the lesson crashed it, restart it (in "
                        "`pgviz demo`: its node menu ▸ Restart under the same name) and try "
                        "again")
                raise ActionError(self._too_few(names, agents, set(silent) - agents))
            await asyncio.sleep(0.1)

    @staticmethod
    def _match(wanted: str, agents: set[str] | list[str]) -> str | None:
        for a in agents:
            if a == wanted or a.split("@", 1)[0] == wanted:
                return a
        return None

    def _too_few(self, names: Sequence[str], agents: set[str], silent: set[str]) -> str:
        found = ", ".join(sorted(agents)) or "none"
        missing = [w for w in self.cast.values() if not self._match(w, agents)]
        if missing:
            head = f"the cast names {', '.join(missing)}, which "
            head += "is" if len(missing) == 1 else "are"
            head += " not a connected node with a lesson agent"
        else:
            head = (f"the lesson needs {len(names)} nodes with a lesson agent and the "
                    f"cluster has {len(agents)}")
        tail = (f" (with an agent: {found}; without: {', '.join(sorted(silent))})"
                if silent else f" (with an agent: {found})")
        return (head + tail + ": start the others with `pgviz --lesson-agent`, or tick "
                "Lessons ▸ Let lessons drive this node in their windows")

    def _assign(self, names: Sequence[str], agents: list[str]) -> dict[str, str]:
        if self.cast:
            unknown = [n for n in self.cast if n not in names]
            if unknown:
                raise ActionError(f"the cast names {', '.join(unknown)}, which the lesson "
                                  f"does not have (its nodes: {', '.join(names)})")
        casting: dict[str, str] = {}
        free = list(agents)
        last = {n: p.name for n, p in self.players.items()}  # on Back: the same casting
        for n in names:  # as before, as told, else the node called like the lesson node
            full = self._match(last.get(n) or self.cast.get(n, n), free)
            if full is not None:
                casting[n] = full
                free.remove(full)
            elif n in self.cast:
                raise ActionError(f"{n} is cast as {self.cast[n]}, which is not a free node "
                                  f"with a lesson agent (free: {', '.join(free) or 'none'})")
        for n in names:  # the rest in order of name
            if n not in casting:
                if not free:
                    raise ActionError(self._too_few(names, set(agents), set()))
                casting[n] = free.pop(0)
        return {n: casting[n] for n in names}

    # -- resetting --------------------------------------------------------------------------------
    @staticmethod
    def _heal(net: NetControl) -> None:
        if net.sides or net.cuts or net.latencies():
            net.heal()
        if not net.clock.live:
            net.slow(0)

    async def _reset(self) -> None:
        assert self.node is not None
        self._heal(self.node.net)
        by_name = {p.name: n for n, p in self.players.items()}
        results = await asyncio.gather(*(p.do("reset") for p in self.players.values()),
                                       return_exceptions=True)
        killed: list[str] = []
        for (lesson_node, player), result in zip(self.players.items(), results, strict=True):
            if isinstance(result, NoAnswer):
                raise ActionError(
                    f"{lesson_node} ({player.name}) does not answer; if the lesson crashed it, "
                    "restart it (in `pgviz demo`: its node menu ▸ Restart under the same name) "
                    "and try again") from result
            if isinstance(result, BaseException):
                raise result
            killed += result
        # Until the last run is gone from the network: its nodes see each other again, no
        # frame of it waits on a link (a slow-motion frame keeps its old due time), no node
        # still lists a process it killed. A replayed `pause` would freeze those otherwise.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.find_timeout
        cast = sorted(by_name)
        players = list(self.players.values())
        while True:
            views, held, stale = await asyncio.gather(
                asyncio.gather(*(p.do("peers") for p in players)),
                asyncio.gather(*(p.do("held", cast) for p in players)),
                asyncio.gather(*(p.do("sees", killed) for p in players)))
            apart = [(by_name[p.name], by_name[q]) for p, view in zip(players, views, strict=True)
                     for q in sorted(set(cast) - set(view) - {p.name})]
            waiting = sum(len(h) for h in held)
            listed = sorted({pid for s in stale for pid in s})
            if not apart and not waiting and not listed:
                return
            if loop.time() > deadline:
                pairs = ", ".join(f"{a}-{b}" for a, b in apart[:6])
                raise ActionError(
                    f"the lesson's nodes do not all see each other ({pairs})" if apart else
                    f"{waiting} frames of the last run still wait in the network" if waiting
                    else f"the last run's processes are still listed ({', '.join(listed[:4])})")
            await asyncio.sleep(0.05)

    def _show(self, title: str, index: int, step: Step) -> None:
        if self.client is None:
            return
        look = ""
        if step.look is not None:
            target = [self.players[t].name.split("@", 1)[0]
                      if step.look.kind in ("node", "link") and t in self.players else t
                      for t in step.look.target]
            look = " ".join([step.look.kind, *target])
        shown = Shown(title, index + 1, step.title, step.say.strip(), look)
        for player in self.players.values():
            self.client.show(player.name, shown)
