"""The local CA and server certificate: trusted for the loopback names, reused, remade when due."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from devserver.tls.certificates import SERVER_DAYS, ensure_certificates

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)


def _load(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def _verify(made, name: x509.GeneralName, *, at: dt.datetime = NOW) -> None:
    """What a TLS client that trusts only `ca.pem` does with the server's certificate."""
    store = Store([_load(made.ca)])
    verifier = PolicyBuilder().store(store).time(at).build_server_verifier(name)
    verifier.verify(_load(made.certfile), [])


def test_a_client_trusting_the_ca_accepts_the_certificate_for_every_loopback_name(tmp_path):
    # GIVEN an empty tls directory
    # WHEN the certificates are made
    made = ensure_certificates(tmp_path / "tls", now=NOW)
    # THEN a client that trusts ca.pem accepts the server for localhost, 127.0.0.1 and ::1
    _verify(made, x509.DNSName("localhost"))
    for address in ("127.0.0.1", "::1"):
        _verify(made, x509.IPAddress(ipaddress.ip_address(address)))
    # AND a name outside the certificate is refused
    with pytest.raises(VerificationError):
        _verify(made, x509.DNSName("example.com"))
    # AND the private keys are readable by their owner only
    for key in (made.keyfile, made.ca.with_name("ca-key.pem")):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_certificates_are_reused_across_restarts(tmp_path):
    # GIVEN certificates made at one start
    first = ensure_certificates(tmp_path, now=NOW)
    before = (first.ca.read_bytes(), first.certfile.read_bytes(), first.keyfile.read_bytes())
    # WHEN the server starts again a month later
    again = ensure_certificates(tmp_path, now=NOW + dt.timedelta(days=30))
    # THEN the same CA (trusted once, in the browser) and the same server certificate serve
    assert (
        again.ca.read_bytes(),
        again.certfile.read_bytes(),
        again.keyfile.read_bytes(),
    ) == before


def test_an_expired_server_certificate_is_remade_under_the_same_ca(tmp_path):
    # GIVEN certificates made more than SERVER_DAYS ago
    first = ensure_certificates(tmp_path, now=NOW)
    ca_before, cert_before = first.ca.read_bytes(), first.certfile.read_bytes()
    later = NOW + dt.timedelta(days=SERVER_DAYS + 1)
    # WHEN the server starts after it expired
    again = ensure_certificates(tmp_path, now=later)
    # THEN the server certificate is new, still signed by the CA the browser already trusts
    assert again.certfile.read_bytes() != cert_before
    assert again.ca.read_bytes() == ca_before
    _verify(again, x509.DNSName("localhost"), at=later)


def test_a_server_certificate_without_a_required_name_is_remade(tmp_path):
    # GIVEN certificates for the loopback names only
    first = ensure_certificates(tmp_path, now=NOW)
    cert_before = first.certfile.read_bytes()
    # WHEN the server binds a LAN address too
    again = ensure_certificates(tmp_path, extra_names=("192.0.2.7",), now=NOW)
    # THEN the new certificate covers it
    assert again.certfile.read_bytes() != cert_before
    _verify(again, x509.IPAddress(ipaddress.ip_address("192.0.2.7")))


def test_an_expired_ca_is_replaced_with_its_server_certificate(tmp_path):
    # GIVEN certificates whose CA has expired
    first = ensure_certificates(tmp_path, now=NOW)
    ca_before = first.ca.read_bytes()
    much_later = NOW + dt.timedelta(days=3651)
    # WHEN the server starts
    again = ensure_certificates(tmp_path, now=much_later)
    # THEN a new CA signs a new server certificate
    assert again.ca.read_bytes() != ca_before
    _verify(again, x509.DNSName("localhost"), at=much_later)
