"""The node's configuration file (node.toml), validated once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from fedcore.config import ConfigError, Section, load_toml, parse_listen_address
from fedcore.directory import configured_directory
from fedcore.keys import KeyFileProblem, SigningKey, load_private_key, load_public_key
from fedcore.pki import GATEWAY_IDENTITY, CertificateProblem, TlsMaterial, load_tls_material, node_identity
from fedcore.query import QueryLimits
from fedcore.vocabulary import is_country_code
from node.store import STORE_THREADS


@dataclass(frozen=True)
class OpaSettings:
    url: str
    decision_path: str
    revision_path: str
    timeout_s: float
    # The rule saying what the node may tell a requester about itself (schemata, counts, policy revision).
    describe_path: str


@dataclass(frozen=True)
class MatchingSettings:
    min_score: float
    max_candidates: int
    max_postings: int


@dataclass(frozen=True)
class AuditSettings:
    """When the node signs a checkpoint of its audit chain's head, and where it keeps them (docs/audit.md)."""

    checkpoints_path: Path
    checkpoint_every_entries: int
    checkpoint_every_s: float


# The operating point measured in docs/matching.md (python -m bench.matching).
DEFAULT_MATCHING = MatchingSettings(min_score=0.7, max_candidates=20, max_postings=1_000)


@dataclass(frozen=True)
class NodeConfig:
    country: str
    contact: str
    listen_host: str
    listen_port: int
    store_path: Path
    audit_path: Path
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
    # Distinct queries one requester may try against one record within probe_window_s (node/probing.py).
    probe_variants_per_record: int
    probe_window_s: float
    audit: AuditSettings
    # Searches one requester may have in progress at once (fewer than the store's threads), and the shortest
    # deadline a search is started with.
    concurrent_searches_per_requester: int = 2
    min_search_deadline_ms: int = 20


LOG_LEVELS = ("debug", "info", "warning", "error")


def _country(section: Section, key: str) -> str:
    code = section.string(key, required=True)
    if not is_country_code(code):
        raise section.fail(key, f'must be an ISO 3166-1 alpha-2 code in upper case such as "FR", got {code!r}')
    return code


def _keys_from_directory(
    federation: Section, base: Path, country: str, signing_key: SigningKey
) -> dict[str, ed25519.Ed25519PublicKey]:
    """The gateway's assertion keys valid now, from the federation's signed directory; the node's own answer
    key must be listed there for its country (otherwise nobody could verify its answers)."""
    directory = configured_directory(federation, base)
    now = datetime.now(UTC)
    key = directory.answer_key(country, signing_key.key_id)
    if key is None or not key.valid_at(now):
        raise federation.fail(
            "directory",
            f"does not list the node's signing key {signing_key.key_id!r} for {country} as valid now: "
            "its answers would not verify",
        )
    gateway_keys = {key.key_id: key.public_key for key in directory.gateway_keys if key.valid_at(now)}
    if not gateway_keys:
        raise federation.fail("directory", "lists no gateway key valid now")
    return gateway_keys


def read_node_config(root: Section, base: Path) -> NodeConfig:
    node = root.section("node", required=True)
    country = _country(node, "country")
    host, port = parse_listen_address(node, "listen", "127.0.0.1:0")
    contact = node.string("contact", required=True)
    if not contact.strip():
        raise node.fail("contact", "must name whom to contact about a hit")
    grace_s = node.number("shutdown_grace_s", 5.0, minimum=0.0, maximum=120.0)

    store = root.section("store", required=True)
    store_path = store.path("path", base)
    audit_path = store.path("audit_path", base)
    busy_timeout_ms = store.integer("busy_timeout_ms", 1000, minimum=1, maximum=60_000)
    if store_path == audit_path:
        raise store.fail("audit_path", "must be a different file from store.path")

    opa_section = root.section("opa", required=True)
    url = opa_section.string("url", required=True).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise opa_section.fail("url", f"must start with http:// or https://, got {url!r}")
    default_path = f"fedgate/countries/{country.lower()}/decision"
    decision_path = opa_section.string("decision_path", default_path).strip("/")
    # The describe rule sits beside the decision rule, in the same package.
    default_describe_path = f"{decision_path.rpartition('/')[0]}/describe".lstrip("/")
    opa = OpaSettings(
        url=url,
        decision_path=decision_path,
        revision_path=opa_section.string("revision_path", "fedgate/framework/revision").strip("/"),
        timeout_s=opa_section.integer("timeout_ms", 500, minimum=10, maximum=30_000) / 1000,
        describe_path=opa_section.string("describe_path", default_describe_path).strip("/"),
    )

    matching_section = root.section("matching")
    matching = MatchingSettings(
        min_score=matching_section.number("min_score", DEFAULT_MATCHING.min_score, minimum=0.0, maximum=1.0),
        max_candidates=matching_section.integer(
            "max_candidates", DEFAULT_MATCHING.max_candidates, minimum=1, maximum=1000
        ),
        max_postings=matching_section.integer(
            "max_postings", DEFAULT_MATCHING.max_postings, minimum=100, maximum=10_000_000
        ),
    )

    limits = root.section("limits")
    max_limit = limits.integer("max_limit", 100, minimum=1, maximum=1000)
    default_limit = limits.integer("default_limit", 20, minimum=1, maximum=max_limit)
    query_limits = QueryLimits(
        max_properties=limits.integer("max_properties", 20, minimum=1, maximum=200),
        max_values_per_property=limits.integer("max_values_per_property", 10, minimum=1, maximum=100),
        max_value_length=limits.integer("max_value_length", 200, minimum=8, maximum=10_000),
        max_total_values=limits.integer("max_total_values", QueryLimits.max_total_values, minimum=1, maximum=2000),
        max_total_characters=limits.integer(
            "max_total_characters", QueryLimits.max_total_characters, minimum=8, maximum=1_000_000
        ),
        max_name_parts=limits.integer("max_name_parts", QueryLimits.max_name_parts, minimum=2, maximum=100),
        max_total_name_parts=limits.integer(
            "max_total_name_parts", QueryLimits.max_total_name_parts, minimum=2, maximum=10_000
        ),
    )

    metrics_section = root.section("metrics")
    metrics_listen = (
        parse_listen_address(metrics_section, "listen", "127.0.0.1:0") if metrics_section.has("listen") else None
    )

    signing = root.section("signing", required=True)
    key_id = signing.string("key_id", required=True)
    try:
        signing_key = SigningKey(key_id, load_private_key(signing.path("key", base)))
    except KeyFileProblem as error:
        raise signing.fail("key", f"is unusable: {error}") from error

    federation = root.section("federation")
    if federation.names():
        if root.has("gateway_keys"):
            raise federation.fail("directory", "replaces [gateway_keys]: give one or the other, not both")
        gateway_keys = _keys_from_directory(federation, base, country, signing_key)
    else:
        keys = root.section("gateway_keys", required=True)
        gateway_keys = {}
        for name in keys.names():
            try:
                gateway_keys[name] = load_public_key(keys.path(name, base))
            except KeyFileProblem as error:
                raise keys.fail(name, f"is unusable: {error}") from error
        if not gateway_keys:
            raise keys.fail("", "must list at least one gateway key (key id = public key file)")

    tls_section = root.section("tls")
    tls: TlsMaterial | None = None
    allowed_clients: tuple[str, ...] = (GATEWAY_IDENTITY,)
    if tls_section.names():
        try:
            tls = load_tls_material(
                tls_section.path("certificate", base),
                tls_section.path("key", base),
                tls_section.path("client_ca", base),
                expected_name=node_identity(country),
            )
        except CertificateProblem as error:
            raise tls_section.fail("certificate", f"is unusable: {error}") from error
        allowed_clients = tuple(tls_section.string_list("allowed_clients", [GATEWAY_IDENTITY]))

    searches_per_requester = limits.integer("searches_per_requester", 600, minimum=1, maximum=1_000_000)
    rate_window_s = limits.number("rate_window_s", 60.0, minimum=0.1, maximum=86_400.0)
    probe_variants_per_record = limits.integer("probe_variants_per_record", 19, minimum=1, maximum=10_000)
    probe_window_s = limits.number("probe_window_s", 3600.0, maximum=30 * 86_400.0)
    if probe_window_s <= 0:
        raise limits.fail("probe_window_s", f"must be greater than 0, got {probe_window_s}")
    # Below the store's thread count: one requester's heavy searches never hold every thread.
    concurrent_searches_per_requester = limits.integer(
        "concurrent_searches_per_requester", 2, minimum=1, maximum=STORE_THREADS - 1
    )
    min_search_deadline_ms = limits.integer("min_search_deadline_ms", 20, minimum=1, maximum=10_000)

    audit = read_audit_settings(root.section("audit"), base, audit_path, store_path)

    log = root.section("log")
    level = log.string("level", "info")
    if level not in LOG_LEVELS:
        raise log.fail("level", f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")

    root.finish()
    return NodeConfig(
        country=country,
        contact=contact,
        listen_host=host,
        listen_port=port,
        store_path=store_path,
        audit_path=audit_path,
        busy_timeout_ms=busy_timeout_ms,
        opa=opa,
        matching=matching,
        query_limits=query_limits,
        max_limit=max_limit,
        default_limit=default_limit,
        grace_s=grace_s,
        log_level=level,
        metrics_listen=metrics_listen,
        gateway_keys=gateway_keys,
        signing_key=signing_key,
        tls=tls,
        allowed_clients=allowed_clients,
        searches_per_requester=searches_per_requester,
        rate_window_s=rate_window_s,
        probe_variants_per_record=probe_variants_per_record,
        probe_window_s=probe_window_s,
        audit=audit,
        concurrent_searches_per_requester=concurrent_searches_per_requester,
        min_search_deadline_ms=min_search_deadline_ms,
    )


def read_audit_settings(section: Section, base: Path, audit_path: Path, store_path: Path) -> AuditSettings:
    # Beside the audit file by default: audit.sqlite → audit.checkpoints.jsonl.
    checkpoints_path = section.path("checkpoints_path", base, str(audit_path.with_suffix(".checkpoints.jsonl")))
    if checkpoints_path in (audit_path, store_path):
        raise section.fail("checkpoints_path", "must be a file of its own, not store.path or store.audit_path")
    return AuditSettings(
        checkpoints_path=checkpoints_path,
        checkpoint_every_entries=section.integer("checkpoint_every_entries", 1000, minimum=1, maximum=10_000_000),
        checkpoint_every_s=section.number("checkpoint_every_s", 60.0, minimum=0.1, maximum=86_400.0),
    )


def load_node_config(path: Path) -> NodeConfig:
    """Reads and validates node.toml; ConfigError names the bad key."""
    return read_node_config(load_toml(path), path.resolve().parent)


__all__ = ["ConfigError", "NodeConfig", "load_node_config"]
