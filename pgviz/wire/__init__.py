"""Sans-IO wire layer: term codec, frames and the handshake. No sockets here."""

from .codec import decode, encode
from .frames import MAX_FRAME_DEFAULT, FrameDecoder, encode_frame
from .handshake import Established, Handshake, PeerHello

__all__ = [
    "encode",
    "decode",
    "FrameDecoder",
    "encode_frame",
    "MAX_FRAME_DEFAULT",
    "Handshake",
    "PeerHello",
    "Established",
]
