"""List primitives in OTP's order, in C: the pieces MemberList (memberlist.py) is made of, and
the operations on a local pid's list of groups.

A list here is OTP's newest-first list stored OLDEST FIRST: OTP's every join prepends (`[P | L]`,
`Ps ++ L`); on a reversed list that is an append, O(1) per member instead of a shift of the
whole list. Reading a list the way OTP shows it is one reversed copy, in C (`newest_first`),
as OTP's ets lookup copies too.

Costs (n: the list's length, k: pids given), each keeping OTP's exact result order:

  newest_first(lst)         L                   O(n), one C copy
  delete_newest(lst, x)     lists:delete(X, L)  one C scan from the newest end, stops at the
                                                match: O(distance from the newest end)
  subtract(lst, pids)       L -- Ps             one pass from the newest end that stops once
                                                every pid is found: O(n + k) worst
  drop_node(lst, node)      L minus node's pids O(n), one C pass

MemberList uses these on short lists and adds an index for long ones, so that a leave deep
in a long list is O(1) amortised. Pids are never hashed where C can compare instead: a Pid's
hash covers its five fields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import compress, repeat
from operator import eq, indexOf, itemgetter, ne
from typing import Any

from ..wire.terms import Pid

__all__ = ["newest_first", "delete_newest", "newest_index", "subtract", "drop_node", "all_pids",
           "all_of_node"]

NODE = itemgetter(2)  # a Pid's node (see wire/terms.py for the layout)
FEW = 4  # up to this many pids, `--` is that many C scans rather than one Python pass


def newest_first(lst: list[Any]) -> list[Any]:
    """A stored (oldest first) list as OTP shows it: a new list."""
    return lst[::-1]


def newest_index(lst: list[Any], x: Any) -> int:
    """Index of the newest (last stored) occurrence of x; -1 when absent."""
    try:
        return len(lst) - 1 - indexOf(reversed(lst), x)
    except ValueError:
        return -1


def delete_newest(lst: list[Any], x: Any) -> bool:
    """lists:delete/2 on the newest-first view: drop the first occurrence there, if any."""
    i = newest_index(lst, x)
    if i < 0:
        return False
    del lst[i]
    return True


def subtract(lst: list[Any], items: Iterable[Any]) -> None:
    """Erlang's `L -- Items` on the newest-first view, in place: one occurrence removed per
    item, the newest (leftmost in OTP's list) first; what stays keeps its order."""
    items = items if isinstance(items, list) else list(items)
    if not lst or not items:
        return
    if len(items) <= FEW:
        for x in items:
            delete_newest(lst, x)
        return
    need = Counter(items)
    get = need.get
    left = len(items)
    kept: list[Any] = []
    keep = kept.append
    for x in reversed(lst):
        c = get(x)
        if c:
            need[x] = c - 1
            left -= 1
            if not left:
                break
        else:
            keep(x)
    examined = len(kept) + len(items) - left
    del lst[len(lst) - examined:]
    kept.reverse()
    lst += kept


def drop_node(lst: list[Pid], node: str) -> None:
    """Remove every pid of `node`, in place, keeping the others' order."""
    lst[:] = compress(lst, map(ne, map(NODE, lst), repeat(node)))


def all_pids(x: Any) -> bool:
    """x is a list whose every element is a Pid (checked in C)."""
    return type(x) is list and (not x or set(map(type, x)) == {Pid})


def all_of_node(pids: Iterable[Pid], node: str) -> bool:
    """Every pid of the list (all Pids) lives on `node` (checked in C)."""
    return all(map(eq, map(NODE, pids), repeat(node)))
