"""(c) Post-auth control messages of every kind and (d) the pg scope's peer messages, plausible
and wrong, with pids of the attacker's node, of the victim, of a third node and of nobody."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st

from pgviz import Pid, Ref
from pgviz.errors import LocalProtocolError
from pgviz.wire.codec import encode

from .inputs import Input, framed, lists_of, once, raw_pack
from .terms import ODD_PIDS, refs, wire_terms

S = st.SearchStrategy


@dataclass(frozen=True)
class Cast:
    """What the attacker knows: names, creations, the victim's workers and pids of no live
    process (`victim_pids`: a peer may kill those), the victim's system processes (the pg
    scope: exit signals from peers must not touch it), the third node's scope and members."""

    victim: str
    victim_creation: int
    attacker: str
    attacker_creation: int
    third: str
    third_creation: int
    victim_pids: tuple[Pid, ...]
    victim_system: tuple[Pid, ...]
    third_pids: tuple[Pid, ...]
    names: tuple[str, ...]
    groups: tuple[Any, ...]
    addresses: tuple[str, ...]


def _same(x: Any) -> Any:
    return x


@cache
def _s(cast: Cast) -> dict[str, S[Any]]:
    """The cast's strategies, built once."""
    # One pool sampled in one draw: generation time is mostly hypothesis's per-draw cost.
    # Pids of the attacker's node (a third of them), the victim (its workers, pids of no
    # process, and its system processes, which must shrug off what peers send them), the
    # third node, stale incarnations of all three, and odd pids of nobody.
    def weighted(some: tuple[Pid, ...], n: int = 24) -> list[Pid]:
        return [some[i % len(some)] for i in range(n)]

    own_pids = tuple(Pid(cast.attacker, i, 0, cast.attacker_creation) for i in range(1, 7))
    stale = tuple(Pid(node, i, 0, creation) for node in (cast.victim, cast.third, cast.attacker)
                  for i in (1, 2, 3) for creation in (0, 1, 2**32 - 1))
    pool = (weighted(own_pids, 48) + weighted(cast.victim_pids) + weighted(cast.victim_system, 12)
            + weighted(cast.third_pids) + weighted(stale))
    own = st.sampled_from(own_pids)

    pool += weighted(ODD_PIDS)  # and odd pids of nobody (pids with odd fields are in terms)

    def any_pid_() -> S[Pid]:
        # One flat pool: a one_of with a richer branch (built pids) was drawn from far more
        # often than its share. A new object per call: one_of merges a repeated strategy.
        return st.sampled_from(pool)

    any_pid = any_pid_()
    mine = st.one_of(st.sampled_from(own_pids), any_pid_())
    theirs = st.one_of(st.sampled_from(weighted(cast.victim_pids) + weighted(cast.victim_system)),
                       any_pid_())
    good_group = (st.sampled_from(cast.groups) | st.text(max_size=6) | st.integers(-3, 3)
                  | st.binary(max_size=4) | st.tuples(st.text(max_size=3), st.integers(0, 3)))
    bad_group: S[Any] = st.sampled_from([1.5, None, [], {}, ["g"], ("g", [1]), "g" * 65537, 2**64 - 1,
                                 -(2**63)]) | wire_terms()
    group = st.one_of(good_group, good_group.map(_same), good_group.map(_same), bad_group)
    return {
        "own": own, "any_pid": any_pid,
        "pid_or_pids": st.one_of(any_pid, any_pid_(), st.lists(any_pid, max_size=4),
                                 wire_terms()),
        # Refs the attacker may make, refs of the victim's it can guess (they count up from
        # 1), and the plain ints the victim uses for its own system monitors.
        "refs": st.one_of(
            st.integers(1, 50).map(lambda i: Ref(cast.attacker, i, cast.attacker_creation)),
            st.integers(1, 60).map(lambda i: Ref(cast.victim, i, cast.victim_creation)),
            st.integers(1, 60), refs()),
        "reason": st.sampled_from(["normal", "kill", "killed", "noproc", "noconnection",
                                   "shutdown"]) | wire_terms(),
        "group": group, "groups": st.lists(group, max_size=3) | group,
        "peer": st.one_of(own, st.sampled_from(own_pids), any_pid),
        "pg_tag": st.sampled_from(["discover", "sync", "join", "join", "leave", "leave", "DOWN",
                                   "nodeup", "nodedown", "other"]),
        "sync_groups": st.lists(st.one_of(
            *(st.tuples(group, st.lists(any_pid, max_size=3)) for _ in range(3)),
            st.lists(group, max_size=2), wire_terms()), max_size=3),
        "node": st.sampled_from([cast.victim, cast.third, cast.attacker]) | st.text(max_size=8),
        "third_or_me": st.sampled_from([cast.third, cast.attacker]),
        "op": st.sampled_from(["SEND", "SEND_MULTI", "REG_SEND", "MONITOR_P", "DEMONITOR_P",
                               "MONITOR_P_EXIT", "LINK", "UNLINK", "EXIT", "EXIT2", "PEERS",
                               "BYE", "other"]),
        "name": st.sampled_from(cast.names) | st.text(max_size=6) | wire_terms(),
        "mine": mine, "theirs": theirs,
        "monitored": theirs | st.sampled_from(cast.names),
        "their_list": st.lists(theirs, max_size=5),
        "exit2_sender": st.none() | mine,
        "peers": st.lists(st.one_of(*(st.tuples(
            st.sampled_from([cast.victim, cast.third, cast.attacker])
            | st.text(max_size=8).map(lambda s: s + "@127.0.0.1"),
            st.sampled_from(cast.addresses) | st.text(max_size=12)).map(list) for _ in range(2)),
            wire_terms()), max_size=5),
        "bye": st.sampled_from(["disconnect", "stopping"]) | wire_terms(),
        "junk": st.lists(wire_terms(), max_size=4) | wire_terms(),
        "scope": st.sampled_from(cast.victim_system),
        "arity": st.sampled_from(["keep"] * 6 + ["drop", "extra", "swap"]),
        "tenth": st.integers(0, 9),
        "pos": st.integers(1, 2**16),
        "via": st.sampled_from(["reg"] * 4 + ["pid", "multi"]),
    }


def _arity(draw: st.DrawFn, s: dict[str, S[Any]], msg: list[Any] | tuple[Any, ...]) -> Any:
    """Mostly as is; sometimes a field dropped, one added, or one swapped for any term."""
    how = draw(s["arity"])
    items = list(msg)
    if how == "drop":
        del items[draw(s["pos"]) % len(items):]
    elif how == "extra":
        items.append(draw(wire_terms()))
    elif how == "swap" and len(items) > 1:
        items[1 + draw(s["pos"]) % (len(items) - 1)] = draw(wire_terms())
    return tuple(items) if type(msg) is tuple else items


@st.composite
def pg_messages(draw: st.DrawFn, cast: Cast) -> Any:
    """The pg scope's peer messages (discover / sync / join / leave), good and bad shapes,
    plus the DOWN / nodeup / nodedown shapes its mailbox also takes."""
    s = _s(cast)
    peer = draw(s["peer"])
    tag = draw(s["pg_tag"])
    if tag == "discover":
        msg: Any = ("discover", peer) if draw(s["tenth"]) < 7 else ("discover", peer, 1)
    elif tag == "sync":
        msg = ("sync", peer, draw(s["sync_groups"]))
    elif tag == "join":
        msg = ("join", peer, draw(s["group"]), draw(s["pid_or_pids"]))
    elif tag == "leave":
        msg = ("leave", peer, draw(s["pid_or_pids"]), draw(s["groups"]))
    elif tag == "DOWN":
        msg = ("DOWN", draw(s["refs"]), "process", draw(s["any_pid"]), draw(s["reason"]))
    elif tag == "nodeup":
        msg = ("nodeup", draw(s["node"]))
    elif tag == "nodedown":
        msg = ("nodedown", draw(s["third_or_me"]), "x")
    else:
        return draw(wire_terms())
    msg = _arity(draw, s, msg)
    if draw(s["tenth"]) == 0:
        msg = list(msg)  # a list is not a tuple: the scope must not take it for one
    return msg


@st.composite
def control_messages(draw: st.DrawFn, cast: Cast) -> list[Any]:
    """Every post-auth control message kind, plausible and wrong field types."""
    s = _s(cast)
    op = draw(s["op"])
    payload = once(pg_messages, cast) if draw(s["tenth"]) < 3 else wire_terms()
    # Plausible shapes: the sender a pid of the attacker's own (it may speak only for
    # those), the target one of the victim's (its workers, pids of no process, its system
    # processes); either may also be any pid, and _arity swaps any field for any term.
    mine, theirs = s["mine"], s["theirs"]
    if op == "SEND":
        msg: list[Any] = ["SEND", draw(theirs), draw(payload)]
    elif op == "SEND_MULTI":
        msg = ["SEND_MULTI", draw(s["their_list"]), draw(payload)]
    elif op == "REG_SEND":
        msg = ["REG_SEND", draw(s["name"]), draw(payload)]
    elif op == "MONITOR_P":
        msg = ["MONITOR_P", draw(mine), draw(s["monitored"]), draw(s["refs"])]
    elif op == "DEMONITOR_P":
        msg = ["DEMONITOR_P", draw(mine), draw(theirs), draw(s["refs"])]
    elif op == "MONITOR_P_EXIT":
        msg = ["MONITOR_P_EXIT", draw(mine), draw(theirs), draw(s["refs"]), draw(s["reason"])]
    elif op in ("LINK", "UNLINK"):
        msg = [op, draw(mine), draw(theirs)]
    elif op == "EXIT":
        msg = [op, draw(mine), draw(theirs), draw(s["reason"])]
    elif op == "EXIT2":
        msg = [op, draw(s["exit2_sender"]), draw(theirs), draw(s["reason"])]
    elif op == "PEERS":
        msg = ["PEERS", draw(s["peers"])]
    elif op == "BYE":
        msg = ["BYE", draw(s["bye"])]
    else:
        junk = draw(s["junk"])
        return junk if type(junk) is list else [junk]
    return list(_arity(draw, s, msg))


def _encode_all(draw: st.DrawFn, label: str, msgs: list[Any], max_frame: int) -> Input:
    payloads = []
    for msg in msgs:
        try:
            payloads.append(encode(msg))
        except LocalProtocolError:
            payloads.append(raw_pack(["unsendable"]))  # rare: a term past the codec's limits
    return framed(draw, label, payloads, max_frame)


def _label(msg: Any) -> str:
    head = msg[0] if type(msg) is list and msg else "?"
    if head in ("REG_SEND", "SEND") and len(msg) > 2 and type(msg[2]) in (tuple, list) \
            and msg[2] and isinstance(msg[2][0], str):
        return f"{head}:{msg[2][0][:10]}"
    return str(head)[:12]


@st.composite
def control_inputs(draw: st.DrawFn, cast: Cast, max_frame: int = 8 * 1024 * 1024) -> Input:
    """(c) 1-3 control messages in a row, with terms (a) and pg messages (d) as payloads."""
    msgs = draw(lists_of(control_messages, cast))
    return _encode_all(draw, "+".join(map(_label, msgs)), msgs, max_frame)


@st.composite
def pg_inputs(draw: st.DrawFn, cast: Cast, max_frame: int = 8 * 1024 * 1024) -> Input:
    """(d) 1-4 pg peer messages, as REG_SEND to "pg" (mostly) or SEND to the scope's pid."""
    s = _s(cast)
    msgs = []
    for pg_msg in draw(lists_of(pg_messages, cast)):
        via = draw(s["via"])
        if via == "reg":
            msgs.append(["REG_SEND", "pg", pg_msg])
        elif via == "pid":
            msgs.append(["SEND", draw(s["scope"]), pg_msg])
        else:
            msgs.append(["SEND_MULTI", list(cast.victim_system), pg_msg])
    label = "+".join(_label(["REG_SEND", "pg", m[2]]) for m in msgs)
    return _encode_all(draw, label, msgs, max_frame)
