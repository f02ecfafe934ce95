"""Python types for the Erlang terms that have no Python counterpart.

The mapping (etf.py uses it both ways, README "pgviz inside an Erlang/Elixir cluster"):

  Erlang                      Python
  atom  foo                   Atom("foo")   (a str subclass that is *not* equal to "foo":
                                             in Erlang `foo =/= <<"foo">>`, and a group or
                                             a map key must not merge the two)
  true / false / undefined    True / False / None
  binary (valid UTF-8)        str           (Elixir strings)
  binary (other bytes)        bytes         (so bytes that happen to be UTF-8 come back str)
  integer (small or big)      int
  float                       float
  tuple                       tuple
  proper list / "string"      list          (a charlist is a list of ints)
  improper list [a | b]       ImproperList((a,), b)
  map                         dict          (keys must be hashable in Python)
  pid                         pgviz Pid     (node, id, serial, creation)
  reference                   pgviz Ref     (node, id = its 32-bit words little-end first,
                                             creation)
  fun, export, port, bitstring Opaque       (carried byte for byte, never interpreted)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Atom", "ImproperList", "Opaque"]

_ATOM_SALT = hash("pgviz.erlang.Atom")


class Atom(str):
    """An Erlang atom. `Atom("ok")`; reads like a str, compares only with atoms."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is Atom and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return str.__hash__(self) ^ _ATOM_SALT

    def __repr__(self) -> str:
        return f"Atom({str.__repr__(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Atom, (str(self),))

    def __copy__(self) -> Atom:
        return self

    def __deepcopy__(self, memo: object) -> Atom:
        return self


@dataclass(frozen=True, slots=True)
class ImproperList:
    """`[a, b | tail]` with a tail that is not a list: items (a, b) and the tail."""

    items: tuple[Any, ...]
    tail: Any

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("an improper list has at least one item")
        if type(self.tail) is list:
            raise ValueError("a list tail makes a proper list: use a list")


@dataclass(frozen=True, slots=True)
class Opaque:
    """A term pgviz carries but does not interpret (a fun, an export, a port, a bitstring):
    `kind` names it, `raw` is its External Term Format encoding without the version byte,
    sent back unchanged."""

    kind: str
    raw: bytes
