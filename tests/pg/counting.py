"""Lists that count the work done on them, so that tests bound work rather than time."""

from __future__ import annotations

from pgviz.pg.memberlist import MemberList


class Counting:
    """Mixed into a list class: adds to `Counting.moved` every element its operations insert,
    remove or shift (the work a C list does), so that a test can bound the work of a sequence
    of operations."""

    moved = 0

    def _add(self, k: int) -> None:
        Counting.moved += k

    def append(self, x):
        self._add(1)
        super().append(x)

    def extend(self, xs):
        xs = list(xs)
        self._add(len(xs))
        super().extend(xs)

    def __iadd__(self, xs):
        self.extend(xs)
        return self

    def insert(self, i, x):
        self._add(1 + len(self) - min(max(i, 0), len(self)))
        super().insert(i, x)

    def remove(self, x):
        self._add(len(self))
        super().remove(x)

    def clear(self):
        self._add(len(self))
        super().clear()

    def __delitem__(self, i):
        start, stop, _ = (i if isinstance(i, slice) else slice(i, i + 1)).indices(len(self))
        self._add(len(self) - start)  # removed plus shifted
        super().__delitem__(i)

    def __setitem__(self, i, x):
        if isinstance(i, slice):
            x = list(x)
            self._add(len(self) + len(x))
        super().__setitem__(i, x)


class CountingList(Counting, list):
    pass


class CountingMembers(Counting, MemberList):
    add = Counting.append


class Token:
    """A stand-in for a pid that adds to `compared` every == and hash() it takes part in (the
    work a dict lookup or a list scan does on pids)."""

    __slots__ = ("n",)
    compared = 0

    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        Token.compared += 1
        return isinstance(other, Token) and other.n == self.n

    def __hash__(self) -> int:
        Token.compared += 1
        return hash(self.n)

    def __repr__(self) -> str:
        return f"T{self.n}"
