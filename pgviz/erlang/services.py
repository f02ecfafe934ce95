"""Stand-ins for the system processes an Erlang node expects on every node: `net_kernel`
(enough for net_adm:ping/1 to answer pong) and `rex` (rpc:call/4 gets a clear badrpc).

They are served by the distribution itself, like ERTS's own: REG_SENDs to these names never
reach the runtime, and a monitor on them (gen:call sets one) is accepted and never fires
while the link is up (the peer fires noconnection itself when it drops).
"""

from __future__ import annotations

from typing import Any

from ..wire.terms import Pid, Ref
from .terms import Atom, ImproperList

__all__ = ["SERVICES", "answer"]

SERVICES = frozenset({"net_kernel", "rex"})

_GEN_CALL = Atom("$gen_call")
_YES = Atom("yes")
_BADRPC = Atom("badrpc")
_CALL = Atom("call")


def _caller(msg: Any) -> tuple[Pid, Any] | None:
    """{'$gen_call', {From, Tag}, Request} -> (From, Tag)."""
    if (type(msg) is tuple and len(msg) == 3 and msg[0] == _GEN_CALL
            and type(msg[1]) is tuple and len(msg[1]) == 2 and type(msg[1][0]) is Pid
            and (type(msg[1][1]) in (Ref, ImproperList))):
        return msg[1][0], msg[1][1]
    return None


def answer(service: str, msg: Any, node: str, nodes: list[str]) -> tuple[Pid, Any] | None:
    """(pid, reply message) for a gen_server call to a stand-in, or None to ignore it."""
    caller = _caller(msg)
    if caller is None:
        return None
    pid, tag = caller
    request = msg[2]
    if service == "net_kernel":
        if type(request) is tuple and len(request) == 2 and request[0] == Atom("is_auth"):
            return pid, (tag, _YES)
        return None
    if service == "rex":
        if type(request) is tuple and len(request) >= 4 and request[0] == _CALL:
            mfa = (request[1], request[2], request[3])
            if mfa == (Atom("erlang"), Atom("node"), []):
                return pid, (tag, Atom(node))
            if mfa == (Atom("erlang"), Atom("nodes"), []):
                return pid, (tag, [Atom(n) for n in nodes])
        return pid, (tag, (_BADRPC, (Atom("pgviz"), Atom("not_supported"))))
    return None
