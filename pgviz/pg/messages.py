"""What a pg broadcast may carry: a term the wire can encode, in one frame."""

from __future__ import annotations

from typing import Any

from ..errors import LocalProtocolError
from ..wire.codec import encode

__all__ = ["validate_message"]


def validate_message(msg: Any, max_frame: int) -> None:
    """LocalProtocolError unless `msg` can go to another node: encodable by the codec
    (None, bool, int, float, str, bytes, list, tuple, dict, Pid, Ref, within the codec's depth
    and size limits) and small enough for one frame of `max_frame` bytes. The bytes are
    thrown away: only a remote send keeps an encoding, and it encodes its own frame."""
    size = len(encode(msg))
    if size > max_frame:
        raise LocalProtocolError(
            f"message of {size} bytes exceeds the maximum frame size {max_frame}")
