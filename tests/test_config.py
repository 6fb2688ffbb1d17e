"""A bad node.toml or gateway.toml stops start-up with a message naming the file and the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fedcore.config import ConfigError
from gateway.config import load_gateway_config
from node.config import load_node_config
from tests.conftest import IssuerKeys, write_gateway_config, write_node_config


def config_with(tmp_path: Path, old: str, new: str) -> Path:
    path = write_node_config(tmp_path, "FR", "http://127.0.0.1:8181")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def test_a_valid_config_loads(tmp_path: Path) -> None:
    config = load_node_config(write_node_config(tmp_path, "FR", "http://127.0.0.1:8181"))
    assert config.country == "FR"
    assert config.opa.decision_path == "fedgate/countries/fr/decision"
    assert config.store_path == tmp_path / "records.sqlite"
    # Relative paths are taken from the file's directory; the checkpoints file defaults to beside the audit log.
    assert config.audit.checkpoints_path == tmp_path / "audit.checkpoints.jsonl"
    assert config.opa.describe_path == "fedgate/countries/fr/describe"
    assert (config.opa.timeout_s, config.max_limit, config.default_limit, config.log_level) == (2.0, 100, 20, "info")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('country = "FR"', 'country = "France"', "node.country must be an ISO 3166-1 alpha-2 code"),
        ('country = "FR"', 'country = "fr"', "node.country must be an ISO 3166-1 alpha-2 code"),
        ('listen = "127.0.0.1:0"', 'listen = "localhost"', "node.listen must look like"),
        ("timeout_ms = 2000", "timeout_ms = 0", "opa.timeout_ms must be at least 10"),
        ("timeout_ms = 2000", 'timeout_ms = "fast"', "opa.timeout_ms must be an integer"),
        ('url = "http://127.0.0.1:8181"', 'url = "127.0.0.1:8181"', "opa.url must start with http"),
        ('audit_path = "audit.sqlite"', 'audit_path = "records.sqlite"', "store.audit_path must be a different file"),
        ("shutdown_grace_s = 1", "shutdown_grace_s = 1\ncolour = 3", "node.colour is not a known setting"),
        ("[opa]", "[opa]\nretries = 3", "opa.retries is not a known setting"),
        ('contact = "SIRENE FR, +00 1 23 45 67 89"', "", "node.contact is required"),
        ("[node]", "[matching]\nmin_score = 2\n[node]", "matching.min_score must be at most 1.0"),
        ("[node]", "node = 3\n[x]", "node must be a table"),
        ("[node]", "[limits]\nmax_total_values = 0\n[node]", "limits.max_total_values must be at least 1"),
        ("[node]", "[limits]\nmax_total_characters = 4\n[node]", "limits.max_total_characters must be at least 8"),
        ("[node]", "[limits]\nmax_name_parts = 1\n[node]", "limits.max_name_parts must be at least 2"),
        ("[node]", '[limits]\nmax_total_name_parts = "x"\n[node]', "limits.max_total_name_parts must be an integer"),
        (
            "[node]",
            "[limits]\nmax_limit = 5\ndefault_limit = 10\n[node]",
            "limits.default_limit must be at most 5, got 10",
        ),
        ("shutdown_grace_s = 1", "shutdown_grace_s = true", "node.shutdown_grace_s must be a number, got True"),
        ("[node]", "[metrics]\nlisten = 5\n[node]", 'metrics.listen must look like "127.0.0.1:8080", got 5'),
        ("[node]", '[log]\nlevel = "loud"\n[node]', "log.level must be one of"),
        ("[node]", "matching = 1\n[node]", "matching must be a table, got 1"),
        ('path = "records.sqlite"', "path = 7", "store.path must be a string, got 7"),
        ("[opa]", "[opa]\ndecision_path = 3", "opa.decision_path must be a string, got 3"),
        ("[signing]", "[federation]\ndirectory = 'federation.json'\n[signing]", "federation.directory replaces"),
        (
            "[signing]",
            "[tls]\ncertificate = 'a.pem'\nkey = 'a.key'\nclient_ca = 'ca.pem'\nallowed_clients = [1]\n[signing]",
            "tls.allowed_clients must be a list of strings",
        ),
        (
            'key_id = "fr-test-1"',
            'key_id = "fr-test-1"\n[audit]\ncheckpoints_path = "records.sqlite"',
            "audit.checkpoints_path must be a file of its own",
        ),
    ],
)
def test_bad_value_names_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"node\.toml: ") as failure:
        load_node_config(config_with(tmp_path, old, new))
    assert message in str(failure.value)


def test_missing_and_malformed_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_node_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[node\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_node_config(broken)


def test_serve_with_a_bad_config_exits_with_the_message(tmp_path: Path) -> None:
    path = config_with(tmp_path, "timeout_ms = 2000", "timeout_ms = -5")
    command = [sys.executable, "-m", "fedcli.main", "node", "serve", "--config", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "opa.timeout_ms must be at least 10" in result.stderr


def test_the_query_cost_bounds_are_read_from_limits(tmp_path: Path) -> None:
    path = config_with(
        tmp_path,
        "[node]",
        "[limits]\nmax_total_values = 8\nmax_total_characters = 300\nmax_name_parts = 6\nmax_total_name_parts = 20\n"
        "[node]",
    )
    limits = load_node_config(path).query_limits
    assert (limits.max_total_values, limits.max_total_characters) == (8, 300)
    assert (limits.max_name_parts, limits.max_total_name_parts) == (6, 20)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "[search]\n",
            "[search]\nmin_timeout_ms = 2000\n",
            "search.default_timeout_ms must be at least 2000, got 1500",
        ),
        ("max_timeout_ms = 5000", "max_timeout_ms = 1000", "search.default_timeout_ms must be at most 1000, got 1500"),
        ("[search]\n", '[search]\nschemata = ["Person", "Shoe"]\n', "search.schemata "),
        ("[assertion]\n", "[assertion]\nttl_s = 2.0\n", "assertion.ttl_s must outlast the longest search"),
        ("[nodes.FR]", "[nodes.France]", "nodes.France is not a country"),
        ('address = "127.0.0.1:1"', 'address = "nowhere"', 'nodes.FR.address must look like "127.0.0.1:7001"'),
        ('address = "127.0.0.1:1"', "breaker_min_deadline_ms = 10", "nodes.FR.address is required"),
        ('algorithm = "EdDSA"', 'algorithm = "RS256"', "issuers.test-issuer.algorithm must be one of"),
        ('algorithm = "EdDSA"', "colour = 1", "issuers.test-issuer.colour is not a known setting"),
        ("[gateway]\n", '[gateway]\nlog_level = "loud"\n', "gateway.log_level must be one of"),
        ("[gateway]\n", "[gateway]\nmax_body_bytes_typo = 1\n", "gateway.max_body_bytes_typo is not a known setting"),
        ("[metrics]", "[metric]", "metric is not a known setting"),
    ],
)
def test_bad_gateway_value_names_the_key(
    tmp_path: Path, issuer_keys: IssuerKeys, old: str, new: str, message: str
) -> None:
    path = write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
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
