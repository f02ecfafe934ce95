"""Hypothesis strategies for a hostile peer of a pgviz node, by what they build:

(a) terms (terms.py), (b) handshake messages, byte mutations of handshake frames and complete
handshakes under odd identities (handshakes.py), (c) post-auth control messages and (d) pg peer
messages inside REG_SEND to "pg" (messages.py), (e) raw msgpack / ext garbage (garbage.py);
each fuzz input an `Input` (inputs.py): bytes in chunks, with how they were framed.

What must match the wire format (pids, refs, tuples) goes through pgviz's own encoder, so these
strategies follow the codec as it changes. Bytes the encoder would never produce (ext values,
deep nesting, lying lengths, handshake messages) are packed by hand with msgpack, as an attacker
would. Pids come from a `Cast`: what the attacker knows of the victim, of itself and of a third,
honest node (an authenticated peer learns all of that from pg's sync messages).
"""

from __future__ import annotations

from .garbage import ext_values, garbage_inputs, hostile_payloads, nested_tuple_ext, raw_ext
from .handshakes import handshake_inputs, handshake_messages
from .inputs import Identity, Input, frame, raw_pack, splice
from .messages import Cast, control_inputs, control_messages, pg_inputs, pg_messages
from .terms import hashables, ints, pids, refs, scalars, terms, texts, wire_terms

__all__ = [
    "Cast", "Identity", "Input", "control_inputs", "control_messages", "ext_values", "frame",
    "garbage_inputs", "handshake_inputs", "handshake_messages", "hashables", "hostile_payloads",
    "ints", "nested_tuple_ext", "pg_inputs", "pg_messages", "pids", "raw_ext", "raw_pack",
    "refs", "scalars", "splice", "terms", "texts", "wire_terms",
]
