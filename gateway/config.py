"""The gateway's configuration file (gateway.toml), validated once at start-up: one model per table."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from pydantic import Field, field_validator, model_validator
from redis.asyncio.connection import parse_url as parse_redis_url

from fedcore.config import (
    CertificateTable,
    ConfigError,
    ConfigFile,
    ConfigPath,
    FederationTable,
    ListenAddress,
    LogLevel,
    MetricsTable,
    SigningKeyTable,
    Table,
    key_problem,
    load_config,
)
from fedcore.directory import Directory, configured_directory
from fedcore.keys import SigningKey
from fedcore.pki import GATEWAY_IDENTITY, CertificateProblem, KeyProblem, TlsMaterial, https_server_context
from fedcore.query import QueryError, QueryLimits, SearchLimits, searchable_schema
from fedcore.vocabulary import is_country_code

ALGORITHMS = {"EdDSA": ed25519.Ed25519PublicKey, "ES256": ec.EllipticCurvePublicKey}
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


class GatewayTable(Table):
    """`[gateway]`: the investigators' port and the HTTP front's bounds."""

    listen: ListenAddress = ("127.0.0.1", 8080)
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    audience: str = "fedgate"
    log_level: LogLevel = "info"
    search_log: ConfigPath | None = None
    # How long a client may take to send a request's head, and its body, and how many connections are open.
    header_timeout_s: float = Field(10.0, ge=0.1, le=300.0)
    body_timeout_s: float = Field(10.0, ge=0.1, le=300.0)
    max_connections: int = Field(1000, ge=1, le=100_000)
    # Investigator tokens: the longest lifetime (exp - iat) accepted, and how many token ids are remembered.
    max_token_lifetime_s: int = Field(3600, ge=1, le=7 * 24 * 3600)
    max_tracked_tokens: int = Field(100_000, ge=1, le=10_000_000)


class SearchTable(SearchLimits):
    """`[search]`: a search's time budget, result limit, query bounds and the schemata it may search."""

    min_timeout_ms: int = Field(50, ge=1, le=60_000)
    max_timeout_ms: int = Field(10_000, le=120_000)
    default_timeout_ms: int = 2_000
    schemata: list[str] = Field(default_factory=lambda: list(DEFAULT_SCHEMATA))

    @field_validator("schemata")
    @classmethod
    def _searchable(cls, schemata: list[str]) -> list[str]:
        for name in schemata:
            try:
                searchable_schema(name)
            except QueryError as error:
                raise ValueError(error.message) from error
        return schemata

    @model_validator(mode="after")
    def _timeouts_in_order(self) -> Self:
        if self.max_timeout_ms < self.min_timeout_ms:
            raise key_problem("max_timeout_ms", f"must be at least {self.min_timeout_ms}, got {self.max_timeout_ms}")
        if self.default_timeout_ms < self.min_timeout_ms:
            problem = f"must be at least {self.min_timeout_ms}, got {self.default_timeout_ms}"
            raise key_problem("default_timeout_ms", problem)
        if self.default_timeout_ms > self.max_timeout_ms:
            problem = f"must be at most {self.max_timeout_ms}, got {self.default_timeout_ms}"
            raise key_problem("default_timeout_ms", problem)
        return self


class ResilienceTable(Table):
    """`[resilience]`: concurrency towards each node, circuit breakers and health checks."""

    max_concurrent_calls_per_node: int = Field(64, ge=1, le=10_000)
    breaker_failures: int = Field(5, ge=1, le=1000)
    breaker_cooldown_s: float = Field(10.0, ge=0.1, le=3600.0)
    health_timeout_ms: int = Field(1000, ge=10, le=60_000)
    breaker_min_deadline_ms: int = Field(1000, ge=1, le=120_000)


class AssertionTable(SigningKeyTable):
    """`[assertion]`: the key requester assertions are signed with, and how long an assertion lives."""

    ttl_s: float = Field(30.0, ge=1.0, le=600.0)


class GatewayTlsTable(CertificateTable):
    """`[tls]`: mutual TLS towards the nodes; `ca` holds the CAs of node certificates."""

    ca: ConfigPath


# What a Redis URL's query may not set: the bounds on every Redis call are [rate_limits]' own keys.
REDIS_URL_OVERRIDES = ("socket_timeout", "socket_connect_timeout", "retry_on_timeout", "max_connections")


class RateLimitsTable(Table):
    """`[rate_limits]`: searches per investigator and per requesting country per window; with `redis_url`, shared
    by every replica of the gateway, and while Redis is unreachable 1/`replicas` of them per replica."""

    searches_per_investigator: int = Field(120, ge=1, le=1_000_000)
    searches_per_country: int = Field(3000, ge=1, le=10_000_000)
    window_s: float = Field(60.0, ge=0.1, le=86_400.0)
    redis_url: str | None = None
    replicas: int = Field(1, ge=1, le=1000)
    redis_timeout_ms: int = Field(100, ge=1, le=10_000)
    redis_retry_s: float = Field(1.0, ge=0.05, le=600.0)
    redis_max_connections: int = Field(64, ge=1, le=10_000)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        try:  # the URL may hold a password: no message repeats it
            overridden = sorted(set(REDIS_URL_OVERRIDES) & set(parse_redis_url(url))) if url else []
        except ValueError:
            raise ValueError("must be a Redis URL: redis://host:port/db, rediss://… or unix://…") from None
        if overridden:
            raise ValueError(f"may not set {', '.join(overridden)}: the [rate_limits] redis_* keys bound Redis calls")
        return url

    @model_validator(mode="after")
    def _shared_settings_need_redis(self) -> Self:
        for key in ("replicas", "redis_timeout_ms", "redis_retry_s", "redis_max_connections"):
            if self.redis_url is None and key in self.model_fields_set:
                raise key_problem(key, "applies only to limits shared through Redis: set redis_url too")
        return self

    def shared(self) -> SharedLimitsConfig | None:
        if self.redis_url is None:
            return None
        timeout_s, retry_s = self.redis_timeout_ms / 1000, self.redis_retry_s
        return SharedLimitsConfig(self.redis_url, self.replicas, timeout_s, retry_s, self.redis_max_connections)


class IssuerTable(Table):
    """`[issuers.NAME]`: a trusted issuer of investigator tokens (NAME is the token's "iss")."""

    algorithm: Literal["EdDSA", "ES256"] = "EdDSA"
    public_key: ConfigPath
    # Only where tokens are minted locally (`fedgate token issue`).
    private_key: ConfigPath | None = None


class NodeTable(Table):
    """`[nodes.XX]`: a country's node; with a directory, another address (e.g. an internal name) or its own
    breaker_min_deadline_ms for a member."""

    address: str | None = None
    breaker_min_deadline_ms: int | None = Field(None, ge=1, le=120_000)


class GatewayFile(Table):
    """gateway.toml as written."""

    gateway: GatewayTable
    metrics: MetricsTable = MetricsTable()
    search: SearchTable = SearchTable()
    resilience: ResilienceTable = ResilienceTable()
    assertion: AssertionTable
    tls: GatewayTlsTable | None = None
    https: CertificateTable | None = None
    rate_limits: RateLimitsTable = RateLimitsTable()
    issuers: dict[str, IssuerTable]
    federation: FederationTable | None = None
    nodes: dict[str, NodeTable] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.assertion.ttl_s * 1000 < self.search.max_timeout_ms:
            problem = f"must outlast the longest search (search.max_timeout_ms = {self.search.max_timeout_ms})"
            raise key_problem("assertion.ttl_s", problem)
        if not self.issuers:
            raise key_problem("issuers", "must name at least one token issuer")
        if self.federation is None and self.nodes is None:
            raise key_problem("nodes", "is required")
        for country in self.nodes or {}:
            if not is_country_code(country):
                problem = f"is not a country: node tables are named by ISO 3166-1 alpha-2 code ({country!r})"
                raise key_problem(f"nodes.{country}", problem)
        return self


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
class SharedLimitsConfig:
    """Rate limits shared by the gateway's replicas through Redis, and each replica's share while it is away."""

    redis_url: str
    # While Redis is unreachable each replica allows 1/replicas of every limit (rounded down, at least 1).
    replicas: int
    timeout_s: float  # every Redis call, connecting included
    retry_s: float  # how long after a failure Redis is tried again
    max_connections: int


@dataclass(frozen=True)
class GatewayConfig:
    """What the gateway runs with: the file's settings and the keys and certificates it names, loaded."""

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
    assertion_key: SigningKey
    assertion_ttl_s: float
    # Mutual TLS towards the nodes: the gateway's client certificate and the CAs of node certificates.
    tls: TlsMaterial | None
    # HTTPS for investigators (the API and the page); None serves plain HTTP, for a TLS proxy in front.
    https: ssl.SSLContext | None
    searches_per_investigator: int
    searches_per_country: int
    rate_window_s: float
    # None: the limits are this process's own (one replica).
    shared_limits: SharedLimitsConfig | None
    header_timeout_s: float
    body_timeout_s: float
    max_connections: int
    max_token_lifetime_s: int
    max_tracked_tokens: int
    # Where /metrics is served (never on the investigators' port); None serves no metrics.
    metrics_listen: tuple[str, int] | None


def _issuer(name: str, issuer: IssuerTable, file: ConfigFile) -> IssuerConfig:
    path, key = issuer.public_key, f"issuers.{name}.public_key"
    try:
        pem = path.read_bytes()
        public_key = serialization.load_pem_public_key(pem)
    except OSError as error:
        raise file.fail(key, f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        raise file.fail(key, f"{path} is not a PEM public key") from error
    if not isinstance(public_key, ALGORITHMS[issuer.algorithm]):
        raise file.fail(key, f"{path} is not a key for {issuer.algorithm}")
    return IssuerConfig(name, issuer.algorithm, pem, issuer.private_key)


def _directory(settings: GatewayFile, file: ConfigFile, assertion_key: SigningKey) -> Directory | None:
    """The federation's signed directory, if configured; the gateway's assertion key must be listed, valid now."""
    if settings.federation is None:
        return None
    directory = configured_directory(settings.federation, file)
    key = directory.gateway_key(assertion_key.key_id)
    if key is None or not key.valid_at(datetime.now(UTC)):
        raise file.fail(
            "federation.directory",
            f"does not list the gateway's assertion key {assertion_key.key_id!r} as valid now: "
            "nodes would refuse its assertions and verifiers its answers",
        )
    return directory


def _nodes(settings: GatewayFile, file: ConfigFile, directory: Directory | None) -> dict[str, NodeEntry]:
    """Nodes by country: the directory's members at their listed addresses, and [nodes.XX] tables (without a
    directory, the only source; with one, they may give a member another address or its own deadline)."""
    default_min_deadline_ms = settings.resilience.breaker_min_deadline_ms
    nodes: dict[str, NodeEntry] = {}
    if directory is not None:
        nodes = {
            country: NodeEntry(country, member.node_address, default_min_deadline_ms)
            for country, member in sorted(directory.members.items())
            if member.node_address
        }
    for country, entry in (settings.nodes or {}).items():
        if directory is not None and country not in directory.members:
            raise file.fail(f"nodes.{country}", f"{country} is not a member in the federation's directory")
        listed = nodes.get(country)
        address = entry.address or (listed.address if listed else None)
        if address is None:
            raise file.fail(f"nodes.{country}.address", "is required")
        nodes[country] = NodeEntry(country, address, entry.breaker_min_deadline_ms or default_min_deadline_ms)
    for country, node in nodes.items():
        host, _, port = node.address.rpartition(":")
        if not host or not port.isdigit():
            raise file.fail(f"nodes.{country}.address", f'must look like "127.0.0.1:7001", got {node.address!r}')
    if not nodes:
        raise file.fail("nodes", "must register at least one country node")
    return nodes


def _https(https: CertificateTable | None, file: ConfigFile) -> ssl.SSLContext | None:
    if https is None:
        return None
    try:
        return https_server_context(https.certificate, https.key)
    except KeyProblem as error:
        raise file.fail("https.key", f"is unusable: {error}") from error
    except CertificateProblem as error:
        raise file.fail("https.certificate", f"is unusable: {error}") from error


def load_gateway_config(path: Path) -> GatewayConfig:
    """Reads and validates gateway.toml and loads what it names; ConfigError names the bad key."""
    file = ConfigFile(path)
    settings = load_config(file, GatewayFile)
    gateway, search, resilience, limits = settings.gateway, settings.search, settings.resilience, settings.rate_limits
    assertion_key = settings.assertion.signing_key(file, "assertion")
    tls = settings.tls
    return GatewayConfig(
        listen_host=gateway.listen[0],
        listen_port=gateway.listen[1],
        max_body_bytes=gateway.max_body_bytes,
        audience=gateway.audience,
        issuers={name: _issuer(name, issuer, file) for name, issuer in settings.issuers.items()},
        nodes=_nodes(settings, file, _directory(settings, file, assertion_key)),
        default_timeout_ms=search.default_timeout_ms,
        min_timeout_ms=search.min_timeout_ms,
        max_timeout_ms=search.max_timeout_ms,
        default_limit=search.default_limit,
        max_limit=search.max_limit,
        query_limits=search,
        schemata=tuple(search.schemata),
        max_concurrent_calls_per_node=resilience.max_concurrent_calls_per_node,
        breaker_failures=resilience.breaker_failures,
        breaker_cooldown_s=resilience.breaker_cooldown_s,
        health_timeout_ms=resilience.health_timeout_ms,
        log_level=gateway.log_level,
        search_log=gateway.search_log,
        assertion_key=assertion_key,
        assertion_ttl_s=settings.assertion.ttl_s,
        tls=tls.tls_material(file, "tls", tls.ca, GATEWAY_IDENTITY) if tls else None,
        https=_https(settings.https, file),
        searches_per_investigator=limits.searches_per_investigator,
        searches_per_country=limits.searches_per_country,
        rate_window_s=limits.window_s,
        shared_limits=limits.shared(),
        header_timeout_s=gateway.header_timeout_s,
        body_timeout_s=gateway.body_timeout_s,
        max_connections=gateway.max_connections,
        max_token_lifetime_s=gateway.max_token_lifetime_s,
        max_tracked_tokens=gateway.max_tracked_tokens,
        metrics_listen=settings.metrics.listen,
    )


__all__ = ["ConfigError", "GatewayConfig", "IssuerConfig", "NodeEntry", "SharedLimitsConfig", "load_gateway_config"]
