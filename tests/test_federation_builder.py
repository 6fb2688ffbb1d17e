"""The federation builder writes configuration files that the node's and the gateway's own loaders accept as meant."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from fedcore.keys import generate_signing_key
from fedtools.ca import init_ca, issue_certificate, issue_https_certificate
from fedtools.federation import SigningKeyFile, TlsFiles, gateway_tables, merged, node_tables, write_config
from gateway.auth import generate_keypair
from gateway.config import load_gateway_config
from node.config import load_node_config


def _key(directory: Path, key_id: str) -> SigningKeyFile:
    private_pem, public_pem = generate_signing_key()
    (directory / f"{key_id}.pem").write_bytes(private_pem)
    (directory / f"{key_id}.pub.pem").write_bytes(public_pem)
    return SigningKeyFile(directory / f"{key_id}.pem", key_id)


def _tls(tmp_path: Path, country: str | None) -> TlsFiles:
    ca = tmp_path / "ca"
    if not (ca / "ca.pem").exists():
        init_ca(ca)
    issued = issue_certificate(
        ca, tmp_path / (country or "gateway"), country=country, hosts=["127.0.0.1"], client_auth=country is None
    )
    return TlsFiles(issued.certificate, issued.key, ca / "ca.pem")


@pytest.mark.parametrize("with_tls", [False, True])
def test_a_node_configuration_loads_as_described(tmp_path: Path, with_tls: bool) -> None:
    signing = _key(tmp_path, "fr-1")
    _key(tmp_path, "gw-1")
    tables = node_tables(
        "FR",
        opa_url="http://127.0.0.1:8181",
        signing=signing,
        contact="SIRENE FR",
        gateway_keys={"gw-1": tmp_path / "gw-1.pub.pem"},
        tls=_tls(tmp_path, "FR") if with_tls else None,
        metrics=True,
        more={"limits": {"searches_per_requester": 1234}, "node": {"shutdown_grace_s": 2}},
    )

    config = load_node_config(write_config(tmp_path / "node" / "node.toml", tables))

    assert config.country == "FR"
    assert config.contact == "SIRENE FR"
    assert config.opa.url == "http://127.0.0.1:8181"
    assert config.signing_key.key_id == "fr-1"
    assert list(config.gateway_keys) == ["gw-1"]
    assert config.searches_per_requester == 1234
    assert config.grace_s == 2
    assert config.metrics_listen is not None
    assert (config.tls is not None) is with_tls


def test_a_gateway_configuration_loads_as_described(tmp_path: Path) -> None:
    private, public = generate_keypair("EdDSA")
    (tmp_path / "issuer.pem").write_bytes(private)
    (tmp_path / "issuer.pub.pem").write_bytes(public)
    tls = _tls(tmp_path, None)
    https = issue_https_certificate(tmp_path / "ca", tmp_path / "https", hosts=["127.0.0.1"])
    tables = gateway_tables(
        nodes={"FR": "127.0.0.1:50051", "DE": "127.0.0.1:50052"},
        assertion=_key(tmp_path, "gw-1"),
        issuers={"test": {"algorithm": "EdDSA", "public_key": str(tmp_path / "issuer.pub.pem")}},
        tls=tls,
        https=(https.certificate, https.key),
        more={"gateway": {"max_token_lifetime_s": 600}, "search": {"default_timeout_ms": 900}},
    )

    config = load_gateway_config(write_config(tmp_path / "gateway" / "gateway.toml", tables))

    assert sorted(config.nodes) == ["DE", "FR"]
    assert list(config.issuers) == ["test"]
    assert config.max_token_lifetime_s == 600
    assert config.default_timeout_ms == 900
    assert config.tls is not None
    assert config.https is not None


def test_further_tables_merge_key_by_key_and_win() -> None:
    base = {"node": {"country": "FR", "listen": "127.0.0.1:0"}, "opa": {"timeout_ms": 2000}}

    result = merged(base, {"node": {"listen": "127.0.0.1:9000"}, "log": {"level": "warning"}})

    assert result == {
        "node": {"country": "FR", "listen": "127.0.0.1:9000"},
        "opa": {"timeout_ms": 2000},
        "log": {"level": "warning"},
    }
    assert base == {"node": {"country": "FR", "listen": "127.0.0.1:0"}, "opa": {"timeout_ms": 2000}}


def test_values_that_need_quoting_survive_the_file(tmp_path: Path) -> None:
    contact = 'SIRENE "FR"\\desk \u00e9 # not a comment'
    path = write_config(
        tmp_path / "node.toml",
        node_tables(
            "FR", opa_url="http://127.0.0.1:1", signing=SigningKeyFile(tmp_path / "k.pem", "k"), contact=contact
        ),
    )

    assert tomllib.loads(path.read_text())["node"]["contact"] == contact
