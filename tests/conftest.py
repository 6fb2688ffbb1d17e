"""Fixtures that start real OPA servers and real country nodes on loopback ports the system picks."""

from __future__ import annotations

import contextlib
import datetime
import json
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import jsonschema
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from fedcli.processes import Service, fedgate_command
from fedcore.assertion import make_assertion
from fedcore.directory import FORMAT as DIRECTORY_FORMAT
from fedcore.directory import format_time, key_entry, sign_directory
from fedcore.keys import SigningKey, generate_signing_key, load_private_key, load_public_key
from fedeval.netfaults import DelayProxy
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from fedtools.ca import IssuedFiles, init_ca, issue_certificate
from fedtools.opa import OpaServer, ensure_opa
from gateway.app import start_gateway
from gateway.auth import generate_keypair, issue_token
from gateway.config import GatewayConfig, load_gateway_config
from node.config import load_node_config
from node.server import RunningNode, start_node
from node.store import import_lines
from tests.samples import FR_RECORDS, RECORDS_BY_COUNTRY, write_jsonl

REPO = Path(__file__).resolve().parent.parent


# Chromium as TOOLING.md says to start it here: without the background-networking flags it stalls.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


@pytest.fixture(scope="session", autouse=True)
def _remove_test_keys() -> Iterator[None]:
    yield
    shutil.rmtree(KEYS.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def opa_binary() -> Path:
    return ensure_opa()


@pytest.fixture(scope="session")
def shared_opa(opa_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], OpaServer]]:
    """Each country's OPA (its own policy bundle), started on first use, shared by tests that leave it running."""
    servers: dict[str, OpaServer] = {}

    def get(country: str) -> OpaServer:
        if country not in servers:
            directory = tmp_path_factory.mktemp(f"opa-{country.lower()}")
            servers[country] = OpaServer(country, directory, opa_binary=opa_binary).start()
        return servers[country]

    yield get
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def opa_fr(shared_opa: Callable[[str], OpaServer]) -> OpaServer:
    return shared_opa("FR")


@pytest.fixture
def opa_factory(opa_binary: Path, tmp_path: Path) -> Iterator[Callable[..., OpaServer]]:
    """Starts OPA servers a test may stop, slow down or restart; all are stopped at the end."""
    started: list[OpaServer] = []

    def start(country: str, **options: Any) -> OpaServer:
        server = OpaServer(
            country, tmp_path / f"opa-{country.lower()}-{len(started)}", opa_binary=opa_binary, **options
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def write_node_config(
    directory: Path, country: str, opa_url: str, extra: str = "", signing_key_id: str | None = None
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "node.toml"
    node_key = signing_key_id or KEYS.node_key_id(country)
    # A [federation] directory replaces the hand-kept [gateway_keys].
    gateway_keys = (
        ""
        if "[federation]" in extra
        else f"""[gateway_keys]
"{KEYS.gateway.key_id}" = "{KEYS.public_path(KEYS.gateway.key_id)}"
"{KEYS.gateway_next.key_id}" = "{KEYS.public_path(KEYS.gateway_next.key_id)}"
"""
    )
    path.write_text(
        f"""
[node]
country = "{country}"
listen = "127.0.0.1:0"
contact = "SIRENE {country}, +00 1 23 45 67 89"
shutdown_grace_s = 1

[store]
path = "records.sqlite"
audit_path = "audit.sqlite"

[opa]
url = "{opa_url}"
timeout_ms = 2000

{gateway_keys}
[signing]
key = "{KEYS.private_path(node_key)}"
key_id = "{node_key}"
{extra}
"""
    )
    return path


NodeFactory = Callable[..., Awaitable[RunningNode]]


@pytest.fixture
async def node_factory(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    """Starts real nodes in this process (store imported from records, real OPA); stops them all after."""
    running: list[RunningNode] = []

    async def start(
        country: str,
        opa_url: str,
        records: list[dict[str, Any]] | None = None,
        extra_config: str = "",
        signing_key_id: str | None = None,
    ) -> RunningNode:
        directory = tmp_path / f"node-{country.lower()}-{len(running)}"
        config = load_node_config(write_node_config(directory, country, opa_url, extra_config, signing_key_id))
        source = write_jsonl(directory / "records.jsonl", FR_RECORDS if records is None else records)
        with source.open(encoding="utf-8") as handle:
            report = import_lines(config.store_path, handle, skip_invalid=False)
        assert not report.bad_lines, report.bad_lines
        node = await start_node(config)
        running.append(node)
        return node

    yield start
    for node in running:
        with contextlib.suppress(Exception):
            await node.stop(0)


@pytest.fixture
async def fr_node(node_factory: NodeFactory, opa_fr: OpaServer) -> RunningNode:
    return await node_factory("FR", opa_fr.url)


@contextlib.asynccontextmanager
async def node_client(address: str) -> AsyncIterator[pb_grpc.NodeAsyncStub]:
    async with grpc.aio.insecure_channel(address) as channel:
        yield pb_grpc.NodeStub(channel)


def sign(
    request: pb.SearchRequest, to_country: str = "FR", signer: SigningKey | None = None, ttl_s: float = 30
) -> pb.SearchRequest:
    """Adds the requester assertion the gateway would send with this request."""
    request.requester_assertion = make_assertion(request, to_country, signer or KEYS.gateway, ttl_s)
    return request


def search_request(
    properties: dict[str, list[str]],
    *,
    schema: str = "Person",
    country: str = "DE",
    purpose: str = "drug_trafficking",
    clearance: str = "confidential",
    query_id: str | None = None,
    limit: int = 10,
    to_country: str | None = "FR",
    signer: SigningKey | None = None,
    ttl_s: float = 30,
) -> pb.SearchRequest:
    """A search as the gateway sends it; signed for `to_country` (None: unsigned)."""
    request = pb.SearchRequest(
        query_id=query_id if query_id is not None else f"q-{uuid.uuid4().hex}",
        requester=pb.Requester(
            country=country,
            agency="Test Agency",
            investigator_id="inv-1",
            clearance=f"CLEARANCE_{clearance.upper()}",
        ),
        purpose=f"PURPOSE_{purpose.upper()}",
        query=pb.EntityQuery(schema=schema),
        limit=limit,
    )
    for name, values in properties.items():
        request.query.properties[name].values.extend(values)
    return sign(request, to_country, signer, ttl_s) if to_country is not None else request


# --- the gateway and a small federation -------------------------------------------------------


@dataclass(frozen=True)
class IssuerKeys:
    private: Path
    public: Path
    rogue_private: Path  # a key the gateway does not know, for forged tokens


@pytest.fixture(scope="session")
def issuer_keys(tmp_path_factory: pytest.TempPathFactory) -> IssuerKeys:
    directory = tmp_path_factory.mktemp("issuer")
    private, public = generate_keypair("EdDSA")
    rogue, _ = generate_keypair("EdDSA")
    (directory / "issuer.pem").write_bytes(private)
    (directory / "issuer.pub.pem").write_bytes(public)
    (directory / "rogue.pem").write_bytes(rogue)
    return IssuerKeys(directory / "issuer.pem", directory / "issuer.pub.pem", directory / "rogue.pem")


def write_gateway_config(
    directory: Path,
    nodes: dict[str, str],
    keys: IssuerKeys,
    extra: str = "",
    tables: str = "",
    max_body_bytes: int = 4096,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    registry = "".join(f'\n[nodes.{country}]\naddress = "{address}"\n' for country, address in nodes.items())
    path = directory / "gateway.toml"
    path.write_text(
        f"""
[gateway]
listen = "127.0.0.1:0"
max_body_bytes = {max_body_bytes}
search_log = "searches.jsonl"
{extra}

[search]
default_timeout_ms = 1500
max_timeout_ms = 5000

[resilience]
breaker_failures = 3
breaker_cooldown_s = 0.5

[assertion]
key = "{KEYS.private_path(KEYS.gateway.key_id)}"
key_id = "{KEYS.gateway.key_id}"

[metrics]
listen = "127.0.0.1:0"

[issuers.test-issuer]
algorithm = "EdDSA"
public_key = "{keys.public}"
private_key = "{keys.private}"
{registry}
{tables}"""
    )
    return path


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
        self, method: str, path: str, *, body: Any = None, raw: bytes | None = None, token: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        async with self.session.request(method, self.base_url + path, data=data, headers=headers) as response:
            payload = await response.read()
            content_type = response.content_type
            status = response.status
        self.openapi.validate_response(
            MockRequest(self.base_url, method, path, data=data, headers=headers),
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


@dataclass
class Federation:
    config: GatewayConfig
    gateway_url: str
    metrics_url: str
    api: ApiClient
    nodes: dict[str, RunningNode]
    proxies: dict[str, DelayProxy]
    work: Path

    def token(self, country: str, **options: Any) -> str:
        return mint(self.config, country, **options)


@contextlib.asynccontextmanager
async def running_federation(
    work: Path,
    node_factory: NodeFactory,
    shared_opa: Callable[[str], OpaServer],
    issuer_keys: IssuerKeys,
    *,
    countries: tuple[str, ...] = ("FR", "DE", "GR"),
    pki: Pki | None = None,
    node_extra: str = "",
    gateway_extra: str = "",
    gateway_tables: str = "",
    max_body_bytes: int = 4096,
) -> AsyncIterator[Federation]:
    """A real gateway and real nodes with their real OPA, each node behind a proxy a test can slow down."""
    nodes = {}
    for country in countries:
        extra = node_extra + (pki.node_tls(country) if pki else "")
        nodes[country] = await node_factory(country, shared_opa(country).url, RECORDS_BY_COUNTRY[country], extra)
    proxies = {country: await DelayProxy(node.address).start() for country, node in nodes.items()}
    config_path = write_gateway_config(
        work / "gateway",
        {c: p.address for c, p in proxies.items()},
        issuer_keys,
        extra=gateway_extra,
        tables=(pki.gateway_tls() if pki else "") + gateway_tables,
        max_body_bytes=max_body_bytes,
    )
    config = load_gateway_config(config_path)
    gateway = await start_gateway(config)
    url = gateway.url
    assert gateway.metrics_url is not None
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url + "/openapi.json") as response:
                spec = await response.json()
            yield Federation(config, url, gateway.metrics_url, ApiClient(session, url, spec), nodes, proxies, work)
    finally:
        await gateway.stop()
        for proxy in proxies.values():
            await proxy.stop()


@pytest.fixture
async def federation(
    tmp_path: Path, node_factory: NodeFactory, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> AsyncIterator[Federation]:
    """A real gateway and three real nodes (FR, DE, GR) in plaintext, each behind a slowable proxy."""
    async with running_federation(tmp_path, node_factory, shared_opa, issuer_keys) as running:
        yield running


# --- a federation PKI ----------------------------------------------------------------------------


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

    def node_tls(self, country: str, client_ca: Path | None = None) -> str:
        files = self.node(country)
        return (
            f'[tls]\ncertificate = "{files.certificate}"\nkey = "{files.key}"\nclient_ca = "{client_ca or self.ca}"\n'
        )

    def gateway_tls(self, certificate: IssuedFiles | None = None, ca: Path | None = None) -> str:
        files = certificate or self.gateway
        return f'[tls]\ncertificate = "{files.certificate}"\nkey = "{files.key}"\nca = "{ca or self.ca}"\n'


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@contextlib.contextmanager
def running_demo(work: Path, records: int, *options: str) -> Iterator[dict[str, Any]]:
    """`fedgate demo` as a user starts it (mutual TLS on); its ready file plus its pid; Ctrl-C at the end."""
    ready_file = work / "ready.json"
    command = fedgate_command(
        "demo", "--records", str(records), "--ready-file", str(ready_file), "--work-dir", str(work / "federation")
    )
    command += list(options)
    service = Service.spawn("demo", command, work / "demo.log")
    try:
        ready = service.wait_ready(ready_file, 300)
        ready["pid"] = service.process.pid
        yield ready
    finally:
        service.process.send_signal(signal.SIGINT)
        service.wait(60)
