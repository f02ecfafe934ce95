"""The frame MAC, sans-IO: keys agree across a handshake and differ per direction; a frame
injected, altered, replayed, reordered, removed or reflected fails; batches seal as frames."""

from __future__ import annotations

import pytest

from pgviz.wire.codec import encode
from pgviz.wire.frames import TICK, encode_frame
from pgviz.wire.handshake import Established, Handshake
from pgviz.wire.mac import TAG_BYTES, FrameOpener, FrameSealer


def _keys():
    i = Handshake(initiator=True, name="i@h", creation=1, cookie="c", address="h:1")
    a = Handshake(initiator=False, name="a@h", creation=2, cookie="c", address="h:2")
    i.start()
    a.receive_data(i.data_to_send())
    a.accept()
    i.receive_data(a.data_to_send())
    ev_a = a.receive_data(i.data_to_send())
    ev_i = i.receive_data(a.data_to_send())
    assert isinstance(ev_a, Established) and isinstance(ev_i, Established)
    return ev_i.keys, ev_a.keys


def _frames(n: int) -> list[bytes]:
    return [encode_frame(encode(["SEND", k, ("msg", k)])) for k in range(n)]


def test_both_sides_derive_the_same_keys_one_per_direction():
    ki, ka = _keys()
    assert ki.send == ka.receive and ki.receive == ka.send
    assert ki.send != ki.receive
    assert _keys()[0].send != ki.send  # fresh nonces, fresh keys


def test_sealed_frames_open_in_order_ticks_included():
    ki, ka = _keys()
    sealer, opener = FrameSealer(ki.send), FrameOpener(ka.receive, 1 << 20)
    frames = _frames(3)
    wire = b"".join(sealer.seal(f) for f in [frames[0], TICK, frames[1], frames[2]])
    assert opener.feed(wire) == [frames[0][4:], b"", frames[1][4:], frames[2][4:]]
    assert opener.error is None and opener.seq == 4
    assert len(sealer.seal(TICK)) == 4 + TAG_BYTES


def test_a_batch_seals_exactly_as_its_frames_one_by_one():
    ki, _ = _keys()
    frames = _frames(5)
    one, batch = FrameSealer(ki.send), FrameSealer(ki.send)
    assert batch.seal(b"".join(frames)) == b"".join(one.seal(f) for f in frames)


def _tamper(how: str, sealed: list[bytes]) -> list[bytes]:
    if how == "alter":
        bad = bytearray(sealed[1])
        bad[6] ^= 0x40
        return [sealed[0], bytes(bad), sealed[2]]
    if how == "replay":
        return [sealed[0], sealed[0], sealed[1]]
    if how == "reorder":
        return [sealed[0], sealed[2], sealed[1]]
    if how == "remove":
        return [sealed[0], sealed[2]]
    if how == "inject":
        forged = encode_frame(encode(["SEND", 9, "forged"]))
        return [sealed[0], forged[:4] + forged[4:] + bytes(TAG_BYTES), sealed[1]]
    if how == "unsealed":
        return [sealed[0], encode_frame(encode(["SEND", 9, "x"]))]
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["alter", "replay", "reorder", "remove", "inject", "unsealed"])
def test_tampering_is_caught_at_the_first_bad_frame(how):
    ki, ka = _keys()
    sealer, opener = FrameSealer(ki.send), FrameOpener(ka.receive, 1 << 20)
    frames = _frames(3)
    sealed = [sealer.seal(f) for f in frames]
    got = opener.feed(b"".join(_tamper(how, sealed)))
    assert got == [frames[0][4:]]  # the authentic frame before it is still handed over
    assert opener.error is not None and "frame 1" in str(opener.error)
    assert opener.feed(sealed[1]) == []  # and nothing after it, ever


def test_a_frame_reflected_to_its_sender_fails():
    ki, _ = _keys()
    sealer = FrameSealer(ki.send)
    own = FrameOpener(ki.receive, 1 << 20)  # the initiator reading what it sent itself
    assert own.feed(sealer.seal(_frames(1)[0])) == []
    assert own.error is not None


def test_the_length_is_checked_before_buffering():
    from pgviz.errors import FrameTooLarge

    _, ka = _keys()
    opener = FrameOpener(ka.receive, 1000)
    with pytest.raises(FrameTooLarge):
        opener.feed((1000 + TAG_BYTES + 1).to_bytes(4, "big"))
