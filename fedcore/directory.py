"""The federation's signed directory of members: each country's node and the keys that may sign for it.

Verification binds a key to a party, never a key id alone: a country's answer is accepted only under a key
the directory lists for that country, valid when the answer was signed, and the gateway's own statements only
under the gateway's keys. The federation signs the directory; rotating a key is publishing a new directory.

The file is JSON: ``{"directory": {...}, "signature": {"key_id": ..., "value": <base64url>}}``, where the
signature covers ``DOMAIN`` followed by the canonical JSON of ``directory`` (sorted keys, no spaces).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from fedcore.canonical import canonical_bytes
from fedcore.config import ConfigFile, FederationTable
from fedcore.keys import KeyFileProblem, SigningKey, decode_signature, encode_signature, load_public_key
from fedcore.vocabulary import is_country_code

DOMAIN = b"fedgate-directory-v1\n"
FORMAT = "fedgate-directory/1"


class DirectoryProblem(ValueError):
    """The directory is unreadable, malformed, or not signed by the federation."""


def parse_time(text: str) -> datetime:
    """An RFC 3339 moment; one without a zone is refused (a validity period must not depend on the reader)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def raw_public_key(key: ed25519.Ed25519PublicKey) -> str:
    return encode_signature(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


@dataclass(frozen=True)
class DirectoryKey:
    """A public key and the period in which what it signs is accepted: [valid_from, valid_until)."""

    key_id: str
    public_key: ed25519.Ed25519PublicKey
    valid_from: datetime
    valid_until: datetime | None

    def valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)

    def period(self) -> str:
        until = format_time(self.valid_until) if self.valid_until else "open"
        return f"{format_time(self.valid_from)} .. {until}"


@dataclass(frozen=True)
class Member:
    country: str
    node_address: str
    answer_keys: tuple[DirectoryKey, ...]


@dataclass(frozen=True)
class Directory:
    federation: str
    version: int
    issued_at: datetime
    members: dict[str, Member]
    gateway_keys: tuple[DirectoryKey, ...]
    # The federation key that signed this directory.
    signed_by: str

    def answer_key(self, country: str, key_id: str) -> DirectoryKey | None:
        member = self.members.get(country)
        return next((key for key in member.answer_keys if key.key_id == key_id), None) if member else None

    def gateway_key(self, key_id: str) -> DirectoryKey | None:
        return next((key for key in self.gateway_keys if key.key_id == key_id), None)

    def owner_of(self, key_id: str) -> str | None:
        """Which party a key id belongs to ("gateway" or a country), to name a key used by the wrong party."""
        if self.gateway_key(key_id):
            return "gateway"
        return next((c for c, m in self.members.items() if any(k.key_id == key_id for k in m.answer_keys)), None)


# --- reading -----------------------------------------------------------------------------------------


def _key(entry: Any, where: str) -> DirectoryKey:
    if not isinstance(entry, dict):
        raise DirectoryProblem(f"{where}: must be an object")
    try:
        key_id = entry["key_id"]
        public = ed25519.Ed25519PublicKey.from_public_bytes(decode_signature(entry["public_key"]))
        valid_from = parse_time(entry["valid_from"])
        valid_until = parse_time(entry["valid_until"]) if entry.get("valid_until") else None
    except KeyError as error:
        raise DirectoryProblem(f"{where}: {error.args[0]} is missing") from error
    except (ValueError, TypeError, AttributeError) as error:
        raise DirectoryProblem(f"{where}: {error}") from error
    if not isinstance(key_id, str) or not key_id:
        raise DirectoryProblem(f"{where}: key_id must be a non-empty string")
    if valid_until is not None and valid_until <= valid_from:
        raise DirectoryProblem(f"{where}: valid_until must be after valid_from")
    return DirectoryKey(key_id, public, valid_from, valid_until)


def _unique(keys: Iterable[DirectoryKey], where: str) -> tuple[DirectoryKey, ...]:
    seen: set[str] = set()
    for key in keys:
        if key.key_id in seen:
            raise DirectoryProblem(f"{where}: key id {key.key_id!r} appears twice")
        seen.add(key.key_id)
    return tuple(keys)


def parse_directory(content: dict[str, Any], signed_by: str) -> Directory:
    """The directory's content (already verified) as objects; DirectoryProblem names what is malformed."""
    if content.get("format") != FORMAT:
        raise DirectoryProblem(f"format must be {FORMAT!r}, got {content.get('format')!r}")
    members: dict[str, Member] = {}
    all_keys: list[DirectoryKey] = []
    for index, entry in enumerate(content.get("members") or []):
        where = f"members[{index}]"
        country = entry.get("country") if isinstance(entry, dict) else None
        if not isinstance(country, str) or not is_country_code(country):
            raise DirectoryProblem(f"{where}: country must be an ISO 3166-1 alpha-2 code, got {country!r}")
        if country in members:
            raise DirectoryProblem(f"{where}: {country} is listed twice")
        keys = [_key(key, f"{where}.answer_keys[{n}]") for n, key in enumerate(entry.get("answer_keys") or [])]
        if not keys:
            raise DirectoryProblem(f"{where}: {country} has no answer keys")
        members[country] = Member(country, str(entry.get("node_address", "")), tuple(keys))
        all_keys.extend(keys)
    gateway_keys = [_key(key, f"gateway_keys[{n}]") for n, key in enumerate(content.get("gateway_keys") or [])]
    if not gateway_keys:
        raise DirectoryProblem("gateway_keys: the directory lists no gateway key")
    # A key id names one key of one party: otherwise a key id alone could stand for two parties again.
    _unique([*all_keys, *gateway_keys], "directory")
    try:
        version = int(content["version"])
        issued_at = parse_time(content["issued_at"])
    except (KeyError, ValueError, TypeError) as error:
        raise DirectoryProblem(f"version and issued_at are required: {error}") from error
    return Directory(
        federation=str(content.get("federation", "")),
        version=version,
        issued_at=issued_at,
        members=members,
        gateway_keys=tuple(gateway_keys),
        signed_by=signed_by,
    )


def load_directory(path: Path, federation_keys: dict[str, ed25519.Ed25519PublicKey]) -> Directory:
    """Reads a directory and checks the federation's signature on it against the pinned federation keys."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DirectoryProblem(f"cannot read {path}: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DirectoryProblem(f"{path} is not JSON: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("directory"), dict):
        raise DirectoryProblem(f"{path}: no directory object")
    signature = document.get("signature")
    if not isinstance(signature, dict) or not signature.get("value"):
        raise DirectoryProblem(f"{path} is not signed")
    key_id = str(signature.get("key_id", ""))
    key = federation_keys.get(key_id)
    if key is None:
        raise DirectoryProblem(f"{path} is signed with {key_id!r}, which is not a federation key given")
    try:
        key.verify(decode_signature(str(signature["value"])), DOMAIN + canonical_bytes(document["directory"]))
    except (InvalidSignature, ValueError) as error:
        raise DirectoryProblem(f"{path}: the federation's signature does not verify (altered?)") from error
    return parse_directory(document["directory"], key_id)


def load_federation_keys(paths: Iterable[Path]) -> dict[str, ed25519.Ed25519PublicKey]:
    """Pinned federation public keys: `<key id>.pub.pem` files, by key id."""
    keys: dict[str, ed25519.Ed25519PublicKey] = {}
    for path in paths:
        try:
            keys[path.name.removesuffix(".pem").removesuffix(".pub")] = load_public_key(path)
        except KeyFileProblem as error:
            raise DirectoryProblem(str(error)) from error
    return keys


def configured_directory(federation: FederationTable, file: ConfigFile) -> Directory:
    """The directory a process's `[federation]` table names (`directory`, `federation_keys`), verified."""
    try:
        return load_directory(federation.directory, load_federation_keys(federation.federation_keys))
    except DirectoryProblem as error:
        raise file.fail("federation.directory", f"is unusable: {error}") from error


# --- writing -----------------------------------------------------------------------------------------


def key_entry(
    key_id: str, public_key: ed25519.Ed25519PublicKey, valid_from: datetime, valid_until: datetime | None = None
) -> dict[str, Any]:
    entry = {"key_id": key_id, "public_key": raw_public_key(public_key), "valid_from": format_time(valid_from)}
    if valid_until is not None:
        entry["valid_until"] = format_time(valid_until)
    return entry


def sign_directory(content: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """The signed document; the content is checked first, so a malformed directory is never signed."""
    parse_directory(content, key.key_id)
    return {
        "directory": content,
        "signature": {"key_id": key.key_id, "value": encode_signature(key.sign(DOMAIN + canonical_bytes(content)))},
    }


def content_from_members_file(path: Path, issued_at: datetime) -> dict[str, Any]:
    """The directory content described by a members file (TOML, key files relative to it):

    federation = "eu-police"
    version = 2
    [[members]]
    country = "FR"
    node_address = "node-fr.example:7443"
    [[members.answer_keys]]
    key_id = "fr-2026-11"
    public_key = "keys/fr-2026-11.pub.pem"
    valid_from = "2026-11-01T00:00:00Z"
    valid_until = "2027-11-01T00:00:00Z"   # optional
    [[gateway_keys]]
    key_id = "gw-2026-11"
    public_key = "keys/gw-2026-11.pub.pem"
    valid_from = "2026-11-01T00:00:00Z"
    """
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DirectoryProblem(f"cannot read {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise DirectoryProblem(f"{path} is not valid TOML: {error}") from error
    base = path.resolve().parent

    def keys(entries: Any, where: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for n, entry in enumerate(entries or []):
            try:
                public = load_public_key(base / entry["public_key"])
                valid_from = _moment(entry["valid_from"])
                valid_until = _moment(entry["valid_until"]) if "valid_until" in entry else None
                out.append(key_entry(str(entry["key_id"]), public, valid_from, valid_until))
            except KeyError as error:
                raise DirectoryProblem(f"{path}: {where}[{n}].{error.args[0]} is missing") from error
            except (KeyFileProblem, ValueError, TypeError) as error:
                raise DirectoryProblem(f"{path}: {where}[{n}]: {error}") from error
        return out

    if not isinstance(spec.get("version"), int):
        raise DirectoryProblem(f"{path}: version must be an integer (raise it with every change)")
    return {
        "format": FORMAT,
        "federation": str(spec.get("federation", "")),
        "version": spec["version"],
        "issued_at": format_time(issued_at),
        "members": [
            {
                "country": str(member.get("country", "")),
                "node_address": str(member.get("node_address", "")),
                "answer_keys": keys(member.get("answer_keys"), f"members[{index}].answer_keys"),
            }
            for index, member in enumerate(spec.get("members") or [])
        ],
        "gateway_keys": keys(spec.get("gateway_keys"), "gateway_keys"),
    }


def _moment(value: Any) -> datetime:
    # TOML has its own date-time type; a string is read as RFC 3339.
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value.isoformat()} has no time zone")
        return value.astimezone(UTC)
    return parse_time(str(value))
