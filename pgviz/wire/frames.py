"""Length-prefixed frames: a 4-byte big-endian length, then the payload.

A zero-length frame is a tick (keep-alive), as in Erlang's distribution. The length is checked
against the maximum before any byte of the payload is buffered, so a hostile length prefix
costs nothing.
"""

from __future__ import annotations

import struct

from ..errors import FrameTooLarge, LocalProtocolError

__all__ = ["FrameDecoder", "encode_frame", "MAX_FRAME_DEFAULT", "TICK"]

MAX_FRAME_DEFAULT = 8 * 1024 * 1024
_HEADER = struct.Struct(">I")
TICK = b"\x00\x00\x00\x00"


def encode_frame(payload: bytes, max_size: int = MAX_FRAME_DEFAULT) -> bytes:
    if len(payload) > max_size:
        raise LocalProtocolError(
            f"message of {len(payload)} bytes exceeds the maximum frame size {max_size}")
    return _HEADER.pack(len(payload)) + payload


class FrameDecoder:
    """Feed arbitrary chunks; get whole payloads back (b"" for a tick)."""

    __slots__ = ("max_size", "_buf")

    def __init__(self, max_size: int = MAX_FRAME_DEFAULT) -> None:
        self.max_size = max_size
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        if buf:
            buf += data
            src: bytes | bytearray = buf
        else:
            # Nothing left over (the usual case): frames are cut from `data` itself, one
            # copy each, and only an unfinished tail is kept.
            src = data if type(data) is bytes else bytes(data)
        frames: list[bytes] = []
        pos = 0
        end = len(src)
        while end - pos >= 4:
            (length,) = _HEADER.unpack_from(src, pos)
            if length > self.max_size:
                self._buf = bytearray()
                raise FrameTooLarge(
                    f"peer announced a frame of {length} bytes; the maximum is {self.max_size}")
            if end - pos - 4 < length:
                break
            frames.append(bytes(src[pos + 4:pos + 4 + length]))
            pos += 4 + length
        if src is buf:
            if pos:
                del buf[:pos]
        elif pos < end:
            buf += src[pos:]
        return frames

    def take_rest(self) -> bytes:
        """Bytes fed but not yet framed (handed over when the handshake ends)."""
        rest = bytes(self._buf)
        self._buf = bytearray()
        return rest

    @property
    def buffered(self) -> int:
        return len(self._buf)
