"""The gateway serving investigators over HTTPS itself (`[https]`), and what it refuses to start with."""

from __future__ import annotations

import datetime
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fedcli.processes import Service, fedgate_command
from fedcore.config import ConfigError
from fedtools.ca import issue_https_certificate
from fedtools.opa import OpaServer
from gateway.config import load_gateway_config
from tests.conftest import NodeFactory
from tests.federation import IssuerKeys, Pki, mint, write_gateway_config
from tests.samples import RECORDS_BY_COUNTRY


def https_table(certificate: Path, key: Path) -> dict[str, Any]:
    return {"https": {"certificate": str(certificate), "key": str(key)}}


async def test_the_gateway_serves_https_with_hsts_and_nothing_in_plain_http(
    tmp_path: Path,
    node_factory: NodeFactory,
    shared_opa: Callable[[str], OpaServer],
    issuer_keys: IssuerKeys,
    pki: Pki,
) -> None:
    node = await node_factory("FR", shared_opa("FR").url, RECORDS_BY_COUNTRY["FR"])
    out = tmp_path / "https"
    issued = subprocess.run(
        fedgate_command("pki", "issue", "--https", "--dir", str(pki.ca_dir), "--out", str(out), "--host", "127.0.0.1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert issued.returncode == 0, issued.stderr
    certificate, key = out / "https.pem", out / "https.key"
    directory = tmp_path / "gateway"
    config = write_gateway_config(directory, {"FR": node.address}, issuer_keys, https_table(certificate, key))
    ready = directory / "ready.json"
    command = fedgate_command("gateway", "serve", "--config", str(config), "--ready-file", str(ready))
    gateway = Service.spawn("gateway", command, directory / "gateway.log", cwd=directory)
    try:
        url = gateway.wait_ready(ready, 60)["gateway_url"]
        assert url.startswith("https://127.0.0.1:")
        token = mint(load_gateway_config(config), "FR")
        trusted = ssl.create_default_context(cafile=pki.ca)
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
            body = {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "drug_trafficking"}
            async with session.post(url + "/v1/search", json=body, ssl=trusted) as response:
                assert response.status == 200
                assert response.headers["Strict-Transport-Security"].startswith("max-age=")
                answer = await response.json()
            assert answer["countries"]["FR"]["status"] == "hit"
            # A client that does not trust the federation CA is refused at the handshake.
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                async with session.get(url + "/healthz", ssl=ssl.create_default_context()):
                    pass
            # Plain HTTP to the HTTPS port gets no answer, least of all one carrying records.
            with pytest.raises(aiohttp.ClientError):
                async with session.post(url.replace("https://", "http://") + "/v1/search", json=body) as response:
                    await response.read()
    finally:
        gateway.terminate()
        gateway.wait(10)


def test_an_expired_or_mismatched_https_certificate_stops_start_up(
    tmp_path: Path, pki: Pki, issuer_keys: IssuerKeys
) -> None:
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    old = issue_https_certificate(pki.ca_dir, tmp_path / "old", hosts=["127.0.0.1"], days=1, not_before=long_ago)
    current = issue_https_certificate(pki.ca_dir, tmp_path / "current", hosts=["127.0.0.1"])
    cases = [
        (https_table(old.certificate, old.key), r"https\.certificate is unusable: certificate .* expired on"),
        (https_table(current.certificate, old.key), r"https\.key is unusable: .* is not the private key of"),
        (https_table(current.certificate, tmp_path / "missing.key"), r"https\.key is unusable: cannot read"),
        (https_table(tmp_path / "missing.pem", current.key), r"https\.certificate is unusable: cannot read"),
        ({"https": {"certificate": str(current.certificate)}}, r"https\.key"),
    ]
    for index, (table, message) in enumerate(cases):
        path = write_gateway_config(tmp_path / f"gateway-{index}", {"FR": "127.0.0.1:1"}, issuer_keys, table)
        with pytest.raises(ConfigError, match=message):
            load_gateway_config(path)
