"""MemberList (pgviz/pg/memberlist.py): OTP's member list, each leave O(1) amortised.

Against a model that is OTP's list as pg.erl holds it (newest first; lists:delete and `--`),
with the structure's thresholds shrunk so that short lists go through the index, the holes and
both compactions; and the work of a leave counted (== and hash() on members, elements moved)
at two group sizes a hundred times apart, never timed."""

from __future__ import annotations

import random
from contextlib import contextmanager
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgviz import Pid
from pgviz.pg import memberlist
from pgviz.pg.memberlist import RECENT, MemberList

from .counting import Counting, CountingMembers, Token
from .test_big_groups import erl_subtract

PIDS = [Pid(node, i, 0, 1) for node in ("a@h", "b@h") for i in range(4)]
A, B, C = PIDS[:3]


def where(ml: MemberList):  # the index, or None (the structure inspected, for the tests)
    return None if ml._ix is None else ml._ix.where


def holes(ml: MemberList) -> list[int]:
    return [] if ml._ix is None else list(ml._ix.holes)


def gone(ml: MemberList) -> list[int]:
    return [] if ml._ix is None else list(ml._ix.gone)


@contextmanager
def thresholds(recent: int, sparse: int, scans: int = 0):
    with mock.patch.multiple(memberlist, RECENT=recent, SPARSE=sparse, SCANS=scans):
        yield


# -- unit ------------------------------------------------------------------------------------
def test_it_reads_as_otps_list_newest_first_with_duplicates():
    ml = MemberList.of([A, B, A])
    ml.add(C)
    ml.add_all([B, C])
    assert ml.newest_first() == [B, C, C, A, B, A]
    assert len(ml) == 6 and ml and list(ml) == [A, B, A, C, C, B]
    assert ml.distinct() == [B, C, A]
    assert ml == MemberList.of([B, C, C, A, B, A]) and ml != MemberList.of([B])


def test_delete_takes_the_newest_occurrence_and_says_whether_there_was_one():
    ml = MemberList.of([A, B, A, C])
    assert ml.delete(A) is True
    assert ml.newest_first() == [B, A, C]
    assert ml.delete(Pid("z@h", 9)) is False
    ml.subtract([C, A, A])
    assert ml.newest_first() == [B]
    assert ml.is_only(B) and not ml.is_only(A)
    assert ml.delete(B) and not ml and len(ml) == 0 and ml.delete(B) is False


@pytest.fixture
def index_at_once(monkeypatch):
    """A long list's first deep leave builds its index (no scans first)."""
    monkeypatch.setattr(memberlist, "SCANS", 0)


def test_deep_leaves_scan_until_they_scanned_the_list_then_build_the_index():
    pids = [Pid("a@h", i) for i in range(4 * RECENT)]
    ml = MemberList.of(pids)
    assert ml.delete(pids[2 * RECENT]) and where(ml) is None  # scanned 2 * RECENT slots
    assert ml.delete(pids[-1]) and where(ml) is None  # and 4 * RECENT - 2 more
    assert ml.delete(pids[-2]) and where(ml) is not None
    assert ml.newest_first() == pids[:2 * RECENT] + pids[2 * RECENT + 1:-2]


@pytest.mark.usefixtures("index_at_once")
def test_a_deep_leave_in_a_long_list_leaves_a_hole_that_the_next_read_compacts():
    pids = [Pid("a@h", i) for i in range(4 * RECENT)]
    ml = MemberList.of(pids)
    assert ml.delete(pids[-1])  # the oldest: far beyond the RECENT newest
    assert holes(ml) == [0] and where(ml) is not None
    assert len(ml) == len(pids) - 1 and list(ml) == pids[-2::-1]
    assert ml.newest_first() == pids[:-1]
    assert not holes(ml) and gone(ml) == [0] and where(ml) is not None  # kept, not rebuilt
    assert ml.delete(pids[-2]) and ml.distinct() == pids[:-2] and gone(ml) == [0, 1]


@pytest.mark.usefixtures("index_at_once")
def test_holes_go_once_they_are_a_quarter_of_the_list_even_unread():
    pids = [Pid("a@h", i) for i in range(4 * RECENT)]
    ml = MemberList.of(pids)
    for p in pids[-RECENT:]:  # the RECENT oldest, one by one
        ml.delete(p)
    assert len(holes(ml)) == RECENT and len(ml) == 3 * RECENT
    ml.delete(pids[-RECENT - 1])
    assert not holes(ml) and gone(ml) == list(range(RECENT + 1))
    assert ml.newest_first() == pids[:-RECENT - 1]


@pytest.mark.usefixtures("index_at_once")
def test_the_index_goes_once_more_slots_are_gone_than_members_remain():
    pids = [Pid("a@h", i) for i in range(8 * RECENT)]
    ml = MemberList.of(pids)
    dropped = 0
    for p in pids[:RECENT - 1:-1]:  # oldest first, all but the RECENT newest
        had_index = where(ml) is not None
        assert ml.delete(p)
        ml.newest_first()
        assert len(gone(ml)) <= len(ml) + RECENT
        dropped += had_index and where(ml) is None
    assert dropped >= 1 and ml.newest_first() == pids[:RECENT]


@pytest.mark.usefixtures("index_at_once")
def test_a_hole_in_the_newest_slot_is_still_no_member():
    pids = [Pid("a@h", i) for i in range(4 * RECENT)]
    ml = MemberList.of(pids)
    ml.delete(pids[-1])  # indexes every slot
    assert ml.delete(pids[0])  # the newest, now indexed
    assert len(ml) == len(pids) - 2 and ml and not ml.is_only(pids[1])
    assert ml.newest_first() == pids[1:-1]


@pytest.mark.usefixtures("index_at_once")
def test_drop_node_keeps_the_others_in_order_even_with_holes():
    pids = [Pid("ab"[i % 2] + "@h", i) for i in range(4 * RECENT)]
    ml = MemberList.of(pids)
    ml.delete(pids[-2])
    ml.drop_node("a@h")
    assert ml.newest_first() == [p for p in pids[:-2] + pids[-1:] if p.node == "b@h"]


# -- the model ---------------------------------------------------------------------------------
OPS = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(PIDS)),
    st.tuples(st.just("add_all"), st.lists(st.sampled_from(PIDS), max_size=6)),
    st.tuples(st.just("delete"), st.sampled_from(PIDS)),
    st.tuples(st.just("subtract"), st.lists(st.sampled_from(PIDS), max_size=9)),
    st.tuples(st.just("drop_node"), st.sampled_from(["a@h", "b@h"])),
    st.tuples(st.just("read"), st.none()),
    st.tuples(st.just("clear"), st.none()),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIDS), max_size=20), st.lists(OPS, max_size=60),
       st.sampled_from([0, 1, 2, 3, 32]), st.sampled_from([1, 2, 4, 1000]),
       st.sampled_from([0, 1, 3, 1000]))
def test_any_joins_and_leaves_give_otps_list(start, ops, recent, sparse, scans):
    model = list(start)  # pg.erl's list: newest first
    with thresholds(recent, sparse, scans):
        ml = MemberList.of(start)
        for op, arg in ops:
            if op == "add":
                ml.add(arg)
                model = [arg, *model]
            elif op == "add_all":
                ml.add_all(arg)
                model = arg + model
            elif op == "delete":
                assert ml.delete(arg) is (arg in model)
                model = erl_subtract(model, [arg])
            elif op == "subtract":
                ml.subtract(arg)
                model = erl_subtract(model, arg)
            elif op == "drop_node":
                ml.drop_node(arg)
                model = [p for p in model if p.node != arg]
            elif op == "clear":
                ml.clear()
                model = []
            else:
                assert ml.distinct() == list(dict.fromkeys(model))
                assert list(ml) == model[::-1]
            assert ml.newest_first() == model
            assert len(ml) == len(model) and bool(ml) is bool(model)
            assert all(ml.is_only(p) is (model == [p]) for p in PIDS)


# -- work, counted ------------------------------------------------------------------------------
def work_of_leaves(n: int, rounds: int) -> int:
    """A list of n tokens whose oldest members left until it built its index (work the n joins
    before paid for: scans and the index, O(n) once). Then per round: a join, the newest's
    leave, the oldest's leave, a leave from the middle. The == and hash() calls and the
    elements moved, in all."""
    toks = [Token(i) for i in range(n)]
    ml = CountingMembers(toks)  # stored oldest first: toks[0] is the oldest
    gone = set()
    while where(ml) is None:
        assert ml.delete(toks[len(gone)])
        gone.add(len(gone))
    rng = random.Random(n)
    Token.compared = Counting.moved = 0
    for r in range(rounds):
        fresh = Token(n + r)
        ml.add(fresh)
        assert ml.delete(fresh)
        oldest = next(i for i in range(n) if i not in gone)
        assert ml.delete(toks[oldest])
        gone.add(oldest)
        middle = rng.choice([i for i in range(n // 2 - rounds, n // 2 + rounds) if i not in gone])
        assert ml.delete(toks[middle])
        gone.add(middle)
    assert len(ml) == n - len(gone)
    return Token.compared + Counting.moved


def test_a_leave_does_the_same_work_in_a_group_of_a_thousand_and_of_a_hundred_thousand():
    rounds = 50
    small, big = work_of_leaves(1_000, rounds), work_of_leaves(100_000, rounds)
    per_leave = (RECENT + 4)  # at most a scan of the RECENT newest, a lookup, a few moves
    assert small <= 3 * rounds * per_leave and big <= 3 * rounds * per_leave
    assert big <= small * 1.5 + 100  # (today's scan from the newest end: ~100x apart)


def test_every_member_leaving_costs_linear_work_in_all():
    """n joins, then every member leaves in a random order, ten reads on the way: index
    builds, holes and compactions included, the work is O(n)."""
    for n in (2_000, 20_000):
        toks = [Token(i) for i in range(n)]
        ml = CountingMembers()
        Token.compared = Counting.moved = 0
        for t in toks:
            ml.add(t)
        order = toks[:]
        random.Random(n).shuffle(order)
        for i, t in enumerate(order):
            assert ml.delete(t)
            if i % (n // 10) == 0:  # a read is O(n): it may compact
                assert len(ml.newest_first()) == n - i - 1
        assert not ml
        assert Token.compared + Counting.moved <= (RECENT + 16 + 10 * 3) * n
