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
        return msgpack.ExtType(EXT_PID, _pack(list(obj[1:])))
    if cls is Ref:
        return msgpack.ExtType(EXT_REF, _pack(list(obj[1:])))
    if isinstance(obj, (set, frozenset)):
        raise LocalProtocolError(f"cannot send a {cls.__name__}: use a list or a tuple")
    raise LocalProtocolError(f"cannot send a value of type {cls.__name__}: {obj!r:.80}")


def _pack(obj: Any) -> bytes:
    # strict_types: a tuple is not a list, and must reach _default to be tagged.
    return msgpack.packb(obj, default=_default, strict_types=True, use_bin_type=True)


def _ext_hook(code: int, data: bytes) -> Any:
    if code == EXT_TUPLE:
        return tuple(_unpack(data))
    if code == EXT_PID:
        node, id_, serial, creation = _unpack(data)
        if not (isinstance(node, str) and type(id_) is int and type(serial) is int
                and type(creation) is int):
            raise RemoteProtocolError("malformed pid")
        return Pid(node, id_, serial, creation)
    if code == EXT_REF:
        node, id_, creation = _unpack(data)
        if not (isinstance(node, str) and type(id_) is int and type(creation) is int):
            raise RemoteProtocolError("malformed ref")
        return Ref(node, id_, creation)
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
