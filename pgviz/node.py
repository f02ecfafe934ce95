"""The public Node: a runtime node plus its pg scopes (the default one is named "pg")."""

from __future__ import annotations

from typing import Any

from .errors import NoScopeError
from .pg.scope import Scope
from .runtime.node import RuntimeNode

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

    async def start(self) -> None:
        if self.running:
            return
        await super().start()
        await self.start_scope(DEFAULT_SCOPE)

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
        return scope

    async def stop_scope(self, name: str) -> bool:
        """Stop a scope: its memberships are gone here; peers drop them through their monitor
        on its process, as in OTP. False when it was not running."""
        scope = self._scopes.pop(name, None)
        if scope is None or not scope.running:
            return False
        scope._stop()
        return True
