"""(a) Terms: what a message may carry (None, bools, ints to and past 64 bits, floats, str with
control characters, bytes, lists, tuples, dicts, pids, refs), a few levels deep.

Every strategy is built once (functools.cache): hypothesis validates a strategy object the
first time it draws from it, and a draw costs tens of microseconds, so pools of odd values are
sampled in one draw where a built value would take ten."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import strategies as st

from pgviz import Pid, Ref

S = st.SearchStrategy


INT_EDGES = (0, 1, -1, 127, 128, 255, 256, -32, -33, 2**15, 2**16, 2**31 - 1, 2**31, 2**32,
             2**63 - 1, 2**63, 2**64 - 1, -(2**63))
BEYOND_64 = (2**64, -(2**63) - 1, 2**100, -(2**100))
ODD_TEXT = ("", "\x00", "\x1b[31mred\x1b[0m", "\u202egnp.exe", "\r\n\t", "\ufeff", "a\x00b",
            "\U0001f600" * 3, "<victim.1>", "#Ref<a.1>", "%s%n{0}", "x" * 300)


@cache
def ints(wire: bool = True) -> S[int]:
    """Integers, heavy on msgpack's edges; `wire=False` adds ints no msgpack can carry."""
    # Few draws each (a draw costs tens of microseconds): edges, small ones, sometimes any.
    if wire:
        return st.one_of(st.sampled_from(INT_EDGES), st.integers(-300, 300),
                         st.integers(-(2**63), 2**64 - 1))
    return st.one_of(st.sampled_from(INT_EDGES + BEYOND_64), st.integers(-300, 300),
                     st.integers(-(2**70), 2**70))


@cache
def texts(wire: bool = True) -> S[str]:
    # st.text() includes control characters (Cc) and excludes only lone surrogates, which
    # UTF-8 cannot carry: those come back with wire=False.
    # Text costs a draw per character: short ones, and a pool of odd ones.
    base = st.sampled_from(ODD_TEXT) | st.text(max_size=6)
    return base if wire else base | st.just("\ud800 lone surrogate")


@cache
def node_names() -> S[str]:
    return (st.sampled_from(["a@h", "nobody@127.0.0.1", "x", "@", "a@b@c", "", "n" * 255 + "@h",
                             "n" * 256 + "@h", "\x00@\x00"])
            | st.text(max_size=12).map(lambda s: s + "@h"))


# Odd values made once, drawn from a pool in one draw; the strategies below add built ones.
ODD_NODES = ("a@h", "nobody@127.0.0.1", "x", "@", "", "n" * 256 + "@h", "\x00@\x1b[2J")
ODD_PIDS = tuple(Pid(node, id_, serial, creation) for node in ODD_NODES
                 for id_, serial, creation in ((1, 0, 1), (0, 0, 0), (-1, 2**64 - 1, -(2**63)),
                                               (2**63, 1, 2**32)))
ODD_REFS = tuple(Ref(node, id_, creation) for node in ODD_NODES
                 for id_, creation in ((1, 1), (-(2**63), 2**64 - 1)))
ODD_SCALARS = (None, True, False, *INT_EDGES, *ODD_TEXT, b"", bytes(16), b"\xff" * 300, 0.0,
               -0.0, 5e-324, 1e308, float("inf"), float("nan"), *ODD_PIDS[::3], *ODD_REFS)


@cache
def pids(wire: bool = True) -> S[Pid]:
    built = st.builds(Pid, node_names(), ints(wire), ints(wire), ints(wire))
    return st.one_of(st.sampled_from(ODD_PIDS), st.sampled_from(ODD_PIDS), built)


@cache
def refs() -> S[Ref]:
    return st.sampled_from(ODD_REFS) | st.builds(Ref, node_names(), ints(), ints())


@cache
def scalars(wire: bool = True) -> S[Any]:
    # The pool twice (two objects: one_of merges a repeated one) so that about a third of
    # the scalars cost one draw.
    odd = ODD_SCALARS if wire else (*ODD_SCALARS, *BEYOND_64)
    return st.one_of(st.sampled_from(odd), st.sampled_from(odd), ints(wire), texts(wire),
                     st.binary(max_size=8), st.floats(), pids(wire), refs())


@cache
def hashables(wire: bool = True) -> S[Any]:
    one = scalars(wire)
    return one | st.tuples(one) | st.tuples(one, one)


@cache
def terms(wire: bool = True, max_leaves: int = 4) -> S[Any]:
    """None, bools, ints, floats, str, bytes, lists, tuples, dicts, Pid, Ref, nested a few
    levels deep (far below the codec's depth limit: depth is the garbage strategies' job)."""
    return st.recursive(
        scalars(wire),
        lambda c: (st.lists(c, max_size=4) | st.tuples(c) | st.tuples(c, c, c)
                   | st.dictionaries(hashables(wire), c, max_size=3)),
        max_leaves=max_leaves)


def wire_terms() -> S[Any]:
    return terms(True)
