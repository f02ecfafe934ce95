"""(b) What a client sends first: hello / welcome / proof / ack / refuse with right and wrong
field types, wrong versions, huge or odd names; byte mutations of those frames; garbage; and
complete handshakes with the right cookie under odd identities."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import strategies as st

from pgviz import Pid, Ref
from pgviz.errors import LocalProtocolError
from pgviz.wire.codec import encode

from .garbage import ext_values, hostile_payloads
from .inputs import Identity, Input, frame, framed, lists_of, once, raw_pack
from .terms import ints, texts

S = st.SearchStrategy


@cache
def plain(max_leaves: int = 6) -> S[Any]:
    """What msgpack packs without help: no tuples, pids or refs, but raw ext values."""
    leaves = (st.none() | st.booleans() | ints() | texts() | st.binary(max_size=24)
              | st.floats() | ext_values())
    return st.recursive(leaves, lambda c: st.lists(c, max_size=4)
                        | st.dictionaries(st.text(max_size=4) | st.integers(0, 9), c,
                                          max_size=3), max_leaves=max_leaves)


@cache
def _hs_names(known: tuple[str, ...]) -> S[str]:
    return (st.sampled_from([*known, "evil@127.0.0.1", "noat", "a@" + "h" * 251, "a@" + "h" * 253,
                             "a@" + "h" * 3000, "\x00@\x1b[2J", "@", "a@b@c"])
            | st.text(max_size=16).map(lambda s: s + "@h"))


_HS_FIELDS = {  # the fields of each message, after its tag
    "hello": ("version", "name", "creation", "nonce", "address", "explicit", "caps"),
    "welcome": ("name", "creation", "nonce", "address", "caps"),
    "proof": ("digest",), "ack": ("digest",), "refuse": ("reason", "name"),
}


@cache
def _hs_strategies(version: int, names: tuple[str, ...]) -> dict[str, Any]:
    anything = plain(3)
    return {
        "tag": st.sampled_from(["hello"] * 4 + ["welcome", "proof", "ack", "refuse", "other"]),
        "name": _hs_names(names),
        "nonce": st.binary(min_size=16, max_size=16),
        "digest": st.binary(min_size=32, max_size=32),
        "reason": st.sampled_from(["authentication failed", "no", "x" * 5000]),
        "bool": st.booleans(),
        # How many fields to get wrong (mostly none or one), and which ones.
        "wrongs": st.sampled_from([0, 0, 1, 1, 1, 2]),
        "which": st.integers(0, 6),
        "wrong": {
            "version": st.sampled_from([version - 1, version + 1, 0, -1, 2**64 - 1,
                                        str(version), float(version), None, "v" * 4000, "v" * 4040])
            | anything,
            "name": _hs_names(()) | anything,
            "creation": ints() | anything,
            "nonce": st.binary(max_size=40) | anything,
            "address": st.sampled_from(["", "x" * 3000, "\x00"]) | anything,
            "explicit": anything,
            "caps": st.lists(st.text(max_size=8), max_size=4) | anything,
            "digest": st.binary(max_size=40) | anything,
            "reason": texts() | anything,
        },
        "junk": (st.sampled_from([[], {}, 0, "hello", None])
                 | st.lists(anything, max_size=4)
                 | st.builds(lambda t, rest: [t, *rest], plain(2),
                             st.lists(plain(2), max_size=7))),
        "cut": st.sampled_from(["keep"] * 5 + ["drop", "extra"]),
        "extra": st.lists(plain(2), min_size=1, max_size=3),
    }


@st.composite
def handshake_messages(draw: st.DrawFn, version: int, names: tuple[str, ...] = ()) -> Any:
    """hello / welcome / proof / ack / refuse: right ones with a field or two of a wrong type
    or value (wrong versions, odd names, bad nonces), missing and extra fields; and junk."""
    s = _hs_strategies(version, names)
    tag = draw(s["tag"])
    if tag == "other":
        return draw(s["junk"])
    right = {"version": version, "name": draw(s["name"]), "creation": 1,
             "nonce": draw(s["nonce"]), "address": "127.0.0.1:9", "explicit": draw(s["bool"]),
             "caps": [], "digest": draw(s["digest"]) if tag in ("proof", "ack") else b"",
             "reason": draw(s["reason"]) if tag == "refuse" else ""}
    fields = _HS_FIELDS[tag]
    for _ in range(draw(s["wrongs"])):
        name = fields[draw(s["which"]) % len(fields)]
        right[name] = draw(s["wrong"][name])
    msg = [tag, *(right[f] for f in fields)]
    cut = draw(s["cut"])
    if cut == "drop":
        msg = msg[:1 + draw(s["which"]) % (len(msg) - 1)]
    elif cut == "extra":
        msg = msg + draw(s["extra"])
    return msg


_RANDOM_BYTES = st.binary(min_size=1, max_size=300)
_HS_KINDS = st.sampled_from(["messages"] * 6 + ["bitflip", "random", "garbage", "auth"])


@cache
def _identities(names: tuple[str, ...], addresses: tuple[str, ...]) -> S[Identity]:
    return st.builds(
        Identity, _hs_names(names), ints() | st.sampled_from([0, 1, 2]),
        st.sampled_from([*addresses, "127.0.0.1:9", "", "\x00:1", "x" * 1500, "[::1]:0"])
        | st.text(max_size=12),
        st.lists(st.text(max_size=8), max_size=3).map(tuple), st.booleans())


_FIRST_WORDS = st.integers(0, 5)
_FLIPS = st.integers(0, 2**64 - 1)  # up to 4 (position, bit) pairs in one draw


def _after_auth(ident: Identity, which: int) -> tuple[bytes, ...]:
    """What an authenticated peer with that identity says first, if anything."""
    me = Pid(ident.name, 1, 0, ident.creation)
    msg = [None, ["BYE", "disconnect"], ["PEERS", [[ident.name, ident.address]]],
           ["REG_SEND", "pg", ("discover", me)], ["REG_SEND", "pg", ("sync", me, [("h0", [me])])],
           ["MONITOR_P", me, "pg", Ref(ident.name, 1, 0)]][which]
    if msg is None:
        return ()
    try:
        return (frame(encode(msg)),)
    except LocalProtocolError:
        return ()


@st.composite
def handshake_inputs(draw: st.DrawFn, version: int, names: tuple[str, ...] = (),
                     max_frame: int = 4096, addresses: tuple[str, ...] = ()) -> Input:
    """What an unauthenticated client sends first: 1-3 handshake messages (often after a
    well-formed hello, so that they meet the acceptor in its later states), byte mutations of
    those frames, or garbage frames; and one input in ten, a complete handshake with the
    right cookie under an odd identity (another node's name, odd creation, address, caps)."""
    kind = draw(_HS_KINDS)
    if kind == "auth":
        ident = draw(_identities(names, addresses))
        return Input("auth", _after_auth(ident, draw(_FIRST_WORDS)), identity=ident)
    if kind == "garbage":
        label, payload = draw(once(hostile_payloads))
        return framed(draw, f"garbage:{label}", [payload], max_frame)
    if kind == "random":
        return Input("random", (draw(_RANDOM_BYTES),))
    s = _hs_strategies(version, names)
    msgs = draw(lists_of(handshake_messages, version, names))
    if draw(s["bool"]):
        hello = ["hello", version, draw(s["name"]), 1, draw(s["nonce"]), "127.0.0.1:9",
                 draw(s["bool"]), []]
        msgs = [hello, *msgs]
    payloads = [raw_pack(m) for m in msgs]
    label = "+".join(m[0] if isinstance(m, list) and m and isinstance(m[0], str) else "junk"
                     for m in msgs)
    if kind == "bitflip":
        data = bytearray(b"".join(frame(p) for p in payloads))
        seed = draw(_FLIPS)
        for shift in range(0, 64, 16)[: 1 + seed % 4]:
            pos = seed >> shift & 0xFFFF
            data[(pos >> 3) % len(data)] ^= 1 << (pos & 7)
        return Input(f"bitflip:{label}", (bytes(data),))
    return framed(draw, label, payloads, max_frame)
