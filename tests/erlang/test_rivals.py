"""OTP's rules for rival connections on their own (rivals.py; no Erlang needed): the acceptor's
status at the initiator's name (ok / ok_simultaneous / nok / alive / silent close), the
initiator's answer to `alive` (is_pending), what goes up at the end, and the handshake's
`alive` exchange both ways, sans-IO."""

from __future__ import annotations

import pytest

from pgviz.erlang.handshake import (
    AliveReply,
    Established,
    Handshake,
    NameReceived,
    StatusReceived,
)
from pgviz.erlang.rivals import Refuse, Replace, Status, at_alive, at_name, at_up
from pgviz.errors import HandshakeError

SMALL, BIG = "a@h", "b@h"


def _name(me, peer, *, running=True, link_up=False, handshaking=False):
    return at_name(me, peer, running=running, link_up=link_up, handshaking=handshaking)


def test_at_name_plain_connect_is_ok():
    assert _name(SMALL, BIG) == Status("ok")


def test_at_name_simultaneous_connect_the_greater_names_dial_wins():
    """net_kernel: MyNode > Node answers nok (its own dial wins), else ok_simultaneous."""
    assert _name(BIG, SMALL, handshaking=True).status == "nok"
    assert _name(SMALL, BIG, handshaking=True) == Status("ok_simultaneous")


def test_at_name_link_up_asks_alive():
    """An up link (even with our own dial under way) makes the acceptor ask `alive`."""
    assert _name(SMALL, BIG, link_up=True) == Status("alive")
    assert _name(BIG, SMALL, link_up=True, handshaking=True) == Status("alive")




def test_at_name_stopping_and_own_name():
    assert _name(SMALL, BIG, running=False) == Refuse(None, "node stopping")
    assert _name(SMALL, SMALL).status == "not_allowed"


def test_at_alive_is_pending_only_without_a_link():
    assert at_alive(link_up=False) is True
    assert at_alive(link_up=True) is False


@pytest.mark.parametrize("initiator, link_up, confirmed, kind", [
    (True, False, False, type(None)),
    (False, False, True, type(None)),
    (True, True, False, Replace),   # the acceptor acknowledged: its side of the old is gone
    (False, True, True, Replace),   # the initiator answered true to alive
    (False, True, False, Refuse),   # a link came up meanwhile: keep it, drop this one
])
def test_at_up(initiator, link_up, confirmed, kind):
    assert type(at_up(BIG, initiator=initiator, link_up=link_up,
                      alive_confirmed=confirmed)) is kind


def _alive_exchange(keep: bool) -> tuple[Handshake, Handshake, list[object]]:
    """a dials b, which holds a link to a: b asks alive, a answers `keep`."""
    a = Handshake(initiator=True, name="a@h", creation=7, cookie="c", expect="b@h")
    b = Handshake(initiator=False, name="b@h", creation=9, cookie="c")
    (name,) = b.receive(a.data_to_send())
    assert isinstance(name, NameReceived)
    b.accept("alive")
    out = b.data_to_send()
    assert out == b"\x00\x06salive"  # the status alone: the challenge waits for "true"
    assert a.receive(out) == [StatusReceived("alive")]
    assert a.state == "wait_alive"
    a.answer_alive(keep)
    assert a.data_to_send() == (b"\x00\x05strue" if keep else b"\x00\x06sfalse")
    ev_b = b.receive(b"\x00\x05strue" if keep else b"\x00\x06sfalse")
    return a, b, ev_b


def test_alive_answered_true_goes_on_to_established():
    a, b, ev_b = _alive_exchange(True)
    assert ev_b == [AliveReply(True)]
    ev_a = a.receive(b.data_to_send())  # the challenge; a sends its reply
    ev_b = b.receive(a.data_to_send())  # b checks it and acks
    ev_a += a.receive(b.data_to_send())
    assert isinstance(ev_a[-1], Established) and isinstance(ev_b[-1], Established)
    assert (ev_a[-1].name, ev_b[-1].name) == ("b@h", "a@h")


def test_alive_answered_false_ends_both_sides():
    a, b, ev_b = _alive_exchange(False)
    assert ev_b == [AliveReply(False)]
    assert b.data_to_send() == b"" and a.state == b.state == "declined"
    assert b.receive(b"\x00\x01r") == []  # nothing more is read: the connection closes


def test_alive_bad_answers_and_misuse():
    b = Handshake(initiator=False, name="b@h", creation=9, cookie="c")
    a = Handshake(initiator=True, name="a@h", creation=7, cookie="c")
    b.receive(a.data_to_send())
    b.accept("alive")
    with pytest.raises(HandshakeError, match="alive"):
        b.receive(b"\x00\x06smaybe")
    with pytest.raises(HandshakeError, match="alive"):
        a.answer_alive(True)  # no alive status received
    c = Handshake(initiator=False, name="c@h", creation=9, cookie="c")
    c.receive(Handshake(initiator=True, name="a@h", creation=7, cookie="c").data_to_send())
    with pytest.raises(ValueError):
        c.accept("nok")  # a refusal goes through refuse()
