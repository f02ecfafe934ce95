"""Erlang's External Term Format (ETF), sans-IO: `encode(term) -> bytes`, `decode(data)`.

The mapping between Erlang terms and Python values is listed in terms.py. This module is what
stands between a peer's bytes and the node, so decoding is strict and bounded, whatever the
peer sends:

* every length is checked against the bytes that remain before anything is allocated (a list
  that claims 2**32 elements in a 10-byte frame is refused at once);
* nesting deeper than `max_depth` (tuples, lists, maps, improper tails), atoms longer than
  255 characters (Erlang's own limit), more than `max_atoms` atoms in one term, integers
  beyond `max_big_bytes`, compressed terms expanding past `max_size`, atom-cache references
  (never negotiated), unknown tags, map keys Python cannot hash, duplicate map keys and
  trailing bytes are all refused with EtfDecodeError (a RemoteProtocolError): the frame is
  dropped, the connection and the node go on.

Encoding a value that has no Erlang form (a set, NaN, a float infinity, an int id of a pid
beyond 32 bits) raises EtfEncodeError (a LocalProtocolError) before anything is sent.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any

from ..errors import LocalProtocolError, RemoteProtocolError
from ..wire.terms import Pid, Ref
from .terms import Atom, ImproperList, Opaque

__all__ = ["encode", "decode", "decode_from", "encode_term", "EtfDecodeError",
           "EtfEncodeError", "Limits", "VERSION", "MAX_ATOM_CHARS"]

VERSION = 131
MAX_ATOM_CHARS = 255

# tags (erl_ext_dist)
NEW_FLOAT_EXT = 70
BIT_BINARY_EXT = 77
COMPRESSED = 80
ATOM_CACHE_REF = 82
NEW_PID_EXT = 88
NEW_PORT_EXT = 89
NEWER_REFERENCE_EXT = 90
SMALL_INTEGER_EXT = 97
INTEGER_EXT = 98
FLOAT_EXT = 99
ATOM_EXT = 100
REFERENCE_EXT = 101
PORT_EXT = 102
PID_EXT = 103
SMALL_TUPLE_EXT = 104
LARGE_TUPLE_EXT = 105
NIL_EXT = 106
STRING_EXT = 107
LIST_EXT = 108
BINARY_EXT = 109
SMALL_BIG_EXT = 110
LARGE_BIG_EXT = 111
NEW_FUN_EXT = 112
EXPORT_EXT = 113
NEW_REFERENCE_EXT = 114
SMALL_ATOM_EXT = 115
MAP_EXT = 116
ATOM_UTF8_EXT = 118
SMALL_ATOM_UTF8_EXT = 119
V4_PORT_EXT = 120


class EtfDecodeError(RemoteProtocolError):
    """The bytes are not a term this node accepts (malformed, or beyond a limit)."""


class EtfEncodeError(LocalProtocolError):
    """The value has no External Term Format form (or is beyond a limit)."""


class Limits:
    """Bounds for decoding what a peer sent."""

    __slots__ = ("max_depth", "max_atoms", "max_big_bytes", "max_size")

    def __init__(self, *, max_depth: int = 100, max_atoms: int = 1 << 20,
                 max_big_bytes: int = 1 << 16, max_size: int = 64 << 20) -> None:
        self.max_depth = max_depth
        self.max_atoms = max_atoms
        self.max_big_bytes = max_big_bytes
        self.max_size = max_size


DEFAULT_LIMITS = Limits()

_SPECIAL_ATOMS = {"true": True, "false": False, "undefined": None}
_INT32 = struct.Struct(">i")
_UINT32 = struct.Struct(">I")
_UINT16 = struct.Struct(">H")
_DOUBLE = struct.Struct(">d")
_PID_TAIL = struct.Struct(">III")


# == decoding ==================================================================================

def decode(data: bytes | bytearray | memoryview, limits: Limits = DEFAULT_LIMITS) -> Any:
    """One whole term, starting with the version byte 131; nothing may follow it."""
    term, end = decode_from(data, 0, limits)
    if end != len(data):
        raise EtfDecodeError(f"{len(data) - end} bytes after the term")
    return term


def decode_from(data: bytes | bytearray | memoryview, pos: int,
                limits: Limits = DEFAULT_LIMITS) -> tuple[Any, int]:
    """The term at `pos` (its version byte included) and the position after it."""
    buf = bytes(data) if not isinstance(data, bytes) else data
    if pos >= len(buf) or buf[pos] != VERSION:
        raise EtfDecodeError("a term must start with the version byte 131")
    if pos + 1 < len(buf) and buf[pos + 1] == COMPRESSED:
        if pos + 6 > len(buf):
            raise EtfDecodeError("truncated compressed term")
        size = _UINT32.unpack_from(buf, pos + 2)[0]
        if size > limits.max_size:
            raise EtfDecodeError(f"a compressed term of {size} bytes (limit {limits.max_size})")
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(buf[pos + 6:], size + 1)
        except zlib.error as exc:
            raise EtfDecodeError(f"bad compressed term: {exc}") from None
        if len(raw) != size or not inflater.eof:
            raise EtfDecodeError("compressed term of the wrong size")
        term, end = _Decoder(raw, limits).run(0)
        if end != len(raw):
            raise EtfDecodeError("bytes after a compressed term")
        return term, len(buf) - len(inflater.unused_data)
    return _Decoder(buf, limits).run(pos + 1)


class _Decoder:
    __slots__ = ("buf", "n", "limits", "atoms", "nodes")

    def __init__(self, buf: bytes, limits: Limits) -> None:
        self.buf = buf
        self.n = len(buf)
        self.limits = limits
        self.atoms = 0
        self.nodes: dict[bytes, str] = {}  # node names, shared by all pids of a term

    def run(self, pos: int) -> tuple[Any, int]:
        try:
            return self.term(pos, 0)
        except EtfDecodeError:
            raise
        except (struct.error, IndexError, UnicodeDecodeError, OverflowError) as exc:
            raise EtfDecodeError(f"malformed term: {exc}") from None

    def need(self, pos: int, k: int) -> None:
        if k < 0 or pos + k > self.n:
            raise EtfDecodeError("truncated term")

    def term(self, pos: int, depth: int) -> tuple[Any, int]:
        buf = self.buf
        self.need(pos, 1)
        tag = buf[pos]
        pos += 1
        if tag == SMALL_INTEGER_EXT:
            self.need(pos, 1)
            return buf[pos], pos + 1
        if tag == INTEGER_EXT:
            self.need(pos, 4)
            return _INT32.unpack_from(buf, pos)[0], pos + 4
        if tag in (ATOM_UTF8_EXT, SMALL_ATOM_UTF8_EXT, ATOM_EXT, SMALL_ATOM_EXT):
            text, pos = self.atom_text(tag, pos)
            special = _SPECIAL_ATOMS.get(text, _SPECIAL_ATOMS)
            return (Atom(text) if special is _SPECIAL_ATOMS else special), pos
        if tag == BINARY_EXT:
            self.need(pos, 4)
            size = _UINT32.unpack_from(buf, pos)[0]
            pos += 4
            self.need(pos, size)
            raw = buf[pos:pos + size]
            try:
                return raw.decode("utf-8"), pos + size
            except UnicodeDecodeError:
                return raw, pos + size
        if tag == SMALL_TUPLE_EXT or tag == LARGE_TUPLE_EXT:
            if tag == SMALL_TUPLE_EXT:
                self.need(pos, 1)
                arity, pos = buf[pos], pos + 1
            else:
                self.need(pos, 4)
                arity, pos = _UINT32.unpack_from(buf, pos)[0], pos + 4
            self.need(pos, arity)  # every element takes at least one byte
            depth = self.deeper(depth)
            items = []
            for _ in range(arity):
                item, pos = self.term(pos, depth)
                items.append(item)
            return tuple(items), pos
        if tag == NIL_EXT:
            return [], pos
        if tag == LIST_EXT:
            self.need(pos, 4)
            count, pos = _UINT32.unpack_from(buf, pos)[0], pos + 4
            self.need(pos, count + 1)
            depth = self.deeper(depth)
            out = []
            for _ in range(count):
                item, pos = self.term(pos, depth)
                out.append(item)
            tail, pos = self.term(pos, depth)
            if type(tail) is list:
                if tail:
                    # [a | [b]] spelled as a list with a list tail: still a proper list
                    out.extend(tail)
                return out, pos
            if not out:
                raise EtfDecodeError("an improper list without items")
            return ImproperList(tuple(out), tail), pos
        if tag == STRING_EXT:
            self.need(pos, 2)
            size, pos = _UINT16.unpack_from(buf, pos)[0], pos + 2
            self.need(pos, size)
            return list(buf[pos:pos + size]), pos + size
        if tag == NEW_PID_EXT or tag == PID_EXT:
            node, pos = self.node_name(pos)
            if tag == NEW_PID_EXT:
                self.need(pos, 12)
                id_, serial, creation = _PID_TAIL.unpack_from(buf, pos)
                return Pid(node, id_, serial, creation), pos + 12
            self.need(pos, 9)
            id_, serial = struct.unpack_from(">II", buf, pos)
            return Pid(node, id_, serial, buf[pos + 8]), pos + 9
        if tag == NEWER_REFERENCE_EXT or tag == NEW_REFERENCE_EXT:
            self.need(pos, 2)
            words = _UINT16.unpack_from(buf, pos)[0]
            if not 1 <= words <= 5:
                raise EtfDecodeError(f"a reference of {words} words")
            node, pos = self.node_name(pos + 2)
            if tag == NEWER_REFERENCE_EXT:
                self.need(pos, 4)
                creation, pos = _UINT32.unpack_from(buf, pos)[0], pos + 4
            else:
                self.need(pos, 1)
                creation, pos = buf[pos], pos + 1
            self.need(pos, 4 * words)
            ids = struct.unpack_from(f">{words}I", buf, pos)
            return Ref(node, _ref_id(ids), creation), pos + 4 * words
        if tag == REFERENCE_EXT:
            node, pos = self.node_name(pos)
            self.need(pos, 5)
            return Ref(node, _UINT32.unpack_from(buf, pos)[0], buf[pos + 4]), pos + 5
        if tag == NEW_FLOAT_EXT:
            self.need(pos, 8)
            return _DOUBLE.unpack_from(buf, pos)[0], pos + 8
        if tag == FLOAT_EXT:
            self.need(pos, 31)
            digits = buf[pos:pos + 31].split(b"\0", 1)[0]
            try:
                value = float(digits)
            except ValueError:
                raise EtfDecodeError("bad FLOAT_EXT") from None
            return value, pos + 31
        if tag == SMALL_BIG_EXT or tag == LARGE_BIG_EXT:
            if tag == SMALL_BIG_EXT:
                self.need(pos, 1)
                size, pos = buf[pos], pos + 1
            else:
                self.need(pos, 4)
                size, pos = _UINT32.unpack_from(buf, pos)[0], pos + 4
            if size > self.limits.max_big_bytes:
                raise EtfDecodeError(f"an integer of {size} bytes "
                                     f"(limit {self.limits.max_big_bytes})")
            self.need(pos, size + 1)
            sign = buf[pos]
            if sign > 1:
                raise EtfDecodeError("bad sign byte of a big integer")
            value = int.from_bytes(buf[pos + 1:pos + 1 + size], "little")
            return (-value if sign else value), pos + 1 + size
        if tag == MAP_EXT:
            self.need(pos, 4)
            arity, pos = _UINT32.unpack_from(buf, pos)[0], pos + 4
            self.need(pos, 2 * arity)
            depth = self.deeper(depth)
            result: dict[Any, Any] = {}
            for _ in range(arity):
                key, pos = self.term(pos, depth)
                value, pos = self.term(pos, depth)
                try:
                    if key in result:
                        raise EtfDecodeError("a map with a duplicate key")
                    result[key] = value
                except TypeError:
                    raise EtfDecodeError(
                        f"a map key Python cannot hash ({type(key).__name__})") from None
            return result, pos
        return self.opaque(tag, pos, depth)

    def opaque(self, tag: int, pos: int, depth: int) -> tuple[Any, int]:
        buf = self.buf
        start = pos - 1
        if tag == NEW_FUN_EXT:
            self.need(pos, 4)
            size = _UINT32.unpack_from(buf, pos)[0]  # counts itself, not the tag
            if size < 4:
                raise EtfDecodeError("bad fun size")
            self.need(pos, size)
            return Opaque("fun", buf[start:pos + size]), pos + size
        if tag == EXPORT_EXT:
            depth = self.deeper(depth)
            for _ in range(3):
                _, pos = self.term(pos, depth)
            return Opaque("export", buf[start:pos]), pos
        if tag in (NEW_PORT_EXT, V4_PORT_EXT, PORT_EXT):
            _, pos = self.node_name(pos)
            size = {NEW_PORT_EXT: 8, V4_PORT_EXT: 12, PORT_EXT: 5}[tag]
            self.need(pos, size)
            return Opaque("port", buf[start:pos + size]), pos + size
        if tag == BIT_BINARY_EXT:
            self.need(pos, 5)
            size = _UINT32.unpack_from(buf, pos)[0]
            bits = buf[pos + 4]
            if not 1 <= bits <= 8 or size == 0:
                raise EtfDecodeError("bad bitstring")
            self.need(pos + 5, size)
            return Opaque("bitstring", buf[start:pos + 5 + size]), pos + 5 + size
        if tag == ATOM_CACHE_REF:
            raise EtfDecodeError("an atom cache reference (the atom cache is not negotiated)")
        if tag == COMPRESSED:
            raise EtfDecodeError("a compressed term inside a term")
        raise EtfDecodeError(f"unknown or unsupported term tag {tag}")

    def deeper(self, depth: int) -> int:
        depth += 1
        if depth > self.limits.max_depth:
            raise EtfDecodeError(f"nested deeper than {self.limits.max_depth}")
        return depth

    def atom_text(self, tag: int, pos: int) -> tuple[str, int]:
        buf = self.buf
        if tag == SMALL_ATOM_UTF8_EXT or tag == SMALL_ATOM_EXT:
            self.need(pos, 1)
            size, pos = buf[pos], pos + 1
        else:
            self.need(pos, 2)
            size, pos = _UINT16.unpack_from(buf, pos)[0], pos + 2
        self.need(pos, size)
        self.atoms += 1
        if self.atoms > self.limits.max_atoms:
            raise EtfDecodeError(f"more than {self.limits.max_atoms} atoms in one term")
        raw = buf[pos:pos + size]
        if tag == ATOM_EXT or tag == SMALL_ATOM_EXT:
            text = raw.decode("latin-1")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise EtfDecodeError("an atom that is not UTF-8") from None
        if len(text) > MAX_ATOM_CHARS:
            raise EtfDecodeError(f"an atom of {len(text)} characters "
                                 f"(Erlang's limit is {MAX_ATOM_CHARS})")
        return text, pos + size

    def node_name(self, pos: int) -> tuple[str, int]:
        self.need(pos, 1)
        tag = self.buf[pos]
        if tag not in (ATOM_UTF8_EXT, SMALL_ATOM_UTF8_EXT, ATOM_EXT, SMALL_ATOM_EXT):
            raise EtfDecodeError("a pid, port or reference whose node is not an atom")
        start = pos
        text, pos = self.atom_text(tag, pos + 1)
        key = self.buf[start:pos]
        name = self.nodes.get(key)
        if name is None:
            name = self.nodes[key] = text
        return name, pos


def _ref_id(words: tuple[int, ...]) -> int:
    value = 0
    for i, w in enumerate(words):
        value |= w << (32 * i)
    return value


def _ref_words(id_: int) -> list[int]:
    if id_ < 0 or id_.bit_length() > 160:
        raise EtfEncodeError(f"a reference id must fit in 160 bits, not {id_}")
    count = max(3, (id_.bit_length() + 31) // 32)
    return [(id_ >> (32 * i)) & 0xFFFFFFFF for i in range(count)]


# == encoding ==================================================================================

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
                   else bytes([ATOM_UTF8_EXT]) + _UINT16.pack(n)) + raw
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
            out += _UINT32.pack(len(raw))
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
            out += _PID_TAIL.pack(id_, serial, creation)
        elif t is tuple:
            depth = self.deeper(depth)
            n = len(x)
            if n < 256:
                out.append(SMALL_TUPLE_EXT)
                out.append(n)
            else:
                out.append(LARGE_TUPLE_EXT)
                out += _UINT32.pack(n)
            for item in x:
                self.term(item, depth)
        elif t is list:
            if not x:
                out.append(NIL_EXT)
                return
            depth = self.deeper(depth)
            out.append(LIST_EXT)
            out += _UINT32.pack(len(x))
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
            out += _UINT32.pack(len(raw))
            out += raw
        elif t is float:
            if not math.isfinite(x):
                raise EtfEncodeError(f"Erlang has no float {x}")
            out.append(NEW_FLOAT_EXT)
            out += _DOUBLE.pack(x)
        elif t is Ref:
            node, id_, creation = x.fields
            words = _ref_words(id_)
            if not 0 <= creation <= 0xFFFFFFFF:
                raise EtfEncodeError(f"{x!r}: creation beyond 32 bits")
            out.append(NEWER_REFERENCE_EXT)
            out += _UINT16.pack(len(words))
            self.atom(node)
            out += _UINT32.pack(creation)
            out += struct.pack(f">{len(words)}I", *words)
        elif t is dict:
            depth = self.deeper(depth)
            out.append(MAP_EXT)
            out += _UINT32.pack(len(x))
            for k, v in x.items():
                self.term(k, depth)
                self.term(v, depth)
        elif t is ImproperList:
            depth = self.deeper(depth)
            out.append(LIST_EXT)
            out += _UINT32.pack(len(x.items))
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
            out += _INT32.pack(x)
        else:
            mag = -x if x < 0 else x
            raw = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
            if len(raw) < 256:
                out.append(SMALL_BIG_EXT)
                out.append(len(raw))
            else:
                out.append(LARGE_BIG_EXT)
                out += _UINT32.pack(len(raw))
            out.append(1 if x < 0 else 0)
            out += raw

    def deeper(self, depth: int) -> int:
        depth += 1
        if depth > self.max_depth:
            raise EtfEncodeError(f"nested deeper than {self.max_depth}")
        return depth
