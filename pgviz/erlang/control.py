"""Erlang's distribution control messages <-> pgviz's internal control lists.

pgviz's runtime speaks lists named after Erlang's messages (runtime/routing.py, signals.py):
["SEND", to, msg], ["SEND_MULTI", pids, msg], ["REG_SEND", name, msg], ["MONITOR_P", watcher,
target, ref], ["DEMONITOR_P", watcher, target, ref], ["MONITOR_P_EXIT", target, watcher, ref,
reason], ["LINK", a, b], ["UNLINK", a, b], ["EXIT", a, b, reason], ["EXIT2", a|None, b,
reason]. Here they become Erlang's tuples (erl_dist_protocol, "Protocol between connected
nodes") and back:

  SEND {2, '', To} + Msg            REG_SEND {6, From, '', Name} + Msg
  SEND_SENDER {22, From, To} + Msg  LINK {1, From, To}
  EXIT {3, From, To, Reason}        PAYLOAD_EXIT {24, From, To} + Reason
  EXIT2 {8, From, To, Reason}       PAYLOAD_EXIT2 {26, From, To} + Reason
  MONITOR_P {19, From, ToProc, Ref} DEMONITOR_P {20, From, ToProc, Ref}
  MONITOR_P_EXIT {21, FromProc, To, Ref, Reason}   PAYLOAD_MONITOR_P_EXIT {28, ...} + Reason
  UNLINK {4, From, To} (before OTP 26)  UNLINK_ID {35, Id, From, To} -> UNLINK_ID_ACK {36,...}
  the *_TT variants (a trace token at the end) are read like the plain ones.

What is translated besides the shape:
* names and atom reasons: pgviz uses str ("pg", "normal", "noconnection"); Erlang atoms.
  A str reason goes out as an atom when it looks like one (`^[a-z][A-Za-z0-9_@.]*$`, at most
  255 characters: "normal", "killed", "shutdown"), else as a binary, so that a Python
  exception's text never grows the BEAM's atom table;
* pg's peer messages, recognised by shape (a tag, then a pid of the sending node):
  ("discover", Pid) ("join", Pid, Group, Pids) ("leave", Pid, Pids, Groups)
  ("sync", Pid, [(Group, Pids)]) have str tags in pgviz, atoms in OTP's pg.erl, where the
  sync is a gen_server cast: {'$gen_cast', {sync, Pid, Groups}}.

pgviz's own frames that an Erlang node does not speak (the events system's LC/EV/EVENTS, the
network clock's NETCTL) are unwrapped (LC) or not sent.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from ..errors import RemoteProtocolError
from ..wire.terms import Pid, Ref
from .etf import EtfDecodeError, Limits, decode_from, encode_term
from .terms import Atom

__all__ = ["Translator", "Inbound", "parse_frame", "build_frame", "PASS_THROUGH",
           "reason_in", "reason_out", "pg_in", "pg_out", "ControlError"]

PASS_THROUGH = 112

LINK, SEND, EXIT, UNLINK, NODE_LINK, REG_SEND, GROUP_LEADER, EXIT2 = 1, 2, 3, 4, 5, 6, 7, 8
SEND_TT, EXIT_TT, REG_SEND_TT, EXIT2_TT = 12, 13, 16, 18
MONITOR_P, DEMONITOR_P, MONITOR_P_EXIT = 19, 20, 21
SEND_SENDER, SEND_SENDER_TT = 22, 23
PAYLOAD_EXIT, PAYLOAD_EXIT_TT, PAYLOAD_EXIT2, PAYLOAD_EXIT2_TT = 24, 25, 26, 27
PAYLOAD_MONITOR_P_EXIT = 28
SPAWN_REQUEST, SPAWN_REQUEST_TT, SPAWN_REPLY, SPAWN_REPLY_TT = 29, 30, 31, 32
ALIAS_SEND, ALIAS_SEND_TT = 33, 34
UNLINK_ID, UNLINK_ID_ACK = 35, 36

# control messages followed by a second term (the message, or an exit reason)
WITH_PAYLOAD = frozenset({SEND, REG_SEND, SEND_TT, REG_SEND_TT, SEND_SENDER, SEND_SENDER_TT,
                          PAYLOAD_EXIT, PAYLOAD_EXIT_TT, PAYLOAD_EXIT2, PAYLOAD_EXIT2_TT,
                          PAYLOAD_MONITOR_P_EXIT, SPAWN_REQUEST, SPAWN_REQUEST_TT,
                          ALIAS_SEND, ALIAS_SEND_TT})

PG_TAGS = frozenset({"discover", "join", "leave", "sync"})
_ATOM_LIKE = re.compile(r"^[a-z][A-Za-z0-9_@.]*$")
_EMPTY = Atom("")


class ControlError(RemoteProtocolError):
    """A control message this node does not accept (unknown, malformed)."""


# == frames ====================================================================================

def parse_frame(data: bytes, limits: Limits) -> tuple[tuple[Any, ...], Any, bool]:
    """A distribution frame without its length: (control tuple, payload, has_payload)."""
    if not data or data[0] != PASS_THROUGH:
        raise ControlError(f"a frame must start with the pass-through byte 112 "
                           f"(got {data[:1]!r}; the atom cache is not negotiated)")
    ctrl, pos = decode_from(data, 1, limits)
    if type(ctrl) is not tuple or not ctrl or type(ctrl[0]) is not int:
        raise ControlError("a control message is a tuple starting with an integer")
    if pos == len(data):
        return ctrl, None, False
    payload, pos = decode_from(data, pos, limits)
    if pos != len(data):
        raise EtfDecodeError("bytes after the payload")
    return ctrl, payload, True


def build_frame(ctrl: tuple[Any, ...], payload: Any = None, has_payload: bool = False) -> bytes:
    """The frame with its 4-byte length."""
    out = bytearray(b"\0\0\0\0")
    out.append(PASS_THROUGH)
    encode_term(out, ctrl)
    if has_payload:
        encode_term(out, payload)
    out[0:4] = (len(out) - 4).to_bytes(4, "big")
    return bytes(out)


# == terms inside messages =====================================================================

def reason_in(reason: Any) -> Any:
    return str.__str__(reason) if type(reason) is Atom else reason


def reason_out(reason: Any) -> Any:
    if type(reason) is str and len(reason) <= 255 and _ATOM_LIKE.match(reason):
        return Atom(reason)
    return reason


def _name_out(name: Any) -> Atom:
    if not isinstance(name, str):
        raise TypeError(f"a registered name is a str, not {name!r}")
    return name if type(name) is Atom else Atom(name)


def _pids(x: Any) -> bool:
    return type(x) is Pid or (type(x) is list and all(type(p) is Pid for p in x))


def pg_out(msg: Any) -> Any:
    """pgviz's pg peer message -> OTP pg's (atom tag); anything else unchanged."""
    if (type(msg) is tuple and len(msg) >= 2 and type(msg[0]) is str and msg[0] in PG_TAGS
            and type(msg[1]) is Pid):
        if msg[0] == "sync":
            # pg.erl sends it with gen_server:cast and takes it only there (an unknown
            # message in its handle_info is erlang:error(badarg): the scope would crash)
            return (_GEN_CAST, (_SYNC,) + msg[1:])
        return (Atom(msg[0]),) + msg[1:]
    return msg


def pg_in(msg: Any) -> Any:
    """OTP pg's peer message -> pgviz's (str tag); anything else unchanged."""
    if (type(msg) is tuple and len(msg) == 2 and type(msg[0]) is Atom and msg[0] == _GEN_CAST
            and type(msg[1]) is tuple and len(msg[1]) == 3 and msg[1][0] == _SYNC):
        msg = msg[1]  # {'$gen_cast', {sync, Peer, Groups}}
    if (type(msg) is tuple and len(msg) >= 2 and type(msg[0]) is Atom and msg[0] in _PG_ATOMS
            and type(msg[1]) is Pid):
        tag = str.__str__(msg[0])
        if tag == "discover" and len(msg) in (2, 3):
            return ("discover", msg[1])  # OTP 26+ adds a protocol version: ignored, as OTP
        if tag == "join" and len(msg) == 4 and _pids(msg[3]):
            return ("join",) + msg[1:]
        if tag == "leave" and len(msg) == 4 and _pids(msg[2]) and type(msg[3]) is list:
            return ("leave",) + msg[1:]
        if tag == "sync" and len(msg) == 3 and type(msg[2]) is list:
            return ("sync",) + msg[1:]
    return msg


_PG_ATOMS = frozenset(Atom(t) for t in PG_TAGS)
_GEN_CAST = Atom("$gen_cast")
_SYNC = Atom("sync")


# == the two directions ========================================================================

@dataclass
class Inbound:
    """What one Erlang control message means here: a pgviz control list for the runtime
    (or None), and control tuples to answer with (an UNLINK_ID_ACK)."""

    term: list[Any] | None
    replies: list[tuple[Any, ...]]


class Translator:
    """Per connection: the negotiated features and this node's stand-in sender pid."""

    def __init__(self, me: Pid, *, unlink_id: bool = True, exit_payload: bool = True) -> None:
        self.me = me  # the sender of REG_SENDs and node-level EXIT2s (pgviz has none)
        self.unlink_id = unlink_id
        self.exit_payload = exit_payload
        self._unlink_ids = itertools.count(1)

    # -- pgviz -> Erlang ------------------------------------------------------------------------
    def outbound(self, term: list[Any]) -> list[tuple[tuple[Any, ...], Any, bool]]:
        """(control, payload, has_payload) for each Erlang message `term` becomes."""
        op = term[0]
        if op == "SEND":
            return [((SEND, _EMPTY, term[1]), pg_out(term[2]), True)]
        if op == "SEND_MULTI":
            msg = pg_out(term[2])
            return [((SEND, _EMPTY, pid), msg, True) for pid in term[1]]
        if op == "REG_SEND":
            return [((REG_SEND, self.me, _EMPTY, _name_out(term[1])), pg_out(term[2]), True)]
        if op == "MONITOR_P":
            return [((MONITOR_P, term[1], _proc_out(term[2]), term[3]), None, False)]
        if op == "DEMONITOR_P":
            return [((DEMONITOR_P, term[1], _proc_out(term[2]), term[3]), None, False)]
        if op == "MONITOR_P_EXIT":
            _, target, watcher, ref, reason = term
            if self.exit_payload:
                return [((PAYLOAD_MONITOR_P_EXIT, _proc_out(target), watcher, ref),
                         reason_out(reason), True)]
            return [((MONITOR_P_EXIT, _proc_out(target), watcher, ref, reason_out(reason)),
                     None, False)]
        if op == "LINK":
            return [((LINK, term[1], term[2]), None, False)]
        if op == "UNLINK":
            if self.unlink_id:
                return [((UNLINK_ID, next(self._unlink_ids), term[1], term[2]), None, False)]
            return [((UNLINK, term[1], term[2]), None, False)]
        if op in ("EXIT", "EXIT2"):
            _, sender, target, reason = term
            if sender is None:
                sender = self.me
            if self.exit_payload:
                code = PAYLOAD_EXIT if op == "EXIT" else PAYLOAD_EXIT2
                return [((code, sender, target), reason_out(reason), True)]
            code = EXIT if op == "EXIT" else EXIT2
            return [((code, sender, target, reason_out(reason)), None, False)]
        if op == "LC":  # a Lamport-stamped frame: Erlang has no such thing, send what it holds
            inner = term[2]
            return self.outbound(inner) if type(inner) is list and inner else []
        return []  # EV, EVENTS, NETCTL: pgviz-only, never sent to an Erlang node

    # -- Erlang -> pgviz ------------------------------------------------------------------------
    def inbound(self, ctrl: tuple[Any, ...], payload: Any, has_payload: bool) -> Inbound:
        op = ctrl[0]
        if (op in WITH_PAYLOAD) != has_payload:
            raise ControlError(f"control message {op} {'without' if has_payload is False else 'with'}"
                               " a payload")
        n = len(ctrl)
        if op in (SEND, SEND_TT, SEND_SENDER, SEND_SENDER_TT) and n >= 3:
            return Inbound(["SEND", _pid(ctrl[2]), pg_in(payload)], [])
        if op in (REG_SEND, REG_SEND_TT) and n >= 4:
            return Inbound(["REG_SEND", _name_in(ctrl[3]), pg_in(payload)], [])
        if op == LINK and n == 3:
            return Inbound(["LINK", _pid(ctrl[1]), _pid(ctrl[2])], [])
        if op == UNLINK and n == 3:
            return Inbound(["UNLINK", _pid(ctrl[1]), _pid(ctrl[2])], [])
        if op == UNLINK_ID and n == 4:
            sender, target = _pid(ctrl[2]), _pid(ctrl[3])
            return Inbound(["UNLINK", sender, target],
                           [(UNLINK_ID_ACK, ctrl[1], target, sender)])
        if op == UNLINK_ID_ACK and n == 4:
            return Inbound(None, [])  # our unlink is complete on the peer
        if op in (EXIT, EXIT_TT, EXIT2, EXIT2_TT) and n >= 4:
            kind = "EXIT" if op in (EXIT, EXIT_TT) else "EXIT2"
            return Inbound([kind, _pid(ctrl[1]), _pid(ctrl[2]), reason_in(ctrl[3])], [])
        if op in (PAYLOAD_EXIT, PAYLOAD_EXIT_TT, PAYLOAD_EXIT2, PAYLOAD_EXIT2_TT) and n >= 3:
            kind = "EXIT" if op in (PAYLOAD_EXIT, PAYLOAD_EXIT_TT) else "EXIT2"
            return Inbound([kind, _pid(ctrl[1]), _pid(ctrl[2]), reason_in(payload)], [])
        if op == MONITOR_P and n == 4:
            return Inbound(["MONITOR_P", _pid(ctrl[1]), _proc_in(ctrl[2]), _ref(ctrl[3])], [])
        if op == DEMONITOR_P and n == 4:
            return Inbound(["DEMONITOR_P", _pid(ctrl[1]), _proc_in(ctrl[2]), _ref(ctrl[3])],
                           [])
        if op == MONITOR_P_EXIT and n == 5:
            return Inbound(["MONITOR_P_EXIT", _proc_in(ctrl[1]), _pid(ctrl[2]), _ref(ctrl[3]),
                            reason_in(ctrl[4])], [])
        if op == PAYLOAD_MONITOR_P_EXIT and n == 4:
            return Inbound(["MONITOR_P_EXIT", _proc_in(ctrl[1]), _pid(ctrl[2]), _ref(ctrl[3]),
                            reason_in(payload)], [])
        if op in (NODE_LINK, GROUP_LEADER, ALIAS_SEND, ALIAS_SEND_TT):
            return Inbound(None, [])  # nothing to do here (pgviz has no aliases, no IO)
        raise ControlError(f"unknown or malformed control message {op} (arity {n})")


def _pid(x: Any) -> Pid:
    if type(x) is not Pid:
        raise ControlError(f"expected a pid, got {type(x).__name__}")
    return x


def _ref(x: Any) -> Ref:
    if type(x) is not Ref:
        raise ControlError(f"expected a reference, got {type(x).__name__}")
    return x


def _name_in(x: Any) -> str:
    if type(x) is not Atom:
        raise ControlError("a registered name must be an atom")
    return str.__str__(x)


def _proc_in(x: Any) -> Any:
    """A monitor's process: a pid or a registered name (an atom)."""
    if type(x) is Pid:
        return x
    if type(x) is tuple and len(x) == 2 and type(x[0]) is Atom:
        return str.__str__(x[0])  # {Name, Node}
    return _name_in(x)


def _proc_out(x: Any) -> Any:
    return x if type(x) is Pid else _name_out(x)
