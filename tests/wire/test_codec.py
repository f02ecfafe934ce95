"""The term codec: types survive the round trip; garbage is a RemoteProtocolError, always."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgviz import LocalProtocolError, Pid, Ref, RemoteProtocolError
from pgviz.wire.codec import decode, encode

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
