"""The External Term Format's vocabulary: the version byte, the tag of each term kind
(erl_ext_dist) and the fixed-width fields, shared by etf_decode.py and etf_encode.py."""

from __future__ import annotations

import struct

# what etf.py re-exports (the tag numbers were public there before the split)
__all__ = ["VERSION", "MAX_ATOM_CHARS", "NEW_FLOAT_EXT", "BIT_BINARY_EXT", "COMPRESSED",
           "ATOM_CACHE_REF", "NEW_PID_EXT", "NEW_PORT_EXT", "NEWER_REFERENCE_EXT",
           "SMALL_INTEGER_EXT", "INTEGER_EXT", "FLOAT_EXT", "ATOM_EXT", "REFERENCE_EXT",
           "PORT_EXT", "PID_EXT", "SMALL_TUPLE_EXT", "LARGE_TUPLE_EXT", "NIL_EXT", "STRING_EXT",
           "LIST_EXT", "BINARY_EXT", "SMALL_BIG_EXT", "LARGE_BIG_EXT", "NEW_FUN_EXT",
           "EXPORT_EXT", "NEW_REFERENCE_EXT", "SMALL_ATOM_EXT", "MAP_EXT", "ATOM_UTF8_EXT",
           "SMALL_ATOM_UTF8_EXT", "V4_PORT_EXT"]

VERSION = 131
MAX_ATOM_CHARS = 255

# tags (erl_ext_dist)
NEW_FLOAT_EXT = 70
BIT_BINARY_EXT = 77
COMPRESSED = 80
ATOM_CACHE_REF = 82
NEW_PID_EXT = 88
NEW_PORT_EXT = 89
NEWER_REFERENCE_EXT = 90
SMALL_INTEGER_EXT = 97
INTEGER_EXT = 98
FLOAT_EXT = 99
ATOM_EXT = 100
REFERENCE_EXT = 101
PORT_EXT = 102
PID_EXT = 103
SMALL_TUPLE_EXT = 104
LARGE_TUPLE_EXT = 105
NIL_EXT = 106
STRING_EXT = 107
LIST_EXT = 108
BINARY_EXT = 109
SMALL_BIG_EXT = 110
LARGE_BIG_EXT = 111
NEW_FUN_EXT = 112
EXPORT_EXT = 113
NEW_REFERENCE_EXT = 114
SMALL_ATOM_EXT = 115
MAP_EXT = 116
ATOM_UTF8_EXT = 118
SMALL_ATOM_UTF8_EXT = 119
V4_PORT_EXT = 120

# fixed-width fields, big-endian as on the wire
INT32 = struct.Struct(">i")
UINT32 = struct.Struct(">I")
UINT16 = struct.Struct(">H")
DOUBLE = struct.Struct(">d")
PID_TAIL = struct.Struct(">III")  # a NEW_PID_EXT's id, serial and creation
