"""MemberList: one of a scope's member lists, read as OTP's list; a leave at any depth is cheap.

A scope holds one MemberList per list OTP keeps in its ETS row or state: a group's members and
local members (a row), and each peer's members of each group. It reads as OTP's list: newest
first, a pid joined n times listed n times; a leave takes out the newest occurrence (OTP's
lists:delete/2 and `--` on the newest-first list), what stays keeps its order.

How it is stored (callers use only the methods below, never the list underneath):

  the list  itself, OLDEST FIRST (OTP's list reversed): a join is the list's own append, in C,
            and reading OTP's order is one reversed C copy. A MemberList is a list subclass so
            that a group of one member costs one small object per list, as a plain list did.
  _ix       None, or a long list's deep-leave state (_Index), made at its first deep leave:
    where   None, or the index: pid -> its slots' numbers (an int; an ascending list for a pid
            listed more than once). Built once deep leaves have scanned SCANS times the
            list's length (a list with few deep leaves never pays for one; building one costs
            about 5 scans of the list), caught up at later ones: a join never pays for it.
    gone    sorted numbers of the indexed slots removed since: slot number s is at
            list[s - (how many of gone are below s)], one C bisect away. Compaction adds to
            it, so removing holes never renumbers (nor rehashes) the index.
    holes   numbers of the slots emptied (HOLE) by deep leaves and not yet compacted: closing
            the gap at once would shift every newer slot.
    end     slot numbers handed out: the index covers the first end - len(gone) slots.
    scanned slots that deep leaves scanned while there was no index.

Invariants: holes only where the index covers; the newest slots it does not cover ("fresh")
hold no hole; len(holes) * SPARSE <= len(list) after every operation.

Costs (n members, k pids given), each giving OTP's exact list:

  add(P), add_all(Ps)  [P | L], Ps ++ L     O(1), O(k): the list's append / extend, in C
  delete(P)            lists:delete(P, L)   among the RECENT newest fresh slots: a C scan of
                                            at most RECENT slots and a gap closed over as many.
                                            Deeper: a C scan until deep leaves scanned SCANS
                                            lists' length, then that short scan, a dict lookup,
                                            a C bisect of gone (O(log n), ~20 steps at 10^6)
                                            and a hole: O(1) amortised in the group's size
  subtract(Ps)         L -- Ps              k deletes; one pass O(n + k) when there is no index
                                            and k >= n / 8
  newest_first()       L                    one C slice copy; the first read after deep leaves
                                            compacts first (one C filter, ~6x a slice)
  distinct()           broadcast's targets  one C pass (a compaction first, as above)
  drop_node(N)         L minus N's pids     one C pass; the index goes (rebuilt when needed)
  len, bool, is_only   O(1) (is_only compacts first when the list holds holes)

Amortised: the scans before an index add up to SCANS lists' length, every slot is indexed
once per index, the index is dropped only after as many deep leaves as the list holds members
(or by drop_node, itself O(n)), and a compaction (O(n) in C) follows either a read (itself
O(n)) or n / SPARSE holes. The deep leave that builds a long list's index pays for it at once:
about 5 scans of the list (0.2-0.4 us a member), a stall of that size at 10^6 members.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import islice
from operator import indexOf
from typing import Any

from ..wire.terms import Pid
from .members import FEW, drop_node, subtract

__all__ = ["MemberList", "RECENT", "SPARSE", "SCANS"]

HOLE = None  # an emptied slot; never a member (pids are non-empty tuples: true)
RECENT = 32  # newest fresh slots scanned before the index is used; a list this short has none
SPARSE = 4  # compaction, read or not, once more than 1 / SPARSE of the slots are holes
SCANS = 1  # deep leaves scan, without an index, up to this many times the list's length

_len = list.__len__  # the slots, holes included
_iter = list.__iter__


class _Index:
    """A long list's deep-leave state (see the module doc)."""

    __slots__ = ("where", "gone", "holes", "end", "scanned")

    def __init__(self) -> None:
        self.where: dict[Pid, int | list[int]] | None = None
        self.gone: list[int] | tuple[()] = ()  # (a list once there is something in it)
        self.holes: list[int] | tuple[()] = ()
        self.end = 0
        self.scanned = 0


class MemberList(list[Any]):
    """A multiset of pids in OTP's order (see the module doc)."""

    _ix: _Index | None = None  # (a class default: a list without deep leaves has no dict)

    @classmethod
    def of(cls, newest_first: list[Pid]) -> MemberList:
        """A list as OTP holds (and sends) it, newest first; the argument is not kept."""
        return cls(reversed(newest_first))

    # == joins ==
    add = list.append  # `[Pid | L]`

    def add_all(self, pids: list[Pid]) -> None:
        """`Pids ++ L`: the first pid ends newest of all but the later ones, as in OTP."""
        self.extend(reversed(pids))

    # == leaves ==
    def delete(self, pid: Pid) -> bool:
        """`lists:delete(Pid, L)`: the newest occurrence goes. False when there is none."""
        n = _len(self)
        ix = self._ix
        fresh = n if ix is None else n - ix.end + len(ix.gone)  # newest slots, not indexed
        k = fresh if fresh < RECENT else RECENT
        if k:
            try:
                d = indexOf(islice(reversed(self), k), pid)
            except ValueError:
                if fresh == k and (ix is None or ix.where is None):
                    return False  # the scan covered the whole list
            else:
                del self[n - 1 - d]  # closes a gap of at most RECENT slots
                return True
        elif not n:
            return False
        if ix is None:
            ix = self._ix = _Index()
        if ix.where is None and ix.scanned < SCANS * n:
            try:
                d = indexOf(reversed(self), pid)
            except ValueError:
                ix.scanned += n
                return False
            ix.scanned += d
            del self[n - 1 - d]
            return True
        where = self._catch_up(ix)
        slots = where.get(pid)
        if slots is None:
            return False
        if isinstance(slots, int):
            del where[pid]
            slot = slots
        else:
            slot = slots.pop()  # the newest occurrence
            if len(slots) == 1:
                where[pid] = slots[0]
        gone = ix.gone
        self[slot - bisect_left(gone, slot) if gone else slot] = HOLE
        holes = ix.holes
        if holes:
            holes.append(slot)  # type: ignore[union-attr]
        else:
            holes = ix.holes = [slot]
        if len(holes) * SPARSE > n:
            self._compact(ix)
        return True

    def subtract(self, pids: Iterable[Pid]) -> None:
        """`L -- Pids`: one occurrence per pid given, the newest first (lists:delete in turn)."""
        pids = pids if isinstance(pids, list) else list(pids)
        n = _len(self)
        if not n or not pids:
            return
        ix = self._ix
        if (ix is None or ix.where is None) and len(pids) > FEW and (len(pids) * 8 >= n
                                                                    or n <= RECENT):
            subtract(self, pids)  # one pass: no index, so no holes either
            return
        delete = self.delete
        for pid in pids:
            delete(pid)

    def drop_node(self, node: str) -> None:
        """Every pid of `node` goes; the others keep their order."""
        ix = self._ix
        if ix is not None:
            if ix.holes:
                self._compact(ix)
            self._ix = None
        drop_node(self, node)

    def clear(self) -> None:
        list.clear(self)
        self._ix = None

    def release(self, count: int) -> None:
        """Free `count` slots, newest first, of a list being discarded (its pids may have no
        other reference: freeing them all at once could hold the loop). What remains is only
        ever released, never read."""
        self._ix = None
        del self[-count:]

    # == reads ==
    def newest_first(self) -> list[Pid]:
        """OTP's list: a new list, newest first."""
        ix = self._ix
        if ix is not None and ix.holes:
            self._compact(ix)
        return self[::-1]

    def distinct(self) -> list[Pid]:
        """Each member once, in the order of its newest occurrence in OTP's list."""
        ix = self._ix
        if ix is not None and ix.holes:
            self._compact(ix)
        return list(dict.fromkeys(reversed(self)))

    def is_only(self, pid: Pid) -> bool:
        """The list is exactly [pid]."""
        if len(self) != 1:
            return False
        ix = self._ix
        if ix is not None and ix.holes:
            self._compact(ix)
        return bool(self[0] == pid)

    def __len__(self) -> int:
        ix = self._ix
        return _len(self) - (len(ix.holes) if ix is not None else 0)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Pid]:
        """The members oldest first (OTP's list backwards)."""
        ix = self._ix
        return _iter(self) if ix is None or not ix.holes else filter(None, _iter(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MemberList):
            return NotImplemented
        return self.newest_first() == other.newest_first()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __repr__(self) -> str:
        return f"MemberList.of({self.newest_first()!r})"

    # == the index, holes and compaction ==
    def _catch_up(self, ix: _Index) -> dict[Pid, int | list[int]]:
        """The index, extended over the fresh slots (those joined since it was last caught up):
        the slot at list[i] gets number i + len(gone), above every number in gone."""
        where = ix.where
        base = len(ix.gone)
        start, n = ix.end - base, _len(self)
        if where is None:
            where = ix.where = {}
        if start == n:
            return where
        fresh = dict(zip(islice(_iter(self), start, None), range(start + base, n + base),
                         strict=True))
        if len(fresh) == n - start and (not where or where.keys().isdisjoint(fresh)):
            if where:
                where.update(fresh)  # no pid listed twice: all in C
            else:
                where = ix.where = fresh
        else:
            get = where.get
            for i in range(start, n):
                pid = list.__getitem__(self, i)
                slots = get(pid)
                if slots is None:
                    where[pid] = i + base
                elif isinstance(slots, int):
                    where[pid] = [slots, i + base]
                else:
                    slots.append(i + base)
        ix.end = n + base
        return where

    def _compact(self, ix: _Index) -> None:
        """The holes go: their slot numbers join gone, the index stays as it is; once gone
        outnumbers the members, the index goes instead (rebuilt when needed)."""
        self[:] = filter(None, _iter(self))
        gone = ix.gone = sorted([*ix.gone, *ix.holes])  # two sorted runs: a C merge
        ix.holes = ()
        if len(gone) > _len(self) + RECENT:
            self._ix = None
