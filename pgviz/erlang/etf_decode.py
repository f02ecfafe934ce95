"""Decoding the External Term Format: strict and bounded, whatever the peer sends (the
guarantees are listed in etf.py). Every length is checked against the bytes that remain before
anything is allocated; anything refused raises EtfDecodeError."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from ..errors import RemoteProtocolError
from ..wire.terms import Pid, Ref
from .etf_tags import (
    ATOM_CACHE_REF,
    ATOM_EXT,
    ATOM_UTF8_EXT,
    BINARY_EXT,
    BIT_BINARY_EXT,
    COMPRESSED,
    DOUBLE,
    EXPORT_EXT,
    FLOAT_EXT,
    INT32,
    INTEGER_EXT,
    LARGE_BIG_EXT,
    LARGE_TUPLE_EXT,
    LIST_EXT,
    MAP_EXT,
    MAX_ATOM_CHARS,
    NEW_FLOAT_EXT,
    NEW_FUN_EXT,
    NEW_PID_EXT,
    NEW_PORT_EXT,
    NEW_REFERENCE_EXT,
    NEWER_REFERENCE_EXT,
    NIL_EXT,
    PID_EXT,
    PID_TAIL,
    PORT_EXT,
    REFERENCE_EXT,
    SMALL_ATOM_EXT,
    SMALL_ATOM_UTF8_EXT,
    SMALL_BIG_EXT,
    SMALL_INTEGER_EXT,
    SMALL_TUPLE_EXT,
    STRING_EXT,
    UINT16,
    UINT32,
    V4_PORT_EXT,
    VERSION,
)
from .terms import Atom, ImproperList, Opaque

__all__ = ["decode", "decode_from", "EtfDecodeError", "Limits", "DEFAULT_LIMITS"]


class EtfDecodeError(RemoteProtocolError):
    """The bytes are not a term this node accepts (malformed, or beyond a limit)."""


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
        size = UINT32.unpack_from(buf, pos + 2)[0]
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
            return INT32.unpack_from(buf, pos)[0], pos + 4
        if tag in (ATOM_UTF8_EXT, SMALL_ATOM_UTF8_EXT, ATOM_EXT, SMALL_ATOM_EXT):
            text, pos = self.atom_text(tag, pos)
            special = _SPECIAL_ATOMS.get(text, _SPECIAL_ATOMS)
            return (Atom(text) if special is _SPECIAL_ATOMS else special), pos
        if tag == BINARY_EXT:
            self.need(pos, 4)
            size = UINT32.unpack_from(buf, pos)[0]
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
                arity, pos = UINT32.unpack_from(buf, pos)[0], pos + 4
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
            count, pos = UINT32.unpack_from(buf, pos)[0], pos + 4
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
            size, pos = UINT16.unpack_from(buf, pos)[0], pos + 2
            self.need(pos, size)
            return list(buf[pos:pos + size]), pos + size
        if tag == NEW_PID_EXT or tag == PID_EXT:
            node, pos = self.node_name(pos)
            if tag == NEW_PID_EXT:
                self.need(pos, 12)
                id_, serial, creation = PID_TAIL.unpack_from(buf, pos)
                return Pid(node, id_, serial, creation), pos + 12
            self.need(pos, 9)
            id_, serial = struct.unpack_from(">II", buf, pos)
            return Pid(node, id_, serial, buf[pos + 8]), pos + 9
        if tag == NEWER_REFERENCE_EXT or tag == NEW_REFERENCE_EXT:
            self.need(pos, 2)
            words = UINT16.unpack_from(buf, pos)[0]
            if not 1 <= words <= 5:
                raise EtfDecodeError(f"a reference of {words} words")
            node, pos = self.node_name(pos + 2)
            if tag == NEWER_REFERENCE_EXT:
                self.need(pos, 4)
                creation, pos = UINT32.unpack_from(buf, pos)[0], pos + 4
            else:
                self.need(pos, 1)
                creation, pos = buf[pos], pos + 1
            self.need(pos, 4 * words)
            ids = struct.unpack_from(f">{words}I", buf, pos)
            return Ref(node, _ref_id(ids), creation), pos + 4 * words
        if tag == REFERENCE_EXT:
            node, pos = self.node_name(pos)
            self.need(pos, 5)
            return Ref(node, UINT32.unpack_from(buf, pos)[0], buf[pos + 4]), pos + 5
        if tag == NEW_FLOAT_EXT:
            self.need(pos, 8)
            return DOUBLE.unpack_from(buf, pos)[0], pos + 8
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
                size, pos = UINT32.unpack_from(buf, pos)[0], pos + 4
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
            arity, pos = UINT32.unpack_from(buf, pos)[0], pos + 4
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
            size = UINT32.unpack_from(buf, pos)[0]  # counts itself, not the tag
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
            size = UINT32.unpack_from(buf, pos)[0]
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
            size, pos = UINT16.unpack_from(buf, pos)[0], pos + 2
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
