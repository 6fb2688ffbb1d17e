"""The test federation: its keys, every process's configuration (written by fedtools.federation), and one
federation of real nodes, OPA servers and a gateway, run in this process or as `fedgate` processes.

Tests describe what differs from the usual federation with typed tables (`more`), never with TOML text.
Every node and every node's OPA sits behind a DelayProxy, so a test can slow, cut or re-point a link; a node
or the gateway can be stopped and started again (a restarted gateway listens on its first port).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import os
import signal
import sqlite3
import tempfile
import time
import tomllib
import urllib.parse
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from fedcli.processes import Service, fedgate_command
from fedcore.directory import FORMAT as DIRECTORY_FORMAT
from fedcore.directory import format_time, key_entry, sign_directory
from fedcore.keys import SigningKey, generate_signing_key, load_private_key, load_public_key
from fedeval.netfaults import DelayProxy
from fedtools.ca import IssuedFiles, init_ca, issue_certificate
from fedtools.federation import (
    FederationDirectory,
    SharedRateLimits,
    SigningKeyFile,
    Tables,
    TlsFiles,
    gateway_tables,
    merged,
    node_tables,
    write_config,
)
from fedtools.opa import OpaServer
from gateway.app import RunningGateway, start_gateway
from gateway.auth import issue_token
from gateway.config import GatewayConfig, load_gateway_config
from node.config import NodeConfig, load_node_config
from node.server import RunningNode, start_node
from node.store import import_lines
from tests.samples import RECORDS_BY_COUNTRY, write_jsonl


class TestKeys:
    """The signing keys of a test federation: the gateway's assertion keys and each node's answer key."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="fedgate-test-keys-"))
        self.public = self.directory / "public"  # `<key id>.pub.pem`
        self.public.mkdir()
        self.gateway = self.create("gw-test-1")
        self.gateway_next = self.create("gw-test-2")  # for rotation tests
        self.federation = self.create("federation-test-1")  # signs the federation's directory

    def create(self, key_id: str) -> SigningKey:
        private_pem, public_pem = generate_signing_key()
        (self.directory / f"{key_id}.pem").write_bytes(private_pem)
        (self.public / f"{key_id}.pub.pem").write_bytes(public_pem)
        return SigningKey(key_id, load_private_key(self.directory / f"{key_id}.pem"))

    def private_path(self, key_id: str) -> Path:
        return self.directory / f"{key_id}.pem"

    def public_path(self, key_id: str) -> Path:
        return self.public / f"{key_id}.pub.pem"

    def node_key_id(self, country: str) -> str:
        key_id = f"{country.lower()}-test-1"
        if not self.private_path(key_id).exists():
            self.create(key_id)
        return key_id

    def write_directory(
        self,
        path: Path,
        answer_keys: dict[str, list[tuple[str, datetime.datetime, datetime.datetime | None]]],
        gateway_keys: tuple[str, ...] = ("gw-test-1", "gw-test-2"),
        version: int = 1,
    ) -> Path:
        """A directory signed by the test federation key: per country its answer keys (key id, valid from,
        valid until), and the gateway's keys valid since a day ago."""
        since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
        content = {
            "format": DIRECTORY_FORMAT,
            "federation": "fedgate-test",
            "version": version,
            "issued_at": format_time(datetime.datetime.now(datetime.UTC)),
            "members": [
                {
                    "country": country,
                    "node_address": "",
                    "answer_keys": [
                        key_entry(key_id, load_public_key(self.public_path(key_id)), valid_from, valid_until)
                        for key_id, valid_from, valid_until in keys
                    ],
                }
                for country, keys in sorted(answer_keys.items())
            ],
            "gateway_keys": [key_entry(k, load_public_key(self.public_path(k)), since) for k in gateway_keys],
        }
        path.write_text(json.dumps(sign_directory(content, self.federation)))
        return path

    def directory_for(self, path: Path, countries: tuple[str, ...]) -> Path:
        """Each country with its usual test key, valid since a day ago."""
        since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
        return self.write_directory(path, {c: [(self.node_key_id(c), since, None)] for c in countries})


KEYS = TestKeys()


KEYS = TestKeys()


@dataclass(frozen=True)
class IssuerKeys:
    private: Path
    public: Path
    rogue_private: Path  # a key the gateway does not know, for forged tokens


def write_node_config(
    directory: Path,
    country: str,
    opa_url: str,
    more: Mapping[str, Any] | None = None,
    *,
    signing_key_id: str | None = None,
    tls: TlsFiles | None = None,
    federation: FederationDirectory | None = None,
) -> Path:
    """A node's `node.toml` in `directory`: its store and audit log beside it, the test keys, `more` merged in.
    With a federation directory the node takes the gateway's keys from it, else from a hand-kept table."""
    key_id = signing_key_id or KEYS.node_key_id(country)
    gateway_keys = {key.key_id: KEYS.public_path(key.key_id) for key in (KEYS.gateway, KEYS.gateway_next)}
    tables = node_tables(
        country,
        opa_url=opa_url,
        signing=SigningKeyFile(KEYS.private_path(key_id), key_id),
        contact=f"SIRENE {country}, +00 1 23 45 67 89",
        federation=federation,
        gateway_keys=None if federation is not None else gateway_keys,
        tls=tls,
        more=merged({"node": {"shutdown_grace_s": 1}}, more or {}),
    )
    return write_config(directory / "node.toml", tables)


def write_gateway_config(
    directory: Path,
    nodes: Mapping[str, str],
    keys: IssuerKeys,
    more: Mapping[str, Any] | None = None,
    *,
    tls: TlsFiles | None = None,
    federation: FederationDirectory | None = None,
    max_body_bytes: int = 4096,
    shared_limits: SharedRateLimits | None = None,
) -> Path:
    """A gateway's `gateway.toml` in `directory` for these node addresses and the test issuer, `more` merged in."""
    usual: Tables = {
        "gateway": {"max_body_bytes": max_body_bytes, "search_log": "searches.jsonl"},
        "search": {"default_timeout_ms": 1500, "max_timeout_ms": 5000},
        "resilience": {"breaker_failures": 3, "breaker_cooldown_s": 0.5},
    }
    issuer = {"algorithm": "EdDSA", "public_key": str(keys.public), "private_key": str(keys.private)}
    tables = gateway_tables(
        nodes=nodes,
        assertion=SigningKeyFile(KEYS.private_path(KEYS.gateway.key_id), KEYS.gateway.key_id),
        issuers={"test-issuer": issuer},
        federation=federation,
        tls=tls,
        metrics=True,
        shared_limits=shared_limits,
        more=merged(usual, more or {}),
    )
    return write_config(directory / "gateway.toml", tables)


def rewrite_config(path: Path, more: Mapping[str, Any]) -> None:
    """Merges `more` into an existing configuration file."""
    with path.open("rb") as handle:
        write_config(path, merged(tomllib.load(handle), more))


def without(path: Path, *keys: str) -> Path:
    """Removes dotted keys (`"nodes.FR.address"`, `"metrics"`) from a configuration file: a file missing them."""
    with path.open("rb") as handle:
        tables = tomllib.load(handle)
    for dotted in keys:
        *parents, last = dotted.split(".")
        table = tables
        for name in parents:
            table = table[name]
        del table[last]
    return write_config(path, tables)


def mint(
    config: GatewayConfig,
    country: str,
    *,
    purposes: list[str] | None = None,
    clearance: str = "confidential",
    ttl_s: int = 600,
    not_before_s: int = 0,
    private_key: Path | None = None,
    investigator_id: str | None = None,
) -> str:
    issuer = next(iter(config.issuers.values()))
    if private_key is not None:
        issuer = replace(issuer, private_key_path=private_key)
    return issue_token(
        issuer,
        config.audience,
        investigator_id=investigator_id or f"{country.lower()}-investigator-7",
        country=country,
        agency=f"{country} national police",
        clearance=clearance,
        purposes=purposes or ["terrorism", "drug_trafficking", "fugitive", "stolen_document", "stolen_vehicle"],
        ttl_s=ttl_s,
        not_before_s=not_before_s,
    )


class ApiClient:
    """HTTP calls to a real gateway; every answer is checked against the gateway's own /openapi.json."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, spec: dict[str, Any]) -> None:
        self.session = session
        self.base_url = base_url
        self.spec = spec
        self.openapi = OpenAPI.from_dict(spec)
        self.stream_line_validator = jsonschema.Draft202012Validator(
            {"$ref": "#/components/schemas/StreamLine", "components": spec["components"]}
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw: bytes | None = None,
        token: str | None = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One call; `form` sends the body form-encoded, `headers` add to (or replace) the JSON ones."""
        content_type = "application/x-www-form-urlencoded" if form is not None else "application/json"
        headers = {"Content-Type": content_type, **(headers or {})}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
        async with self.session.request(method, self.base_url + path, data=data, headers=headers) as response:
            payload = await response.read()
            content_type = response.content_type
            status = response.status
        self.openapi.validate_response(
            MockRequest(
                self.base_url,
                method,
                path.partition("?")[0],
                args=dict(urllib.parse.parse_qsl(path.partition("?")[2])),
                data=data,
                headers=headers,
                content_type=headers["Content-Type"],
            ),
            MockResponse(
                payload, status_code=status, headers={"Content-Type": content_type}, content_type=content_type
            ),
        )
        return status, json.loads(payload) if content_type == "application/json" else payload.decode()

    async def search(self, body: Any, token: str | None) -> tuple[int, Any]:
        return await self.call("POST", "/v1/search", body=body, token=token)

    async def stream(self, body: Any, token: str) -> tuple[list[dict[str, Any]], list[float]]:
        """The NDJSON lines of a streamed search, each validated, with the time each one arrived."""
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        lines: list[dict[str, Any]] = []
        arrived: list[float] = []
        async with self.session.post(self.base_url + "/v1/search/stream", json=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            assert response.content_type == "application/x-ndjson"
            async for raw_line in response.content:
                line = json.loads(raw_line)
                self.stream_line_validator.validate(line)
                lines.append(line)
                arrived.append(time.monotonic())
        return lines, arrived


class Pki:
    """The federation CA, a second (untrusted) CA, and certificates issued on demand."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ca_dir, self.other_ca_dir = directory / "ca", directory / "other-ca"
        init_ca(self.ca_dir)
        init_ca(self.other_ca_dir, name="someone else's CA")
        self.gateway = issue_certificate(self.ca_dir, directory / "gateway", country=None, hosts=[])

    @property
    def ca(self) -> Path:
        return self.ca_dir / "ca.pem"

    def node(self, country: str) -> IssuedFiles:
        out = self.directory / "nodes" / country.lower()
        if not (out / f"node-{country.lower()}.pem").exists():
            issue_certificate(self.ca_dir, out, country=country, hosts=["127.0.0.1", "localhost"])
        return IssuedFiles(out / f"node-{country.lower()}.pem", out / f"node-{country.lower()}.key")

    def node_tls(self, country: str, client_ca: Path | None = None) -> TlsFiles:
        """A node's certificate, and the CA whose gateway certificates it accepts."""
        files = self.node(country)
        return TlsFiles(files.certificate, files.key, client_ca or self.ca)

    def gateway_tls(self, certificate: IssuedFiles | None = None, ca: Path | None = None) -> TlsFiles:
        """The gateway's certificate, and the CA whose node certificates it accepts."""
        files = certificate or self.gateway
        return TlsFiles(files.certificate, files.key, ca or self.ca)


# --- one federation, in this process or as processes ------------------------------------------------


@dataclass
class FederationNode:
    """A country's node with its store, its OPA behind `opa_proxy`, and `proxy`, which the gateway calls."""

    country: str
    directory: Path
    config_path: Path
    opa: OpaServer
    opa_proxy: DelayProxy
    proxy: DelayProxy
    processes: bool
    running: RunningNode | None = None  # started in this process
    service: Service | None = None  # started as `fedgate node serve`
    metrics_url: str | None = None

    @property
    def config(self) -> NodeConfig:
        return self.running.config if self.running is not None else load_node_config(self.config_path)

    @property
    def store(self) -> Path:
        return self.config.store_path

    @property
    def audit(self) -> Path:
        return self.config.audit_path

    async def start(self) -> None:
        """Starts the node (a process is awaited in a thread: the proxies live on this loop and must keep running)."""
        if self.processes:
            await asyncio.to_thread(self._spawn)
        else:
            self.running = await start_node(load_node_config(self.config_path))
            self.metrics_url = self.running.metrics_url
            self.proxy.point_at(self.running.address)

    def _spawn(self) -> None:
        ready = self.directory / "ready.json"
        ready.unlink(missing_ok=True)
        command = fedgate_command("node", "serve", "--config", str(self.config_path), "--ready-file", str(ready))
        self.service = Service.spawn(f"node-{self.country.lower()}", command, self.directory / "node.log")
        listening = self.service.wait_ready(ready, 120)
        self.metrics_url = listening.get("metrics_url")
        self.proxy.point_at(listening["grpc"])

    async def stop(self, grace_s: float | None = None) -> None:
        """Stops the node: within `grace_s` (else its configured grace) in this process, by SIGTERM as a process."""
        if self.running is not None:
            running, self.running = self.running, None
            await running.stop(grace_s)
        if self.service is not None:
            self.service.terminate()
            await asyncio.to_thread(self.service.wait, 15)

    def kill_9(self) -> None:
        """Kills the node's process as a power cut would (process federations only)."""
        assert self.service is not None, "only a node run as a process can be killed"
        os.kill(self.service.process.pid, signal.SIGKILL)
        self.service.process.wait()

    def audit_entry_ids(self) -> set[str]:
        connection = sqlite3.connect(f"file:{self.audit}?mode=ro", uri=True)
        try:
            return {entry_id for (entry_id,) in connection.execute("SELECT entry_id FROM entries")}
        finally:
            connection.close()


@dataclass
class FederationGateway:
    """The gateway, in this process or as `fedgate gateway serve`; a restart listens on the first start's port."""

    directory: Path
    config_path: Path
    processes: bool
    port: int = 0
    metrics_url: str | None = None
    running: RunningGateway | None = None
    service: Service | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        if self.port:
            rewrite_config(self.config_path, {"gateway": {"listen": f"127.0.0.1:{self.port}"}})
        if self.processes:
            await asyncio.to_thread(self._spawn)
            return
        self.running = await start_gateway(load_gateway_config(self.config_path))
        self.metrics_url = self.running.metrics_url
        self.port = int(self.running.url.rsplit(":", 1)[1])

    def _spawn(self) -> None:
        ready = self.directory / "ready.json"
        ready.unlink(missing_ok=True)
        command = fedgate_command("gateway", "serve", "--config", str(self.config_path), "--ready-file", str(ready))
        self.service = Service.spawn("gateway", command, self.directory / "gateway.log", cwd=self.directory)
        listening = self.service.wait_ready(ready, 60)
        self.metrics_url = listening.get("metrics_url")
        self.port = int(listening["gateway_url"].rsplit(":", 1)[1])

    async def stop(self) -> None:
        if self.running is not None:
            running, self.running = self.running, None
            await running.stop()
        if self.service is not None:
            self.service.terminate()
            await asyncio.to_thread(self.service.wait, 15)


@dataclass
class Federation:
    config: GatewayConfig
    gateway: FederationGateway
    api: ApiClient
    nodes: dict[str, FederationNode]
    work: Path

    @property
    def gateway_url(self) -> str:
        return self.gateway.url

    @property
    def metrics_url(self) -> str:
        assert self.gateway.metrics_url is not None
        return self.gateway.metrics_url

    def token(self, country: str, **options: Any) -> str:
        return mint(self.config, country, **options)


# Nodes run as processes answer like a deployment: OPA gets 500 ms, a locked store 300 ms, within a search's budget.
AS_DEPLOYED: Tables = {"opa": {"timeout_ms": 500}, "store": {"busy_timeout_ms": 300}}


@contextlib.asynccontextmanager
async def running_federation(
    work: Path,
    issuer_keys: IssuerKeys,
    opa: Callable[[str], OpaServer],
    *,
    processes: bool = False,
    countries: tuple[str, ...] = ("FR", "DE", "GR"),
    pki: Pki | None = None,
    node_more: Mapping[str, Any] | None = None,
    gateway_more: Mapping[str, Any] | None = None,
    max_body_bytes: int = 4096,
    shared_limits: SharedRateLimits | None = None,
) -> AsyncIterator[Federation]:
    """A real gateway and real nodes (each with its sample records) with their real OPA (`opa(country)`), run in
    this process, or as `fedgate` processes when `processes`; with `pki`, mutual TLS between them."""
    nodes: dict[str, FederationNode] = {}
    proxies: list[DelayProxy] = []
    gateway: FederationGateway | None = None
    try:
        for country in countries:
            directory = work / f"node-{country.lower()}"
            server = opa(country)
            opa_proxy = await DelayProxy(f"127.0.0.1:{server.port}").start()
            proxy = await DelayProxy("127.0.0.1:1").start()
            proxies += [opa_proxy, proxy]
            more = merged(AS_DEPLOYED, node_more or {}) if processes else node_more
            config = write_node_config(
                directory,
                country,
                f"http://{opa_proxy.address}",
                more,
                tls=pki.node_tls(country) if pki is not None else None,
            )
            with write_jsonl(directory / "records.jsonl", RECORDS_BY_COUNTRY[country]).open(encoding="utf-8") as lines:
                assert not import_lines(directory / "records.sqlite", lines, skip_invalid=False).bad_lines
            nodes[country] = FederationNode(country, directory, config, server, opa_proxy, proxy, processes)
        await asyncio.gather(*(node.start() for node in nodes.values()))
        config_path = write_gateway_config(
            work / "gateway",
            {country: node.proxy.address for country, node in nodes.items()},
            issuer_keys,
            gateway_more,
            tls=pki.gateway_tls() if pki is not None else None,
            max_body_bytes=max_body_bytes,
            shared_limits=shared_limits,
        )
        gateway = FederationGateway(work / "gateway", config_path, processes)
        await gateway.start()
        async with aiohttp.ClientSession() as session:
            async with session.get(gateway.url + "/openapi.json") as response:
                spec = await response.json()
            api = ApiClient(session, gateway.url, spec)
            yield Federation(load_gateway_config(config_path), gateway, api, nodes, work)
    finally:
        if gateway is not None:
            await gateway.stop()
        for node in nodes.values():
            with contextlib.suppress(Exception):
                await node.stop(0)
        for proxy in proxies:
            await proxy.stop()


@contextlib.asynccontextmanager
async def replica_gateway(
    federation: Federation,
    issuer_keys: IssuerKeys,
    name: str,
    *,
    gateway_more: Mapping[str, Any] | None = None,
    shared_limits: SharedRateLimits | None = None,
) -> AsyncIterator[tuple[FederationGateway, ApiClient]]:
    """Another replica of the federation's gateway, over the same nodes, in this process, and its API client."""
    directory = federation.work / name
    nodes = {country: node.proxy.address for country, node in federation.nodes.items()}
    config_path = write_gateway_config(directory, nodes, issuer_keys, gateway_more, shared_limits=shared_limits)
    gateway = FederationGateway(directory, config_path, processes=False)
    await gateway.start()
    try:
        yield gateway, ApiClient(federation.api.session, gateway.url, federation.api.spec)
    finally:
        await gateway.stop()


async def searches_until(
    api: ApiClient, body: dict[str, Any], token: str, done: Callable[[dict[str, Any]], bool], attempts: int = 40
) -> dict[str, Any]:
    """Searches again until the answer satisfies `done` (a fault has ended); each search is a real one."""
    for _ in range(attempts):
        status, answer = await api.search(body, token)
        assert status == 200, answer
        if done(answer):
            return dict(answer)
        await asyncio.sleep(0.25)  # pacing between real searches while a country recovers
    raise AssertionError(f"the federation did not recover: {answer['countries']}")
