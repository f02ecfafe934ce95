"""Frame integrity without TLS: every frame after the handshake carries a MAC.

Keys. The handshake ends with both sides holding the cookie, both nonces and both names; each
direction of the session gets its own key from them (HMAC-SHA256 used as a PRF keyed by the
cookie, its input length-prefixed parts, as the handshake's proofs are):

    key(dir) = HMAC-SHA256(cookie, "pgviz/3 session " dir | nonce_i | nonce_a | name_i | name_a)
    dir      = "i>a" (frames the initiator sends) or "a>i"

Frames. After the handshake a frame is

    length (4 bytes, big-endian: len(payload) + 16) | payload | tag (16 bytes)
    tag = BLAKE2b(key=key(dir), digest_size=16)(seq (8 bytes, big-endian) | payload)

`seq` counts the frames of one direction from 0, ticks included (a tick is a frame with an
empty payload: length 16, a tag and nothing else), in the order they reach the wire; the
receiver counts them in the order they arrive. So a relay without the cookie can neither
inject a frame, alter one, replay one (its number is spent), reorder two nor remove one (every
later number shifts): the first frame that does not verify closes the link. A frame removed
at the very end is noticed at the next tick (tick_time / 4). Reflection fails too: a frame
sent back to its sender is checked with the other direction's key.

The tag is keyed BLAKE2b with a 128-bit output (RFC 7693's keyed mode, a MAC by design, in
Python's hashlib): forging one is a 2**-128 guess per try, and a wrong guess ends the link.
It is chosen over HMAC-SHA256 for cost: pg's frames are mostly small, and for a 130-byte frame
a keyed BLAKE2b (one pass, state copied from a keyed prototype) costs about a third of an HMAC
in CPython. Frames coalesced into one write are tagged one by one, with no extra copy of the
batch.

Numbers are given where bytes really leave: the connection seals in its transport write, not
when a frame is queued, because the network clock's urgent frames (NETCTL, EV) and ticks go
past frames that a paused or slowed link holds back.

With TLS the MAC is not used: TLS already protects each record's integrity and order, and
the name in each side's certificate is checked against the name it claims in the handshake,
which binds the cookie handshake to the TLS session (a relay holding another classroom
certificate cannot splice two sessions).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from typing import NamedTuple

from ..errors import IntegrityError
from .frames import FrameDecoder

__all__ = ["TAG_BYTES", "SessionKeys", "session_keys", "FrameSealer", "FrameOpener"]

TAG_BYTES = 16
_LEN = struct.Struct(">I")
_SEQ = struct.Struct(">Q")


class SessionKeys(NamedTuple):
    """One side's keys: `send` for its frames, `receive` to check the peer's."""

    send: bytes
    receive: bytes


def _direction_key(cookie: bytes, direction: bytes, parts: tuple[bytes, ...]) -> bytes:
    msg = b"pgviz/3 session " + direction + b"".join(len(p).to_bytes(2, "big") + p
                                                      for p in parts)
    return hmac.digest(cookie, msg, "sha256")


def session_keys(cookie: bytes, *, initiator: bool, nonce_i: bytes, nonce_a: bytes,
                 name_i: str, name_a: str) -> SessionKeys:
    parts = (nonce_i, nonce_a, name_i.encode(), name_a.encode())
    i_to_a = _direction_key(cookie, b"i>a", parts)
    a_to_i = _direction_key(cookie, b"a>i", parts)
    return SessionKeys(i_to_a, a_to_i) if initiator else SessionKeys(a_to_i, i_to_a)


class FrameSealer:
    """One direction's sender: `seal` turns whole frames (as encode_frame makes them, one or
    several back to back) into tagged frames, numbering them in the order sealed."""

    __slots__ = ("_mac", "seq")

    def __init__(self, key: bytes) -> None:
        self._mac = hashlib.blake2b(key=key, digest_size=TAG_BYTES)  # copied per frame
        self.seq = 0

    def seal(self, frames: bytes) -> bytes:
        end = len(frames)
        (length,) = _LEN.unpack_from(frames, 0)
        if length + 4 == end:  # one frame: the common case
            return self.seal_payload(frames[4:])
        out: list[bytes | memoryview] = []
        view = memoryview(frames)
        pos = 0
        while pos < end:
            (length,) = _LEN.unpack_from(frames, pos)
            payload = view[pos + 4:pos + 4 + length]
            out += (_LEN.pack(length + TAG_BYTES), payload, self._tag(payload))
            pos += 4 + length
        return b"".join(out)

    def seal_payload(self, payload: bytes) -> bytes:
        """The sealed frame of one payload: seal(encode_frame(payload)), without the unsealed
        frame in between."""
        return b"".join((_LEN.pack(len(payload) + TAG_BYTES), payload, self._tag(payload)))

    def _tag(self, payload: bytes | memoryview) -> bytes:
        mac = self._mac.copy()
        mac.update(_SEQ.pack(self.seq))
        mac.update(payload)
        self.seq += 1
        return mac.digest()


class FrameOpener:
    """One direction's receiver: feed bytes, get the payloads of frames whose tags verify
    (b"" for a tick), in order. At the first frame that does not verify, `error` is set (an
    IntegrityError) and nothing more is ever returned: the frames before it, authentic, are
    still returned by that call; the caller checks `error` after handling them."""

    __slots__ = ("_mac", "_frames", "_max", "seq", "error")

    def __init__(self, key: bytes, max_size: int) -> None:
        self._mac = hashlib.blake2b(key=key, digest_size=TAG_BYTES)
        self._max = max_size + TAG_BYTES
        self._frames = FrameDecoder(self._max)
        self.seq = 0
        self.error: IntegrityError | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """Raises FrameTooLarge (a length prefix past the maximum) as FrameDecoder does."""
        if self.error is not None:
            return []
        end = len(data)
        if end >= 4 + TAG_BYTES and not self._frames.buffered:
            (length,) = _LEN.unpack_from(data, 0)
            if length + 4 == end and length <= self._max:
                # One whole frame and nothing left over, a quiet link's every read: cut
                # straight from `data`, one copy.
                payload = data[4:-TAG_BYTES]
                return [payload] if self._verified(payload, data[-TAG_BYTES:]) else []
        payloads = []
        for frame in self._frames.feed(data):
            if len(frame) < TAG_BYTES:
                self.error = IntegrityError(f"frame {self.seq} is {len(frame)} bytes, too short "
                                            "to carry a MAC (not sealed by the peer)")
                break
            payload = frame[:-TAG_BYTES]
            if not self._verified(payload, frame[-TAG_BYTES:]):
                break
            payloads.append(payload)
        return payloads

    def _verified(self, payload: bytes, tag: bytes) -> bool:
        mac = self._mac.copy()
        mac.update(_SEQ.pack(self.seq))
        mac.update(payload)
        if not hmac.compare_digest(mac.digest(), tag):
            self.error = IntegrityError(
                f"bad MAC on frame {self.seq}: injected, altered, replayed, reordered or "
                "preceded by a removed frame on the way")
            return False
        self.seq += 1
        return True
