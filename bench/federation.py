"""A benchmark federation of N countries: generated policies, OPA and node processes (grouped above 16), a gateway."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.policies import ORDINARY_PURPOSES, write_policies
from fedcli.processes import Service, fedgate_command
from fedcli.synthetic import generate_country
from fedcore.keys import generate_signing_key
from fedeval.netfaults import DelayProxy
from fedtools.federation import SharedRateLimits, SigningKeyFile, gateway_tables, node_tables, write_config
from fedtools.opa import OpaServer
from gateway.auth import generate_keypair, issue_token
from gateway.config import load_gateway_config
from node.store import import_lines

NO_HIT_NAME = "Zorvak Quinnelbry"
# More than the most concurrent searches any section runs.
BENCH_INVESTIGATORS = 64


@dataclass
class BenchFederation:
    countries: list[str]
    gateway_url: str
    layout: str
    gateway_metrics_url: str = ""
    # One token per investigator: a node lets one investigator have only a few searches in progress at a time,
    # so concurrent load comes from many investigators, as it would in a federation.
    tokens: list[str] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    opa: list[OpaServer] = field(default_factory=list)
    metrics_urls: list[str] = field(default_factory=list)
    proxies: dict[str, DelayProxy] = field(default_factory=dict)
    # Every gateway replica's URL and process (the first is `gateway_url`), each node's gRPC address, the keys.
    gateway_urls: list[str] = field(default_factory=list)
    gateways: list[Service] = field(default_factory=list)
    addresses: dict[str, str] = field(default_factory=dict)
    keys: Path = Path()
    # An investigator no bench load uses: for checking one investigator's rate limit from a full allowance.
    spare_token: str = ""

    def pids(self) -> list[int]:
        return [s.process.pid for s in self.services] + [o.process.pid for o in self.opa if o.process is not None]


def _groups(countries: list[str], per_process: int) -> list[list[str]]:
    return [countries[i : i + per_process] for i in range(0, len(countries), per_process)]


def _write_keys(directory: Path) -> None:
    directory.mkdir(parents=True)
    for key_id in ("gw-bench", "node-bench"):
        private, public = generate_signing_key()
        (directory / f"{key_id}.pem").write_bytes(private)
        (directory / f"{key_id}.pub.pem").write_bytes(public)
    private, public = generate_keypair("EdDSA")
    (directory / "issuer.pem").write_bytes(private)
    (directory / "issuer.pub.pem").write_bytes(public)


def _node_config(directory: Path, country: str, opa_url: str, keys: Path) -> Path:
    tables = node_tables(
        country,
        opa_url=opa_url,
        signing=SigningKeyFile(keys / "node-bench.pem", "node-bench"),
        contact=f"bench {country}",
        gateway_keys={"gw-bench": keys / "gw-bench.pub.pem"},
        metrics=True,
        more={
            "node": {"shutdown_grace_s": 1},
            "limits": {"searches_per_requester": 1_000_000},
            "log": {"level": "warning"},
        },
    )
    return write_config(directory / "node.toml", tables)


def _gateway_config(
    directory: Path,
    nodes: dict[str, str],
    keys: Path,
    timeout_ms: int,
    shared: SharedRateLimits | None = None,
    searches_per_investigator: int = 1_000_000,
    rate_window_s: float = 60.0,
) -> Path:
    issuer = {"algorithm": "EdDSA", "public_key": str(keys / "issuer.pub.pem"), "private_key": str(keys / "issuer.pem")}
    tables = gateway_tables(
        nodes=nodes,
        assertion=SigningKeyFile(keys / "gw-bench.pem", "gw-bench"),
        issuers={"bench": issuer},
        metrics=True,
        shared_limits=shared,
        more={
            # The bench token lives as long as a long run (24 h), so the gateway accepts it.
            "gateway": {"log_level": "warning", "max_token_lifetime_s": 86400},
            "search": {"default_timeout_ms": timeout_ms, "min_timeout_ms": 50},
            "resilience": {"max_concurrent_calls_per_node": 256, "breaker_failures": 1000},
            "rate_limits": {
                "searches_per_investigator": searches_per_investigator,
                "searches_per_country": 10_000_000,
                "window_s": rate_window_s,
            },
        },
    )
    return write_config(directory / "gateway.toml", tables)


@contextlib.asynccontextmanager
async def bench_federation(
    work: Path,
    countries: list[str],
    *,
    records: int,
    per_process: int,
    timeout_ms: int = 2000,
    proxied: tuple[str, ...] = (),
    replicas: int = 1,
    redis_url: str | None = None,
    searches_per_investigator: int = 1_000_000,
    rate_window_s: float = 60.0,
) -> AsyncIterator[BenchFederation]:
    """Up to `per_process` nodes share a process and an OPA; `proxied` countries sit behind a DelayProxy;
    `replicas` gateways, sharing their rate limits on `redis_url` when given."""
    policies = write_policies(work / "policies", countries)
    keys = work / "keys"
    _write_keys(keys)
    groups = _groups(countries, per_process)
    layout = (
        f"{len(countries)} countries, {len(groups)} node process(es) of up to {per_process} nodes, one OPA per node "
        f"process serving those countries' policies, {records} synthetic records per country, gateway apart"
    )
    federation = BenchFederation(countries, "", layout, keys=keys)
    try:
        configs: dict[str, Path] = {}
        for index, group in enumerate(groups):
            opa = OpaServer(group[0], work / f"opa-{index}", policies_dir=policies, as_bundle=False)
            federation.opa.append(opa.start())
            for country in group:
                directory = work / "nodes" / country.lower()
                directory.mkdir(parents=True)
                lines = (
                    json.dumps(e, ensure_ascii=False) for e in generate_country(country, records, 11, vehicle_share=0.0)
                )
                import_lines(directory / "records.sqlite", lines, skip_invalid=False)
                configs[country] = _node_config(directory, country, opa.url, keys)
        ready_files = []
        for index, group in enumerate(groups):
            ready = work / f"nodes-{index}.json"
            command = [
                *fedgate_command()[:2],
                "bench.nodes",
                "--ready-file",
                str(ready),
                *(str(configs[c]) for c in group),
            ]
            federation.services.append(Service.spawn(f"nodes-{index}", command, work / f"nodes-{index}.log"))
            ready_files.append(ready)
        addresses: dict[str, str] = {}
        for service, ready in zip(federation.services, ready_files, strict=True):
            for country, node in service.wait_ready(ready, 600).items():
                addresses[country] = node["grpc"]
                federation.metrics_urls.append(node["metrics_url"])
        for country in proxied:
            federation.proxies[country] = await DelayProxy(addresses[country]).start()
            addresses[country] = federation.proxies[country].address
        federation.addresses = dict(addresses)
        shared = SharedRateLimits(redis_url, replicas) if redis_url is not None else None
        for replica in range(replicas):
            gateway_dir = work / ("gateway" if replica == 0 else f"gateway-{replica}")
            gateway_dir.mkdir()
            config_path = _gateway_config(
                gateway_dir,
                {c: addresses[c] for c in countries},
                keys,
                timeout_ms,
                shared,
                searches_per_investigator,
                rate_window_s,
            )
            ready = gateway_dir / "ready.json"
            command = fedgate_command("gateway", "serve", "--config", str(config_path), "--ready-file", str(ready))
            gateway = Service.spawn(f"gateway-{replica}", command, gateway_dir / "gateway.log")
            federation.services.append(gateway)
            federation.gateways.append(gateway)
            gateway_ready = gateway.wait_ready(ready, 120)
            federation.gateway_urls.append(gateway_ready["gateway_url"])
            if replica == 0:
                federation.gateway_url = gateway_ready["gateway_url"]
                federation.gateway_metrics_url = gateway_ready["metrics_url"]
        config = load_gateway_config(config_path)
        tokens = [
            issue_token(
                config.issuers["bench"],
                config.audience,
                investigator_id=f"bench-{n}",
                country=countries[0],
                agency="bench",
                clearance="secret",
                purposes=ORDINARY_PURPOSES,
                ttl_s=24 * 3600,
            )
            for n in range(BENCH_INVESTIGATORS + 1)
        ]
        federation.tokens, federation.spare_token = tokens[:-1], tokens[-1]
        yield federation
    finally:
        for service in federation.services:
            service.terminate()
        for service in federation.services:
            service.wait(30)
        for opa in federation.opa:
            opa.stop()
        for proxy in federation.proxies.values():
            await proxy.stop()


class GatewaySearch:
    """One federated search through the gateway's HTTP API, as a measurable call."""

    def __init__(self, session: aiohttp.ClientSession, federation: BenchFederation, body: dict[str, Any]) -> None:
        self.session = session
        self.url = federation.gateway_url + "/v1/search"
        self.headers = itertools.cycle([{"Authorization": f"Bearer {token}"} for token in federation.tokens])
        self.body = body
        self.answers: list[dict[str, Any]] = []
        self.keep_answers = False

    async def __call__(self) -> None:
        async with self.session.post(self.url, json=self.body, headers=next(self.headers)) as response:
            payload = await response.read()
            if response.status != 200:
                raise RuntimeError(f"the gateway answered {response.status}: {payload[:300]!r}")
        if self.keep_answers:
            self.answers.append(json.loads(payload))


def no_hit_body(timeout_ms: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schema": "Person", "properties": {"name": [NO_HIT_NAME]}, "purpose": "terrorism"}
    if timeout_ms is not None:
        body["timeout_ms"] = timeout_ms
    return body
