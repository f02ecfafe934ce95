"""pgviz inside an Erlang/Elixir cluster: Erlang's distribution protocol (EPMD, the version 6
handshake, External Term Format, control messages) as a distribution the runtime can run on
instead of pgviz's own (`pgviz.Node(..., protocol="erlang")`).

Beside pgviz.net, below the runtime: it knows terms (pgviz.wire.terms) and nothing above.
"""

from .distribution import ErlangDistribution, ErlangNetControl, read_erlang_cookie
from .epmd import EPMD_PORT_DEFAULT, EpmdError
from .etf import EtfDecodeError, EtfEncodeError, Limits, decode, encode
from .terms import Atom, ImproperList, Opaque

__all__ = ["Atom", "ImproperList", "Opaque", "ErlangDistribution", "ErlangNetControl",
           "EpmdError", "EtfDecodeError", "EtfEncodeError", "Limits", "decode", "encode",
           "read_erlang_cookie", "EPMD_PORT_DEFAULT"]
