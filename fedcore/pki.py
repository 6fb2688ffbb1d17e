"""TLS material as the node and the gateway load it: identities in certificates, checks of validity and names.

A node's certificate carries the DNS name `node-<cc>.fedgate` (and its country in the subject): the
gateway checks that name, so a node cannot answer for another country. A gateway's certificate carries
`gateway.fedgate`, which nodes require of their clients. Issuing certificates is tooling (fedtools.ca).
"""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

GATEWAY_IDENTITY = "gateway.fedgate"


def node_identity(country: str) -> str:
    return f"node-{country.lower()}.fedgate"


class CertificateProblem(Exception):
    """A certificate or key cannot be used: missing, unreadable, expired, not yet valid or misnamed."""


class KeyProblem(CertificateProblem):
    """The private key is missing, unreadable or not the certificate's."""


@dataclass(frozen=True)
class TlsMaterial:
    """PEM bytes gRPC needs, checked at start-up."""

    certificate_chain: bytes
    private_key: bytes
    trusted_cas: bytes


def _check_validity(path: Path, certificate: x509.Certificate, now: datetime.datetime) -> None:
    if certificate.not_valid_after_utc <= now:
        raise CertificateProblem(f"certificate {path} expired on {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    if certificate.not_valid_before_utc > now:
        raise CertificateProblem(
            f"certificate {path} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
        )


def load_tls_material(certificate: Path, key: Path, trusted_cas: Path, expected_name: str) -> TlsMaterial:
    """Reads and checks a certificate (validity, name), its key and the trusted CA bundle."""
    try:
        chain, private_key, cas = certificate.read_bytes(), key.read_bytes(), trusted_cas.read_bytes()
    except OSError as error:
        raise CertificateProblem(f"cannot read {error.filename}: {error.strerror}") from error
    now = datetime.datetime.now(datetime.UTC)
    try:
        own = x509.load_pem_x509_certificate(chain)
        ca_certificates = x509.load_pem_x509_certificates(cas)
    except ValueError as error:
        raise CertificateProblem(f"{certificate} or {trusted_cas} is not PEM certificates") from error
    _check_validity(certificate, own, now)
    for ca in ca_certificates:
        _check_validity(trusted_cas, ca, now)
    try:
        names = own.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    except x509.ExtensionNotFound:
        names = []
    if expected_name not in names:
        raise CertificateProblem(f"certificate {certificate} does not name {expected_name!r} (it names {names})")
    return TlsMaterial(chain, private_key, cas)


def https_server_context(certificate: Path, key: Path) -> ssl.SSLContext:
    """A TLS 1.2+ server context for the gateway's HTTPS API, its certificate checked for validity now."""
    try:
        own = x509.load_pem_x509_certificate(certificate.read_bytes())
    except OSError as error:
        raise CertificateProblem(f"cannot read {error.filename}: {error.strerror}") from error
    except ValueError as error:
        raise CertificateProblem(f"{certificate} is not a PEM certificate") from error
    _check_validity(certificate, own, datetime.datetime.now(datetime.UTC))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certificate, key)
    except ssl.SSLError as error:
        raise KeyProblem(f"{key} is not the private key of {certificate} ({error.reason})") from error
    except OSError as error:
        raise KeyProblem(f"cannot read {key}: {error.strerror}") from error
    return context
