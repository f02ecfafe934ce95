"""Term types that cross the wire: Pid and Ref.

Their fields are Erlang's (node, id, serial, creation), so a future External Term Format bridge
maps them one to one. `creation` changes each time a node starts: a pid of a dead incarnation
never equals a pid of the new one, even with the same name and id.

They are tuples underneath so that equality and hashing run in C (pg compares pids in every
membership list), laid out as (id, TAG, node, serial, creation): a private tag object means a
pid never equals a user's tuple nor a Ref, and the id first makes most comparisons end on the
first slot -- and orders pids by process number before node, as Erlang's term order does.
Hot paths index the slots directly: pid[0] id, pid[2] node, pid[4] creation.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any

__all__ = ["Pid", "Ref", "short_node"]


class _Tag:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __lt__(self, other: object) -> bool:  # all pids share one tag: never decisive
        return False


_PID_TAG = _Tag("pid")
_REF_TAG = _Tag("ref")


def short_node(node: str) -> str:
    return node.split("@", 1)[0]


class Pid(tuple):  # type: ignore[type-arg]
    """A process identifier: immutable, hashable, totally ordered (by node, id, serial, creation)."""

    __slots__ = ()

    def __new__(cls, node: str, id: int, serial: int = 0, creation: int = 0) -> Pid:
        return tuple.__new__(cls, (id, _PID_TAG, node, serial, creation))

    id: int = property(itemgetter(0))  # type: ignore[assignment]
    node: str = property(itemgetter(2))  # type: ignore[assignment]
    serial: int = property(itemgetter(3))  # type: ignore[assignment]
    creation: int = property(itemgetter(4))  # type: ignore[assignment]

    @property
    def fields(self) -> tuple[str, int, int, int]:
        """(node, id, serial, creation), Erlang's NEW_PID_EXT fields."""
        return (self[2], self[0], self[3], self[4])

    def __str__(self) -> str:
        id_, _, node, serial, _ = self
        base = f"{short_node(node)}.{id_}"
        return f"<{base}.{serial}>" if serial else f"<{base}>"

    def __repr__(self) -> str:
        node, id_, serial, creation = self.fields
        return f"Pid({node!r}, {id_}, {serial}, {creation})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Pid, self.fields)

    def __copy__(self) -> Pid:
        return self

    def __deepcopy__(self, memo: object) -> Pid:
        return self

    _TEXT = re.compile(r"^<([^<>.\s]+)\.(\d+)(?:\.(\d+))?>$")

    @classmethod
    def parse_text(cls, text: str) -> tuple[str, int, int]:
        """Split "<alice.12>" into ("alice", 12, 0); ValueError if it is not that shape."""
        m = cls._TEXT.match(text.strip())
        if not m:
            raise ValueError(f"not a pid: {text!r} (expected something like <alice.12>)")
        return m.group(1), int(m.group(2)), int(m.group(3) or 0)


class Ref(tuple):  # type: ignore[type-arg]
    """A unique reference (monitors, notifications)."""

    __slots__ = ()

    def __new__(cls, node: str, id: int, creation: int = 0) -> Ref:
        return tuple.__new__(cls, (_REF_TAG, node, id, creation))

    node: str = property(itemgetter(1))  # type: ignore[assignment]
    id: int = property(itemgetter(2))  # type: ignore[assignment]
    creation: int = property(itemgetter(3))  # type: ignore[assignment]

    @property
    def fields(self) -> tuple[str, int, int]:
        return self[1:]  # type: ignore[return-value]

    def __str__(self) -> str:
        return f"#Ref<{short_node(self[1])}.{self[2]}>"

    def __repr__(self) -> str:
        return f"Ref({self[1]!r}, {self[2]}, {self[3]})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Ref, tuple(self[1:]))

    def __copy__(self) -> Ref:
        return self

    def __deepcopy__(self, memo: object) -> Ref:
        return self
