"""The sans-IO handshake: mutual HMAC proof, refusals, garbage, chunked input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgviz import AuthenticationError, ConnectionRefused, Refusal, RemoteProtocolError
from pgviz.errors import LocalProtocolError
from pgviz.wire.codec import encode
from pgviz.wire.frames import encode_frame
from pgviz.wire.handshake import PROTOCOL_VERSION, Established, Handshake, PeerHello


def pair(cookie_i="c", cookie_a="c", explicit=True):
    i = Handshake(initiator=True, name="i@h", creation=1, cookie=cookie_i, address="h:1",
                  explicit=explicit, caps=frozenset({"x"}))
    a = Handshake(initiator=False, name="a@h", creation=2, cookie=cookie_a, address="h:2")
    return i, a


def run_handshake(i, a, chunk=None):
    """Pump bytes between the two until both are done; returns their events."""
    i.start()
    events = {"i": [], "a": []}
    for _ in range(10):
        moved = False
        for src, dst, key in ((i, a, "a"), (a, i, "i")):
            data = src.data_to_send()
            if not data:
                continue
            moved = True
            pieces = [data[k:k + chunk] for k in range(0, len(data), chunk)] if chunk else [data]
            for piece in pieces:
                ev = dst.receive_data(piece)
                while ev is not None:
                    events[key].append(ev)
                    if isinstance(ev, PeerHello):
                        dst.accept()
                        ev = dst.receive_data(b"")
                    else:
                        ev = None
        if not moved:
            break
    return events


def test_success_both_sides_learn_each_other():
    i, a = pair()
    ev = run_handshake(i, a)
    hello = ev["a"][0]
    assert isinstance(hello, PeerHello) and hello.name == "i@h" and hello.explicit
    assert hello.caps == {"x"}
    done_a, done_i = ev["a"][-1], ev["i"][-1]
    assert isinstance(done_a, Established) and done_a.name == "i@h" and not done_a.initiator
    assert isinstance(done_i, Established) and done_i.name == "a@h" and done_i.initiator
    assert done_i.creation == 2 and done_a.address == "h:1"


@given(st.integers(1, 20))
@settings(max_examples=20)
def test_byte_by_byte_delivery(chunk):
    ev = run_handshake(*pair(), chunk=chunk)
    assert isinstance(ev["i"][-1], Established) and isinstance(ev["a"][-1], Established)


def test_wrong_cookie_fails_on_both_sides():
    i, a = pair(cookie_i="right", cookie_a="wrong")
    with pytest.raises(AuthenticationError) as err_a:
        run_handshake(i, a)
    assert "does not share our cookie" in str(err_a.value)
    # The acceptor's refusal reaches the initiator as an AuthenticationError too.
    with pytest.raises(AuthenticationError):
        i.receive_data(a.data_to_send())


def test_session_bytes_after_the_ack_are_handed_over():
    i, a = pair()
    i.start()
    a.receive_data(i.data_to_send())
    a.accept()
    i.receive_data(a.data_to_send())
    proof = i.data_to_send()
    assert isinstance(a.receive_data(proof), Established)
    ack = a.data_to_send()
    done = i.receive_data(ack + encode_frame(b"session"))
    assert isinstance(done, Established) and done.rest == encode_frame(b"session")


def test_refusal_reason_reaches_the_initiator():
    i, a = pair()
    i.start()
    a.receive_data(i.data_to_send())
    a.refuse("disconnected explicitly")
    with pytest.raises(ConnectionRefused, match="disconnected explicitly"):
        i.receive_data(a.data_to_send())


def test_version_mismatch_is_refused_with_a_reason():
    a = pair()[1]
    hello = encode_frame(encode(["hello", 99, "x@h", 1, b"n" * 16, "h:1", False, []]))
    with pytest.raises(RemoteProtocolError, match="version"):
        a.receive_data(hello)
    assert b"unsupported protocol version" in a.data_to_send()


@pytest.mark.parametrize("data", [
    b"\x00\x00\x00\x03abc",
    encode_frame(encode(["hello"])),
    encode_frame(encode(["welcome", "x@h", 1, b"n" * 16, "h", []])),
    encode_frame(encode(["hello", PROTOCOL_VERSION, "noat", 1, b"n" * 16, "h:1", False, []])),
    encode_frame(encode(["hello", PROTOCOL_VERSION, "x@h", 1, b"short", "h:1", False, []])),
    encode_frame(encode({"a": 1})),
])
def test_garbage_is_a_remote_protocol_error(data):
    with pytest.raises(RemoteProtocolError):
        pair()[1].receive_data(data)


def test_oversized_handshake_frame_is_rejected():
    with pytest.raises(RemoteProtocolError):
        pair()[1].receive_data(b"\x00\x10\x00\x00")


def test_reflected_proof_is_rejected():
    """The acceptor cannot be fooled by its own ack digest sent back as a proof."""
    i, a = pair()
    i.start()
    a.receive_data(i.data_to_send())
    a.accept()
    welcome = a.data_to_send()
    i.receive_data(welcome)
    i.data_to_send()
    forged = encode_frame(encode(["proof", b"\x00" * 32]))
    with pytest.raises(AuthenticationError):
        a.receive_data(forged)


def test_misuse_is_a_local_protocol_error():
    i, a = pair()
    with pytest.raises(LocalProtocolError):
        a.accept()
    i.start()
    with pytest.raises(LocalProtocolError):
        i.start()


def arbitrated_pair():
    i = Handshake(initiator=True, name="i@h", creation=1, cookie="c", address="h:1",
                  arbitrate=True)
    a = Handshake(initiator=False, name="a@h", creation=2, cookie="c", address="h:2",
                  arbitrate=True)
    i.start()
    assert isinstance(a.receive_data(i.data_to_send()), PeerHello)
    a.accept()
    return i, a


def test_arbitrated_sides_decide_at_the_welcome_and_before_the_ack():
    """With `arbitrate`, the initiator sends its proof only after accept() at the welcome,
    and the acceptor its ack only after confirm(): nothing goes up before both decided."""
    i, a = arbitrated_pair()
    welcome = i.receive_data(a.data_to_send())
    assert isinstance(welcome, PeerHello) and welcome.name == "a@h" and welcome.creation == 2
    assert i.data_to_send() == b"" and i.state == "deciding"
    i.accept()
    proved = a.receive_data(i.data_to_send())
    assert isinstance(proved, Established) and proved.name == "i@h"
    assert a.data_to_send() == b"" and a.state == "confirming"
    assert i.receive_data(b"") is None  # no ack yet: the initiator is not up
    a.confirm()
    done = i.receive_data(a.data_to_send())
    assert isinstance(done, Established) and done.session == proved.session


def test_an_acceptor_refusal_in_place_of_the_ack_reaches_the_initiator_typed():
    i, a = arbitrated_pair()
    i.receive_data(a.data_to_send())
    i.accept()
    a.receive_data(i.data_to_send())
    a.refuse("already connected", Refusal.ALREADY_CONNECTED)
    with pytest.raises(ConnectionRefused) as refused:
        i.receive_data(a.data_to_send())
    assert (refused.value.reason, refused.value.peer) == (Refusal.ALREADY_CONNECTED, "a@h")
    assert i.state == "closed"


def test_an_initiator_that_gives_up_at_the_welcome_sends_no_proof():
    i, a = arbitrated_pair()
    i.receive_data(a.data_to_send())
    i.refuse("another connection wins", Refusal.SIMULTANEOUS)
    with pytest.raises(ConnectionRefused) as refused:
        a.receive_data(i.data_to_send())
    assert (refused.value.reason, refused.value.peer) == (Refusal.SIMULTANEOUS, "i@h")
    with pytest.raises(LocalProtocolError):
        a.confirm()
