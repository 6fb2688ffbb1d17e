"""What the PostgreSQL engine adds, and what both engines must keep while records change: two node processes
of one country on one database answer together and share one audit chain; a deleted record is never found by
the next search, even while an import is under way."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from fedcli.processes import Service, fedgate_command
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.config import load_node_config
from node.lifecycle import delete_audited
from node.pgsql import Location
from node.server import RunningNode
from node.store import ImportReport, import_lines
from tests.conftest import NodeFactory, node_client, search_request, sign
from tests.federation import write_node_config
from tests.pg import Engine, PostgresServer, rows
from tests.samples import FR_RECORDS, write_jsonl

PETROV = {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}
DUPONT = {"name": ["Pierre Dupont"], "birthDate": ["1960-12-24"]}
NOVAK = {"name": ["Nadia Novak"], "birthDate": ["1985-08-08"]}
SEARCHES_PER_PROCESS = 25
# Searches one requester may make per minute, over both processes together.
RATE_LIMIT = 3
# Distinct queries one requester may try against one record, over both processes together.
PROBE_BUDGET = 2


@pytest.fixture
def two_processes(tmp_path: Path, postgres: PostgresServer, opa_fr: OpaServer) -> Iterator[list[tuple[str, Path]]]:
    """France's node run twice as `fedgate node serve`, both on one PostgreSQL database: (address, node.toml)."""
    limits = {"searches_per_requester": RATE_LIMIT, "probe_variants_per_record": PROBE_BUDGET}
    tables = {"store": {"url": postgres.database().url}, "limits": limits}
    configs = [write_node_config(tmp_path / f"node-{n}", "FR", opa_fr.url, tables) for n in (1, 2)]
    with write_jsonl(tmp_path / "records.jsonl", FR_RECORDS).open(encoding="utf-8") as lines:
        assert not import_lines(store_location(configs[0]), lines, skip_invalid=False).bad_lines
    services: list[Service] = []
    try:
        for config in configs:
            ready = config.parent / "ready.json"
            command = fedgate_command("node", "serve", "--config", str(config), "--ready-file", str(ready))
            services.append(Service.spawn("node", command, config.parent / "node.log"))
        addresses = [service.wait_ready(service.log.parent / "ready.json", 240)["grpc"] for service in services]
        yield list(zip(addresses, configs, strict=True))
    finally:
        for service in services:
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in services:
            service.wait(30)


def store_location(config: Path) -> Location:
    return load_node_config(config).store


def investigators_search(process: int, n: int) -> pb.SearchRequest:
    """A search by an investigator of its own (one investigator may have only two searches in progress)."""
    request = search_request(PETROV, query_id=f"q-{process}-{n}", to_country=None)
    request.requester.investigator_id = f"inv-{process}-{n}"
    return sign(request)


async def test_two_node_processes_on_one_database_answer_together_share_one_audit_chain_and_one_allowance(
    two_processes: list[tuple[str, Path]],
) -> None:
    async def searches(address: str, process: int) -> list[pb.SearchResponse]:
        async with node_client(address) as client:
            calls = [client.Search(investigators_search(process, n), timeout=30) for n in range(SEARCHES_PER_PROCESS)]
            return list(await asyncio.gather(*calls))

    answers = await asyncio.gather(*(searches(address, n) for n, (address, _) in enumerate(two_processes)))
    every = [answer for answered in answers for answer in answered]
    assert {answer.outcome for answer in every} == {pb.SEARCH_OUTCOME_HIT}
    # Each answer has its own place in the one chain: no two share a seq (a fork would).
    assert len({answer.audit_seq for answer in every}) == 2 * SEARCHES_PER_PROCESS
    config = two_processes[0][1]
    for _, node_toml in two_processes:
        verified = subprocess.run(
            fedgate_command("node", "audit", "verify", "--config", str(node_toml)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert verified.returncode == 0, verified.stderr
        assert f"intact ({2 * SEARCHES_PER_PROCESS} entries" in verified.stdout
    audited = {query_id for (query_id,) in rows(store_location(config), "SELECT query_id FROM entries")}
    assert audited == {f"q-{process}-{n}" for process in (0, 1) for n in range(SEARCHES_PER_PROCESS)}
    chain = rows(store_location(config), "SELECT seq, hash FROM entries ORDER BY seq")
    assert {(answer.audit_seq, answer.audit_hash) for answer in every} == set(chain)

    # One request sent to both processes at once (a replayed assertion): exactly one of them answers it, whichever
    # appends first; the other refuses it as a replay, audited, though its own memory had never seen the query id.
    replayed = investigators_search(9, 0)

    async def send(address: str) -> pb.SearchResponse | grpc.aio.AioRpcError:
        async with node_client(address) as client:
            try:
                return await client.Search(replayed, timeout=30)
            except grpc.aio.AioRpcError as error:
                return error

    outcomes = await asyncio.gather(*(send(address) for address, _ in two_processes))
    answered = [o for o in outcomes if isinstance(o, pb.SearchResponse)]
    refused = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert [a.outcome for a in answered] == [pb.SEARCH_OUTCOME_HIT]
    assert [e.code() for e in refused] == [grpc.StatusCode.PERMISSION_DENIED]
    assert "already answered" in (refused[0].details() or "")
    kinds = rows(store_location(config), "SELECT kind FROM entries WHERE query_id = 'q-9-0' ORDER BY seq")
    assert sorted(kind for (kind,) in kinds) == ["rejected", "search"]

    # One requester's rate limit is one allowance over both processes, not one each.
    statuses = []
    for n in range(RATE_LIMIT + 1):
        request = search_request(PETROV, query_id=f"rate-{n}", to_country=None)
        request.requester.investigator_id = "inv-rate"
        address = two_processes[n % 2][0]
        async with node_client(address) as client:
            try:
                await client.Search(sign(request), timeout=30)
                statuses.append(grpc.StatusCode.OK)
            except grpc.aio.AioRpcError as error:
                statuses.append(error.code())
    assert statuses == [grpc.StatusCode.OK] * RATE_LIMIT + [grpc.StatusCode.RESOURCE_EXHAUSTED]

    # And one probe budget per requester and record: the third distinct query against Petrov, on the process
    # that has seen only one of the two before it, is refused.
    variants = [PETROV, {"name": ["Ivan Petrov"]}, {"name": ["Petrov Ivan"]}]
    probed: list[tuple[int, int]] = []
    for n, variant in enumerate(variants):
        request = search_request(variant, query_id=f"probe-{n}", to_country=None)
        request.requester.investigator_id = "inv-probe"
        async with node_client(two_processes[n % 2][0]) as client:
            answer = await client.Search(sign(request), timeout=30)
        probed.append((answer.outcome, answer.refusal_reason))
    hit = (pb.SEARCH_OUTCOME_HIT, pb.REFUSAL_REASON_UNSPECIFIED)
    assert probed == [hit, hit, (pb.SEARCH_OUTCOME_REFUSED, pb.REFUSAL_REASON_PROBE_BUDGET_EXCEEDED)]


async def found_refs(node: RunningNode, query: dict[str, list[str]]) -> set[str]:
    async with node_client(node.address) as client:
        answer = await client.Search(search_request(query), timeout=10)
    return {hit.record_ref for hit in answer.hits}


async def test_a_deleted_record_is_never_found_by_the_next_search_even_mid_import(
    node_factory: NodeFactory, opa_fr: OpaServer, engine: Engine
) -> None:
    node = await node_factory("FR", opa_fr.url, None, engine.node_tables())
    [petrov] = await found_refs(node, PETROV)
    [dupont] = await found_refs(node, DUPONT)
    assert await found_refs(node, NOVAK) == set()
    deleted = delete_audited(node.config, ["fr-person-petrov"])
    assert deleted.deleted == [petrov]
    assert petrov not in await found_refs(node, PETROV)

    # An import deletes Dupont and adds Novak, and waits, uncommitted and holding the store's write lock.
    written, release = threading.Event(), threading.Event()

    def wait_before_commit(report: ImportReport) -> None:
        written.set()
        assert release.wait(60), "the test never let the import commit"

    novak = {"id": "fr-person-novak", "schema": "Person", "properties": {**NOVAK, "nationality": ["fr"]}}
    changes = [json.dumps({"op": "DEL", "entity": {"id": "fr-person-dupont"}}), json.dumps(novak)]
    importing = asyncio.create_task(
        asyncio.to_thread(
            import_lines, node.config.store, changes, skip_invalid=False, before_commit=wait_before_commit
        )
    )
    try:
        assert await asyncio.to_thread(written.wait, 60)
        # Mid-import: the deletion made before it holds; the import is not seen at all, not halfway.
        assert petrov not in await found_refs(node, PETROV)
        assert await found_refs(node, DUPONT) == {dupont}
        assert await found_refs(node, NOVAK) == set()
    finally:
        release.set()
        report = await importing
    assert report.deleted == [dupont]
    # The next search after the import: both deleted records are gone, the new one is found.
    assert petrov not in await found_refs(node, PETROV)
    assert dupont not in await found_refs(node, DUPONT)
    assert len(await found_refs(node, NOVAK)) == 1
