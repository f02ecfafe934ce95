"""A peer that does not speak pgviz is named so at its first bytes (NotPgvizNode), on either
side of the handshake, and every handshake failure is a ConnectionError."""

from __future__ import annotations

import random

import pytest

from pgviz import (
    AuthenticationError,
    ConnectionRefused,
    HandshakeError,
    NotPgvizNode,
    PgvizConnectionError,
    RemoteProtocolError,
)
from pgviz.wire.codec import encode
from pgviz.wire.frames import encode_frame
from pgviz.wire.handshake import PROTOCOL_VERSION, Handshake, PeerHello, begins_like_pgviz

FOREIGN = {
    "http response": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    "http request": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "ssh banner": b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    "tls client hello": bytes.fromhex("16030100f8010000f40303") + bytes(40),
    "random bytes": random.Random(13).randbytes(64),
    "empty frame": b"\x00\x00\x00\x00",
    "small frame of a map": b"\x00\x00\x00\x02\x81\x01",
    "redis": b"-ERR unknown command\r\n",
}


def initiator() -> Handshake:
    hs = Handshake(initiator=True, name="i@h", creation=1, cookie="c", address="h:1")
    hs.start()
    return hs


def acceptor() -> Handshake:
    return Handshake(initiator=False, name="a@h", creation=2, cookie="c", address="h:2")


@pytest.mark.parametrize("side", [initiator, acceptor])
@pytest.mark.parametrize("label", list(FOREIGN))
def test_foreign_first_bytes_are_not_a_pgviz_node(side, label):
    hs = side()
    with pytest.raises(NotPgvizNode, match="not a pgviz node") as caught:
        hs.receive_data(FOREIGN[label])
    assert isinstance(caught.value, ConnectionError)  # hence `except OSError` works
    assert isinstance(caught.value, RemoteProtocolError)  # the peer's fault
    assert caught.value.first_bytes == FOREIGN[label][:32]
    assert hs.state == "closed"


@pytest.mark.parametrize("label", ["http response", "ssh banner", "tls client hello"])
def test_the_first_wrong_byte_is_enough(label):
    """One byte at a time: the error comes with the first byte that pgviz would not send, not
    after a frame's worth of bytes or the handshake timeout."""
    hs = initiator()
    data = FOREIGN[label]
    wrong = next(n for n in range(1, len(data) + 1) if not begins_like_pgviz(data[:n]))
    for k in range(wrong - 1):
        assert hs.receive_data(data[k:k + 1]) is None
    with pytest.raises(NotPgvizNode):
        hs.receive_data(data[wrong - 1:wrong])
    assert wrong <= 6


def test_a_real_handshake_fed_one_byte_at_a_time_still_passes_the_check():
    i, a = initiator(), acceptor()
    hello = i.data_to_send()
    assert begins_like_pgviz(hello[:6])
    events = [a.receive_data(hello[k:k + 1]) for k in range(len(hello))]
    assert isinstance(events[-1], PeerHello) and not any(events[:-1])


def test_a_pgviz_peer_of_another_version_is_a_handshake_error_not_a_foreign_one():
    hs = acceptor()
    hello = ["hello", PROTOCOL_VERSION + 1, "i@h", 1, b"n" * 16, "h:1", True, []]
    with pytest.raises(HandshakeError, match="version") as caught:
        hs.receive_data(encode_frame(encode(hello)))
    assert not isinstance(caught.value, NotPgvizNode)


def test_an_oversized_later_handshake_frame_is_a_handshake_error():
    hs = initiator()
    welcome_start = encode_frame(encode(["welcome", "a@h", 2, b"n" * 16, "h:2", []]))
    big = b"\x00\x01\x00\x00" + b"\x91"  # a second frame announcing 64 KiB
    with pytest.raises(HandshakeError, match="too large"):
        hs.receive_data(welcome_start + big)


def test_every_connection_error_shares_one_base():
    for cls in (ConnectionRefused, AuthenticationError, HandshakeError, NotPgvizNode):
        assert issubclass(cls, PgvizConnectionError) and issubclass(cls, ConnectionError)
        assert issubclass(cls, OSError)
    refused = ConnectionRefused("refused", "b@h", "timeout")
    assert (str(refused), refused.peer, refused.reason) == ("refused", "b@h", "timeout")
