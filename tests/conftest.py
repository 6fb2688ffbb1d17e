"""Fixtures that start real OPA servers and real country nodes on loopback ports the system picks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from fedcore.opa import OpaServer, ensure_opa
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from node.config import load_node_config
from node.server import RunningNode, start_node
from node.store import import_lines
from tests.samples import FR_RECORDS, write_jsonl

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def opa_binary() -> Path:
    return ensure_opa()


@pytest.fixture(scope="session")
def opa_fr(opa_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpaServer]:
    """France's OPA, serving France's policy bundle, shared by the tests that leave it running."""
    with OpaServer("FR", tmp_path_factory.mktemp("opa-fr"), opa_binary=opa_binary) as server:
        yield server


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


def write_node_config(directory: Path, country: str, opa_url: str, extra: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "node.toml"
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
        country: str, opa_url: str, records: list[dict[str, Any]] | None = None, extra_config: str = ""
    ) -> RunningNode:
        directory = tmp_path / f"node-{country.lower()}-{len(running)}"
        config = load_node_config(write_node_config(directory, country, opa_url, extra_config))
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
async def node_client(address: str) -> AsyncIterator[pb_grpc.NodeStub]:
    async with grpc.aio.insecure_channel(address) as channel:
        yield pb_grpc.NodeStub(channel)


def search_request(
    properties: dict[str, list[str]],
    *,
    schema: str = "Person",
    country: str = "DE",
    purpose: str = "drug_trafficking",
    clearance: str = "confidential",
    query_id: str = "q-test",
    limit: int = 10,
) -> pb.SearchRequest:
    request = pb.SearchRequest(
        query_id=query_id,
        requester=pb.Requester(
            country=country,
            agency="Test Agency",
            investigator_id="inv-1",
            clearance=pb.Clearance.Value(f"CLEARANCE_{clearance.upper()}"),
        ),
        purpose=pb.Purpose.Value(f"PURPOSE_{purpose.upper()}"),
        query=pb.EntityQuery(schema=schema),
        limit=limit,
    )
    for name, values in properties.items():
        request.query.properties[name].values.extend(values)
    return request
