"""`fedgate node serve` as its own process: ready file, answers, graceful stop on SIGTERM, no values in its logs."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from fedcli.processes import Service, fedgate_command
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.config import load_node_config
from node.store import import_lines
from tests.conftest import node_client, search_request
from tests.federation import write_node_config
from tests.samples import FR_RECORDS, SECRET_VALUES, write_jsonl


def port_is_closed(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) != 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_node_serves_until_signalled_then_stops_cleanly(
    tmp_path: Path, opa_fr: OpaServer, signum: signal.Signals
) -> None:
    config_path = write_node_config(tmp_path, "FR", opa_fr.url)
    config = load_node_config(config_path)
    with write_jsonl(tmp_path / "records.jsonl", FR_RECORDS).open() as handle:
        import_lines(config.store_path, handle, skip_invalid=False)
    ready = tmp_path / "ready.json"
    log = tmp_path / "node.log"
    node = Service.spawn(
        "node", fedgate_command("node", "serve", "--config", str(config_path), "--ready-file", str(ready)), log
    )
    try:
        address = node.wait_ready(ready, 60)["grpc"]
        async with node_client(address) as client:
            response = await client.Search(search_request({"name": ["Ivan Petrov"]}, country="DE"), timeout=10)
        assert response.outcome == pb.SEARCH_OUTCOME_HIT
        node.process.send_signal(signum)
        assert node.process.wait(timeout=15) == 0
        assert port_is_closed(address)
    finally:
        node.terminate()
        node.wait(10)
    logged = log.read_text()
    assert '"event": "search.answered"' in logged
    assert '"event": "node.stopped"' in logged
    for value in [*SECRET_VALUES, "Ivan Petrov", "1975-04-02"]:
        assert value not in logged
