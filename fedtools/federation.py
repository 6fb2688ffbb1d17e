"""Every process's configuration file of a federation, written from typed tables with tomli-w, never composed as text.

The demo and the benchmarks describe their federation's nodes and gateway with these functions; what they do not
share (limits, logging, timeouts) is passed as further tables (`more`), merged key by key into the common ones.
The files are read back by the node's and the gateway's own loaders, which validate every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

Tables = dict[str, Any]


@dataclass(frozen=True)
class FederationDirectory:
    """The signed directory of members and the keys it must be signed with (replaces hand-kept key tables)."""

    directory: Path
    federation_keys: tuple[Path, ...]

    def table(self) -> Tables:
        return {"directory": str(self.directory), "federation_keys": [str(key) for key in self.federation_keys]}


@dataclass(frozen=True)
class SigningKeyFile:
    """A private key file and the id it is published under."""

    key: Path
    key_id: str

    def table(self) -> Tables:
        return {"key": str(self.key), "key_id": self.key_id}


@dataclass(frozen=True)
class TlsFiles:
    """A process's certificate and key, and the CA it checks its peers against."""

    certificate: Path
    key: Path
    ca: Path


@dataclass(frozen=True)
class SharedRateLimits:
    """A gateway's rate limits shared with its other replicas through Redis (`[rate_limits]`' redis keys)."""

    redis_url: str
    replicas: int = 1  # while Redis is unreachable, each replica allows 1/replicas of every limit
    retry_s: float | None = None  # None: the gateway's default
    timeout_ms: int | None = None

    def table(self) -> Tables:
        table: Tables = {"redis_url": self.redis_url, "replicas": self.replicas}
        if self.retry_s is not None:
            table["redis_retry_s"] = self.retry_s
        if self.timeout_ms is not None:
            table["redis_timeout_ms"] = self.timeout_ms
        return table


def merged(tables: Tables, more: Mapping[str, Any]) -> Tables:
    """`tables` with `more` merged in, table by table (a key of `more` wins)."""
    result = dict(tables)
    for name, value in more.items():
        if isinstance(value, Mapping) and isinstance(result.get(name), Mapping):
            result[name] = merged(dict(result[name]), value)
        else:
            result[name] = value
    return result


def node_tables(
    country: str,
    *,
    opa_url: str,
    signing: SigningKeyFile,
    contact: str,
    store_path: str | Path = "records.sqlite",
    federation: FederationDirectory | None = None,
    gateway_keys: Mapping[str, Path] | None = None,
    tls: TlsFiles | None = None,
    metrics: bool = False,
    more: Mapping[str, Any] | None = None,
) -> Tables:
    """A node's configuration: who it is, its store, its OPA, the keys it trusts (from the federation's directory,
    or listed by hand), its own answer-signing key, and optionally TLS and metrics."""
    # A PostgreSQL store (`more` gives store.url) holds the audit log too: no SQLite files then.
    in_postgres = isinstance((more or {}).get("store"), Mapping) and "url" in (more or {})["store"]
    tables: Tables = {
        "node": {"country": country, "listen": "127.0.0.1:0", "contact": contact},
        "store": {} if in_postgres else {"path": str(store_path), "audit_path": "audit.sqlite"},
        "opa": {"url": opa_url, "timeout_ms": 2000},
    }
    if metrics:
        tables["metrics"] = {"listen": "127.0.0.1:0"}
    if federation is not None:
        tables["federation"] = federation.table()
    if gateway_keys:
        tables["gateway_keys"] = {key_id: str(path) for key_id, path in gateway_keys.items()}
    tables["signing"] = signing.table()
    if tls is not None:
        tables["tls"] = {"certificate": str(tls.certificate), "key": str(tls.key), "client_ca": str(tls.ca)}
    return merged(tables, more or {})


def gateway_tables(
    *,
    nodes: Mapping[str, str],
    assertion: SigningKeyFile,
    issuers: Mapping[str, Tables],
    listen: str = "127.0.0.1:0",
    federation: FederationDirectory | None = None,
    tls: TlsFiles | None = None,
    https: tuple[Path, Path] | None = None,
    metrics: bool = False,
    shared_limits: SharedRateLimits | None = None,
    more: Mapping[str, Any] | None = None,
) -> Tables:
    """A gateway's configuration: where it listens, the token issuers it accepts, the key it signs requester
    assertions with, the country nodes (or the federation's directory), and optionally TLS, HTTPS, metrics and
    rate limits shared through Redis."""
    tables: Tables = {"gateway": {"listen": listen}}
    if metrics:
        tables["metrics"] = {"listen": "127.0.0.1:0"}
    tables["issuers"] = {name: dict(issuer) for name, issuer in issuers.items()}
    tables["assertion"] = assertion.table()
    if federation is not None:
        tables["federation"] = federation.table()
    tables["nodes"] = {country: {"address": address} for country, address in nodes.items()}
    if tls is not None:
        tables["tls"] = {"certificate": str(tls.certificate), "key": str(tls.key), "ca": str(tls.ca)}
    if https is not None:
        tables["https"] = {"certificate": str(https[0]), "key": str(https[1])}
    if shared_limits is not None:
        tables["rate_limits"] = shared_limits.table()
    return merged(tables, more or {})


def write_config(path: Path, tables: Tables) -> Path:
    """Writes one process's configuration file (TOML) and returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tomli_w.dumps(tables).encode())
    return path
