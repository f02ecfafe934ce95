"""What one fuzz input is (bytes in chunks, and who sends them), and how payloads are framed:
mostly honestly, sometimes with a lying length prefix, cut short or oversized."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgpack
from hypothesis import strategies as st

from pgviz.wire.codec import encode

S = st.SearchStrategy


@dataclass(frozen=True)
class Identity:
    """What an initiator says of itself in its hello."""

    name: str
    creation: int
    address: str
    caps: tuple[str, ...]
    explicit: bool


@dataclass(frozen=True)
class Input:
    """One fuzz input: the bytes to write, in chunks, and a label saying what they are.
    With an `identity`, the chunks follow a handshake completed with the right cookie under
    that identity (an authenticated peer with odd credentials)."""

    label: str
    chunks: tuple[bytes, ...]
    desync: bool = False  # the framing lies (length, truncation): the stream is lost after it
    identity: Identity | None = None

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    def __repr__(self) -> str:
        data = self.data
        shown = data[:600].hex() + ("..." if len(data) > 600 else "")
        who = f", as {self.identity}" if self.identity is not None else ""
        return f"Input({self.label!r}{who}, {len(data)} bytes: {shown})"


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def raw_pack(obj: Any) -> bytes:
    """msgpack without pgviz's encoder: plain values and raw ExtType only."""
    return msgpack.packb(obj, use_bin_type=True)


# A bytes value that marks where hand-built garbage goes inside an encoded term.
HOLE = b"\xfe pgviz fuzz hole \xfe"


def splice(term: Any, raw: bytes) -> bytes:
    """encode(term) with the msgpack of the one HOLE inside it replaced by `raw` bytes."""
    enc = encode(term)
    marker = raw_pack(HOLE)
    assert enc.count(marker) == 1, "the hole must appear once"
    return enc.replace(marker, raw)


_HOW_FRAMED = st.sampled_from(["exact"] * 6 + ["length", "truncate", "tick", "oversize"])
# How the bytes are split into writes: one draw (0: one write), unpacked into up to 3 cuts.
_CUTS = st.sampled_from([0, 0, 0]) | st.integers(0, 2**48 - 1)
_POSITION = st.integers(0, 2**16)
_LIE = st.integers(0, 8)  # which lie a length prefix tells (8: any 32-bit value)
_ANY_U32 = st.integers(0, 0xFFFFFFFF)
_OVER = st.integers(1, 2**20)


def framed(draw: st.DrawFn, label: str, payloads: list[bytes], max_size: int) -> Input:
    """(Called from a composite strategy: no strategy is built per draw.) Frame payloads,
    mostly honestly, sometimes with a lying length prefix or cut short; then split the bytes
    into 1-4 writes."""
    how = draw(_HOW_FRAMED)
    framed = [frame(p) for p in payloads]
    if how == "length":
        i = draw(_POSITION) % len(framed)
        n = len(payloads[i])
        lie = draw(_LIE)
        bad = ([0, 1, n - 1, n + 1, n + 4, max_size, max_size + 1, 0xFFFFFFFF][lie] if lie < 8
               else draw(_ANY_U32))
        framed[i] = struct.pack(">I", max(0, bad)) + payloads[i]
    data = b"".join(framed)
    if how == "truncate":
        data = data[:draw(_POSITION) % max(1, len(data))]
    elif how == "tick":
        data = frame(b"") + data
    elif how == "oversize":
        data = struct.pack(">I", max_size + draw(_OVER)) + data
    seed = draw(_CUTS)
    cuts = sorted({(seed >> shift & 0xFFFF) % (len(data) + 1) for shift in (0, 16, 32)
                   if seed >> shift & 0xFFFF}) if seed else []
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    desync = how in ("length", "truncate", "oversize")
    return Input(label if how == "exact" else f"{label}/{how}", tuple(c for c in chunks if c),
                 desync)



@cache
def once(make: Any, *args: Any) -> S[Any]:
    return make(*args)


@cache
def lists_of(make: Any, *args: Any) -> S[list[Any]]:
    """1-2 messages in a row (more cost generation time, and find nothing more)."""
    return st.lists(make(*args), min_size=1, max_size=2)
