"""Screening a list (/v1/screen) against a real federation: each query gets exactly what its own search gets."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fedcore.assertion import make_assertion
from fedcore.directory import load_directory, load_federation_keys
from fedcore.evidence import answers_from_screen, verify_answer
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from tests.conftest import NodeFactory, node_client
from tests.federation import KEYS, Federation, IssuerKeys, running_federation

COUNTRIES = ("FR", "DE", "GR")
# What differs between two answers to the same query whatever was released: timing, audit places, signatures.
PER_CALL = ("latency_ms", "audit_entry_id", "audit_seq", "audit_hash", "signature", "key_id", "signed_at")
TIMEOUT_MS = 5000

# Queries that meet every kind of answer in the sample federation: full, partial and hit-only records, a minor,
# a victim, transliterations, an identifier, no hit, and query shapes some countries refuse as probing.
POOL: list[dict[str, Any]] = [
    {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}},
    {"schema": "Person", "properties": {"name": ["Iwan Petrow"]}},
    {"schema": "Person", "properties": {"name": ["Ιβάν Πετρόφ"], "nationality": ["ru"]}},
    {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": ["1975", "1976"]}},
    {"schema": "Person", "properties": {"name": ["Muhammad Hasan"]}},
    {"schema": "Person", "properties": {"name": ["Lucas Martin"], "birthDate": ["2011-05-05"]}},
    {"schema": "Person", "properties": {"name": ["Amélie Durand"]}},
    {"schema": "Person", "properties": {"name": ["Pierre Dupont"], "birthDate": ["1960-12-24"]}},
    {"schema": "Person", "properties": {"name": ["Klaus Schmidt"]}},
    {"schema": "Person", "properties": {"name": ["Γεώργιος Παπαδόπουλος"]}},
    {"schema": "Person", "properties": {"name": ["Jürgen Müller"], "nationality": ["de"]}},
    {"schema": "Person", "properties": {"name": ["Nobody Anyone Knows"]}},
    {"schema": "Passport", "properties": {"number": ["17FR44321"]}},
    {"schema": "Person", "properties": {"name": ["Сергей Иванов"], "birthDate": ["1980"]}},
]


@pytest.fixture
async def screening(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> AsyncIterator[Federation]:
    """The sample federation with room for batches: a body of 100 queries, and limits a test's searches fit in."""
    async with running_federation(
        tmp_path,
        issuer_keys,
        shared_opa,
        max_body_bytes=256 * 1024,
        gateway_more={"rate_limits": {"searches_per_investigator": 2000, "searches_per_country": 20000}},
        node_more={"limits": {"searches_per_requester": 5000}},
    ) as federation:
        yield federation


def token(federation: Federation, country: str, investigator: str) -> str:
    """Each investigator has probe budgets of its own: batch and single searches are made by different ones."""
    return federation.token(country, investigator_id=investigator, purposes=["terrorism", "fugitive"])


async def screen(federation: Federation, queries: list[dict[str, Any]], bearer: str) -> tuple[int, Any]:
    """The /v1/screen answer: its NDJSON lines, each checked against the gateway's OpenAPI ScreenLine, or the
    error document."""
    api = federation.api
    body = {"queries": queries, "purpose": "terrorism", "timeout_ms": TIMEOUT_MS}
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    async with api.session.post(api.base_url + "/v1/screen", json=body, headers=headers) as response:
        if response.status != 200:
            error = await response.json()
            jsonschema.validate(error, {"$ref": "#/components/schemas/Error", "components": api.spec["components"]})
            return response.status, error
        assert response.content_type == "application/x-ndjson"
        validator = jsonschema.Draft202012Validator(
            {"$ref": "#/components/schemas/ScreenLine", "components": api.spec["components"]}
        )
        lines = [json.loads(raw) async for raw in response.content]
    for line in lines:
        validator.validate(line)
    return 200, lines


def as_searched(outcome: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    """What any answer to one query says, per country, without what differs from call to call."""
    return {
        country: (
            {key: value for key, value in entry.items() if key not in PER_CALL},
            [{k: v for k, v in r.items()} for r in results if r["country"] == country],
        )
        for country, entry in outcome["countries"].items()
    }


async def single(federation: Federation, query: dict[str, Any], bearer: str) -> dict[str, Any]:
    status, answer = await federation.api.search({**query, "purpose": "terrorism", "timeout_ms": TIMEOUT_MS}, bearer)
    assert status == 200, answer
    return as_searched(answer, answer["results"])


def per_query(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each query's part of a screening answer, in the shape of its search answer."""
    return [as_searched(answer, answer["results"]) for answer in answers_from_screen(lines)]


@pytest.mark.parametrize("requester", ["DE", "UA", "AE"])
async def test_a_batch_of_100_gives_each_query_what_its_own_search_gives(
    screening: Federation, requester: str, tmp_path: Path
) -> None:
    batch = [POOL[i % len(POOL)] for i in range(100)]
    status, lines = await screen(screening, batch, token(screening, requester, "screener"))
    assert status == 200, lines
    assert [line["type"] for line in lines] == ["country"] * len(COUNTRIES) + ["summary"]
    assert all(len(line["answers"]) == 100 for line in lines[:-1])
    screened = per_query(lines)
    alone = [await single(screening, query, token(screening, requester, "searcher")) for query in POOL]
    for index, answer in enumerate(screened):
        assert answer == alone[index % len(POOL)], f"query {index}: {batch[index]}"
    # Statuses, releases and reasons of every kind were compared, not only no-hits.
    statuses = {entry["status"] for outcome in lines[-1]["queries"] for entry in outcome["countries"].values()}
    assert {"hit", "no_hit"} <= statuses
    assert {result["disclosure"] for answer in answers_from_screen(lines) for result in answer["results"]}
    # Each query's part is evidence of its own: the gateway's and every country's signatures hold for it.
    directory = load_directory(
        KEYS.directory_for(tmp_path / "federation.json", COUNTRIES),
        load_federation_keys([KEYS.public_path("federation-test-1")]),
    )
    for answer in answers_from_screen(lines)[: len(POOL)]:
        findings = verify_answer(answer, directory)
        assert all(finding.ok for finding in findings), [str(finding) for finding in findings]


async def test_a_query_refused_as_probing_is_refused_in_a_batch_and_hides_nothing_of_its_neighbours(
    screening: Federation,
) -> None:
    probing, plain = POOL[3], POOL[0]
    status, lines = await screen(screening, [plain, probing, plain], token(screening, "UA", "screener"))
    assert status == 200
    outcomes = lines[-1]["queries"]
    refused = {country: entry.get("refusal_reason") for country, entry in outcomes[1]["countries"].items()}
    alone = await single(screening, probing, token(screening, "UA", "searcher"))
    assert refused == {country: entry.get("refusal_reason") for country, (entry, _) in alone.items()}
    # A query's hits are never filed under another: each answer carries its own query id and only its hits.
    for line in lines[:-1]:
        for answer in line["answers"]:
            assert answer["query_id"] == outcomes[answer["index"]]["query_id"]
            assert answer["hits"] == len(answer["results"])
            assert answer["status"] != "refused" or not answer["results"]


async def test_a_batch_of_101_is_refused_naming_the_limit(screening: Federation) -> None:
    status, error = await screen(screening, [POOL[0]] * 101, token(screening, "DE", "screener"))
    assert status == 400
    assert error["error"]["code"] == "too_many_queries"
    assert "at most 100 queries" in error["error"]["message"]


async def test_a_batch_with_invalid_queries_is_refused_as_a_whole_naming_each(screening: Federation) -> None:
    batch = [
        POOL[0],
        {"schema": "Spaceship", "properties": {"name": ["Enterprise"]}},
        POOL[1],
        {"schema": "Person", "properties": {"birthDate": ["not a date"]}},
        {"schema": "Person", "properties": {"name": ["X"]}, "purpose": "fugitive"},
    ]
    status, error = await screen(screening, batch, token(screening, "DE", "screener"))
    assert status == 400
    assert error["error"]["code"] == "invalid_queries"
    problems = error["error"]["queries"]
    assert [problem["index"] for problem in problems] == [1, 3, 4]
    assert "Spaceship" in problems[0]["message"]
    assert problems[1]["message"].startswith("properties")
    assert problems[2]["code"] == "unknown_field"
    # Nothing was searched: no country audited a search for any of the batch's queries.
    for node in screening.nodes.values():
        assert "Enterprise" not in node.audit.read_bytes().decode("utf-8", "replace")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=st.integers(0, len(POOL) - 1),
    others=st.lists(st.integers(0, len(POOL) - 1), max_size=5),
    position=st.integers(0, 5),
    requester=st.sampled_from(["DE", "UA", "AE"]),
)
async def test_a_querys_answer_in_a_batch_is_its_own_whatever_the_other_queries(
    screening: Federation, target: int, others: list[int], position: int, requester: str
) -> None:
    position = min(position, len(others))
    batch = [POOL[i] for i in others[:position]] + [POOL[target]] + [POOL[i] for i in others[position:]]
    status, lines = await screen(screening, batch, token(screening, requester, "screener"))
    assert status == 200, lines
    alone = await single(screening, POOL[target], token(screening, requester, "searcher"))
    assert per_query(lines)[position] == alone


async def test_a_batch_is_no_way_around_a_probe_budget(screening: Federation) -> None:
    """25 birth dates tried against one person in one batch are refused from where 25 searches would be."""
    tries = [
        {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": [f"1975-04-{day:02d}"]}}
        for day in range(1, 26)
    ]
    status, lines = await screen(screening, tries, token(screening, "DE", "prober"))
    assert status == 200
    searcher = token(screening, "DE", "searcher")
    alone = [await single(screening, query, searcher) for query in tries]
    assert per_query(lines) == alone
    refused = [outcome["countries"]["FR"].get("refusal_reason") for outcome in lines[-1]["queries"]]
    assert refused[:19] == [None] * 19
    assert set(refused[19:]) == {"probe_budget_exceeded"}


def screen_call(count: int, *, country: str = "DE") -> pb.ScreenRequest:
    """A Screen call of `count` queries as the gateway sends it to France."""
    request = pb.ScreenRequest(
        query_id=f"b-{uuid.uuid4().hex}",
        requester=pb.Requester(
            country=country, agency="Test Agency", investigator_id="inv-1", clearance=pb.CLEARANCE_CONFIDENTIAL
        ),
        purpose=pb.PURPOSE_TERRORISM,
        limit=10,
    )
    for _ in range(count):
        item = request.queries.add(query_id=f"q-{uuid.uuid4().hex}", query=pb.EntityQuery(schema="Person"))
        item.query.properties["name"].values.append("Ivan Petrov")
    request.requester_assertion = make_assertion(request, "FR", KEYS.gateway, 30)
    return request


async def test_a_node_counts_each_query_of_a_batch_against_its_rate_limit_and_replays(
    node_factory: NodeFactory, opa_fr: OpaServer
) -> None:
    node = await node_factory("FR", opa_fr.url, more={"limits": {"searches_per_requester": 5}})
    async with node_client(node.address) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as too_many:
            await stub.Screen(screen_call(6), timeout=5)
        assert too_many.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        first = screen_call(3)
        answer = await stub.Screen(first, timeout=5)
        assert [a.query_id for a in answer.answers] == [item.query_id for item in first.queries]
        assert {a.outcome for a in answer.answers} == {pb.SEARCH_OUTCOME_HIT}
        assert len({a.audit_seq for a in answer.answers}) == 3  # one audit entry per query
        with pytest.raises(grpc.aio.AioRpcError) as over:
            await stub.Screen(screen_call(3), timeout=5)
        assert over.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # A query id already answered in a batch cannot be answered again, alone or in another batch.
        replay = screen_call(1)
        replay.queries[0].query_id = first.queries[0].query_id
        replay.requester_assertion = make_assertion(replay, "FR", KEYS.gateway, 30)
        with pytest.raises(grpc.aio.AioRpcError) as replayed:
            await stub.Screen(replay, timeout=5)
        assert replayed.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_match_of_many_queries_is_one_screen_call_per_country(screening: Federation) -> None:
    queries = {str(index): query for index, query in enumerate(POOL[:5])}
    headers = {"Authorization": f"ApiKey {token(screening, 'FR', 'fr-matcher')}"}
    api = screening.api
    url = api.base_url + "/match/default?purpose=terrorism"
    async with api.session.post(url, json={"queries": queries}, headers=headers) as response:
        assert response.status == 200, await response.text()
        answer = await response.json()
    query_ids = {matches["fedgate"]["query_id"] for matches in answer["responses"].values()}
    assert len(query_ids) == len(queries)
    for country, node in screening.nodes.items():
        connection = sqlite3.connect(f"file:{node.audit}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT query_id, body FROM entries").fetchall()
        finally:
            connection.close()
        audited = {query_id: json.loads(body).get("batch_id") for query_id, body in rows if query_id in query_ids}
        # Every query audited there, all under one batch id: the country got one Screen call for the /match.
        assert set(audited) == query_ids, country
        assert None not in audited.values(), country
        assert len(set(audited.values())) == 1, (country, audited)
