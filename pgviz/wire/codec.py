"""msgpack codec for Erlang-like terms, safe against hostile input.

msgpack has no tuples, pids or refs:
* a tuple is an array whose first element is a zero-length ext of type 3 (the tuple mark):
  `(1, 2)` is `[mark, 1, 2]`. Tuples stay tuples across nodes (pg's messages and users'
  messages are tuple-shaped, and a tuple group is not a list).
* a pid (ext 1) and a ref (ext 2) carry a flat array of Erlang's NEW_PID_EXT /
  NEWER_REFERENCE_EXT fields, so that an External Term Format bridge maps them one to one.

Why tuples are not ext payloads holding their items (as they were): decoding a nested ext
re-enters the C decoder once per level from Python, and about 200 levels of it overflow the C
stack -- one small frame killed the interpreter with SIGSEGV. Now the whole frame is decoded in
one C pass (msgpack's decoder keeps its own explicit stack, no recursion), pid and ref payloads
are flat and decoded without any ext hook, and the shape of the result is then checked without
recursion either.

Limits (the same on both sides, so an honest sender learns of a breach before sending):
* MAX_DEPTH nesting levels of lists, tuples and dicts (a flat list is depth 1);
* MAX_ELEMENTS items in all containers of one term together (a dict item counts twice);
* the total size is the frame's, bounded by the frame layer: every element costs at least one
  byte on the wire, so a frame of N bytes expands to at most N elements.
Encoding past a limit raises LocalProtocolError; decoding raises RemoteProtocolError.
"""

from __future__ import annotations

from typing import Any

import msgpack

from ..errors import LocalProtocolError, RemoteProtocolError
from .render import safe_repr
from .terms import Pid, Ref

__all__ = [
    "encode", "encode_message", "encode_send", "decode", "decode_plain", "check_shape",
    "EXT_PID", "EXT_REF", "EXT_TUPLE", "MAX_DEPTH", "MAX_ELEMENTS",
]

EXT_PID = 1
EXT_REF = 2
EXT_TUPLE = 3
MAX_DEPTH = 100
MAX_ELEMENTS = 4 * 1024 * 1024
MAX_NODE_NAME = 255

_TUPLE_MARK_EXT = msgpack.ExtType(EXT_TUPLE, b"")
_NESTED = frozenset({list, tuple, dict})
# What a user's term may not hold: raw ext values would be read back as pids, refs or tuple
# marks (or refused) by the peer; msgpack would pack them without asking us.
_NOT_SENDABLE = frozenset({msgpack.ExtType, msgpack.Timestamp})


class _TupleMark:
    """The decoded tuple mark; only ever seen by the list hook (and the leak count)."""

    __slots__ = ()


_MARK = _TupleMark()


def check_shape(term: Any, max_depth: int = MAX_DEPTH, max_elements: int = MAX_ELEMENTS,
                forbidden: frozenset[type] = frozenset(),
                error: type[Exception] = LocalProtocolError) -> None:
    """Raise `error` if `term` nests deeper than `max_depth`, holds more than `max_elements`
    items in all, or contains a value of a `forbidden` type. Without recursion (an explicit
    stack of containers): a small container's items are looked at one by one, a large one's
    types in one C-level pass (a flat list of a million scalars costs one pass)."""
    t = type(term)
    if t not in _NESTED:
        if t in forbidden:
            raise error(f"cannot send a {t.__name__}")
        return
    watch = _WATCH.get(forbidden)
    if watch is None:
        watch = _WATCH[forbidden] = _NESTED | forbidden
    count = 0
    stack: list[tuple[Any, int]] = [(term, 1)]
    while stack:
        obj, depth = stack.pop()
        items = [*obj, *obj.values()] if type(obj) is dict else obj
        count += len(items)
        if count > max_elements:
            # Checked at every container: a term that shares its parts (`x = [x] * 16`,
            # nested) is walked along every path, and must be refused as soon as it counts
            # too many, not after an exponential walk.
            raise error(f"a term of more than {max_elements} elements")
        if len(items) > _SMALL:
            kinds = set(map(type, items))
            if kinds.isdisjoint(watch):
                continue
            bad = kinds & forbidden
            if bad:
                raise error(f"cannot send a {next(iter(bad)).__name__}")
        for x in items:
            tx = type(x)
            if tx in watch:
                if tx in forbidden:
                    raise error(f"cannot send a {tx.__name__}")
                if depth >= max_depth:
                    raise error(f"a term nested deeper than {max_depth} levels")
                stack.append((x, depth + 1))


# Containers up to this many items are walked item by item: cheaper than building their set
# of types (pg's messages and most users' are a few small tuples and lists).
_SMALL = 16
_WATCH: dict[frozenset[type], frozenset[type]] = {}  # forbidden -> forbidden | _NESTED


# -- encoding --------------------------------------------------------------------------------------

def _default(obj: Any) -> Any:
    cls = type(obj)
    if cls is tuple:
        return [_TUPLE_MARK_EXT, *obj]
    if cls is Pid:
        ext = _PID_EXT.get(obj)
        if ext is None:
            # (ExtType's own __new__ checks its arguments in Python: ours are right.)
            ext = tuple.__new__(msgpack.ExtType,
                                (EXT_PID, _flat_pack([obj[2], obj[0], obj[3], obj[4]])))
            if len(_PID_EXT) >= _CACHE_MAX:
                _PID_EXT.clear()
            _PID_EXT[obj] = ext
        return ext
    if cls is Ref:
        return msgpack.ExtType(EXT_REF, _flat_pack(list(obj.fields)))
    if isinstance(obj, (set, frozenset)):
        raise LocalProtocolError(f"cannot send a {cls.__name__}: use a list or a tuple")
    raise LocalProtocolError(f"cannot send a value of type {cls.__name__}: {_short(obj)}")


# Pids are immutable and few: remember each one's encoding and each encoding's Pid.
_CACHE_MAX = 100_000
_PID_TAG = Pid("", 0)[1]
_PID_EXT: dict[Pid, msgpack.ExtType] = {}
_PID_DEC: dict[bytes, Pid] = {}
# msgpack.packb() builds a Packer with a 256 KiB buffer per call (~10 us); reused Packers
# cost ~1 us. A Packer resets itself after an error, so reuse stays safe; the pool (pop and
# append are atomic) keeps two threads from sharing one.
_packers: list[msgpack.Packer] = []
_flat_packers: list[msgpack.Packer] = []


def _flat_pack(fields: list[Any]) -> bytes:
    packer = _flat_packers.pop() if _flat_packers else msgpack.Packer(
        strict_types=True, use_bin_type=True, buf_size=256)
    try:
        return packer.pack(fields)
    finally:
        _flat_packers.append(packer)


def encode(term: Any, *, _max_depth: int = MAX_DEPTH, _max_elements: int = MAX_ELEMENTS
           ) -> bytes:
    """Serialise a term (None, bool, int, float, str, bytes, list, tuple, dict, Pid, Ref);
    LocalProtocolError for anything else or past the limits."""
    check_shape(term, _max_depth, _max_elements, forbidden=_NOT_SENDABLE)
    packer = _packers.pop() if _packers else msgpack.Packer(
        default=_default, strict_types=True, use_bin_type=True, buf_size=4096)
    try:
        # strict_types: a tuple is not a list, and must reach _default to be marked.
        return packer.pack(term)
    except LocalProtocolError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise LocalProtocolError(f"cannot encode {_short(term)}: {exc}") from exc
    finally:
        _packers.append(packer)


# ["SEND", To, Msg] is msgpack's array header and "SEND", then To's bytes, then Msg's: the
# same message to many pids is encoded once (encode_message) and only To differs per frame.
_SEND_HEAD = b"\x93\xa4SEND"
_PID_BYTES: dict[Pid, bytes] = {}


def encode_message(msg: Any) -> bytes:
    """`msg` encoded to be the Msg of encode_send: within the limits once it is wrapped in
    ["SEND", To, Msg] (one level and three elements more)."""
    return encode(msg, _max_depth=MAX_DEPTH - 1, _max_elements=MAX_ELEMENTS - 3)


def encode_send(to: Pid, message: bytes) -> bytes:
    """encode(["SEND", to, msg]), byte for byte, from `message` = encode_message(msg)."""
    head = _PID_BYTES.get(to)
    if head is None:
        head = _SEND_HEAD + encode(to)
        if len(_PID_BYTES) >= _CACHE_MAX:
            _PID_BYTES.clear()
        _PID_BYTES[to] = head
    return head + message


# -- decoding --------------------------------------------------------------------------------------

class _MarkCount:
    """For one decode(): `open`, the tuple marks made by the ext hook minus those the list hook
    consumed (a mark anywhere but first in an array would otherwise leak into the term); and
    `containers`, the arrays and maps decoded (the hooks see every one)."""

    __slots__ = ("open", "containers")

    def __init__(self) -> None:
        self.open = 0
        self.containers = 0


_marks = _MarkCount()


def _ext_hook(code: int, data: bytes) -> Any:
    if code == EXT_PID:  # first: the commonest by far (pg's frames carry several)
        pid = _PID_DEC.get(data)
        if pid is None:
            fields = _flat_unpack(data)
            if not (type(fields) is list and len(fields) == 4 and type(fields[0]) is str
                    and len(fields[0]) <= MAX_NODE_NAME and type(fields[1]) is int
                    and type(fields[2]) is int and type(fields[3]) is int):
                raise RemoteProtocolError("malformed pid")
            # Pid's slots, as its docstring lays them out, without its Python __new__: a
            # join's member is a new pid each time (0.68 -> 0.55 us a pid).
            pid = tuple.__new__(Pid, (fields[1], _PID_TAG, fields[0], fields[2], fields[3]))
            if len(_PID_DEC) >= _CACHE_MAX:
                _PID_DEC.clear()
            _PID_DEC[data] = pid
        return pid
    if code == EXT_TUPLE:
        if data:
            raise RemoteProtocolError("malformed tuple mark")
        _marks.open += 1
        return _MARK
    if code == EXT_REF:
        fields = _flat_unpack(data)
        if not (type(fields) is list and len(fields) == 3 and type(fields[0]) is str
                and len(fields[0]) <= MAX_NODE_NAME and type(fields[1]) is int
                and type(fields[2]) is int):
            raise RemoteProtocolError("malformed ref")
        return Ref(*fields)
    raise RemoteProtocolError(f"unknown ext type {code}")


def _list_hook(items: list[Any]) -> Any:
    _marks.containers += 1
    if items and items[0] is _MARK:
        _marks.open -= 1
        del items[0]
        return tuple(items)
    return items


def _map_hook(items: dict[Any, Any]) -> Any:
    _marks.containers += 1
    return items


def _no_ext(code: int, data: bytes) -> Any:
    raise RemoteProtocolError(f"unexpected ext type {code}")


def _flat_unpack(data: bytes) -> Any:
    # A pid's or ref's fields: no ext inside (no hook, so no re-entry), tiny by construction.
    return msgpack.unpackb(data, ext_hook=_no_ext, raw=False, max_bin_len=0,
                           max_array_len=8, max_map_len=0, max_ext_len=0)


def decode(data: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse one term; anything malformed or past the limits raises RemoteProtocolError,
    never anything else."""
    _marks.open = _marks.containers = 0
    try:
        term = msgpack.unpackb(data, ext_hook=_ext_hook, list_hook=_list_hook,
                               object_hook=_map_hook, raw=False, strict_map_key=False,
                               use_list=True)
    except RemoteProtocolError:
        raise
    except Exception as exc:  # msgpack raises a zoo of types on garbage (StackError too)
        raise RemoteProtocolError(f"undecodable term ({type(exc).__name__}: {exc})") from exc
    if _marks.open:
        raise RemoteProtocolError("a tuple mark outside the head of an array")
    # A term of at most max_depth containers cannot nest deeper, and one of at most
    # MAX_ELEMENTS bytes cannot hold more elements (each costs a byte, a dict item two):
    # pg's frames and most users' skip the walk, which cost a third of their decode.
    if _marks.containers > max_depth or len(data) > MAX_ELEMENTS:
        check_shape(term, max_depth, error=RemoteProtocolError)
    return term


def decode_plain(data: bytes, max_depth: int = 2) -> Any:
    """Parse a term of plain msgpack types only (no pids, refs or tuples), nested at most
    `max_depth` deep: what an unauthenticated peer may send (the handshake)."""
    try:
        term = msgpack.unpackb(data, ext_hook=_no_ext, raw=False, strict_map_key=True,
                               use_list=True)
    except RemoteProtocolError:
        raise
    except Exception as exc:
        raise RemoteProtocolError(f"undecodable term ({type(exc).__name__}: {exc})") from exc
    check_shape(term, max_depth, error=RemoteProtocolError)
    return term


def _short(obj: Any) -> str:
    return safe_repr(obj, 80)
