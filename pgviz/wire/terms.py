"""Term types that cross the wire: Pid and Ref.

Their fields are Erlang's (node, id, serial, creation), so a future External Term Format bridge
maps them one to one. `creation` changes each time a node starts: a pid of a dead incarnation
never equals a pid of the new one, even with the same name and id.

They are not tuples on purpose: a pid must never compare equal to a user's tuple.
"""

from __future__ import annotations

import re
from functools import total_ordering
from typing import Any

__all__ = ["Pid", "Ref", "short_node"]


def short_node(node: str) -> str:
    return node.split("@", 1)[0]


@total_ordering
class _Id:
    __slots__ = ("_key", "_hash")
    _key: tuple[Any, ...]
    _hash: int

    def __init__(self, key: tuple[Any, ...]) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash((type(self).__name__, key)))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key == other._key  # type: ignore[attr-defined]

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key < other._key  # type: ignore[attr-defined]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._key)


class Pid(_Id):
    """A process identifier: immutable, hashable, totally ordered (by node, id, serial, creation)."""

    __slots__ = ()

    def __init__(self, node: str, id: int, serial: int = 0, creation: int = 0) -> None:
        super().__init__((node, id, serial, creation))

    node = property(lambda self: self._key[0])
    id = property(lambda self: self._key[1])
    serial = property(lambda self: self._key[2])
    creation = property(lambda self: self._key[3])

    def __str__(self) -> str:
        node, id_, serial, _ = self._key
        base = f"{short_node(node)}.{id_}"
        return f"<{base}.{serial}>" if serial else f"<{base}>"

    def __repr__(self) -> str:
        return "Pid(%r, %d, %d, %d)" % self._key

    def __reduce__(self) -> tuple[Any, ...]:
        return (Pid, self._key)

    _TEXT = re.compile(r"^<([^<>.\s]+)\.(\d+)(?:\.(\d+))?>$")

    @classmethod
    def parse_text(cls, text: str) -> tuple[str, int, int]:
        """Split "<alice.12>" into ("alice", 12, 0); ValueError if it is not that shape."""
        m = cls._TEXT.match(text.strip())
        if not m:
            raise ValueError(f"not a pid: {text!r} (expected something like <alice.12>)")
        return m.group(1), int(m.group(2)), int(m.group(3) or 0)


class Ref(_Id):
    """A unique reference (monitors, notifications)."""

    __slots__ = ()

    def __init__(self, node: str, id: int, creation: int = 0) -> None:
        super().__init__((node, id, creation))

    node = property(lambda self: self._key[0])
    id = property(lambda self: self._key[1])
    creation = property(lambda self: self._key[2])

    def __str__(self) -> str:
        return f"#Ref<{short_node(self._key[0])}.{self._key[1]}>"

    def __repr__(self) -> str:
        return "Ref(%r, %d, %d)" % self._key

    def __reduce__(self) -> tuple[Any, ...]:
        return (Ref, self._key)
