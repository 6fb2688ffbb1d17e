"""`fedgate gateway serve` as its own process: it answers, stops on SIGTERM, and keeps no record content."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import aiohttp

from fedcli.processes import Service, fedgate_command
from fedtools.opa import OpaServer
from tests.conftest import NodeFactory
from tests.federation import IssuerKeys, write_gateway_config
from tests.samples import RECORDS_BY_COUNTRY, SECRET_VALUES


def released_values(answer: dict[str, object]) -> set[str]:
    values: set[str] = set()
    for result in answer["results"]:  # type: ignore[attr-defined]
        for property_values in result["properties"].values():
            values.update(property_values)
    return values


async def test_gateway_process_answers_and_leaves_no_record_content_behind(
    tmp_path: Path, node_factory: NodeFactory, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> None:
    nodes = {c: await node_factory(c, shared_opa(c).url, RECORDS_BY_COUNTRY[c]) for c in ("FR", "DE")}
    directory = tmp_path / "gateway"
    config = write_gateway_config(directory, {c: n.address for c, n in nodes.items()}, issuer_keys)
    issue = fedgate_command("token", "issue", "--config", str(config), "--country", "FR", "--agency", "DCPJ")
    issue += ["--investigator", "fr-42", "--purposes", "all", "--clearance", "secret"]
    token = subprocess.run(issue, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    ready = directory / "ready.json"
    command = fedgate_command("gateway", "serve", "--config", str(config), "--ready-file", str(ready))
    gateway = Service.spawn("gateway", command, directory / "gateway.log", cwd=directory)
    released: set[str] = set()
    try:
        listening = gateway.wait_ready(ready, 60)
        url = listening["gateway_url"]
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
            for body in (
                {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "drug_trafficking"},
                {
                    "schema": "Person",
                    "properties": {"name": ["Иван Петров"], "birthDate": ["1975"]},
                    "purpose": "fugitive",
                },
                {"schema": "Vehicle", "properties": {"registrationNumber": ["AB123CD"]}, "purpose": "stolen_vehicle"},
            ):
                async with session.post(url + "/v1/search", json=body) as response:
                    assert response.status == 200
                    released |= released_values(await response.json())
                async with session.post(url + "/v1/search/stream", json=body) as response:
                    assert response.status == 200
                    await response.read()
            async with session.get(url + "/metrics") as response:
                assert response.status == 404  # not on the investigators' port
            async with session.get(listening["metrics_url"]) as response:
                metrics_text = await response.text()
        gateway.process.send_signal(signal.SIGTERM)
        assert gateway.process.wait(timeout=15) == 0
    finally:
        gateway.terminate()
        gateway.wait(10)

    assert {"Ivan Petrov", "Iwan Petrow", "Peugeot 308", "Seen in Marseille port"} <= released
    searches = (directory / "searches.jsonl").read_text().splitlines()
    assert len(searches) == 6
    first = json.loads(searches[0])
    assert first["investigator"] == "fr-42"
    assert first["countries"] == {"DE": "hit", "FR": "hit"}
    # Short values ("ru", "male") would be found inside ordinary words; every longer one is checked.
    forbidden = {value for value in released if len(value) >= 5} | set(SECRET_VALUES) | {"Иван Петров", "AB123CD"}
    gateway_files = [path for path in directory.rglob("*") if path.is_file()]
    for path in gateway_files:
        content = path.read_text(encoding="utf-8", errors="replace")
        leaked = sorted(value for value in forbidden if value in content)
        assert not leaked, f"{path.name} holds record content: {leaked}"
    assert not [value for value in forbidden if value in metrics_text]
