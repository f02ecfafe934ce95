"""The bridge's sans-IO parts on their own (no Erlang needed): the handshake both ways and
its flags (OTP 25's digest bit, OTP 26/27's mandatory UNLINK_ID and V4_NC), the control
translation (UNLINK_ID/ack, payload exits, pg's shapes), ETF limits against hostile input."""

from __future__ import annotations

import struct
import zlib

import pytest

from pgviz import Pid, Ref
from pgviz.erlang import (
    Atom,
    EtfDecodeError,
    EtfEncodeError,
    Limits,
    control,
    decode,
    encode,
    handshake,
)
from pgviz.erlang.control import Translator, build_frame, parse_frame, pg_in, pg_out
from pgviz.erlang.handshake import (
    DFLAG_MANDATORY_25_DIGEST,
    DFLAG_UNLINK_ID,
    DFLAG_V4_NC,
    MANDATORY_DFLAGS_25,
    OUR_FLAGS,
    Established,
    Handshake,
    NameReceived,
)
from pgviz.errors import AuthenticationError, HandshakeError


def _pump(a: Handshake, b: Handshake) -> tuple[list[object], list[object]]:
    ev_a: list[object] = []
    ev_b: list[object] = []
    for _ in range(10):
        out = a.data_to_send()
        if out:
            for ev in b.receive(out):
                ev_b.append(ev)
                if isinstance(ev, NameReceived):
                    b.accept()
        out = b.data_to_send()
        if out:
            ev_a += a.receive(out)
        if a.done and b.done:
            break
    return ev_a, ev_b


def test_digest_flag_is_bit_26():
    """dist.hrl and beam use 16#04000000; OTP 25's HTML docs say 1 bsl 36 (wrong)."""
    assert DFLAG_MANDATORY_25_DIGEST == 0x04000000 == 1 << 26
    assert OUR_FLAGS & DFLAG_MANDATORY_25_DIGEST and OUR_FLAGS & MANDATORY_DFLAGS_25


def test_handshake_both_directions():
    a = Handshake(initiator=True, name="a@h", creation=7, cookie="c")
    b = Handshake(initiator=False, name="b@h", creation=9, cookie="c")
    ev_a, ev_b = _pump(a, b)
    up_a, up_b = ev_a[-1], ev_b[-1]
    assert isinstance(up_a, Established) and isinstance(up_b, Established)
    assert (up_a.name, up_a.creation, up_b.name, up_b.creation) == ("b@h", 9, "a@h", 7)
    assert up_a.flags == up_b.flags == OUR_FLAGS
    assert up_a.flags & DFLAG_UNLINK_ID and up_a.flags & DFLAG_V4_NC


def test_handshake_wrong_cookie():
    a = Handshake(initiator=True, name="a@h", creation=7, cookie="c")
    b = Handshake(initiator=False, name="b@h", creation=9, cookie="other")
    with pytest.raises(AuthenticationError, match="cookie"):
        _pump(a, b)


def test_handshake_digest_is_erlangs():
    """MD5(cookie ++ integer_to_list(Challenge)), as dist_util:gen_digest/2."""
    import hashlib
    assert handshake.digest(12345, "abc") == hashlib.md5(b"abc12345").digest()


@pytest.mark.parametrize("flags", [
    # OTP 27: only the digest bit says "OTP 25's mandatory set" (its old bits may be reused)
    DFLAG_MANDATORY_25_DIGEST | DFLAG_UNLINK_ID | DFLAG_V4_NC | 1,
    # OTP 24: the individual flags, no digest bit
    MANDATORY_DFLAGS_25 | 1,
])
def test_handshake_accepts_otp_24_to_27_flag_styles(flags):
    a = Handshake(initiator=True, name="a@h", creation=1, cookie="c", flags=flags)
    b = Handshake(initiator=False, name="b@h", creation=2, cookie="c")
    ev_a, ev_b = _pump(a, b)
    assert isinstance(ev_b[-1], Established)


def test_handshake_refuses_missing_mandatory_flags():
    a = Handshake(initiator=True, name="a@h", creation=1, cookie="c", flags=1)
    b = Handshake(initiator=False, name="b@h", creation=2, cookie="c")
    with pytest.raises(HandshakeError, match="MAP_TAG"):
        b.receive(a.data_to_send())
    assert b.data_to_send().endswith(b"not_allowed")


def test_handshake_garbage():
    b = Handshake(initiator=False, name="b@h", creation=2, cookie="c")
    with pytest.raises(HandshakeError):
        b.receive(b"\x00\x05Xjunk")
    b = Handshake(initiator=False, name="b@h", creation=2, cookie="c")
    with pytest.raises(HandshakeError, match="name"):
        b.receive(struct.pack(">HcQIH", 15 + 5, b"N", OUR_FLAGS, 1, 5) + b"noat!")


P = Pid("a@h", 1, 0, 3)
Q = Pid("b@h", 2, 0, 4)


def test_unlink_id_protocol():
    """OTP 26+: unlink is UNLINK_ID {35, Id, From, To}, answered with UNLINK_ID_ACK
    {36, Id, To, From}; ids increase per connection. Without the flag: UNLINK {4, ...}."""
    t = Translator(P, unlink_id=True)
    (c1, _, _), = t.outbound(["UNLINK", P, Q])
    (c2, _, _), = t.outbound(["UNLINK", P, Q])
    assert c1[0] == control.UNLINK_ID and c1[2:] == (P, Q) and c2[1] > c1[1]
    inbound = t.inbound((control.UNLINK_ID, 77, Q, P), None, False)
    assert inbound.term == ["UNLINK", Q, P]
    assert inbound.replies == [(control.UNLINK_ID_ACK, 77, P, Q)]
    assert t.inbound((control.UNLINK_ID_ACK, 1, Q, P), None, False).term is None
    old = Translator(P, unlink_id=False)
    assert old.outbound(["UNLINK", P, Q])[0][0] == (control.UNLINK, P, Q)


def test_v4_nc_pids_and_refs():
    """DFLAG_V4_NC: full 32-bit pid id and serial, references of up to 5 words."""
    big = Pid("a@h", 2**32 - 1, 2**32 - 1, 2**32 - 1)
    assert decode(encode(big)) == big
    ref5 = Ref("a@h", 2**150 + 5, 9)
    raw = encode(ref5)
    assert struct.unpack_from(">H", raw, 2)[0] == 5  # words
    assert decode(raw) == ref5
    with pytest.raises(EtfEncodeError):
        encode(Pid("a@h", 2**32, 0, 1))


def test_exit_payload_and_names():
    t = Translator(P, exit_payload=True)
    (ctrl, payload, has), = t.outbound(["EXIT", P, Q, "normal"])
    assert ctrl == (control.PAYLOAD_EXIT, P, Q) and payload == Atom("normal") and has
    (ctrl, payload, has), = t.outbound(["EXIT2", None, Q, "RuntimeError('x')"])
    assert ctrl[1] == P and payload == "RuntimeError('x')"  # a binary: no atom from a repr
    inbound = t.inbound((control.PAYLOAD_EXIT, Q, P), Atom("noconnection"), True)
    assert inbound.term == ["EXIT", Q, P, "noconnection"]
    (ctrl, payload, has), = t.outbound(["REG_SEND", "pg", ("discover", P)])
    assert ctrl[3] == Atom("pg") and payload == (Atom("discover"), P)


def test_pg_shapes():
    assert pg_out(("join", P, "g", [P])) == (Atom("join"), P, "g", [P])
    assert pg_out(("sync", P, [("g", [P])])) == (Atom("$gen_cast"), (Atom("sync"), P,
                                                                     [("g", [P])]))
    assert pg_in((Atom("$gen_cast"), (Atom("sync"), P, []))) == ("sync", P, [])
    assert pg_in((Atom("discover"), P, 1)) == ("discover", P)  # OTP 26+ adds a version
    assert pg_in((Atom("leave"), P, [P], [Atom("g")])) == ("leave", P, [P], [Atom("g")])
    assert pg_out(("join", "not a pid")) == ("join", "not a pid")


def test_frames_and_unknown_control():
    frame = build_frame((control.SEND, Atom(""), P), (Atom("hi"),), True)
    ctrl, payload, has = parse_frame(frame[4:], Limits())
    assert ctrl == (2, Atom(""), P) and payload == (Atom("hi"),) and has
    t = Translator(P)
    with pytest.raises(control.ControlError):
        t.inbound((99, P), None, False)
    with pytest.raises(control.ControlError):
        t.inbound((control.SEND, Atom(""), P), None, False)  # SEND without its message
    with pytest.raises(control.ControlError):
        parse_frame(b"D\x00", Limits())  # an atom-cache header: never negotiated


@pytest.mark.parametrize("data, what", [
    (b"\x83" + b"l" + struct.pack(">I", 2**32 - 1) + b"j", "truncated"),
    (b"\x83" + b"v" + struct.pack(">H", 600) + "é".encode() * 300, "characters"),
    (b"\x83" + b"h\x01" * 200 + b"j", "deeper"),
    (b"\x83o" + struct.pack(">I", 10**6) + b"\x00", "bytes"),
    (b"\x83a\x01a\x02", "after"),
    (b"\x83R\x00", "cache"),
    (b"\x83\x63" + b"x" * 31, "FLOAT"),
    (b"\x83" + b"t" + struct.pack(">I", 2) + b"a\x01a\x02a\x01a\x03", "duplicate"),
    (b"\x83P" + struct.pack(">I", 10**9) + zlib.compress(b"\x00" * 1000), "compressed"),
    (b"\x83\xff", "unknown"),
])
def test_hostile_etf_is_refused(data, what):
    with pytest.raises(EtfDecodeError, match=what):
        decode(data, Limits(max_size=1 << 20))


def test_atom_limits_on_encode():
    with pytest.raises(EtfEncodeError):
        encode(Atom("a" * 256))
    with pytest.raises(EtfEncodeError):
        encode(float("nan"))
    with pytest.raises(EtfEncodeError):
        encode({1, 2})
