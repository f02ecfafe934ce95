"""A classroom CA and node certificates for TLS links (`pgviz tls init DIR --nodes ...`).

Made with the `cryptography` package (`pip install 'pgviz[tls]'`), nothing hand-rolled: EC
P-256 keys, X.509 v3 certificates that OpenSSL's strict checks accept. A node's certificate
names the node (its short name, without @host) as common name and DNS subjectAltName, for
both client and server use: every node dials and accepts. Private keys are written 0600.

The CA's key stays with whoever ran `tls init` (the teacher): with it the same command adds
certificates for more nodes later; without it nobody can mint a certificate the class trusts.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Made", "init_classroom", "CA_CERT", "CA_KEY", "node_files",
           "classroom_instructions"]

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"


def node_files(directory: Path, name: str) -> tuple[Path, Path]:
    """(certificate, key) of node `name` in `directory`."""
    return directory / f"{name}.pem", directory / f"{name}-key.pem"


@dataclass(frozen=True)
class Made:
    directory: Path
    ca_new: bool  # False: an existing CA in the directory signed the new certificates
    nodes: tuple[str, ...]
    days: int


def _write(path: Path, data: bytes, private: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    if private:
        os.chmod(path, 0o600)  # whatever the umask


def init_classroom(directory: str | os.PathLike[str], nodes: list[str], *,
                   days: int = 365) -> Made:
    """Make (or reuse) the CA in `directory` and a certificate and key per node. Raises
    FileExistsError naming a node file that exists already (nothing is overwritten)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for name in nodes:
        for path in node_files(d, name):
            if path.exists():
                raise FileExistsError(f"{path} exists already; remove it or choose another "
                                      "directory")
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=days)
    pem = serialization.Encoding.PEM
    no_password = serialization.NoEncryption()
    key_format = serialization.PrivateFormat.PKCS8

    ca_cert_path, ca_key_path = d / CA_CERT, d / CA_KEY
    ca_new = not ca_cert_path.exists()
    if ca_new:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pgviz classroom CA")])
        ca_cert = (
            x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
            .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
        _write(ca_key_path, ca_key.private_bytes(pem, key_format, no_password), private=True)
        _write(ca_cert_path, ca_cert.public_bytes(pem), private=False)
    else:
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{ca_key_path} is not the EC key `pgviz tls init` makes")
        ca_key = loaded
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value

    for name in nodes:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=True, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
        cert_path, key_path = node_files(d, name)
        _write(key_path, key.private_bytes(pem, key_format, no_password), private=True)
        _write(cert_path, cert.public_bytes(pem), private=False)
    return Made(d, ca_new, tuple(nodes), days)


def classroom_instructions(made: Made) -> str:
    """What `pgviz tls init` tells the teacher: each file, who gets it, how to start a node."""
    d = made.directory
    ca_state = "new" if made.ca_new else "kept"
    out = [f"pgviz tls: in {d}/ (valid {made.days} days)",
           f"  {CA_CERT:<26} the classroom CA ({ca_state}): give it to every node",
           f"  {CA_KEY:<26} the CA's private key: keep it, never hand it out; run "
           f"`pgviz tls init {d} --nodes NAME` again to add nodes"]
    for name in made.nodes:
        cert, key = node_files(d, name)
        out.append(f"  {cert.name + ', ' + key.name:<26} node {name}: its certificate and "
                   "private key (chmod 600), for that node only")
    first = made.nodes[0]
    cert, key = node_files(d, first)
    out += ["", "Start each node with its own name, certificate and key, and the CA, e.g.:",
            f"  pgviz node --name {first} --tls-cert {cert} --tls-key {key} "
            f"--tls-ca {d / CA_CERT}",
            "(the same flags for the app: pgviz --name ... --tls-cert ...). Every link is then",
            "TLS with both certificates checked; a node connects only if its certificate is",
            "from this CA and made for the --name it uses. The cookie is still needed."]
    return "\n".join(out)
