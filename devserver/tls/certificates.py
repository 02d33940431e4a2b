"""A local certificate authority and a server certificate for the loopback names, made once.

Files under `<root>/tls/` (never committed): `ca.pem` is what a browser or Node is told to trust;
`ca-key.pem`, `server.pem` and `server-key.pem` stay private. Both certificates are reused across
restarts and remade when they expire (or, for the server one, when it lacks a name it must cover),
so a CA trusted once stays trusted for years.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger("devserver.tls")

CA_DAYS = 3650
# Browsers refuse server certificates valid for more than 398 days, even from a local CA.
SERVER_DAYS = 397
# Remade this long before it expires, so a server started today does not lapse mid-session.
RENEW_MARGIN = dt.timedelta(days=1)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"


@dataclass(frozen=True)
class ServerCertificate:
    """Paths to hand to uvicorn (`certfile`, `keyfile`) and to tell clients to trust (`ca`)."""

    ca: Path
    certfile: Path
    keyfile: Path


def ensure_certificates(
    directory: Path,
    *,
    extra_names: tuple[str, ...] = (),
    issuer_name: str = "devserver",
    now: dt.datetime | None = None,
) -> ServerCertificate:
    """The CA and a server certificate under `directory`, reused while valid, else (re)made."""
    directory.mkdir(parents=True, exist_ok=True)
    names = tuple(dict.fromkeys((*LOOPBACK_NAMES, *extra_names)))
    now = now or dt.datetime.now(dt.UTC)
    ca_path, ca_key_path = directory / CA_FILE, directory / CA_KEY_FILE
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    ca_cert = _load_valid(ca_path, now)
    ca_key = _load_key(ca_key_path) if ca_cert is not None else None
    if ca_cert is None or ca_key is None:
        logger.info("creating a local certificate authority in %s", ca_path)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _ca_certificate(ca_key, f"{issuer_name} local CA ({os.uname().nodename})", now)
        _write_key(ca_key_path, ca_key)
        ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        cert_path.unlink(missing_ok=True)  # signed by the old CA: no longer trusted
    server = _load_valid(cert_path, now)
    if server is None or server.issuer != ca_cert.subject or not _covers(server, names):
        key = ec.generate_private_key(ec.SECP256R1())
        server = _server_certificate(key, ca_key, ca_cert, names, now)
        _write_key(key_path, key)
        cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    return ServerCertificate(ca=ca_path, certfile=cert_path, keyfile=key_path)


def _ca_certificate(
    key: ec.EllipticCurvePrivateKey, common_name: str, now: dt.datetime
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _server_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    names: tuple[str, ...],
    now: dt.datetime,
) -> x509.Certificate:
    public = key.public_key()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _general_name(name: str) -> x509.DNSName | x509.IPAddress:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _covers(cert: x509.Certificate, names: tuple[str, ...]) -> bool:
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return all(_general_name(name) in alt for name in names)


def _load_valid(path: Path, now: dt.datetime) -> x509.Certificate | None:
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return cert if cert.not_valid_after_utc - RENEW_MARGIN > now else None


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey | None:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    return key if isinstance(key, ec.EllipticCurvePrivateKey) else None


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Private keys are readable by their owner only, from the moment the file exists."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as sink:
        sink.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
