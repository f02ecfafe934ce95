"""The term codec: types survive the round trip; garbage is a RemoteProtocolError, always."""

from __future__ import annotations

import threading

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgviz import LocalProtocolError, Pid, Ref, RemoteProtocolError
from pgviz.wire.codec import (
    EXT_PID,
    EXT_TUPLE,
    MAX_DEPTH,
    MAX_ELEMENTS,
    decode,
    decode_plain,
    encode,
)

pids = st.builds(Pid, st.text(min_size=1, max_size=8).map(lambda s: s + "@h"),
                 st.integers(0, 2**31), st.integers(0, 2**13), st.integers(0, 2**32 - 1))
refs = st.builds(Ref, st.just("a@h"), st.integers(0, 2**40), st.integers(0, 2**32 - 1))
scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1)
           | st.floats(allow_nan=False) | st.text(max_size=20) | st.binary(max_size=20)
           | pids | refs)
hashables = st.recursive(scalars, lambda c: st.tuples(c, c) | st.tuples(c), max_leaves=6)
terms = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=4) | st.tuples(c, c) | st.tuples(c)
    | st.dictionaries(hashables, c, max_size=3),
    max_leaves=20)


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, dict):
        assert a == b
        for k in a:
            _same(a[k], b[k])
    else:
        assert a == b


@given(terms)
@settings(max_examples=300)
def test_roundtrip_keeps_types(term):
    """Tuples stay tuples, bytes stay bytes, pids stay pids — nested anywhere."""
    _same(decode(encode(term)), term)


def test_pid_is_not_a_tuple_value():
    p = Pid("a@h", 1, 0, 7)
    assert p != ("a@h", 1, 0, 7)
    assert decode(encode(("a@h", 1, 0, 7))) != p
    assert str(p) == "<a.1>" and Pid.parse_text("<a.1>") == ("a", 1, 0)


@given(st.binary(max_size=200))
@settings(max_examples=500)
def test_garbage_raises_remote_protocol_error_only(data):
    try:
        decode(data)
    except RemoteProtocolError:
        pass


@pytest.mark.parametrize("payload", [
    msgpack.packb(msgpack.ExtType(99, b"x")),
    msgpack.packb(msgpack.ExtType(1, msgpack.packb([1, 2, 3, 4]))),
    msgpack.packb(msgpack.ExtType(1, b"\xc1")),
    msgpack.packb(msgpack.ExtType(2, msgpack.packb(["a", "b", 1]))),
    b"\x92\x01",  # truncated array
    msgpack.packb({(1,): 1}, strict_types=False),  # a list as a map key after decoding
])
def test_malformed_ext_and_truncation(payload):
    with pytest.raises(RemoteProtocolError):
        decode(payload)


@pytest.mark.parametrize("term", [{1, 2}, object(), 2**70, lambda: 0])
def test_unencodable_is_a_local_error(term):
    with pytest.raises(LocalProtocolError):
        encode(term)


def _nested(depth: int, make=lambda x: [x]):
    term = 1
    for _ in range(depth):
        term = make(term)
    return term


def _nested_tuple(depth: int):
    return _nested(depth, lambda x: (x,))


def _nested_dict(depth: int):
    return _nested(depth, lambda x: {"k": x})


@pytest.mark.parametrize("make", [_nested, _nested_tuple, _nested_dict])
def test_the_nesting_limit_holds_on_both_sides(make):
    """MAX_DEPTH levels cross; one more is refused by the sender, and by the receiver too
    when a hand-built frame carries it."""
    assert decode(encode(make(MAX_DEPTH))) == make(MAX_DEPTH)
    with pytest.raises(LocalProtocolError, match="nested deeper"):
        encode(make(MAX_DEPTH + 1))
    too_deep = _raw_pack(make(MAX_DEPTH + 1))
    with pytest.raises(RemoteProtocolError, match="nested deeper"):
        decode(too_deep)


def _raw_pack(term):
    """Pack with the wire format but none of encode()'s checks: what an attacker can send."""
    def default(obj):
        if type(obj) is tuple:
            return [msgpack.ExtType(EXT_TUPLE, b""), *obj]
        raise TypeError(obj)
    return msgpack.Packer(default=default, strict_types=True, use_bin_type=True).pack(term)


@pytest.mark.parametrize("depth", [150, 200, 1_000, 10_000])
def test_deep_nesting_never_recurses(depth):
    """Old tuple encoding (ext payloads nested in ext payloads) crashed the interpreter at
    ~200 levels; any depth of it, and of plain arrays, is now a RemoteProtocolError."""
    old_style = msgpack.packb([1])
    for _ in range(depth):
        old_style = msgpack.packb(msgpack.ExtType(EXT_TUPLE, old_style))
    arrays = b"\x91" * depth + b"\x01"
    marked = b"\x92\xc7\x00\x03" * depth + b"\x01"
    for payload in (old_style, arrays, marked):
        with pytest.raises(RemoteProtocolError):
            decode(payload)


def test_encode_refuses_deep_terms_without_recursion_errors():
    for depth in (200, 600, 100_000):
        with pytest.raises(LocalProtocolError):
            encode(_nested_tuple(depth))


def test_element_limit():
    wide = [[0] * 1000 for _ in range(MAX_ELEMENTS // 1000 + 1)]
    with pytest.raises(LocalProtocolError, match="elements"):
        encode(wide)
    with pytest.raises(RemoteProtocolError, match="elements"):
        decode(msgpack.packb(wide))


def test_a_term_that_shares_its_parts_is_refused_at_once():
    """Small lists that repeat one object, nested: billions of elements by path, built in a
    few bytes. The sender is refused as soon as the count passes the limit, not after a walk
    of every path (it used to block the event loop for good)."""
    x: list = [0]
    for _ in range(12):
        x = [x] * 16
    done = threading.Event()
    failure: list[BaseException] = []

    def attempt() -> None:
        try:
            encode(x)
        except BaseException as exc:  # noqa: BLE001  (what the thread saw, checked below)
            failure.append(exc)
        done.set()
    threading.Thread(target=attempt, daemon=True).start()
    assert done.wait(30), "encode walked every path of a shared term"
    assert isinstance(failure[0], LocalProtocolError) and "elements" in str(failure[0])


@pytest.mark.parametrize("payload", [
    msgpack.packb([1, msgpack.ExtType(EXT_TUPLE, b"")]),  # a mark not at the head
    msgpack.packb(msgpack.ExtType(EXT_TUPLE, b"")),  # a bare mark
    msgpack.packb({"k": msgpack.ExtType(EXT_TUPLE, b"")}),
    msgpack.packb([msgpack.ExtType(EXT_TUPLE, b"x")]),  # a mark with a payload
    msgpack.packb(msgpack.ExtType(EXT_PID, msgpack.packb(
        [msgpack.ExtType(EXT_PID, b""), 1, 2, 3]))),  # ext inside a pid
])
def test_misplaced_tuple_marks_and_nested_pids_are_refused(payload):
    with pytest.raises(RemoteProtocolError):
        decode(payload)


def test_raw_ext_values_cannot_be_sent():
    with pytest.raises(LocalProtocolError, match="ExtType"):
        encode(["x", msgpack.ExtType(EXT_TUPLE, b"")])


def test_handshake_terms_are_plain_and_shallow():
    assert decode_plain(encode(["hello", 2, b"n", [1, 2]])) == ["hello", 2, b"n", [1, 2]]
    for bad in (encode(("a", "tuple")), encode([Pid("a@h", 1)]), encode([[["deep"]]])):
        with pytest.raises(RemoteProtocolError):
            decode_plain(bad)


def test_encode_send_is_encode_of_the_send_term_byte_for_byte():
    from pgviz.wire.codec import encode_message, encode_send

    to = Pid("b@h", 9, 0, 1)
    for msg in [("join", Pid("a@h", 3, 0, 7), "lat", to), {"k": [1, (2, b"x")]}, "x" * 300,
                [[[]]]]:
        assert encode_send(to, encode_message(msg)) == encode(["SEND", to, msg])
        assert decode(encode_send(to, encode_message(msg))) == ["SEND", to, msg]


def test_encode_message_leaves_room_for_the_send_wrapper():
    from pgviz.wire.codec import MAX_DEPTH, encode_message

    deep: object = 1
    for _ in range(MAX_DEPTH):
        deep = [deep]
    encode(deep)  # fits alone
    with pytest.raises(LocalProtocolError):
        encode_message(deep)  # one level too deep inside ["SEND", To, Msg]
