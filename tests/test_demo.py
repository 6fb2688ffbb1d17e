"""`fedgate demo` as a new user runs it: it comes up, answers the sample search, and leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
import redis

from fedcli.processes import fedgate_command
from tests.conftest import running_demo


def listening_ports(processes: list[psutil.Process]) -> set[int]:
    ports = set()
    for process in processes:
        try:
            ports |= {c.laddr.port for c in process.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN}
        except psutil.NoSuchProcess:
            continue
    return ports


def still_listening(ports: set[int]) -> set[int]:
    return {
        c.laddr.port for c in psutil.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN and c.laddr
    } & ports


def test_demo_comes_up_answers_the_sample_search_and_stops_cleanly(tmp_path: Path) -> None:
    ready_file = tmp_path / "ready.json"
    stdout, stderr = tmp_path / "demo.out", tmp_path / "demo.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        demo = subprocess.Popen(
            [sys.executable, "-m", "fedcli.main", "demo", "--records", "300", "--ready-file", str(ready_file)],
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + 240
        while not ready_file.exists():
            if demo.poll() is not None:
                pytest.fail(f"demo exited with {demo.returncode}: {stderr.read_text()[-3000:]}")
            assert time.monotonic() < deadline, "the demo did not become ready in time"
            time.sleep(0.2)
        ready = json.loads(ready_file.read_text())
        assert len(ready["countries"]) >= 5
        assert set(ready["tokens"]) == set(ready["countries"]) == set(ready["nodes"])
        assert all(node["grpc"] and node["metrics_url"] for node in ready["nodes"].values())

        request = urllib.request.Request(
            ready["gateway_url"] + "/v1/search",
            data=json.dumps(ready["sample_search"]).encode(),
            headers={"Authorization": f"Bearer {ready['tokens']['DE']}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        hit_countries = {country for country, entry in answer["countries"].items() if entry["status"] == "hit"}
        assert len(hit_countries) >= 2, answer["countries"]
        assert ready["tls"] is True
        saved = tmp_path / "answer.json"
        saved.write_text(json.dumps(answer))
        verified = subprocess.run(
            fedgate_command(
                "verify", str(saved), "--directory", ready["directory"], "--federation-key", ready["federation_key"]
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.count(": intact") == len(ready["countries"]) + 1  # and the gateway's envelope
        with urllib.request.urlopen(ready["gateway_metrics_url"], timeout=10) as response:
            assert b"fedgate_gateway_searches_total" in response.read()

        started = psutil.Process(demo.pid).children(recursive=True)
        assert len(started) >= 11  # an OPA and a node per country, and the gateway
        ports = listening_ports(started)
        assert len(ports) >= 16  # OPA, gRPC and metrics per country, and the gateway

        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=60) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert "curl -s -X POST" in stdout.read_text()
    assert "every process it started has exited" in stderr.read_text()
    assert [
        process.pid for process in started if process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    ] == []
    assert still_listening(ports) == set()
    assert not ready_file.exists()


@pytest.fixture(scope="module")
def https_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    """One demo over HTTPS with Prometheus, for the tests that look at it running (its work directory too)."""
    work = tmp_path_factory.mktemp("https-demo")
    with running_demo(work, 20, "--https", "--countries", "FR,DE", "--prometheus") as ready:
        yield ready, work


async def test_demo_over_https_is_searched_and_scraped_trusting_its_ca(https_demo: tuple[dict[str, Any], Path]) -> None:
    ready, work = https_demo
    assert ready["gateway_url"].startswith("https://127.0.0.1:")
    trusted = ssl.create_default_context(cafile=ready["ca_certificate"])
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {ready['tokens']['FR']}"}
        url = ready["gateway_url"] + "/v1/search"
        async with session.post(url, json=ready["sample_search"], headers=headers, ssl=trusted) as response:
            assert response.status == 200
            assert "Strict-Transport-Security" in response.headers
            answer = await response.json()
        assert {c for c, entry in answer["countries"].items() if entry["status"] == "hit"} == {"FR", "DE"}
        # Prometheus scrapes the gateway over HTTPS, trusting the demo's CA.
        targets_url = ready["prometheus_url"] + "/api/v1/targets"
        deadline = time.monotonic() + 60
        health = None
        while health != "up":
            assert time.monotonic() < deadline, f"the gateway target never came up: {health}"
            async with session.get(targets_url) as response:
                active = (await response.json())["data"]["activeTargets"]
            gateway = [t for t in active if t["labels"]["job"] == "fedgate-gateway"]
            health = gateway[0]["health"] if gateway else None
            if health != "up":
                await asyncio.sleep(0.5)  # polling Prometheus for a state, not waiting on a guess
        assert gateway[0]["scrapeUrl"].startswith("https://")
    printed = (work / "demo.log").read_text()
    assert f"--cacert {ready['ca_certificate']}" in printed


def test_demo_keeps_its_keys_and_tokens_to_the_user_who_ran_it(https_demo: tuple[dict[str, Any], Path]) -> None:
    ready, demo_root = https_demo
    work = Path(ready["work_dir"])
    ready_file = demo_root / "ready.json"
    tokens = [token.encode() for token in ready["tokens"].values()]
    secrets = [ready_file]
    for path in work.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            if b"PRIVATE KEY" in content or any(token in content for token in tokens):
                secrets.append(path)
    names = {path.name for path in secrets}
    # The token issuer's, the gateway's (assertions, mTLS, HTTPS), each node's and the CA's private keys.
    assert {"issuer.pem", "gw-demo-1.pem", "fr-demo-1.pem", "gateway.key", "node-fr.key", "ca.key"} <= names
    assert {"https.key", "ready.json"} <= names
    assert {path: oct(path.stat().st_mode & 0o777) for path in secrets} == {path: "0o600" for path in secrets}
    holding = {path.parent for path in secrets if path != ready_file} | {work}
    assert {path: oct(path.stat().st_mode & 0o777) for path in holding} == {path: "0o700" for path in holding}


def test_demo_with_two_gateway_replicas_shares_their_rate_limits_through_redis(tmp_path: Path) -> None:
    with running_demo(tmp_path, 20, "--countries", "FR,DE", "--replicas", "2", "--no-tls") as ready:
        urls = ready["gateway_urls"]
        assert len(set(urls)) == 2
        assert ready["gateway_url"] == urls[0]
        redis_port = int(ready["redis_url"].rsplit(":", 1)[1].split("/")[0])
        for url in urls:
            with urllib.request.urlopen(url + "/readyz", timeout=10) as response:
                assert json.loads(response.read())["rate_limits"] == "shared"
            request = urllib.request.Request(
                url + "/v1/search",
                data=json.dumps(ready["sample_search"]).encode(),
                headers={"Authorization": f"Bearer {ready['tokens']['FR']}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read())
            assert {c for c, entry in answer["countries"].items() if entry["status"] == "hit"} == {"FR", "DE"}
        # Each replica's /readyz pinged the demo's Redis ("shared"); the investigator's bucket is kept there.
        shared = redis.Redis.from_url(ready["redis_url"])
        try:
            assert len(shared.keys("fedgate:rate:v1:investigator:*")) == 1
        finally:
            shared.close()
        assert redis_port in still_listening({redis_port})
    printed = (tmp_path / "demo.log").read_text()
    assert all(url in printed for url in urls)
    assert still_listening({redis_port}) == set()
