"""Isolated copies of local messages, as Erlang copies a term into the receiver's heap.

A message sent to a process of another node is serialised, so the receiver can never see the
sender change it afterwards. A local send must give the same guarantee: `isolate(msg)` is what
the receiver's mailbox gets.

* Immutable values are shared, not copied: None, bool, int, float, complex, str, bytes,
  frozenset, Pid, Ref, and tuples holding only such values (the common message shape:
  `("data", b"...")` costs one C-level pass over the tuple's item types).
* dict, list, set and bytearray are copied; containers are rebuilt only down to where they hold
  something mutable (a list of pids is one C-level `list.copy()`). Dict keys are hashable,
  hence shared.
* Subclasses of those containers go through `copy.deepcopy` (rare; pgviz cannot encode them for
  the wire either).
* Any other object (a user's class instance, a Future) is passed by reference: only a local
  send can carry one, and pgviz does not presume to know how to copy it.

Measured (benchmarks/copy_cost.py) against `copy.deepcopy`, which needs a memo dict and a
dispatch per value: this copier is several times faster on message-sized terms.

Nesting is bounded as the wire codec bounds it (MAX_DEPTH levels of containers): a deeper
term -- or one that contains itself -- raises LocalProtocolError, as a send of it to another
node would, instead of recursing until Python's stack runs out.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import LocalProtocolError
from ..wire.codec import MAX_DEPTH
from ..wire.terms import Pid, Ref

__all__ = ["isolate", "copy_term", "SHARED_TYPES", "LAST_IMMUTABLE"]

# Values of these exact types are immutable all the way down: shared as they are.
SHARED_TYPES: frozenset[type] = frozenset({
    type(None), bool, int, float, complex, str, bytes, frozenset, Pid, Ref,
})
_all_shared = SHARED_TYPES.issuperset
_CONTAINERS = frozenset({tuple, list, dict})  # what the codec's depth limit counts
# The last tuple found immutable: a broadcast hands the same message to every member, and a
# tuple of immutables stays one forever, so it is checked once, not once per member. One
# reference, replaced by the next such tuple.
LAST_IMMUTABLE: list[Any] = [None]


def isolate(msg: Any) -> Any:
    """`msg` itself when nothing in it can be changed in place, else a copy sharing only the
    immutable parts. LocalProtocolError past MAX_DEPTH levels of containers."""
    if type(msg) in SHARED_TYPES:
        return msg
    return _copy(msg, 1)


def copy_term(msg: Any) -> Any:
    """isolate() for a caller that already found `type(msg)` outside SHARED_TYPES."""
    return _copy(msg, 1)


def _copy(x: Any, depth: int) -> Any:
    t = type(x)
    if depth > MAX_DEPTH and t in _CONTAINERS:
        raise LocalProtocolError(f"a term nested deeper than {MAX_DEPTH} levels")
    if t is tuple:
        if x is LAST_IMMUTABLE[0]:
            return x
        if _all_shared(map(type, x)):
            LAST_IMMUTABLE[0] = x
            return x
        items = [v if type(v) in SHARED_TYPES else _copy(v, depth + 1) for v in x]
        if all(map(_same, items, x)):
            LAST_IMMUTABLE[0] = x
            return x  # a tuple of tuples of immutables, say
        return tuple(items)
    if t is dict:
        if _all_shared(map(type, x.values())):
            return x.copy()
        return {k: (v if type(v) in SHARED_TYPES else _copy(v, depth + 1))
                for k, v in x.items()}
    if t is list:
        if _all_shared(map(type, x)):
            return x.copy()
        return [v if type(v) in SHARED_TYPES else _copy(v, depth + 1) for v in x]
    if t is set:
        return x.copy()  # its items are hashable, so shared like dict keys
    if t is bytearray:
        return bytearray(x)
    if t in SHARED_TYPES:
        return x
    if isinstance(x, (dict, list, set, bytearray)):
        return copy.deepcopy(x)
    return x


def _same(a: Any, b: Any) -> bool:
    return a is b
