"""Erlang's External Term Format (ETF), sans-IO: `encode(term) -> bytes`, `decode(data)`.

The mapping between Erlang terms and Python values is listed in terms.py. This module is what
stands between a peer's bytes and the node, so decoding is strict and bounded, whatever the
peer sends:

* every length is checked against the bytes that remain before anything is allocated (a list
  that claims 2**32 elements in a 10-byte frame is refused at once);
* nesting deeper than `max_depth` (tuples, lists, maps, improper tails), atoms longer than
  255 characters (Erlang's own limit), more than `max_atoms` atoms in one term, integers
  beyond `max_big_bytes`, compressed terms expanding past `max_size`, atom-cache references
  (never negotiated), unknown tags, map keys Python cannot hash, duplicate map keys and
  trailing bytes are all refused with EtfDecodeError (a RemoteProtocolError): the frame is
  dropped, the connection and the node go on.

Encoding a value that has no Erlang form (a set, NaN, a float infinity, an int id of a pid
beyond 32 bits) raises EtfEncodeError (a LocalProtocolError) before anything is sent.

This module is the codec's face: the work is in etf_decode.py and etf_encode.py, on the tag
numbers and field formats of etf_tags.py.
"""

from __future__ import annotations

# DEFAULT_LIMITS and the tag numbers were defined here before the split: they stay importable
# from here, though not in __all__.
from .etf_decode import DEFAULT_LIMITS as DEFAULT_LIMITS
from .etf_decode import EtfDecodeError, Limits, decode, decode_from
from .etf_encode import EtfEncodeError, encode, encode_term
from .etf_tags import *  # noqa: F403
from .etf_tags import MAX_ATOM_CHARS, VERSION

__all__ = ["encode", "decode", "decode_from", "encode_term", "EtfDecodeError",
           "EtfEncodeError", "Limits", "VERSION", "MAX_ATOM_CHARS"]
