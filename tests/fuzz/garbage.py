"""(e) Raw msgpack and ext garbage: ext codes 1, 2, 3 and unknown ones (negative ones too) with
random payloads, nesting up to 300 levels as lists, maps and tuples (both the nested-ext shape
of the first codec and whatever shape pgviz's encoder gives a tuple now), lying lengths,
invalid UTF-8, unhashable keys, reserved bytes. Built by hand, as an attacker would."""

from __future__ import annotations

import struct
from typing import Any

import msgpack
from hypothesis import strategies as st

from pgviz import Pid
from pgviz.wire.codec import encode

from .inputs import HOLE, Input, framed, once, raw_pack, splice
from .terms import wire_terms

S = st.SearchStrategy


_DEPTHS = st.sampled_from([1, 2, 50, 99, 100, 101, 127, 128, 129, 150, 199, 200, 255, 256, 300]) \
    | st.integers(1, 300)


def nested_tuple_ext(depth: int, *, in_list: bool = False, core: bytes | None = None) -> bytes:
    """`depth` ext-3 values, each one's payload the msgpack of the next level (wrapped in a
    one-element array when `in_list`), around [1]: how the first codec nested tuples, and
    the frame that overflowed its C stack, built by hand."""
    inner = core if core is not None else raw_pack([1])
    for _ in range(depth):
        if in_list:
            inner = b"\x91" + inner
        inner = raw_pack(msgpack.ExtType(3, inner))
    return inner


def encoder_style_tuples(depth: int) -> bytes:
    """1-tuples nested `depth` deep in whatever shape pgviz's encoder gives a tuple, built
    past the encoder's own depth limit (the attacker does not use our encoder)."""
    leaf = encode(0)
    one = encode((0,))
    if one.endswith(leaf):  # a tuple is a prefix before its items: nest by prefixes
        return one[: -len(leaf)] * depth + leaf
    return nested_tuple_ext(depth, core=leaf)  # a length-carrying wrapper: rebuild by hand


_EXT_PAYLOADS = (
    st.binary(max_size=40)
    | st.builds(raw_pack, st.lists(st.sampled_from(["a@h", 1, -1, 2**64 - 1, None, "x" * 300,
                                                    b"b", []]), max_size=5))
    | st.sampled_from([b"", raw_pack(["a@h", 1, 0, 1]), raw_pack(["a@h", 1, 1]),
                       raw_pack([msgpack.ExtType(3, b"")]), raw_pack(["a@h", 1, 0, 1, 5])]))
_EXT_VALUES = st.builds(msgpack.ExtType, st.sampled_from([1, 2, 3]) | st.integers(0, 127),
                        _EXT_PAYLOADS)


def ext_values() -> S[msgpack.ExtType]:
    """Ext values msgpack-python will pack (codes 0-127); negative codes are `raw_ext`."""
    return _EXT_VALUES


def raw_ext(code: int, payload: bytes) -> bytes:
    """An ext value with any code, -128..127 (msgpack-python refuses to pack negative ones;
    -1 is msgpack's timestamp), as ext 8/16/32."""
    n = len(payload)
    head = (b"\xc7" + struct.pack(">B", n) if n < 256 else
            b"\xc8" + struct.pack(">H", n) if n < 65536 else b"\xc9" + struct.pack(">I", n))
    return head + struct.pack(">b", code) + payload


_MARK = msgpack.ExtType(3, b"")
_HOSTILE_KINDS = st.sampled_from([
    "ext", "ext-in-list", "ext-negative", "deep-list", "deep-array16", "deep-map",
    "deep-tuple-ext", "deep-tuple-ext-in-list", "deep-tuple-encoder", "mark-misplaced",
    "random", "truncated", "bad-utf8", "unhashable-key", "huge-declared", "reserved-byte",
    "trailing-bytes"])
_EXT_LIST = st.lists(_EXT_VALUES | st.integers(0, 9) | st.text(max_size=4), min_size=1,
                     max_size=6)
_NEG_CODES = st.sampled_from([-1, -1, -2, -128]) | st.integers(-128, -1)
_NEG_PAYLOADS = (st.binary(min_size=4, max_size=4) | st.binary(min_size=8, max_size=8)
                 | st.binary(min_size=12, max_size=12) | st.binary(max_size=20))
_WRAPS = st.sampled_from([(b"", b""), (b"\x92", b"\x01"), (b"\x81", b"\x01"), (b"\x81\x01", b"")])
_MISPLACED = st.sampled_from([
    [1, _MARK], _MARK, {"k": _MARK}, [[_MARK], 2, _MARK], [msgpack.ExtType(3, b"x")],
    [_MARK, _MARK], [[_MARK]], {1: [_MARK, 1]}])
_BAD_UTF8 = st.sampled_from([b"\xa2\xff\xfe", b"\x92\xa1\x80\x01", b"\xd9\x03\xed\xa0\x80"])
_UNHASHABLE = st.sampled_from([b"\x81\x90\x00", b"\x81\x80\x00", b"\x81\x91\x01\x02"])
_HUGE = st.sampled_from([b"\xdd\xff\xff\xff\xff", b"\xdf\x7f\xff\xff\xff", b"\xc6\x7f\xff\xff\xff",
                         b"\xdb\xff\xff\xff\xf0", b"\xc9\xff\xff\xff\xff\x03"])
_SMALL = st.integers(1, 8)
_RANDOM = st.binary(min_size=1, max_size=200)
_TAIL = st.binary(min_size=1, max_size=8)
_CUT = st.integers(0, 2**16)


@st.composite
def hostile_payloads(draw: st.DrawFn) -> tuple[str, bytes]:
    """(label, payload) of msgpack an honest pgviz never sends."""
    kind = draw(_HOSTILE_KINDS)
    depth = draw(_DEPTHS)
    if kind == "ext":
        return kind, raw_pack(draw(_EXT_VALUES))
    if kind == "ext-in-list":
        return kind, raw_pack(draw(_EXT_LIST))
    if kind == "ext-negative":
        head, tail = draw(_WRAPS)
        return kind, head + raw_ext(draw(_NEG_CODES), draw(_NEG_PAYLOADS)) + tail
    if kind == "deep-list":
        return f"{kind}({depth})", b"\x91" * depth + b"\x01"
    if kind == "deep-array16":
        return f"{kind}({depth})", b"\xdc\x00\x01" * depth + b"\xc0"
    if kind == "deep-map":
        return f"{kind}({depth})", b"\x81\xa1k" * depth + b"\x01"
    if kind == "deep-tuple-ext":
        return f"{kind}({depth})", nested_tuple_ext(depth)
    if kind == "deep-tuple-ext-in-list":
        return f"{kind}({depth})", nested_tuple_ext(depth, in_list=True)
    if kind == "deep-tuple-encoder":
        return f"{kind}({depth})", encoder_style_tuples(depth)
    if kind == "mark-misplaced":  # a zero-length ext 3 anywhere but first in an array
        return kind, raw_pack(draw(_MISPLACED))
    if kind == "random":
        return kind, draw(_RANDOM)
    if kind == "truncated":
        whole = encode(draw(wire_terms()))
        return kind, whole[:draw(_CUT) % max(1, len(whole))]
    if kind == "bad-utf8":
        return kind, draw(_BAD_UTF8)
    if kind == "unhashable-key":
        return kind, draw(_UNHASHABLE)
    if kind == "huge-declared":
        return kind, draw(_HUGE)
    if kind == "reserved-byte":
        return kind, b"\xc1" * draw(_SMALL)
    return kind, encode(draw(wire_terms())) + draw(_TAIL)


_SPLICED = st.booleans()
_HOLDERS: S[list[Any]] = st.sampled_from([
    ["SEND", Pid("victim@127.0.0.1", 1), HOLE], ["REG_SEND", "pg", HOLE],
    ["REG_SEND", "pg", ("join", Pid("evil@127.0.0.1", 1), "g", HOLE)],
    [HOLE], ["PEERS", HOLE], ["EXIT2", None, HOLE, "kill"]])


@st.composite
def garbage_inputs(draw: st.DrawFn, max_frame: int = 8 * 1024 * 1024) -> Input:
    """(e) as whole frames: hostile payloads, sometimes inside a well-formed control message
    (spliced where a message's payload goes)."""
    label, payload = draw(once(hostile_payloads))
    if draw(_SPLICED):
        holder = draw(_HOLDERS)
        payload = splice(holder, payload)
        label = f"{holder[0] if holder[0] != HOLE else 'bare'}+{label}"
    return framed(draw, label, [payload], max_frame)
