"""A bad node.toml stops start-up with a message naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fedcore.config import ConfigError
from node.config import load_node_config
from tests.conftest import write_node_config


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
