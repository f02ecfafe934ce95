"""TLS for every link, with mutual authentication: configuration and a sans-IO session.

What is checked, on both sides of every link:
* the peer presents a certificate, signed by our CA (`ca`), valid now (TLS 1.2 or later);
* the node name the peer claims in the cookie handshake, without its @host part, is one of the
  names in that certificate (its subjectAltName DNS names, else its common name): a student
  holding bob's certificate cannot speak as alice. The host part is not checked: the same
  laptop may be reached by several addresses, and certificates name nodes, not machines;
* then the cookie handshake runs inside TLS, as it does without it.
TLS's host-name check is off (`check_hostname`): the node-name check replaces it.

The session is sans-IO (an `ssl.SSLObject` over memory buffers, as asyncio's own TLS is): the
connection feeds it raw bytes and gets plaintext, so it works over the in-memory transport as
over TCP, and the connection sees a peer's very first bytes, which tells a plaintext pgviz
node from a TLS one and lets it answer each with a clear refusal (see Connection).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

from ..errors import TLSConfigError
from ..wire.handshake import begins_like_pgviz

__all__ = ["TLSConfig", "TLSSession", "describe_tls_error", "looks_like_tls"]

_READ = 256 * 1024


@dataclass(frozen=True)
class TLSConfig:
    """A node's TLS files (PEM): its certificate, its private key, the CA that signs every
    node's certificate. `pgviz tls init DIR --nodes alice,bob` makes them."""

    cert: str | PathLike[str]
    key: str | PathLike[str]
    ca: str | PathLike[str]
    _contexts: dict[bool, ssl.SSLContext] = field(default_factory=dict, init=False,
                                                  repr=False, compare=False)

    def context(self, *, server_side: bool) -> ssl.SSLContext:
        """The SSLContext for accepting (`server_side`) or dialling; TLSConfigError when the
        files cannot be used. Built once per side."""
        ctx = self._contexts.get(server_side)
        if ctx is None:
            ctx = self._make(server_side)
            self._contexts[server_side] = ctx
        return ctx

    def check(self) -> None:
        """Load both contexts now: TLSConfigError names the file that is wrong."""
        self.context(server_side=True)
        self.context(server_side=False)

    def _make(self, server_side: bool) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.check_hostname = False  # the node name is checked instead (see the module doc)
        ctx.verify_mode = ssl.CERT_REQUIRED  # both sides: mutual authentication
        try:
            ctx.load_verify_locations(cafile=str(self.ca))
        except (OSError, ssl.SSLError) as exc:
            raise TLSConfigError(f"--tls-ca {self.ca}: {_why(exc)}") from None
        try:
            ctx.load_cert_chain(str(self.cert), str(self.key))
        except (OSError, ssl.SSLError) as exc:
            raise TLSConfigError(f"--tls-cert {self.cert} / --tls-key {self.key}: "
                                 f"{_why(exc)}") from None
        return ctx


def _why(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and "KEY_VALUES_MISMATCH" in str(exc):
        return "the key does not belong to the certificate"
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, ssl.SSLError):
        return exc.strerror.lower()
    return f"not a usable PEM file ({exc})"


def looks_like_tls(first: bytes) -> bool:
    """A TLS record's first bytes: a handshake (0x16) or an alert (0x15), version 3.x."""
    return len(first) >= 1 and first[0] in (0x15, 0x16) and (len(first) < 2 or first[1] == 3)


def describe_tls_error(exc: ssl.SSLError) -> str:
    """An SSLError in words a teacher can act on."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        msg = exc.verify_message or str(exc)
        if exc.verify_code in (19, 20, 21):  # self-signed in chain, unknown issuer
            return (f"its certificate is not signed by this node's CA ({msg}): give both "
                    "nodes certificates from the same `pgviz tls init` CA")
        return f"its certificate was rejected: {msg}"
    reason = (exc.reason or "").upper()
    if "UNKNOWN_CA" in reason or "BAD_CERTIFICATE" in reason or "CERTIFICATE_REQUIRED" in reason:
        return (f"it rejected this node's certificate ({exc.reason.lower()}): give both nodes "
                "certificates from the same `pgviz tls init` CA")
    if "WRONG_VERSION_NUMBER" in reason or "RECORD_LAYER" in reason:
        return f"it does not speak TLS ({exc.reason.lower()})"
    return str(exc.reason or exc).lower()


class TLSSession:
    """One side of one TLS session over memory buffers. `receive` raw bytes -> plaintext
    (ssl.SSLError when TLS fails); `send` plaintext; `data_to_send` the raw bytes to write
    (handshake records, alerts, encrypted data) after every call."""

    __slots__ = ("_in", "_out", "_obj", "ready")

    def __init__(self, context: ssl.SSLContext, *, server_side: bool) -> None:
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self._obj = context.wrap_bio(self._in, self._out, server_side=server_side)
        self.ready = False  # the TLS handshake is done: the peer's certificate verified

    def start(self) -> None:
        """The client's first flight (ClientHello)."""
        self._handshake()

    def _handshake(self) -> None:
        try:
            self._obj.do_handshake()
        except ssl.SSLWantReadError:
            return
        self.ready = True

    def receive(self, data: bytes) -> bytes:
        self._in.write(data)
        if not self.ready:
            self._handshake()
            if not self.ready:
                return b""
        chunks = []
        while True:
            try:
                chunk = self._obj.read(_READ)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:  # close_notify: the TCP close follows
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = self._obj.write(view)
            view = view[n:]

    def data_to_send(self) -> bytes:
        return self._out.read()

    def peer_names(self) -> frozenset[str]:
        """The names the peer's (verified) certificate is for: DNS subjectAltNames, else its
        common name."""
        cert: dict[str, Any] = dict(self._obj.getpeercert() or {})
        names = {str(value) for kind, value in cert.get("subjectAltName", ()) if kind == "DNS"}
        if not names:
            names = {str(value) for rdn in cert.get("subject", ()) for key, value in rdn
                     if key == "commonName"}
        return frozenset(names)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One side speaks TLS and the other does not: what to raise here (`message`; `foreign`:
    not a pgviz node at all) and, if anything, the plaintext refusal the peer should read."""
    message: str
    foreign: bool = False
    tell_peer: str = ""


def transport_mismatch(tls_here: bool, first: bytes, *, initiator: bool,
                       where: str) -> Mismatch | None:
    """Judge the peer's first bytes against this node's use of TLS (None: they agree)."""
    tls_peer = looks_like_tls(first[:2])
    if tls_here and not tls_peer:
        if not begins_like_pgviz(first[:6]):
            return Mismatch(f"{where} is not a pgviz node: it sent {first[:32]!r} where a TLS "
                            "handshake begins", foreign=True)
        if initiator:
            return Mismatch(f"{where} is a pgviz node without TLS, and this node uses TLS: "
                            "start both with --tls-cert/--tls-key/--tls-ca, or neither")
        return Mismatch(f"a pgviz node without TLS at {where} was refused: this node requires "
                        "TLS", tell_peer="this node requires TLS: start yours with --tls-cert, "
                        "--tls-key and --tls-ca (certificates from the same CA)")
    if not tls_here and tls_peer:
        return Mismatch(
            f"{where} speaks TLS (it sent {first[:8]!r}), and this node does not: if it is a "
            "pgviz node started with --tls-*, start this node with --tls-cert, --tls-key and "
            "--tls-ca too",
            tell_peer="" if initiator else "this node does not use TLS: start both with "
            "--tls-cert, --tls-key and --tls-ca, or neither")
    return None


def certificate_problem(name: str, cert_names: frozenset[str] | set[str] | None) -> str | None:
    """Why a peer whose certificate names `cert_names` cannot be the node `name` (None: it
    can). The host part of a node name is not checked: certificates name nodes, not machines."""
    if cert_names is None:
        return None
    short = name.partition("@")[0]
    if short in cert_names:
        return None
    shown = ", ".join(sorted(cert_names)) or "no name"
    return (f"{name} presented a TLS certificate for {shown}, not for {short}: each node needs "
            "the certificate made for its own name")
