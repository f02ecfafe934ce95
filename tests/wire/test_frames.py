"""Length-prefixed frames: any chunking gives the same frames; oversize is caught up front."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgviz import FrameTooLarge, LocalProtocolError
from pgviz.wire.frames import TICK, FrameDecoder, encode_frame


@given(st.lists(st.binary(max_size=300), max_size=10), st.data())
def test_any_chunking_yields_the_same_frames(payloads, data):
    stream = b"".join(encode_frame(p) for p in payloads)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    decoder = FrameDecoder()
    out, last = [], 0
    for cut in [*cuts, len(stream)]:
        out += decoder.feed(stream[last:cut])
        last = cut
    assert out == payloads
    assert decoder.buffered == 0


def test_tick_is_an_empty_frame():
    assert FrameDecoder().feed(TICK + encode_frame(b"x")) == [b"", b"x"]


def test_oversized_length_is_rejected_before_buffering():
    decoder = FrameDecoder(max_size=1024)
    with pytest.raises(FrameTooLarge) as info:
        decoder.feed(b"\xff\xff\xff\xff" + b"x" * 10)
    assert "4294967295" in str(info.value)
    assert decoder.buffered == 0


def test_frame_at_the_limit_passes_one_over_fails():
    decoder = FrameDecoder(max_size=4)
    assert decoder.feed(encode_frame(b"abcd", 4)) == [b"abcd"]
    with pytest.raises(LocalProtocolError):
        encode_frame(b"abcde", 4)
    with pytest.raises(FrameTooLarge):
        decoder.feed(b"\x00\x00\x00\x05abcde")
