"""`fedgate node serve` as its own process: ready file, answers, graceful stop on SIGTERM, no values in its logs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fedcore.opa import OpaServer
from fedgate.v1 import node_pb2 as pb
from node.config import load_node_config
from node.store import import_lines
from tests.conftest import node_client, search_request, write_node_config
from tests.samples import FR_RECORDS, SECRET_VALUES, write_jsonl


def wait_for_file(path: Path, process: subprocess.Popen[bytes], timeout_s: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            data: dict[str, str] = json.loads(path.read_text())
            return data
        if process.poll() is not None:
            pytest.fail(f"node exited with {process.returncode} before it was ready")
        time.sleep(0.05)
    pytest.fail(f"no ready file after {timeout_s} s")


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
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fedcli.main",
                "node",
                "serve",
                "--config",
                str(config_path),
                "--ready-file",
                str(ready),
            ],
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        address = wait_for_file(ready, process)["grpc"]
        async with node_client(address) as client:
            response = await client.Search(search_request({"name": ["Ivan Petrov"]}, country="DE"), timeout=10)
        assert response.outcome == pb.SEARCH_OUTCOME_HIT
        process.send_signal(signum)
        assert process.wait(timeout=15) == 0
        assert port_is_closed(address)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    logged = log.read_text()
    assert '"event": "search.answered"' in logged
    assert '"event": "node.stopped"' in logged
    for value in [*SECRET_VALUES, "Ivan Petrov", "1975-04-02"]:
        assert value not in logged
