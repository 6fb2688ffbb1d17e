"""A small CA for local federations (the demo, `fedgate pki`, tests): CA, node, gateway and HTTPS certificates.

The names it writes into certificates are the ones fedcore.pki checks when a node or the gateway loads them.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fedcore.keys import write_secret_file
from fedcore.pki import GATEWAY_IDENTITY, CertificateProblem, node_identity

CA_CERT, CA_KEY = "ca.pem", "ca.key"


@dataclass(frozen=True)
class IssuedFiles:
    certificate: Path
    key: Path


def _private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_key(path: Path, pem: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_secret_file(path, pem)


def init_ca(directory: Path, name: str = "fedgate federation CA", days: int = 3650) -> IssuedFiles:
    """Creates the federation's CA (EC P-256) in directory/ca.pem and directory/ca.key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fedgate")]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    (directory / CA_CERT).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    _write_key(directory / CA_KEY, _private_key_pem(key))
    return IssuedFiles(directory / CA_CERT, directory / CA_KEY)


def _san(identity: str | None, hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName(identity)] if identity else []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _issue(
    ca_dir: Path,
    out_dir: Path,
    *,
    stem: str,
    subject: list[x509.NameAttribute[str]],
    names: list[x509.GeneralName],
    usages: list[x509.ObjectIdentifier],
    days: int,
    not_before: datetime.datetime | None,
) -> IssuedFiles:
    ca_cert = x509.load_pem_x509_certificate((ca_dir / CA_CERT).read_bytes())
    ca_key = serialization.load_pem_private_key((ca_dir / CA_KEY).read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise CertificateProblem(f"{ca_dir / CA_KEY} is not the CA's EC key")
    key = ec.generate_private_key(ec.SECP256R1())
    start = not_before or datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    certificate_path, key_path = out_dir / f"{stem}.pem", out_dir / f"{stem}.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    _write_key(key_path, _private_key_pem(key))
    return IssuedFiles(certificate_path, key_path)


def issue_certificate(
    ca_dir: Path,
    out_dir: Path,
    *,
    country: str | None,
    hosts: list[str],
    days: int = 365,
    not_before: datetime.datetime | None = None,
    client_auth: bool = False,
) -> IssuedFiles:
    """A node certificate (country given) or the gateway's (country None), signed by the CA in ca_dir.

    client_auth also lets a node certificate act as a TLS client (nodes still answer only gateways).
    """
    identity = node_identity(country) if country else GATEWAY_IDENTITY
    subject = [
        x509.NameAttribute(NameOID.COMMON_NAME, identity),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fedgate"),
    ]
    if country:
        subject.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country.upper()))
    usages = [ExtendedKeyUsageOID.SERVER_AUTH] if country else [ExtendedKeyUsageOID.CLIENT_AUTH]
    if country and client_auth:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    return _issue(
        ca_dir,
        out_dir,
        stem=identity.removesuffix(".fedgate"),
        subject=subject,
        names=_san(identity, hosts),
        usages=usages,
        days=days,
        not_before=not_before,
    )


def issue_https_certificate(
    ca_dir: Path, out_dir: Path, *, hosts: list[str], days: int = 365, not_before: datetime.datetime | None = None
) -> IssuedFiles:
    """The server certificate of the gateway's HTTPS API (https.pem, https.key) for the names investigators use."""
    if not hosts:
        raise CertificateProblem("an HTTPS certificate needs at least one host name or address")
    subject = [
        x509.NameAttribute(NameOID.COMMON_NAME, hosts[0]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fedgate"),
    ]
    return _issue(
        ca_dir,
        out_dir,
        stem="https",
        subject=subject,
        names=_san(None, hosts),
        usages=[ExtendedKeyUsageOID.SERVER_AUTH],
        days=days,
        not_before=not_before,
    )
