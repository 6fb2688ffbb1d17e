"""Ed25519 signing keys identified by key id: one to sign with, a set to verify against (for rotation)."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


class KeyFileProblem(ValueError):
    """A key file is missing, unreadable or not an Ed25519 key."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: ed25519.Ed25519PrivateKey

    def sign(self, payload: bytes) -> bytes:
        return self.private_key.sign(payload)


def write_secret_file(path: Path, content: bytes) -> None:
    """Writes a private key or a token readable by its owner only (0600), from the first byte on: the file is
    created with that mode (an existing one is set to it before anything is written), never chmod-ed after."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(content)


def encode_signature(signature: bytes) -> str:
    """A signature (or raw key) as base64url without padding, as answers, directories and checkpoints carry it."""
    return base64.urlsafe_b64encode(signature).decode().rstrip("=")


def decode_signature(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def peek_jws(token: str, segment: int, name: str) -> str | None:
    """A string member of a compact JWS's header (segment 0) or payload (segment 1), read WITHOUT checking the
    signature: only to choose the key or issuer the whole token is then verified against (PyJWT's own
    unverified decode would parse and check every segment once more per request)."""
    parts = token.split(".", 2)
    if len(parts) != 3:
        return None
    try:
        document = json.loads(decode_signature(parts[segment]))
    except ValueError:
        return None
    value = document.get(name) if isinstance(document, dict) else None
    return value if isinstance(value, str) else None


def generate_signing_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    private_key = ed25519.Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(path: Path) -> ed25519.Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise KeyFileProblem(f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        raise KeyFileProblem(f"{path} is not a PEM private key") from error
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise KeyFileProblem(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> ed25519.Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as error:
        raise KeyFileProblem(f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        raise KeyFileProblem(f"{path} is not a PEM public key") from error
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise KeyFileProblem(f"{path} is not an Ed25519 key")
    return key


def load_public_keys(directory: Path) -> dict[str, ed25519.Ed25519PublicKey]:
    """Every `<key id>.pub.pem` in a directory, by key id."""
    return {path.name.removesuffix(".pub.pem"): load_public_key(path) for path in sorted(directory.glob("*.pub.pem"))}
