"""Encoding Python values as External Term Format (the mapping is listed in terms.py). A value
with no Erlang form raises EtfEncodeError before a byte of it is sent."""

from __future__ import annotations

import math
import struct
from typing import Any

from ..errors import LocalProtocolError
from ..wire.terms import Pid, Ref
from .etf_tags import (
    ATOM_UTF8_EXT,
    BINARY_EXT,
    DOUBLE,
    INT32,
    INTEGER_EXT,
    LARGE_BIG_EXT,
    LARGE_TUPLE_EXT,
    LIST_EXT,
    MAP_EXT,
    MAX_ATOM_CHARS,
    NEW_FLOAT_EXT,
    NEW_PID_EXT,
    NEWER_REFERENCE_EXT,
    NIL_EXT,
    PID_TAIL,
    SMALL_ATOM_UTF8_EXT,
    SMALL_BIG_EXT,
    SMALL_INTEGER_EXT,
    SMALL_TUPLE_EXT,
    UINT16,
    UINT32,
    VERSION,
)
from .terms import Atom, ImproperList, Opaque

__all__ = ["encode", "encode_term", "EtfEncodeError"]


class EtfEncodeError(LocalProtocolError):
    """The value has no External Term Format form (or is beyond a limit)."""


def encode(term: Any, *, max_depth: int = 100) -> bytes:
    """`term_to_binary(Term)`: the version byte, then the term."""
    out = bytearray([VERSION])
    _Encoder(out, max_depth).term(term, 0)
    return bytes(out)


def encode_term(out: bytearray, term: Any, *, max_depth: int = 100) -> None:
    """Append the term with its version byte (a distribution frame holds two of them)."""
    out.append(VERSION)
    _Encoder(out, max_depth).term(term, 0)


def _atom_bytes(text: str) -> bytes:
    if len(text) > MAX_ATOM_CHARS:
        raise EtfEncodeError(f"an atom is at most {MAX_ATOM_CHARS} characters, "
                             f"not {len(text)}")
    return text.encode("utf-8")


def _ref_words(id_: int) -> list[int]:
    if id_ < 0 or id_.bit_length() > 160:
        raise EtfEncodeError(f"a reference id must fit in 160 bits, not {id_}")
    count = max(3, (id_.bit_length() + 31) // 32)
    return [(id_ >> (32 * i)) & 0xFFFFFFFF for i in range(count)]


class _Encoder:
    __slots__ = ("out", "max_depth", "atoms")

    def __init__(self, out: bytearray, max_depth: int) -> None:
        self.out = out
        self.max_depth = max_depth
        self.atoms: dict[str, bytes] = {}  # encoded atoms of this term (node names repeat)

    def atom(self, text: str) -> None:
        enc = self.atoms.get(text)
        if enc is None:
            raw = _atom_bytes(text)
            n = len(raw)
            enc = (bytes([SMALL_ATOM_UTF8_EXT, n]) if n < 256
                   else bytes([ATOM_UTF8_EXT]) + UINT16.pack(n)) + raw
            self.atoms[text] = enc
        self.out += enc

    def term(self, x: Any, depth: int) -> None:
        out = self.out
        t = type(x)
        if t is Atom:
            self.atom(x)
        elif t is str:
            raw = x.encode("utf-8")
            out.append(BINARY_EXT)
            out += UINT32.pack(len(raw))
            out += raw
        elif t is int:
            self.integer(x)
        elif t is Pid:
            node, id_, serial, creation = x.fields
            if not (0 <= id_ <= 0xFFFFFFFF and 0 <= serial <= 0xFFFFFFFF
                    and 0 <= creation <= 0xFFFFFFFF):
                raise EtfEncodeError(f"{x!r} does not fit Erlang's pid fields")
            out.append(NEW_PID_EXT)
            self.atom(node)
            out += PID_TAIL.pack(id_, serial, creation)
        elif t is tuple:
            depth = self.deeper(depth)
            n = len(x)
            if n < 256:
                out.append(SMALL_TUPLE_EXT)
                out.append(n)
            else:
                out.append(LARGE_TUPLE_EXT)
                out += UINT32.pack(n)
            for item in x:
                self.term(item, depth)
        elif t is list:
            if not x:
                out.append(NIL_EXT)
                return
            depth = self.deeper(depth)
            out.append(LIST_EXT)
            out += UINT32.pack(len(x))
            for item in x:
                self.term(item, depth)
            out.append(NIL_EXT)
        elif x is None:
            self.atom("undefined")
        elif t is bool:
            self.atom("true" if x else "false")
        elif t is bytes or t is bytearray or t is memoryview:
            raw = bytes(x)
            out.append(BINARY_EXT)
            out += UINT32.pack(len(raw))
            out += raw
        elif t is float:
            if not math.isfinite(x):
                raise EtfEncodeError(f"Erlang has no float {x}")
            out.append(NEW_FLOAT_EXT)
            out += DOUBLE.pack(x)
        elif t is Ref:
            node, id_, creation = x.fields
            words = _ref_words(id_)
            if not 0 <= creation <= 0xFFFFFFFF:
                raise EtfEncodeError(f"{x!r}: creation beyond 32 bits")
            out.append(NEWER_REFERENCE_EXT)
            out += UINT16.pack(len(words))
            self.atom(node)
            out += UINT32.pack(creation)
            out += struct.pack(f">{len(words)}I", *words)
        elif t is dict:
            depth = self.deeper(depth)
            out.append(MAP_EXT)
            out += UINT32.pack(len(x))
            for k, v in x.items():
                self.term(k, depth)
                self.term(v, depth)
        elif t is ImproperList:
            depth = self.deeper(depth)
            out.append(LIST_EXT)
            out += UINT32.pack(len(x.items))
            for item in x.items:
                self.term(item, depth)
            self.term(x.tail, depth)
        elif t is Opaque:
            out += x.raw
        elif isinstance(x, str):  # a str subclass other than Atom: its text
            self.term(str.__str__(x), depth)
        elif isinstance(x, int):  # an IntEnum, say
            self.integer(int(x))
        else:
            raise EtfEncodeError(f"no External Term Format for {t.__name__}")

    def integer(self, x: int) -> None:
        out = self.out
        if 0 <= x < 256:
            out.append(SMALL_INTEGER_EXT)
            out.append(x)
        elif -(1 << 31) <= x < (1 << 31):
            out.append(INTEGER_EXT)
            out += INT32.pack(x)
        else:
            mag = -x if x < 0 else x
            raw = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
            if len(raw) < 256:
                out.append(SMALL_BIG_EXT)
                out.append(len(raw))
            else:
                out.append(LARGE_BIG_EXT)
                out += UINT32.pack(len(raw))
            out.append(1 if x < 0 else 0)
            out += raw

    def deeper(self, depth: int) -> int:
        depth += 1
        if depth > self.max_depth:
            raise EtfEncodeError(f"nested deeper than {self.max_depth}")
        return depth
