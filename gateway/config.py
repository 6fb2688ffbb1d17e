"""The gateway's configuration file (gateway.toml), validated once at start-up."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from fedcore.config import ConfigError, Section, load_toml, parse_listen_address
from fedcore.directory import Directory, configured_directory
from fedcore.keys import KeyFileProblem, SigningKey, load_private_key
from fedcore.pki import (
    GATEWAY_IDENTITY,
    CertificateProblem,
    KeyProblem,
    TlsMaterial,
    https_server_context,
    load_tls_material,
)
from fedcore.query import QueryError, QueryLimits, searchable_schema
from fedcore.vocabulary import is_country_code

ALGORITHMS = {"EdDSA": ed25519.Ed25519PublicKey, "ES256": ec.EllipticCurvePublicKey}
LOG_LEVELS = ("debug", "info", "warning", "error")
DEFAULT_SCHEMATA = (
    "Person",
    "Passport",
    "Identification",
    "Vehicle",
    "Vessel",
    "Airplane",
    "Company",
    "Organization",
    "LegalEntity",
)


@dataclass(frozen=True)
class IssuerConfig:
    """A trusted issuer of investigator tokens."""

    name: str  # the token's "iss"
    algorithm: str
    public_key_pem: bytes
    private_key_path: Path | None  # only where tokens are minted locally (`fedgate token issue`)


@dataclass(frozen=True)
class NodeEntry:
    country: str
    address: str
    # A call that gave the node less time than this and missed its deadline does not count towards opening
    # the node's circuit breaker: the caller chose too short a deadline, the node did not fail.
    breaker_min_deadline_ms: int = 1000


@dataclass(frozen=True)
class GatewayConfig:
    listen_host: str
    listen_port: int
    max_body_bytes: int
    audience: str
    issuers: dict[str, IssuerConfig]
    nodes: dict[str, NodeEntry]
    default_timeout_ms: int
    min_timeout_ms: int
    max_timeout_ms: int
    default_limit: int
    max_limit: int
    query_limits: QueryLimits
    # The FollowTheMoney schemata investigators may search in this federation.
    schemata: tuple[str, ...]
    max_concurrent_calls_per_node: int
    breaker_failures: int
    breaker_cooldown_s: float
    health_timeout_ms: int
    log_level: str
    search_log: Path | None
    # The key requester assertions are signed with, and how long an assertion lives.
    assertion_key: SigningKey
    assertion_ttl_s: float
    # Mutual TLS towards the nodes: the gateway's client certificate and the CAs of node certificates.
    tls: TlsMaterial | None
    # HTTPS for investigators (the API and the page); None serves plain HTTP, for a TLS proxy in front.
    https: ssl.SSLContext | None
    searches_per_investigator: int
    searches_per_country: int
    rate_window_s: float
    # The HTTP front (gateway/front.py): how long a client may take to send a request's head, and its
    # body, and how many connections are open at once.
    header_timeout_s: float
    body_timeout_s: float
    max_connections: int
    # Investigator tokens: the longest lifetime (exp - iat) accepted, and how many token ids are remembered.
    max_token_lifetime_s: int
    max_tracked_tokens: int
    # Where /metrics is served (never on the investigators' port); None serves no metrics.
    metrics_listen: tuple[str, int] | None


def _read_public_key(section: Section, key: str, base: Path, algorithm: str) -> bytes:
    path = section.path(key, base)
    try:
        pem = path.read_bytes()
        public_key = serialization.load_pem_public_key(pem)
    except OSError as error:
        raise section.fail(key, f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        raise section.fail(key, f"{path} is not a PEM public key") from error
    if not isinstance(public_key, ALGORITHMS[algorithm]):
        raise section.fail(key, f"{path} is not a key for {algorithm}")
    return pem


def _issuers(root: Section, base: Path) -> dict[str, IssuerConfig]:
    issuers: dict[str, IssuerConfig] = {}
    table = root.section("issuers", required=True)
    for name in table.names():
        issuer = table.section(name)
        algorithm = issuer.string("algorithm", "EdDSA")
        if algorithm not in ALGORITHMS:
            raise issuer.fail("algorithm", f"must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
        private = issuer.optional_string("private_key")
        issuers[name] = IssuerConfig(
            name=name,
            algorithm=algorithm,
            public_key_pem=_read_public_key(issuer, "public_key", base, algorithm),
            private_key_path=issuer.path("private_key", base) if private else None,
        )
    if not issuers:
        raise table.fail("", "must name at least one token issuer")
    return issuers


def _nodes(root: Section, directory: Directory | None, breaker_min_deadline_ms: int) -> dict[str, NodeEntry]:
    """Nodes by country: the directory's members at their listed addresses, and [nodes.XX] tables (without a
    directory, the only source; with one, they may give a member another address, e.g. an internal name, or
    its own breaker_min_deadline_ms)."""
    nodes: dict[str, NodeEntry] = {}
    if directory is not None:
        nodes = {
            country: NodeEntry(country, member.node_address, breaker_min_deadline_ms)
            for country, member in sorted(directory.members.items())
            if member.node_address
        }
    table = root.section("nodes", required=directory is None)
    for country in table.names():
        entry = table.section(country)
        if not is_country_code(country):
            raise entry.fail("", f"is not a country: node tables are named by ISO 3166-1 alpha-2 code ({country!r})")
        if directory is not None and country not in directory.members:
            raise entry.fail("", f"{country} is not a member in the federation's directory")
        listed = nodes.get(country)
        address = entry.string("address", listed.address if listed else None, required=listed is None)
        min_deadline_ms = entry.integer("breaker_min_deadline_ms", breaker_min_deadline_ms, minimum=1, maximum=120_000)
        nodes[country] = NodeEntry(country, address, min_deadline_ms)
    for country, node in nodes.items():
        host, _, port = node.address.rpartition(":")
        if not host or not port.isdigit():
            raise table.section(country).fail("address", f'must look like "127.0.0.1:7001", got {node.address!r}')
    if not nodes:
        raise table.fail("", "must register at least one country node")
    return nodes


def _directory(root: Section, base: Path, assertion_key: SigningKey) -> Directory | None:
    """The federation's signed directory, if configured; the gateway's assertion key must be listed, valid now."""
    federation = root.section("federation")
    if not federation.names():
        return None
    directory = configured_directory(federation, base)
    key = directory.gateway_key(assertion_key.key_id)
    if key is None or not key.valid_at(datetime.now(UTC)):
        raise federation.fail(
            "directory",
            f"does not list the gateway's assertion key {assertion_key.key_id!r} as valid now: "
            "nodes would refuse its assertions and verifiers its answers",
        )
    return directory


def read_gateway_config(root: Section, base: Path) -> GatewayConfig:
    gateway = root.section("gateway", required=True)
    host, port = parse_listen_address(gateway, "listen", "127.0.0.1:8080")
    max_body_bytes = gateway.integer("max_body_bytes", 64 * 1024, minimum=1024, maximum=16 * 1024 * 1024)
    audience = gateway.string("audience", "fedgate")
    log_level = gateway.string("log_level", "info")
    if log_level not in LOG_LEVELS:
        raise gateway.fail("log_level", f"must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    search_log = gateway.path("search_log", base) if gateway.has("search_log") else None
    header_timeout_s = gateway.number("header_timeout_s", 10.0, minimum=0.1, maximum=300.0)
    body_timeout_s = gateway.number("body_timeout_s", 10.0, minimum=0.1, maximum=300.0)
    max_connections = gateway.integer("max_connections", 1000, minimum=1, maximum=100_000)
    max_token_lifetime_s = gateway.integer("max_token_lifetime_s", 3600, minimum=1, maximum=7 * 24 * 3600)
    max_tracked_tokens = gateway.integer("max_tracked_tokens", 100_000, minimum=1, maximum=10_000_000)
    metrics = root.section("metrics")
    metrics_listen = parse_listen_address(metrics, "listen", "127.0.0.1:0") if metrics.has("listen") else None

    search = root.section("search")
    min_timeout_ms = search.integer("min_timeout_ms", 50, minimum=1, maximum=60_000)
    max_timeout_ms = search.integer("max_timeout_ms", 10_000, minimum=min_timeout_ms, maximum=120_000)
    default_timeout_ms = search.integer("default_timeout_ms", 2_000, minimum=min_timeout_ms, maximum=max_timeout_ms)
    max_limit = search.integer("max_limit", 100, minimum=1, maximum=1000)
    default_limit = search.integer("default_limit", 20, minimum=1, maximum=max_limit)
    schemata = tuple(search.string_list("schemata", list(DEFAULT_SCHEMATA)))
    for name in schemata:
        try:
            searchable_schema(name)
        except QueryError as error:
            raise search.fail("schemata", error.message) from error
    query_limits = QueryLimits(
        max_properties=search.integer("max_properties", 20, minimum=1, maximum=200),
        max_values_per_property=search.integer("max_values_per_property", 10, minimum=1, maximum=100),
        max_value_length=search.integer("max_value_length", 200, minimum=8, maximum=10_000),
        max_total_values=search.integer("max_total_values", QueryLimits.max_total_values, minimum=1, maximum=2000),
        max_total_characters=search.integer(
            "max_total_characters", QueryLimits.max_total_characters, minimum=8, maximum=1_000_000
        ),
        max_name_parts=search.integer("max_name_parts", QueryLimits.max_name_parts, minimum=2, maximum=100),
        max_total_name_parts=search.integer(
            "max_total_name_parts", QueryLimits.max_total_name_parts, minimum=2, maximum=10_000
        ),
    )

    resilience = root.section("resilience")
    max_concurrent = resilience.integer("max_concurrent_calls_per_node", 64, minimum=1, maximum=10_000)
    breaker_failures = resilience.integer("breaker_failures", 5, minimum=1, maximum=1000)
    breaker_cooldown_s = resilience.number("breaker_cooldown_s", 10.0, minimum=0.1, maximum=3600.0)
    health_timeout_ms = resilience.integer("health_timeout_ms", 1000, minimum=10, maximum=60_000)
    breaker_min_deadline_ms = resilience.integer("breaker_min_deadline_ms", 1000, minimum=1, maximum=120_000)

    assertion = root.section("assertion", required=True)
    try:
        assertion_key = SigningKey(
            assertion.string("key_id", required=True), load_private_key(assertion.path("key", base))
        )
    except KeyFileProblem as error:
        raise assertion.fail("key", f"is unusable: {error}") from error
    assertion_ttl_s = assertion.number("ttl_s", 30.0, minimum=1.0, maximum=600.0)
    if assertion_ttl_s * 1000 < max_timeout_ms:
        raise assertion.fail("ttl_s", f"must outlast the longest search (search.max_timeout_ms = {max_timeout_ms})")

    tls_section = root.section("tls")
    tls: TlsMaterial | None = None
    if tls_section.names():
        try:
            tls = load_tls_material(
                tls_section.path("certificate", base),
                tls_section.path("key", base),
                tls_section.path("ca", base),
                expected_name=GATEWAY_IDENTITY,
            )
        except CertificateProblem as error:
            raise tls_section.fail("certificate", f"is unusable: {error}") from error

    https_section = root.section("https")
    https: ssl.SSLContext | None = None
    if https_section.names():
        try:
            https = https_server_context(https_section.path("certificate", base), https_section.path("key", base))
        except KeyProblem as error:
            raise https_section.fail("key", f"is unusable: {error}") from error
        except CertificateProblem as error:
            raise https_section.fail("certificate", f"is unusable: {error}") from error

    limits = root.section("rate_limits")
    searches_per_investigator = limits.integer("searches_per_investigator", 120, minimum=1, maximum=1_000_000)
    searches_per_country = limits.integer("searches_per_country", 3000, minimum=1, maximum=10_000_000)
    rate_window_s = limits.number("window_s", 60.0, minimum=0.1, maximum=86_400.0)

    config = GatewayConfig(
        listen_host=host,
        listen_port=port,
        max_body_bytes=max_body_bytes,
        audience=audience,
        issuers=_issuers(root, base),
        nodes=_nodes(root, _directory(root, base, assertion_key), breaker_min_deadline_ms),
        default_timeout_ms=default_timeout_ms,
        min_timeout_ms=min_timeout_ms,
        max_timeout_ms=max_timeout_ms,
        default_limit=default_limit,
        max_limit=max_limit,
        query_limits=query_limits,
        schemata=schemata,
        max_concurrent_calls_per_node=max_concurrent,
        breaker_failures=breaker_failures,
        breaker_cooldown_s=breaker_cooldown_s,
        health_timeout_ms=health_timeout_ms,
        log_level=log_level,
        search_log=search_log,
        assertion_key=assertion_key,
        assertion_ttl_s=assertion_ttl_s,
        tls=tls,
        https=https,
        searches_per_investigator=searches_per_investigator,
        searches_per_country=searches_per_country,
        rate_window_s=rate_window_s,
        header_timeout_s=header_timeout_s,
        body_timeout_s=body_timeout_s,
        max_connections=max_connections,
        max_token_lifetime_s=max_token_lifetime_s,
        max_tracked_tokens=max_tracked_tokens,
        metrics_listen=metrics_listen,
    )
    root.finish()
    return config


def load_gateway_config(path: Path) -> GatewayConfig:
    """Reads and validates gateway.toml; ConfigError names the bad key."""
    return read_gateway_config(load_toml(path), path.resolve().parent)


__all__ = ["ConfigError", "GatewayConfig", "IssuerConfig", "NodeEntry", "load_gateway_config"]
