"""RuntimeNode: processes, names, routing and node events on top of the distribution."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..erlang import ErlangDistribution
from ..errors import NodeNotRunning
from ..events import Clock, Event, Fault, NodeUp, Spawn
from ..net import Distribution, Faults, MemoryNetwork, TLSConfig, new_creation, resolve_cookie
from ..net.addresses import advertised_host
from ..net.control import NetControl
from ..net.distribution import (
    HANDSHAKE_TIMEOUT_DEFAULT,
    MAX_BUFFER_DEFAULT,
    MAX_TOTAL_BUFFER_DEFAULT,
    TICK_TIME_DEFAULT,
)
from ..ratelog import RateLimitedLog
from ..wire.frames import MAX_FRAME_DEFAULT
from ..wire.render import safe_repr
from ..wire.terms import Pid, Ref, short_node
from .backstage import Backstage
from .event_links import EventLinks
from .hub import STREAM_LIMIT, EventHub, StampEvent
from .process import Handler, Process
from .routing import Outbound, Router, summarize
from .signals import Signals
from .table import ProcessTable

__all__ = ["RuntimeNode"]

log = logging.getLogger(__name__)


class RuntimeNode:
    """A node's processes and names (a ProcessTable), their monitors, links and exit signals
    (Signals), and where messages go (a Router, the distribution's handler), behind the
    public API that pg and applications use."""

    def __init__(
        self,
        name: str = "node",
        host: str = "127.0.0.1",
        port: int = 0,
        cookie: str | None = None,
        *,
        network: MemoryNetwork | None = None,
        faults: Faults | None = None,
        tick_time: float = TICK_TIME_DEFAULT,
        handshake_timeout: float = HANDSHAKE_TIMEOUT_DEFAULT,
        max_frame: int = MAX_FRAME_DEFAULT,
        max_buffer: int = MAX_BUFFER_DEFAULT,
        max_total_buffer: int = MAX_TOTAL_BUFFER_DEFAULT,
        mesh: bool = True,
        seeds: tuple[str, ...] | list[str] = (),
        heal: bool = True,
        advertise: str | None = None,
        tls: TLSConfig | None = None,
        protocol: str = "pgviz",
        epmd_port: int = 4369,
        start_epmd: bool = False,
        net_ticktime: float = 60.0,
    ) -> None:
        if not name or any(c.isspace() for c in name) or name.count("@") > 1:
            raise ValueError(f"bad node name {name!r}")
        # A wildcard bind is named after the address peers can dial (net/addresses.py).
        self.name = name if "@" in name else f"{name}@{advertised_host(host, advertise)}"
        self.short_name = short_node(self.name)
        self.host = host
        self.port = port
        self._cookie = cookie
        self._network = network
        if protocol not in ("pgviz", "erlang"):
            raise ValueError(f"protocol is 'pgviz' or 'erlang', not {protocol!r}")
        self.tls = tls  # every link is TLS with this configuration (None: plaintext + MAC)
        if tls is not None and protocol != "pgviz":
            raise ValueError("tls is for pgviz's own protocol, not Erlang's distribution")
        # protocol="erlang": Erlang's distribution (pgviz/erlang); the cookie is then the
        # Erlang nodes' one (None: ~/.erlang.cookie).
        self._protocol = protocol
        self._erlang_options = dict(epmd_port=epmd_port, start_epmd=start_epmd,
                                    net_ticktime=net_ticktime)
        self._faults = faults
        self._max_frame = max_frame
        self._dist_opts = dict(tick_time=tick_time, handshake_timeout=handshake_timeout,
                               max_frame=max_frame, max_buffer=max_buffer,
                               max_total_buffer=max_total_buffer, mesh=mesh,
                               seeds=tuple(seeds), heal=heal, advertise=advertise, tls=tls)
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self._dist: Distribution | None = None
        self._table = ProcessTable(self.name)
        peer_faults = RateLimitedLog(logging.getLogger("pgviz.peers"))
        self._hub = EventHub(self.name, on_change=self._listeners_changed)
        self._state_providers: list[Callable[[StampEvent], list[Event]]] = []
        self._net_listeners: list[Callable[[str, dict[str, Any]], None]] = []
        dist = self._current_dist
        self._event_links = EventLinks(self._hub, dist, summarize, self.state_events)
        out = Outbound(dist, self._hub, self._event_links)
        self._signals = Signals(self._table, out.send, self._forget_process, self._hub,
                                peer_faults)
        self._router = Router(self._table, out, self._signals, dist, self._hub,
                              self._event_links, peer_faults)
        self._out = out
        # Frames of the tools that stage a show (a lesson's conductor and agents), kept out
        # of it: past a paused clock, no events.
        self.backstage = Backstage(dist, peer_faults, self.name)
        self._router.backstage = self.backstage
        self.running = False

    def _current_dist(self) -> Distribution | None:
        return self._dist

    @property
    def creation(self) -> int:
        return self._table.creation

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.running:
            return
        self.loop = asyncio.get_running_loop()
        if self._protocol == "erlang":
            self._table.creation = new_creation()
            self._dist = ErlangDistribution(  # type: ignore[assignment]
                self._router, name=self.name, creation=self.creation, cookie=self._cookie,
                host=self.host, port=self.port,
                **self._dist_opts, **self._erlang_options)  # type: ignore[arg-type]
            await self._dist.start()  # type: ignore[union-attr]
            self.running = True
            return
        # CookieError: a cookie file others can read, or a short cookie on a non-loopback bind
        # (an in-memory node binds nothing).
        cookie = resolve_cookie(self._cookie,
                                bind_host=self.host if self._network is None else None)
        self._table.creation = new_creation()
        self._dist = Distribution(
            self._router, name=self.name, creation=self.creation, cookie=cookie,
            host=self.host, port=self.port, network=self._network, faults=self._faults,
            on_control=self._control_changed, **self._dist_opts)  # type: ignore[arg-type]
        await self._dist.start()
        self.running = True
        log.info("node %s started at %s", self.name, self.address)

    async def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        for proc in list(self._table.procs.values()):
            self._signals.terminate(proc, "shutdown")
        assert self._dist is not None
        await self._dist.stop()
        log.info("node %s stopped", self.name)

    def crash(self) -> None:
        """Die without a word, as a crashed or unplugged machine: every process is gone, no
        goodbye or exit signal leaves, and peers find out by their tick timeout ("no tick
        from ..."). A node restarted under the same name is accepted once they have."""
        if not self.running:
            return
        self.running = False
        assert self._dist is not None
        self._dist.crash()
        for proc in list(self._table.procs.values()):
            self._signals.terminate(proc, "killed")
        log.info("node %s crashed (on purpose)", self.name)

    async def __aenter__(self) -> RuntimeNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _require_running(self) -> Distribution:
        if not self.running or self._dist is None:
            raise NodeNotRunning(f"node {self.name} is not running (call await node.start())")
        return self._dist

    # -- cluster ---------------------------------------------------------------------------------------
    @property
    def address(self) -> str:
        return self._dist.address if self._dist is not None else ""

    @property
    def max_frame(self) -> int:
        return self._max_frame

    @property
    def faults(self) -> Faults | None:
        return self._faults

    @property
    def protocol(self) -> str:
        """"pgviz" (this project's protocol) or "erlang" (a node inside a BEAM cluster)."""
        return self._protocol

    @property
    def has_network_clock(self) -> bool:
        """Whether `net` (the classroom's clock and faults) works: pgviz's own protocol."""
        return self._protocol == "pgviz"

    @property
    def net(self) -> NetControl:
        """The cluster's network clock and faults, as this node sets and sees them:
        `net.slow(s)`, `net.pause()`, `net.resume()`, `await net.step()`,
        `net.partition([[...], [...]])`, `net.heal()`, `net.latency(peer, s)`, `net.clock`."""
        return self._require_running().control

    def on_network_change(self, cb: Callable[[str, dict[str, Any]], None]
                          ) -> Callable[[], None]:
        """cb(kind, fields) when the network clock ("clock": mode, seconds) or a fault of
        this node's links ("fault": what, src, dst, detail) changes -- without switching on
        the whole event stream (which costs every frame a little). Returns unsubscribe."""
        self._net_listeners.append(cb)
        return lambda: self._net_listeners.remove(cb) if cb in self._net_listeners else None

    def _control_changed(self, kind: str, fields: dict[str, Any]) -> None:
        self._hub.emit(Clock if kind == "clock" else Fault, **fields)
        for cb in list(self._net_listeners):
            try:
                cb(kind, dict(fields))
            except Exception:
                log.exception("network change listener %r failed", cb)

    async def connect(self, address: str) -> str:
        """Connect to the node listening at `address`; returns its name. AuthenticationError
        when its cookie differs, ConnectionRefused when it cannot be reached."""
        return await self._require_running().connect(address)

    async def disconnect(self, name: str) -> bool:
        return await self._require_running().disconnect(name)

    def nodes(self) -> list[str]:
        return self._dist.nodes() if self._dist is not None and self.running else []

    def connection_info(self, peer: str) -> dict[str, Any] | None:
        conn = self._dist.connection(peer) if self._dist is not None else None
        if conn is None:
            return None
        return {"name": peer, "address": conn.peer_address, "initiator": conn.initiator,
                "bytes_in": conn.bytes_in, "bytes_out": conn.bytes_out,
                "queued": conn.write_buffer_size}

    async def drain(self, peer: str) -> None:
        """Wait until the outgoing buffer to `peer` is below its high-water mark."""
        conn = self._dist.connection(peer) if self._dist is not None else None
        if conn is not None:
            await conn.drain()

    def monitor_nodes(self, pid: Pid, enable: bool = True) -> None:
        """Like net_kernel:monitor_nodes: ("nodeup", name) and ("nodedown", name, reason)
        arrive in `pid`'s mailbox."""
        if enable:
            monitors = self._router.node_monitors
            monitors[pid] = monitors.get(pid, 0) + 1
        else:
            self._router.node_monitors.pop(pid, None)

    # -- events ---------------------------------------------------------------------------------------
    def add_listener(self, cb: Callable[[Event], None], *, cluster: bool = False
                     ) -> Callable[[], None]:
        """cb(event) for every event of this node (with `cluster`, of every connected node
        too, forwarded by them); returns the unsubscribe callable. Synchronous: a listener
        must be quick, and one that raises is removed."""
        return self._hub.add_listener(cb, cluster=cluster)

    def events(self, cluster: bool = False, *, limit: int = STREAM_LIMIT
               ) -> AsyncIterator[Event]:
        """`async for ev in node.events(): ...` -- a bounded queue: a consumer that falls
        behind loses events and gets an `overflow` event with their count."""
        return self._hub.stream(cluster=cluster, limit=limit)

    @property
    def events_active(self) -> bool:
        """Someone listens to this node's events (layers above check before building one)."""
        return self._hub.active

    def emit(self, cls: type[Event], **fields: Any) -> None:
        """Publish an event of this node (for the layers built on the runtime, e.g. pg)."""
        self._hub.emit(cls, **fields)

    def add_state_provider(self, provider: Callable[[StampEvent], list[Event]]) -> None:
        """provider(stamp) -> events describing the current state of an upper layer (a pg
        scope's view); `stamp(cls, **fields)` builds an event of this node. Called when a
        watcher starts, so that it does not miss what happened before."""
        self._state_providers.append(provider)

    def remove_state_provider(self, provider: Callable[[StampEvent], list[Event]]) -> None:
        if provider in self._state_providers:
            self._state_providers.remove(provider)

    def state_events(self) -> list[Event]:
        """This node's current state as events: a nodeup per connected peer, then what the
        upper layers report (e.g. a `view` per pg scope). Fold them before live events."""
        out: list[Event] = [self._hub.stamp(NodeUp, peer=p) for p in self.nodes()]
        for provider in list(self._state_providers):
            try:
                out += provider(self._hub.stamp)
            except Exception:
                log.exception("state provider %r failed", provider)
        return out

    # -- monitors on behalf of a process (system processes built on the runtime: pg) -------------
    def monitor_process(self, watcher: Pid, target: Pid | str | tuple[str, str]) -> Ref:
        """`watcher` (a local pid) monitors `target`, as `proc.monitor(target)` would."""
        return self._signals.monitor(watcher, target)

    def monitor_local(self, watcher: Pid, target: Pid) -> Any:
        """A monitor of a pid of this node whose ref is a plain int (cheaper than a Ref; never
        leaves the node): the member monitors of a pg scope."""
        return self._signals.monitor_local(watcher, target)

    def demonitor_process(self, watcher: Pid, ref: Any) -> bool:
        return self._signals.demonitor(watcher, ref)

    def add_protocol_tags(self, tags: set[str] | frozenset[str]) -> None:
        """Name the message tags of a protocol built on the runtime (pg's "join", "sync" ...):
        its frames' events then say which message they carry instead of "user"."""
        self._event_links.protocol_tags.update(tags)

    def _listeners_changed(self) -> None:
        self._event_links.listeners_changed()

    def add_node_callback(self, cb: Callable[[str, str, str], None]) -> None:
        """cb(event, node, reason) with event "nodeup" or "nodedown" (synchronous)."""
        self._router.node_callbacks.append(cb)

    # -- messages ---------------------------------------------------------------------------------------
    def send(self, dest: Pid | str | tuple[str, str], msg: Any) -> None:
        """Send without blocking. A dead or unknown destination drops the message silently,
        as in Erlang; only a message that cannot be encoded for a remote node raises."""
        self._router.send(dest, msg)

    def send_owned(self, dest: Pid | str | tuple[str, str], msg: Any) -> None:
        """`send(dest, msg)` from a caller that hands `msg` over: it keeps no reference to
        anything mutable in it (a list it has just built, say) and gives it to no one else. A
        local receiver then gets it as it is, without the copy that isolates a local message
        from its sender (there is nobody left to isolate it from)."""
        self._router.send_owned(dest, msg)

    def send_each(self, pids: list[Pid], msg: Any) -> list[Pid]:
        """`send(pid, msg)` to each pid (one frame per remote pid), `msg` encoded once for all
        of them. Returns the pids whose send raised LocalProtocolError (unencodable, or a frame
        too large): those were not sent to; the others were."""
        return self._router.send_each(pids, msg)

    def send_multi(self, pids: list[Pid], msg: Any) -> None:
        """The same message to many pids: local ones directly, one frame per remote node."""
        self._router.send_multi(pids, msg)

    # -- processes --------------------------------------------------------------------------------------
    def spawn(self, fn: Callable[..., Any], *args: Any, name: str | None = None) -> Pid:
        """Start `async def fn(proc, *args)` as a process; returns its pid."""
        self._require_running()
        if not inspect.iscoroutinefunction(fn) and not (
                callable(fn) and inspect.iscoroutinefunction(type(fn).__call__)):
            raise TypeError(f"spawn needs an async function taking (proc, ...), got {fn!r}")
        proc = self._new_process(name)
        task = self.loop.create_task(fn(proc, *args))
        proc._task = task
        task.add_done_callback(proc._task_done)
        return proc.pid

    def _new_process(self, name: str | None, handler: Handler | None = None
                     ) -> Process:
        if name is not None:
            self._table.check_name_free(name)
        pid = self._table.new_pid()
        proc = Process(self, pid, handler)
        self._table.add(proc, name)
        if self._hub.active:
            self._hub.emit(Spawn, pid=pid, name=name)
        return proc

    def spawn_handler(self, handler: Handler, *, name: str | None = None,
                      system: bool = False) -> Process:
        """A process whose messages go to a synchronous callback `handler(msg, origin)`
        (origin: None, or the peer node whose connection delivered the message), one per
        loop iteration batch. `system` processes (pg scopes) ignore exit signals from peers."""
        self._require_running()
        proc = self._new_process(name, handler)
        proc.system = system
        return proc

    def stop_handler(self, proc: Process, reason: Any = "shutdown") -> None:
        self._signals.terminate(proc, reason)

    def _task_done(self, proc: Process, task: asyncio.Task[Any]) -> None:
        if not proc.alive:
            return
        if task.cancelled():
            reason: Any = proc._kill_reason or "killed"
        elif (exc := task.exception()) is not None:
            try:
                reason = repr(exc)
            except Exception:  # a repr that raises (or recurses) must not lose the exit
                reason = safe_repr(exc)
            log.warning("process %s crashed: %s", proc.pid, safe_repr(exc), exc_info=exc)
        else:
            reason = proc._kill_reason or "normal"
        self._signals.process_exited(proc, reason)

    def _forget_process(self, proc: Process) -> None:
        self._table.forget(proc)
        self._router.node_monitors.pop(proc.pid, None)

    # What a Process asks of its node on behalf of its own code (proc.monitor(), proc.link()).
    def _monitor(self, watcher: Pid, target: Pid | str | tuple[str, str]) -> Ref:
        return self._signals.monitor(watcher, target)

    def _demonitor(self, watcher: Pid, ref: Ref) -> bool:
        return self._signals.demonitor(watcher, ref)

    def _link(self, a: Pid, b: Pid) -> None:
        self._signals.link(a, b)

    def _unlink(self, a: Pid, b: Pid) -> None:
        self._signals.unlink(a, b)

    def exit(self, pid: Pid, reason: Any = "kill") -> None:
        """erlang:exit/2: "kill" always kills (reason "killed"); "normal" is ignored unless the
        process traps exits; any other reason kills it unless it traps exits."""
        if not isinstance(pid, Pid):
            raise TypeError(f"exit needs a pid, got {pid!r}")
        if pid.node == self.name:
            self._signals.exit_signal(pid, None, reason)
        else:
            self._out.send(pid.node, ["EXIT2", None, pid, reason])

    def is_alive(self, pid: Pid) -> bool:
        p = self._table.local(pid)
        return p is not None and p.alive

    def process(self, pid: Pid) -> Process | None:
        """The local Process of a pid (None for a remote or dead pid)."""
        return self._table.local(pid)

    def processes(self) -> list[Pid]:
        return [p.pid for p in self._table.procs.values()]

    # -- names ------------------------------------------------------------------------------------------
    def register(self, name: str, pid: Pid) -> None:
        self._table.check_name_free(name)
        proc = self._table.local(pid)
        if proc is None or not proc.alive:
            raise ValueError(f"cannot register {name!r}: {pid} is not a live local process")
        if proc.name is not None:
            raise ValueError(f"{pid} is already registered as {proc.name!r}")
        self._table.names[name] = pid
        proc.name = name

    def unregister(self, name: str) -> None:
        pid = self._table.names.pop(name, None)
        proc = self._table.local(pid) if pid is not None else None
        if proc is not None:
            proc.name = None

    def whereis(self, name: str) -> Pid | None:
        return self._table.resolve(name)

    def registered(self) -> list[str]:
        return list(self._table.names)

    def make_ref(self) -> Ref:
        return self._signals.new_ref()

    # -- pid text ----------------------------------------------------------------------------------------------
    def parse_pid(self, text: str) -> Pid:
        """"<alice.12>" -> the pid of process 12 on this node or on a connected node whose
        short name is alice. ValueError when unknown or ambiguous."""
        short, id_, serial = Pid.parse_text(text)
        if short == self.short_name:
            return Pid(self.name, id_, serial, self.creation)
        matches = [n for n in self.nodes() if short_node(n) == short]
        if not matches:
            raise ValueError(f"no connected node is called {short!r}")
        if len(matches) > 1:
            raise ValueError(f"{short!r} is ambiguous: {', '.join(matches)}")
        assert self._dist is not None
        creation = self._dist.peer_creation(matches[0]) or 0
        return Pid(matches[0], id_, serial, creation)


