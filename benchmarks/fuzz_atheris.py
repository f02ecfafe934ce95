"""Coverage-guided fuzzing of pgviz's sans-IO wire layer with atheris (libFuzzer), in process.

    python benchmarks/fuzz_atheris.py TARGET [CORPUS_DIR ...] [libFuzzer flags]
    python benchmarks/fuzz_atheris.py seed TARGET DIR      # write a small seed corpus

TARGET is one of
  decode     pgviz.wire.codec.decode on the raw bytes; what decodes must encode again (or be
             refused with LocalProtocolError: a peer's term may be forwarded)
  frames     FrameDecoder.feed with the bytes cut into chunks and a small maximum: every byte
             fed comes out in a frame or stays buffered, no frame exceeds the maximum
  handshake  the Handshake state machine against an honest counterpart, whose bytes the
             fuzzer delivers as they are, bit-flipped, truncated or replaced, in chunks, with
             accept/refuse decisions, either side under test, the right or a wrong cookie

Each harness lets only the documented exceptions escape (RemoteProtocolError and the other
ProtocolErrors, AuthenticationError, ConnectionRefused); anything else is a crash that
libFuzzer reports, saving the input as crash-<sha1> (replay: the same command with the file
as the only argument). PGVIZ_FUZZ_STRICT=1 also counts a LocalProtocolError raised while
receiving as a crash: it means "a bug on this side", not "the peer sent garbage".

Examples: `-max_total_time=600`, `-runs=100000`, `-jobs=2 -workers=2`, `-max_len=4096`.
See benchmarks/README.md ("Fuzzing").
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import atheris


def _outside_the_wire_layer() -> list[str]:
    """Every pgviz module but pgviz.wire.* and pgviz.errors, found without importing any:
    atheris' `include` selects top-level packages only, `exclude` takes exact names."""
    spec = importlib.util.find_spec("pgviz")
    assert spec is not None and spec.submodule_search_locations
    root = Path(spec.submodule_search_locations[0])
    names = []
    for path in root.rglob("*.py"):
        name = ".".join(("pgviz", *path.relative_to(root).with_suffix("").parts))
        name = name.removesuffix(".__init__")
        if not name.startswith(("pgviz.wire", "pgviz.errors")):
            names.append(name)
    return names


# Only the wire layer is instrumented: the coverage that guides the fuzzer is its own.
with atheris.instrument_imports(include=["pgviz"], exclude=_outside_the_wire_layer()):
    from pgviz.errors import (
        AuthenticationError,
        ConnectionRefused,
        LocalProtocolError,
        ProtocolError,
        RemoteProtocolError,
    )
    from pgviz.wire import codec
    from pgviz.wire.frames import FrameDecoder, encode_frame
    from pgviz.wire.handshake import Established, Handshake, PeerHello

STRICT = os.environ.get("PGVIZ_FUZZ_STRICT") == "1"
COOKIE = "fuzz-cookie"
DOCUMENTED = (ProtocolError, AuthenticationError, ConnectionRefused)


def _receive_errors_ok(exc: BaseException) -> bool:
    if STRICT and isinstance(exc, LocalProtocolError):
        return False
    return isinstance(exc, DOCUMENTED)


# -- decode --------------------------------------------------------------------------------------

def fuzz_decode(data: bytes) -> None:
    try:
        term = codec.decode(data)
    except RemoteProtocolError:
        return
    try:
        again = codec.encode(term)
    except LocalProtocolError:
        return
    codec.decode(again)  # what we encode, we must be able to decode


# -- frames --------------------------------------------------------------------------------------

def fuzz_frames(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    max_size = fdp.ConsumeIntInRange(0, 64)
    dec = FrameDecoder(max_size)
    fed = taken = 0
    while fdp.remaining_bytes():
        chunk = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 32))
        fed += len(chunk)
        try:
            frames = dec.feed(chunk)
        except RemoteProtocolError:
            return  # FrameTooLarge: the connection is dropped, the buffer with it
        for payload in frames:
            if len(payload) > max_size:
                raise AssertionError(f"a frame of {len(payload)} bytes passed a {max_size} max")
            taken += 4 + len(payload)
        if taken + dec.buffered != fed:
            raise AssertionError(f"{fed} bytes fed, {taken} framed, {dec.buffered} buffered")


# -- handshake ------------------------------------------------------------------------------------

def _mutate(fdp: atheris.FuzzedDataProvider, data: bytes) -> bytes:
    how = fdp.ConsumeIntInRange(0, 5)
    if how <= 1 or not data:
        return data
    if how == 2:  # flip one bit
        pos = fdp.ConsumeIntInRange(0, len(data) * 8 - 1)
        return data[: pos // 8] + bytes([data[pos // 8] ^ (1 << pos % 8)]) + data[pos // 8 + 1:]
    if how == 3:
        return data[: fdp.ConsumeIntInRange(0, len(data))]
    if how == 4:
        return data + fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
    return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 256))


def _feed(hs: Handshake, data: bytes, fdp: atheris.FuzzedDataProvider, *, under_test: bool
          ) -> bool:
    """Feed one side in fuzzer-chosen chunks; False once it failed or finished."""
    pos = 0
    while True:
        if hs.state in ("closed", "done"):
            return False
        left = len(data) - pos
        n = fdp.ConsumeIntInRange(1, left) if under_test and left > 1 else left
        chunk, pos = data[pos:pos + n], pos + n
        try:
            event = hs.receive_data(chunk)
            while isinstance(event, PeerHello):
                if fdp.ConsumeBool() or not under_test:
                    hs.accept()
                else:
                    hs.refuse(fdp.ConsumeUnicodeNoSurrogates(40))
                    return False
                event = hs.receive_data(b"")
        except Exception as exc:  # noqa: BLE001 - sorted out just below
            if not under_test or _receive_errors_ok(exc):
                return False
            raise
        if isinstance(event, Established):
            if under_test and event.rest:
                FrameDecoder().feed(event.rest)  # session bytes handed over, re-framed
            return False
        if pos >= len(data):
            return True


def fuzz_handshake(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    test_acceptor = fdp.ConsumeBool()
    peer_cookie = COOKIE if fdp.ConsumeBool() else "another-cookie"
    target = Handshake(initiator=not test_acceptor, name="target@h", creation=2,
                       cookie=COOKIE, address="t:1", explicit=fdp.ConsumeBool(),
                       nonce=lambda n: b"\x01" * n)
    honest = Handshake(initiator=test_acceptor, name="honest@h", creation=1,
                       cookie=peer_cookie, address="h:1", nonce=lambda n: b"\x02" * n)
    (honest if honest.initiator else target).start()
    for _ in range(8):
        to_target = _mutate(fdp, honest.data_to_send())
        if fdp.ConsumeBool():
            to_target += fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 128))
        if not _feed(target, to_target, fdp, under_test=True):
            return
        to_honest = target.data_to_send()
        if to_honest and honest.state not in ("closed", "done"):
            _feed(honest, to_honest, fdp, under_test=False)


TARGETS = {"decode": fuzz_decode, "frames": fuzz_frames, "handshake": fuzz_handshake}


def _seeds(target: str) -> list[bytes]:
    """A few valid inputs to start from."""
    if target == "decode":
        from pgviz import Pid, Ref
        terms = [None, [1, "a"], ("join", Pid("a@h", 1, 0, 1), "g", [Pid("a@h", 2, 0, 1)]),
                 {"k": (b"v", 1.5)}, ["SEND", Pid("b@h", 3), ("msg", Ref("b@h", 9, 1))]]
        return [codec.encode(t) for t in terms]
    if target == "frames":
        return [b"\x08" + encode_frame(b"abc") + encode_frame(b""), b"\x00" + b"\x00\x00\x00\x05"]
    return [bytes(64), b"\x01" * 64, bytes(range(256))]


def main(argv: list[str]) -> None:
    if len(argv) >= 4 and argv[1] == "seed":
        out = Path(argv[3])
        out.mkdir(parents=True, exist_ok=True)
        for i, seed in enumerate(_seeds(argv[2])):
            (out / f"seed-{i}").write_bytes(seed)
        return
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: {argv[0]} {{{','.join(TARGETS)}}} [corpus dirs] [libFuzzer flags]"
                 f"\n       {argv[0]} seed TARGET DIR")
    target = TARGETS[argv[1]]
    atheris.Setup([argv[0], *argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
