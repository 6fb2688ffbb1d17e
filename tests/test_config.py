"""A bad node.toml or gateway.toml stops start-up with a message naming the file and the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fedcore.config import ConfigError
from gateway.config import load_gateway_config
from node.config import load_node_config
from node.pgsql import PostgresDatabase
from tests.federation import IssuerKeys, without, write_gateway_config, write_node_config


def config_with(tmp_path: Path, change: dict[str, Any] | str) -> Path:
    """The test node's configuration with `change` merged in, or with the dotted key `change` left out."""
    path = write_node_config(tmp_path, "FR", "http://127.0.0.1:8181", change if isinstance(change, dict) else None)
    return without(path, change) if isinstance(change, str) else path


def test_a_valid_config_loads(tmp_path: Path) -> None:
    config = load_node_config(write_node_config(tmp_path, "FR", "http://127.0.0.1:8181"))
    assert config.country == "FR"
    assert config.opa.decision_path == "fedgate/countries/fr/decision"
    assert config.store_path == tmp_path / "records.sqlite"
    # Relative paths are taken from the file's directory; the checkpoints file defaults to beside the audit log.
    assert config.audit.checkpoints_path == tmp_path / "audit.checkpoints.jsonl"
    assert config.opa.describe_path == "fedgate/countries/fr/describe"
    assert (config.opa.timeout_s, config.max_limit, config.default_limit, config.log_level) == (2.0, 100, 20, "info")


def test_a_postgresql_store_holds_the_audit_log_too(tmp_path: Path) -> None:
    url = "postgresql://fedgate:secret@db.fr.example:5432/fedgate"
    config = load_node_config(write_node_config(tmp_path, "FR", "http://127.0.0.1:8181", {"store": {"url": url}}))
    assert config.store == config.audit_log == PostgresDatabase(url)
    assert str(config.store) == "postgresql://fedgate:***@db.fr.example:5432/fedgate"  # no password in messages
    assert config.audit.checkpoints_path == tmp_path / "audit.checkpoints.jsonl"
    with pytest.raises(ConfigError, match="not an SQLite file"):
        assert config.store_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"node": {"country": "France"}}, "node.country must be an ISO 3166-1 alpha-2 code"),
        ({"node": {"country": "fr"}}, "node.country must be an ISO 3166-1 alpha-2 code"),
        ({"node": {"listen": "localhost"}}, "node.listen must look like"),
        ({"opa": {"timeout_ms": 0}}, "opa.timeout_ms must be at least 10"),
        ({"opa": {"timeout_ms": "fast"}}, "opa.timeout_ms must be an integer"),
        ({"opa": {"url": "127.0.0.1:8181"}}, "opa.url must start with http"),
        ({"store": {"audit_path": "records.sqlite"}}, "store.audit_path must be a different file"),
        ({"node": {"colour": 3}}, "node.colour is not a known setting"),
        ({"opa": {"retries": 3}}, "opa.retries is not a known setting"),
        ("node.contact", "node.contact is required"),
        ({"matching": {"min_score": 2}}, "matching.min_score must be at most 1.0"),
        ({"node": 3}, "node must be a table"),
        ({"limits": {"max_total_values": 0}}, "limits.max_total_values must be at least 1"),
        ({"limits": {"max_total_characters": 4}}, "limits.max_total_characters must be at least 8"),
        ({"limits": {"max_name_parts": 1}}, "limits.max_name_parts must be at least 2"),
        ({"limits": {"max_total_name_parts": "x"}}, "limits.max_total_name_parts must be an integer"),
        ({"limits": {"max_limit": 5, "default_limit": 10}}, "limits.default_limit must be at most 5, got 10"),
        ({"node": {"shutdown_grace_s": True}}, "node.shutdown_grace_s must be a number, got True"),
        ({"metrics": {"listen": 5}}, 'metrics.listen must look like "127.0.0.1:8080", got 5'),
        ({"log": {"level": "loud"}}, "log.level must be one of"),
        ({"matching": 1}, "matching must be a table, got 1"),
        ({"store": {"path": 7}}, "store.path must be a string, got 7"),
        ({"opa": {"decision_path": 3}}, "opa.decision_path must be a string, got 3"),
        ({"federation": {"directory": "federation.json"}}, "federation.directory replaces"),
        (
            {"tls": {"certificate": "a.pem", "key": "a.key", "client_ca": "ca.pem", "allowed_clients": [1]}},
            "tls.allowed_clients must be a list of strings",
        ),
        ({"audit": {"checkpoints_path": "records.sqlite"}}, "audit.checkpoints_path must be a file of its own"),
        ({"store": {"url": "mysql://fedgate@db/fedgate"}}, "store.url must be a PostgreSQL URL"),
        ({"store": {"url": "postgresql://fedgate@db/fedgate", "path": "r.sqlite"}}, "store.path is for SQLite"),
        ("store.path", "store.path is required (an SQLite file), or store.url"),
    ],
)
def test_bad_value_names_the_key(tmp_path: Path, change: dict[str, Any] | str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"node\.toml: ") as failure:
        load_node_config(config_with(tmp_path, change))
    assert message in str(failure.value)


def test_missing_and_malformed_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_node_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[node\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_node_config(broken)


def test_serve_with_a_bad_config_exits_with_the_message(tmp_path: Path) -> None:
    path = config_with(tmp_path, {"opa": {"timeout_ms": -5}})
    command = [sys.executable, "-m", "fedcli.main", "node", "serve", "--config", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "opa.timeout_ms must be at least 10" in result.stderr


def test_the_query_cost_bounds_are_read_from_limits(tmp_path: Path) -> None:
    bounds = {"max_total_values": 8, "max_total_characters": 300, "max_name_parts": 6, "max_total_name_parts": 20}
    path = config_with(tmp_path, {"limits": bounds})
    limits = load_node_config(path).query_limits
    assert (limits.max_total_values, limits.max_total_characters) == (8, 300)
    assert (limits.max_name_parts, limits.max_total_name_parts) == (6, 20)


@pytest.mark.parametrize(
    ("change", "removed", "message"),
    [
        ({"search": {"min_timeout_ms": 2000}}, None, "search.default_timeout_ms must be at least 2000, got 1500"),
        ({"search": {"max_timeout_ms": 1000}}, None, "search.default_timeout_ms must be at most 1000, got 1500"),
        ({"search": {"schemata": ["Person", "Shoe"]}}, None, "search.schemata "),
        ({"assertion": {"ttl_s": 2.0}}, None, "assertion.ttl_s must outlast the longest search"),
        ({"nodes": {"France": {"address": "127.0.0.1:2"}}}, "nodes.FR", "nodes.France is not a country"),
        ({"nodes": {"FR": {"address": "nowhere"}}}, None, 'nodes.FR.address must look like "127.0.0.1:7001"'),
        ({"nodes": {"FR": {"breaker_min_deadline_ms": 10}}}, "nodes.FR.address", "nodes.FR.address is required"),
        ({"issuers": {"test-issuer": {"algorithm": "RS256"}}}, None, "issuers.test-issuer.algorithm must be one of"),
        ({"issuers": {"test-issuer": {"colour": 1}}}, None, "issuers.test-issuer.colour is not a known setting"),
        ({"gateway": {"log_level": "loud"}}, None, "gateway.log_level must be one of"),
        ({"gateway": {"max_body_bytes_typo": 1}}, None, "gateway.max_body_bytes_typo is not a known setting"),
        ({"metric": {"listen": "127.0.0.1:0"}}, "metrics", "metric is not a known setting"),
    ],
)
def test_bad_gateway_value_names_the_key(
    tmp_path: Path, issuer_keys: IssuerKeys, change: dict[str, Any], removed: str | None, message: str
) -> None:
    path = write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, change)
    if removed is not None:
        without(path, removed)
    with pytest.raises(ConfigError, match=r"gateway\.toml: ") as failure:
        load_gateway_config(path)
    assert message in str(failure.value)


def test_a_valid_gateway_config_loads_with_its_defaults(tmp_path: Path, issuer_keys: IssuerKeys) -> None:
    config = load_gateway_config(write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys))
    assert config.search_log == tmp_path / "searches.jsonl"
    assert (config.min_timeout_ms, config.default_timeout_ms, config.max_timeout_ms) == (50, 1500, 5000)
    assert config.nodes["FR"].breaker_min_deadline_ms == 1000
    assert config.issuers["test-issuer"].private_key_path is not None
    assert config.query_limits.max_properties == 20
    assert "Person" in config.schemata
