"""Fixtures that start real OPA servers, real country nodes and real gateways on loopback ports the system picks.

What the fixtures build (keys, configuration files, the federation) is in tests/federation.py.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest

from fedcli.demo import demo_tokens
from fedcli.processes import Service, fedgate_command
from fedcore.assertion import make_assertion
from fedcore.keys import SigningKey
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from fedtools.federation import TlsFiles
from fedtools.opa import OpaServer, ensure_opa
from gateway.auth import generate_keypair, issue_token
from gateway.config import load_gateway_config
from node.config import load_node_config
from node.server import RunningNode, start_node
from node.store import import_lines
from tests.federation import KEYS, ApiClient, Federation, IssuerKeys, Pki, running_federation, write_node_config
from tests.pg import Engine, PostgresServer, postgres_server
from tests.samples import FR_RECORDS, write_jsonl

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


@pytest.fixture(scope="session", autouse=True)
def _remove_test_keys() -> Iterator[None]:
    yield
    shutil.rmtree(KEYS.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session, started on first use (tests/pg.py)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """The store engine a test runs on: each test that takes it runs on both."""
    server = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    return Engine(request.param, tmp_path, server)


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


class NodeFactory:
    """Starts real nodes in this process (store imported from records, real OPA); `stop` stops them all."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.running: list[RunningNode] = []
        self._config_files: dict[str, Path] = {}

    def config_file(self, node: RunningNode) -> Path:
        """The node.toml a running node was started with (for `fedgate node …` commands on it)."""
        return self._config_files[node.address]

    async def __call__(
        self,
        country: str,
        opa_url: str,
        records: list[dict[str, Any]] | None = None,
        more: Mapping[str, Any] | None = None,
        *,
        signing_key_id: str | None = None,
        tls: TlsFiles | None = None,
    ) -> RunningNode:
        """A node of `country` with `records` (France's samples by default), `more` merged into its configuration."""
        directory = self.work / f"node-{country.lower()}-{len(self.running)}"
        path = write_node_config(directory, country, opa_url, more, signing_key_id=signing_key_id, tls=tls)
        config = load_node_config(path)
        source = write_jsonl(directory / "records.jsonl", FR_RECORDS if records is None else records)
        with source.open(encoding="utf-8") as handle:
            report = import_lines(config.store, handle, skip_invalid=False)
        assert not report.bad_lines, report.bad_lines
        node = await start_node(config)
        self.running.append(node)
        self._config_files[node.address] = path
        return node

    async def stop(self) -> None:
        for node in self.running:
            with contextlib.suppress(Exception):
                await node.stop(0)


@pytest.fixture
async def node_factory(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    factory = NodeFactory(tmp_path)
    yield factory
    await factory.stop()


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


@pytest.fixture(scope="session")
def issuer_keys(tmp_path_factory: pytest.TempPathFactory) -> IssuerKeys:
    directory = tmp_path_factory.mktemp("issuer")
    private, public = generate_keypair("EdDSA")
    rogue, _ = generate_keypair("EdDSA")
    (directory / "issuer.pem").write_bytes(private)
    (directory / "issuer.pub.pem").write_bytes(public)
    (directory / "rogue.pem").write_bytes(rogue)
    return IssuerKeys(directory / "issuer.pem", directory / "issuer.pub.pem", directory / "rogue.pem")


@pytest.fixture
async def federation(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> AsyncIterator[Federation]:
    """A real gateway and three real nodes (FR, DE, GR) in this process, in plaintext, each behind a slowable proxy."""
    async with running_federation(tmp_path, issuer_keys, shared_opa) as running:
        yield running


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


# The demo most modules search: `fedgate demo` as a user starts it, 300 records a country, seed 1.
SHARED_DEMO_RECORDS, SHARED_DEMO_SEED = 300, 1


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One running demo for every module that only searches it (module_demo gives each its own investigators)."""
    work = tmp_path_factory.mktemp("shared-demo")
    with running_demo(work, SHARED_DEMO_RECORDS, "--seed", str(SHARED_DEMO_SEED)) as ready:
        yield ready


def module_demo(demo: dict[str, Any], label: str) -> dict[str, Any]:
    """The shared demo as one module sees it: each country's investigator is the module's own (the demo's
    clearance, agency and purposes), so rate limits and probe budgets one module spends never touch another's."""
    tokens = demo_tokens(Path(demo["work_dir"]) / "gateway" / "gateway.toml", demo["tokens"], label, 3600)
    return {**demo, "tokens": tokens}


def new_investigator(demo: dict[str, Any], country: str, name: str, agency: str | None = None) -> str:
    """A token for an investigator of a running demo other than its own (so with a probe budget of their own), of
    `agency` (by default the country's police)."""
    config = load_gateway_config(Path(demo["work_dir"]) / "gateway" / "gateway.toml")
    return issue_token(
        config.issuers["fedgate-demo"],
        config.audience,
        investigator_id=name,
        country=country,
        agency=agency or f"{country} police",
        clearance="confidential",
        purposes=["terrorism", "fugitive"],
        ttl_s=600,
    )


@contextlib.asynccontextmanager
async def demo_api(demo: dict[str, Any]) -> AsyncIterator[ApiClient]:
    """The running demo's HTTP API, its answers checked against the gateway's own /openapi.json."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async with session.get(demo["gateway_url"] + "/openapi.json") as response:
            spec = await response.json()
        yield ApiClient(session, demo["gateway_url"], spec)
