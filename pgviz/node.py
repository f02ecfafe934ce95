"""The public Node: a runtime node plus its pg scopes (the default one is named "pg")."""

from __future__ import annotations

import logging
from typing import Any

from .errors import NoScopeError
from .pg.scope import Scope
from .runtime.node import RuntimeNode
from .runtime.process import Process
from .wire.render import safe_repr
from .wire.terms import Pid, Ref

log = logging.getLogger(__name__)

__all__ = ["Node", "DEFAULT_SCOPE"]

DEFAULT_SCOPE = "pg"


class Node(RuntimeNode):
    """One pgviz node. `async with Node("alice", cookie="secret") as node: ...`

    It listens on host:port (port 0 picks a free one; see `address`), connects to other nodes
    over TCP (or over a MemoryNetwork given as `network=`), and runs the default pg scope.
    """

    def __init__(self, name: str = "node", host: str = "127.0.0.1", port: int = 0,
                 cookie: str | None = None, **options: Any) -> None:
        super().__init__(name, host, port, cookie, **options)
        self._scopes: dict[str, Scope] = {}
        self._supervisor: Process | None = None
        self._supervised: dict[Ref, Scope] = {}

    async def start(self) -> None:
        if self.running:
            return
        await super().start()
        # OTP runs pg under a supervisor; here one system process watches every scope.
        self._supervised = {}
        self._supervisor = self.spawn_handler(self._scope_exited, system=True)
        await self.start_scope(DEFAULT_SCOPE)

    def _supervise(self, scope: Scope) -> None:
        assert self._supervisor is not None
        self._supervised[self.monitor_process(self._supervisor.pid, scope.pid)] = scope

    def _scope_exited(self, msg: Any, origin: str | None) -> None:
        if origin is not None or not (type(msg) is tuple and len(msg) == 5 and msg[0] == "DOWN"):
            return  # only this node's runtime reports a scope's death
        scope = self._supervised.pop(msg[1], None)
        if scope is None or not self.running or self._scopes.get(scope.name) is not scope:
            return
        log.warning("%s: pg scope %r exited (%s); restarting it", self.name, scope.name,
                    safe_repr(msg[4]))
        scope._restart()
        self._supervise(scope)

    async def stop(self) -> None:
        for name in list(self._scopes):
            await self.stop_scope(name)
        await super().stop()

    async def __aenter__(self) -> Node:
        await self.start()
        return self

    @property
    def pg(self) -> Scope:
        """The default scope."""
        return self.scope(DEFAULT_SCOPE)

    async def wait_for_members(self, group: Any, n: int = 1,
                               timeout: float | None = None) -> list[Pid]:
        """The default scope's get_members(group) once it holds at least `n` members;
        TimeoutError after `timeout` seconds. (Any scope: `scope.wait_for_members`.)"""
        return await self.pg.wait_for_members(group, n, timeout)

    def scope(self, name: str) -> Scope:
        scope = self._scopes.get(name)
        if scope is None or not scope.running:
            raise NoScopeError(f"pg scope {name!r} is not running on {self.name}")
        return scope

    def scopes(self) -> list[str]:
        return [n for n, s in self._scopes.items() if s.running]

    async def start_scope(self, name: str) -> Scope:
        """Start (or return the running) scope `name`: an independent overlay of groups."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"a scope name is a non-empty str, got {name!r}")
        self._require_running()
        scope = self._scopes.get(name)
        if scope is not None and scope.running:
            return scope
        scope = Scope(self, name)
        self._scopes[name] = scope
        self._supervise(scope)
        return scope

    async def stop_scope(self, name: str) -> bool:
        """Stop a scope: its memberships are gone here; peers drop them through their monitor
        on its process, as in OTP. False when it was not running."""
        scope = self._scopes.pop(name, None)
        for ref, supervised in list(self._supervised.items()):
            if supervised is scope and self._supervisor is not None:
                del self._supervised[ref]
                self.demonitor_process(self._supervisor.pid, ref)
        if scope is None or not scope.running:
            return False
        scope._stop()
        return True
