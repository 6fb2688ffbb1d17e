"""The node's configuration file (node.toml), validated once at start-up: one model per table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Self

from cryptography.hazmat.primitives.asymmetric import ed25519
from pydantic import AfterValidator, Field, field_validator, model_validator

from fedcore.config import (
    CertificateTable,
    ConfigError,
    ConfigFile,
    ConfigPath,
    CountryCode,
    FederationTable,
    ListenAddress,
    LogLevel,
    MetricsTable,
    SigningKeyTable,
    Table,
    key_problem,
    load_config,
)
from fedcore.directory import configured_directory
from fedcore.keys import KeyFileProblem, SigningKey, load_public_key
from fedcore.pki import GATEWAY_IDENTITY, TlsMaterial, node_identity
from fedcore.query import QueryLimits, SearchLimits
from node.pgsql import Location, PostgresDatabase
from node.store import STORE_THREADS


def _http_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"must start with http:// or https://, got {url!r}")
    return url.rstrip("/")


RulePath = Annotated[str, AfterValidator(lambda path: path.strip("/"))]


def _postgres_url(url: str) -> str:
    if not url.startswith(("postgresql://", "postgres://")):
        raise ValueError(
            f"must be a PostgreSQL URL (postgresql://user@host:port/database), got {str(PostgresDatabase(url))!r}"
        )
    return url


PostgresUrl = Annotated[str, AfterValidator(_postgres_url)]


def _scrypt_hash(value: str) -> str:
    if not re.fullmatch(r"scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*", value):
        raise ValueError("must be a scrypt hash made by node.followups.web.hash_password, never a password")
    return value


class NodeTable(Table):
    """`[node]`: who the node is and where it listens."""

    country: CountryCode
    listen: ListenAddress = ("127.0.0.1", 0)
    contact: str
    shutdown_grace_s: float = Field(5.0, ge=0.0, le=120.0)

    @field_validator("contact")
    @classmethod
    def _names_someone(cls, contact: str) -> str:
        if not contact.strip():
            raise ValueError("must name whom to contact about a hit")
        return contact


class StoreTable(Table):
    """`[store]`: the records and the audit log: two SQLite files (`path`, `audit_path`), or one PostgreSQL
    database (`url`) holding both, which several node processes of the country may share."""

    path: ConfigPath | None = None
    audit_path: ConfigPath | None = None
    url: PostgresUrl | None = None
    busy_timeout_ms: int = Field(1000, ge=1, le=60_000)
    # How often the serving node deletes records past their expiry day (audited); 0: never (purge by cron).
    purge_every_s: float = Field(3600.0, ge=0, le=7 * 86_400.0)

    @model_validator(mode="after")
    def _one_engine(self) -> Self:
        if self.url is not None:
            for key in ("path", "audit_path"):
                if getattr(self, key) is not None:
                    raise key_problem(
                        key, "is for SQLite: with store.url the records and the audit log are in PostgreSQL"
                    )
            return self
        if self.path is None:
            raise key_problem("path", "is required (an SQLite file), or store.url (a PostgreSQL database)")
        if self.audit_path is None:
            raise key_problem("audit_path", "is required with store.path (the audit log's SQLite file)")
        if self.path == self.audit_path:
            raise key_problem("audit_path", "must be a different file from store.path")
        return self

    @property
    def records(self) -> Location:
        return PostgresDatabase(self.url) if self.url is not None else self._file(self.path)

    @property
    def audit_log(self) -> Location:
        return PostgresDatabase(self.url) if self.url is not None else self._file(self.audit_path)

    @staticmethod
    def _file(path: Path | None) -> Path:
        assert path is not None  # checked by _one_engine
        return path


class OpaSettings(Table):
    """`[opa]`: the country's own OPA and the rules the node asks it."""

    url: Annotated[str, AfterValidator(_http_url)]
    decision_path: RulePath
    revision_path: RulePath = "fedgate/framework/revision"
    timeout_ms: int = Field(500, ge=10, le=30_000)
    # The rule saying what the node may tell a requester about itself (schemata, counts, policy revision).
    describe_path: RulePath
    # The rule declaring which record properties' values the policy reads ({"policy_revision", "properties"}):
    # the only values the node puts in the policy's input.
    reads_path: RulePath
    # The rule deciding follow-ups after a hit (stage "follow_up"): whether one is taken and when it is due, then
    # what of the record the officer approved may leave.
    follow_up_path: RulePath

    @model_validator(mode="before")
    @classmethod
    def _describe_beside_decision(cls, data: Any) -> Any:
        """The describe, reads and follow-up rules sit beside the decision rule, in the same package."""
        if isinstance(data, dict) and isinstance(data.get("decision_path"), str):
            package = data["decision_path"].strip("/").rpartition("/")[0]
            for rule in ("describe", "reads", "follow_up"):
                if f"{rule}_path" not in data:
                    data = {**data, f"{rule}_path": f"{package}/{rule}".lstrip("/")}
        return data

    @property
    def timeout_s(self) -> float:
        return self.timeout_ms / 1000


class MatchingSettings(Table):
    """`[matching]`: the lowest reported score and the bounds on a search's candidates."""

    min_score: float = Field(0.7, ge=0.0, le=1.0)
    max_candidates: int = Field(20, ge=1, le=1000)
    max_postings: int = Field(1_000, ge=100, le=10_000_000)


# The operating point measured in docs/matching.md (python -m fedeval.matching).
DEFAULT_MATCHING = MatchingSettings()


class LimitsTable(SearchLimits):
    """`[limits]`: a query's bounds, the result limit, and what one requester may ask of the node."""

    searches_per_requester: int = Field(600, ge=1, le=1_000_000)
    rate_window_s: float = Field(60.0, ge=0.1, le=86_400.0)
    # Distinct queries one requester may try against one record within probe_window_s (node/probing.py).
    probe_variants_per_record: int = Field(19, ge=1, le=10_000)
    probe_window_s: float = Field(3600.0, gt=0, le=30 * 86_400.0)
    # Searches one requester may have in progress at once: below the store's thread count, so one requester's
    # heavy searches never hold every thread. And the shortest deadline a search is started with.
    concurrent_searches_per_requester: int = Field(2, ge=1, le=STORE_THREADS - 1)
    min_search_deadline_ms: int = Field(20, ge=1, le=10_000)


class AuditSettings(Table):
    """`[audit]`: when the node signs a checkpoint of its audit chain's head, and where it keeps them
    (docs/audit.md); beside the audit file by default (audit.sqlite → audit.checkpoints.jsonl), or beside
    node.toml with a PostgreSQL store (audit.checkpoints.jsonl)."""

    checkpoints_path: ConfigPath
    checkpoint_every_entries: int = Field(1000, ge=1, le=10_000_000)
    checkpoint_every_s: float = Field(60.0, ge=0.1, le=86_400.0)


class NodeTlsTable(CertificateTable):
    """`[tls]`: mutual TLS; the CAs clients' certificates must come from, and the client names allowed."""

    client_ca: ConfigPath
    allowed_clients: list[str] = Field(default_factory=lambda: [GATEWAY_IDENTITY])


class LogTable(Table):
    level: LogLevel = "info"


class OperatorTable(Table):
    """`[operator]`: the officers' review page (node.followups.web) and its accounts, name → scrypt hash made by
    node.followups.web.hash_password (docs/follow-ups.md). Without this table, no page."""

    listen: ListenAddress = ("127.0.0.1", 0)
    officers: dict[str, Annotated[str, AfterValidator(_scrypt_hash)]] = Field(min_length=1)


class NodeFile(Table):
    """node.toml as written."""

    node: NodeTable
    store: StoreTable
    opa: OpaSettings
    matching: MatchingSettings = DEFAULT_MATCHING
    limits: LimitsTable = LimitsTable()
    metrics: MetricsTable = MetricsTable()
    # The node's own key for signing its answers.
    signing: SigningKeyTable
    federation: FederationTable | None = None
    # Without a [federation] directory: the gateway's assertion keys, key id = public key file.
    gateway_keys: dict[str, ConfigPath] | None = None
    tls: NodeTlsTable | None = None
    audit: AuditSettings
    log: LogTable = LogTable()
    operator: OperatorTable | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_other_tables(cls, data: Any) -> Any:
        """Defaults that follow another table's value: the country's decision rule, the checkpoints file."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        node, store, opa, audit = (data.get(name, {}) for name in ("node", "store", "opa", "audit"))
        if isinstance(opa, dict) and "decision_path" not in opa and isinstance(node, dict):
            country = node.get("country")
            if isinstance(country, str):
                data["opa"] = {**opa, "decision_path": f"fedgate/countries/{country.lower()}/decision"}
        if isinstance(audit, dict) and "checkpoints_path" not in audit and isinstance(store, dict):
            audit_path = store.get("audit_path")
            if isinstance(audit_path, str) and Path(audit_path).name:
                checkpoints = str(Path(audit_path).with_suffix(".checkpoints.jsonl"))
                data["audit"] = {**audit, "checkpoints_path": checkpoints}
            elif audit_path is None and isinstance(store.get("url"), str):
                data["audit"] = {**audit, "checkpoints_path": "audit.checkpoints.jsonl"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.audit.checkpoints_path in (self.store.audit_path, self.store.path) and self.store.url is None:
            raise key_problem("audit.checkpoints_path", "must be a file of its own, not store.path or store.audit_path")
        if self.federation is not None and self.gateway_keys is not None:
            raise key_problem("federation.directory", "replaces [gateway_keys]: give one or the other, not both")
        if self.federation is None and self.gateway_keys is None:
            raise key_problem("gateway_keys", "is required")
        if self.gateway_keys == {}:
            raise key_problem("gateway_keys", "must list at least one gateway key (key id = public key file)")
        return self


@dataclass(frozen=True)
class NodeConfig:
    """What the node runs with: the file's settings and the keys and certificates it names, loaded and checked."""

    country: str
    contact: str
    listen_host: str
    listen_port: int
    # Where the records are: an SQLite file or a PostgreSQL database; and the audit log (with PostgreSQL, the
    # same database).
    store: Location
    audit_log: Location
    busy_timeout_ms: int
    opa: OpaSettings
    matching: MatchingSettings
    query_limits: QueryLimits
    max_limit: int
    default_limit: int
    grace_s: float
    log_level: str
    # Where /metrics is served over HTTP; None serves no metrics.
    metrics_listen: tuple[str, int] | None
    # Keys the gateway signs requester assertions with, by key id (several during a rotation).
    gateway_keys: dict[str, ed25519.Ed25519PublicKey]
    # The node's own key for signing its answers.
    signing_key: SigningKey
    # Mutual TLS: the node's certificate and the CAs its clients' certificates must come from; None: plaintext.
    tls: TlsMaterial | None
    allowed_clients: tuple[str, ...]
    searches_per_requester: int
    rate_window_s: float
    probe_variants_per_record: int
    probe_window_s: float
    audit: AuditSettings
    concurrent_searches_per_requester: int = 2
    min_search_deadline_ms: int = 20
    purge_every_s: float = 3600.0
    # The officers' review page and accounts; None: no page.
    operator: OperatorTable | None = None

    @property
    def store_path(self) -> Path:
        """The records' SQLite file (for what works on SQLite files only)."""
        if not isinstance(self.store, Path):
            raise ConfigError(f"the store is the PostgreSQL database {self.store} (store.url), not an SQLite file")
        return self.store

    @property
    def audit_path(self) -> Path:
        """The audit log's SQLite file (for what works on SQLite files only)."""
        if not isinstance(self.audit_log, Path):
            raise ConfigError(f"the audit log is in the PostgreSQL database {self.audit_log}, not an SQLite file")
        return self.audit_log


def _keys_from_directory(
    federation: FederationTable, file: ConfigFile, country: str, signing_key: SigningKey
) -> dict[str, ed25519.Ed25519PublicKey]:
    """The gateway's assertion keys valid now, from the federation's signed directory; the node's own answer
    key must be listed there for its country (otherwise nobody could verify its answers)."""
    directory = configured_directory(federation, file)
    now = datetime.now(UTC)
    key = directory.answer_key(country, signing_key.key_id)
    if key is None or not key.valid_at(now):
        raise file.fail(
            "federation.directory",
            f"does not list the node's signing key {signing_key.key_id!r} for {country} as valid now: "
            "its answers would not verify",
        )
    gateway_keys = {key.key_id: key.public_key for key in directory.gateway_keys if key.valid_at(now)}
    if not gateway_keys:
        raise file.fail("federation.directory", "lists no gateway key valid now")
    return gateway_keys


def _gateway_keys_from_files(paths: dict[str, Path], file: ConfigFile) -> dict[str, ed25519.Ed25519PublicKey]:
    keys = {}
    for name, path in paths.items():
        try:
            keys[name] = load_public_key(path)
        except KeyFileProblem as error:
            raise file.fail(f"gateway_keys.{name}", f"is unusable: {error}") from error
    return keys


def load_node_config(path: Path) -> NodeConfig:
    """Reads and validates node.toml and loads what it names; ConfigError names the bad key."""
    file = ConfigFile(path)
    settings = load_config(file, NodeFile)
    country = settings.node.country
    signing_key = settings.signing.signing_key(file, "signing")
    if settings.federation is not None:
        gateway_keys = _keys_from_directory(settings.federation, file, country, signing_key)
    else:
        gateway_keys = _gateway_keys_from_files(settings.gateway_keys or {}, file)
    tls = settings.tls
    limits = settings.limits
    return NodeConfig(
        country=country,
        contact=settings.node.contact,
        listen_host=settings.node.listen[0],
        listen_port=settings.node.listen[1],
        store=settings.store.records,
        audit_log=settings.store.audit_log,
        busy_timeout_ms=settings.store.busy_timeout_ms,
        opa=settings.opa,
        matching=settings.matching,
        query_limits=limits,
        max_limit=limits.max_limit,
        default_limit=limits.default_limit,
        grace_s=settings.node.shutdown_grace_s,
        log_level=settings.log.level,
        metrics_listen=settings.metrics.listen,
        gateway_keys=gateway_keys,
        signing_key=signing_key,
        tls=tls.tls_material(file, "tls", tls.client_ca, node_identity(country)) if tls else None,
        allowed_clients=tuple(tls.allowed_clients) if tls else (GATEWAY_IDENTITY,),
        searches_per_requester=limits.searches_per_requester,
        rate_window_s=limits.rate_window_s,
        probe_variants_per_record=limits.probe_variants_per_record,
        probe_window_s=limits.probe_window_s,
        audit=settings.audit,
        concurrent_searches_per_requester=limits.concurrent_searches_per_requester,
        min_search_deadline_ms=limits.min_search_deadline_ms,
        purge_every_s=settings.store.purge_every_s,
        operator=settings.operator,
    )


__all__ = ["ConfigError", "NodeConfig", "load_node_config"]
