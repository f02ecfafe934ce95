"""msgpack codec for Erlang-like terms.

msgpack has no tuples, pids or refs, so each gets an ext type; tuples must stay tuples across
nodes (pg's messages and users' messages are tuple-shaped, and a tuple group is not a list).
The ext payloads hold the same fields as Erlang's NEW_PID_EXT / NEWER_REFERENCE_EXT so that a
later External Term Format bridge maps them one to one.
"""

from __future__ import annotations

from typing import Any

import msgpack

from ..errors import LocalProtocolError, RemoteProtocolError
from .terms import Pid, Ref

__all__ = ["encode", "decode", "EXT_PID", "EXT_REF", "EXT_TUPLE"]

EXT_PID = 1
EXT_REF = 2
EXT_TUPLE = 3


def _default(obj: Any) -> msgpack.ExtType:
    cls = type(obj)
    if cls is tuple:
        return msgpack.ExtType(EXT_TUPLE, _pack(list(obj)))
    if cls is Pid:
        ext = _PID_EXT.get(obj)
        if ext is None:
            ext = msgpack.ExtType(EXT_PID, _pack(list(obj.fields)))
            if len(_PID_EXT) >= _CACHE_MAX:
                _PID_EXT.clear()
            _PID_EXT[obj] = ext
        return ext
    if cls is Ref:
        return msgpack.ExtType(EXT_REF, _pack(list(obj.fields)))
    if isinstance(obj, (set, frozenset)):
        raise LocalProtocolError(f"cannot send a {cls.__name__}: use a list or a tuple")
    raise LocalProtocolError(f"cannot send a value of type {cls.__name__}: {obj!r:.80}")


# Nested values (a tuple, a pid) are packed by a nested Packer. msgpack.packb() would build a
# new Packer with a 256 KiB buffer each time (~10 us); a small pool of reusable Packers with
# small buffers costs ~1 us. A Packer resets itself after an error, so reuse stays safe.
_packers: list[msgpack.Packer] = []
# Pids are immutable and few: remember each one's encoding and each encoding's Pid.
_CACHE_MAX = 100_000
_PID_EXT: dict[Pid, msgpack.ExtType] = {}
_PID_DEC: dict[bytes, Pid] = {}


def _pack(obj: Any) -> bytes:
    packer = _packers.pop() if _packers else msgpack.Packer(
        default=_default, strict_types=True, use_bin_type=True, buf_size=1024)
    try:
        # strict_types: a tuple is not a list, and must reach _default to be tagged.
        return packer.pack(obj)
    finally:
        _packers.append(packer)


def _ext_hook(code: int, data: bytes) -> Any:
    if code == EXT_TUPLE:
        return tuple(_unpack(data))
    if code == EXT_PID:
        pid = _PID_DEC.get(data)
        if pid is None:
            fields = _unpack(data)
            if not (type(fields) is list and len(fields) == 4 and isinstance(fields[0], str)
                    and len(fields[0]) < 256 and all(type(x) is int for x in fields[1:])):
                raise RemoteProtocolError("malformed pid")
            pid = Pid(*fields)
            if len(_PID_DEC) >= _CACHE_MAX:
                _PID_DEC.clear()
            _PID_DEC[data] = pid
        return pid
    if code == EXT_REF:
        fields = _unpack(data)
        if not (type(fields) is list and len(fields) == 3 and isinstance(fields[0], str)
                and len(fields[0]) < 256 and type(fields[1]) is int and type(fields[2]) is int):
            raise RemoteProtocolError("malformed ref")
        return Ref(*fields)
    raise RemoteProtocolError(f"unknown ext type {code}")


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False,
                           use_list=True)


def encode(term: Any) -> bytes:
    """Serialise a term (None, bool, int, float, str, bytes, list, tuple, dict, Pid, Ref)."""
    try:
        return _pack(term)
    except LocalProtocolError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise LocalProtocolError(f"cannot encode {term!r:.80}: {exc}") from exc


def decode(data: bytes) -> Any:
    """Parse one term; anything malformed raises RemoteProtocolError, never something else."""
    try:
        return _unpack(data)
    except RemoteProtocolError:
        raise
    except Exception as exc:  # msgpack raises a zoo of types on garbage
        raise RemoteProtocolError(f"undecodable term ({type(exc).__name__}: {exc})") from exc
