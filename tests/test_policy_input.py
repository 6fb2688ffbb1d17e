"""OPA is told which properties each candidate holds, and the values of only those its country's policy reads:
OPA's decision logs, which production OPAs ship off the node, carry no record value (the mask removes the rest)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp

from fedcore.query import validate_query
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import DEFAULT_POLICIES_DIR, OpaServer
from node.config import load_node_config
from node.request import ValidSearch
from node.search import Found, find_candidates, policy_input
from node.server import RunningNode
from node.store import Store, import_lines
from tests.conftest import node_client, search_request
from tests.federation import write_node_config

UA_RECORDS: list[dict[str, Any]] = [
    {
        "id": "ua-person-1",
        "schema": "Person",
        "properties": {
            "name": ["Taras Hordiienko"],
            "birthDate": ["1971-03-14"],
            "nationality": ["ua"],
            "gender": ["male"],
            "passportNumber": ["FE734912"],
        },
    },
    {
        "id": "ua-person-2",
        "schema": "Person",
        "properties": {"name": ["Taras Hordienko"], "birthDate": ["1983-11-02"], "nationality": ["md"]},
        "flags": ["witness"],
    },
    {
        "id": "ua-passport-1",
        "schema": "Passport",
        "properties": {"number": ["FE734912"], "surname": ["Hordiienko"], "country": ["ua"]},
    },
]


def record_values(records: list[dict[str, Any]]) -> set[str]:
    return {value for record in records for values in record["properties"].values() for value in values}


def declared_reads(country: str) -> list[str]:
    data = json.loads((DEFAULT_POLICIES_DIR / "fedgate" / "countries" / country / "data.json").read_text())
    reads: list[str] = data["settings"].get("reads", [])
    return reads


# How Rego reads a record's values: object.get(record, ["values", "X"], ...), record.values.X or ["X"].
VALUE_READ = re.compile(r'\["values",\s*"(\w+)"\]|\.values\.(\w+)|\.values\["(\w+)"\]|record\.values,\s*"(\w+)"')


def test_each_country_declares_exactly_the_values_its_rules_read() -> None:
    framework = (DEFAULT_POLICIES_DIR / "fedgate" / "framework" / "framework.rego").read_text()
    assert not VALUE_READ.search(framework), "the framework reads record values: every country must declare them"
    countries = sorted(path.name for path in (DEFAULT_POLICIES_DIR / "fedgate" / "countries").iterdir())
    read = {}
    for country in countries:
        rego = (DEFAULT_POLICIES_DIR / "fedgate" / "countries" / country / "policy.rego").read_text()
        read[country] = sorted({next(name for name in match if name) for match in VALUE_READ.findall(rego)})
    assert read == {country: sorted(declared_reads(country)) for country in countries}
    assert read["ua"] == ["nationality"]


def test_the_input_carries_values_only_for_the_properties_read(tmp_path: Path) -> None:
    config = load_node_config(write_node_config(tmp_path, "UA", "http://127.0.0.1:9"))
    lines = "\n".join(json.dumps(record) for record in UA_RECORDS)
    (tmp_path / "records.jsonl").write_text(lines, encoding="utf-8")
    import_lines(config.store_path, lines.splitlines(), skip_invalid=False)
    store = Store(config.store_path)
    try:
        query = validate_query("Person", {"name": ["Taras Hordiienko"]})
        found: Found = find_candidates(store, query, 10, config.matching)
    finally:
        store.close()
    search = ValidSearch("q-1", {"country": "AE", "clearance": "basic"}, "terrorism", query, 10, "")
    assert len(found.candidates) >= 2
    for reads, expected in ((frozenset({"nationality"}), {"nationality"}), (frozenset(), set())):
        built = policy_input(config, search, found, reads)
        assert built["reads"] == sorted(reads)
        for record in built["records"]:
            assert isinstance(record["properties"], list)
            assert set(record["values"]) <= expected
        assert {v for record in built["records"] for values in record["values"].values() for v in values} == (
            {"ua", "md"} if expected else set()
        )
        text = json.dumps(built, ensure_ascii=False)
        for value in record_values(UA_RECORDS) - {"ua", "md"}:
            assert json.dumps(value, ensure_ascii=False) not in text


def decision_events(opa: OpaServer) -> list[dict[str, Any]]:
    events = []
    for line in opa.log_path.read_text(encoding="utf-8").splitlines():
        if '"Decision Log"' in line:
            events.append(json.loads(line))
    return events


def wait_for_logged(opa: OpaServer, query_ids: set[str]) -> list[dict[str, Any]]:
    """The decision events once OPA logged one for each query (its console logger writes asynchronously)."""
    deadline = time.monotonic() + 10
    while True:
        events = decision_events(opa)
        logged = {event.get("input", {}).get("query_id") for event in events}
        if query_ids <= logged or time.monotonic() > deadline:
            return events
        time.sleep(0.02)  # polling the log file for the condition, bounded by the deadline


async def test_opa_decision_logs_carry_no_record_value(node_factory, opa_factory) -> None:  # type: ignore[no-untyped-def]
    opa: OpaServer = opa_factory("UA", decision_logs=True)
    node: RunningNode = await node_factory("UA", opa.url, records=UA_RECORDS)
    query_ids = set()
    answers = []
    async with node_client(node.address) as client:
        for country, purpose in (("DE", "terrorism"), ("AE", "terrorism"), ("FR", "fugitive"), ("GR", "fugitive")):
            for schema, query in (("Person", {"name": ["Taras Hordiienko"]}), ("Passport", {"number": ["FE734912"]})):
                request = search_request(query, schema=schema, country=country, purpose=purpose, to_country="UA")
                query_ids.add(request.query_id)
                answers.append(await client.Search(request, timeout=10))
    assert {pb.SearchOutcome.Name(answer.outcome) for answer in answers} <= {"SEARCH_OUTCOME_HIT"}
    events = wait_for_logged(opa, query_ids)
    searched = [event for event in events if event.get("input", {}).get("query_id") in query_ids]
    # Every search was decided and logged, with the records it was about (their properties held, no value).
    assert {event["input"]["query_id"] for event in searched} == query_ids
    assert all(event["input"]["records"] for event in searched)
    text = opa.log_path.read_text(encoding="utf-8")
    for value in sorted(record_values(UA_RECORDS)):
        for token in {json.dumps(value), json.dumps(value, ensure_ascii=False)}:
            assert token not in text, f"OPA's log holds the record value {value!r}"
    # The values Ukraine reads were sent, and masked.
    assert all("/input/records/0/values" in event.get("erased", []) for event in searched)


async def test_a_policy_that_does_not_declare_what_it_reads_releases_nothing(node_factory, opa_factory, tmp_path):  # type: ignore[no-untyped-def]
    policies = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, policies, ignore=shutil.ignore_patterns("*_test.rego"))
    rego = policies / "fedgate" / "countries" / "ua" / "policy.rego"
    source = rego.read_text()
    without = source[: source.index("# METADATA\n# description: The record properties")]
    rego.write_text(without)
    opa: OpaServer = opa_factory("UA", policies_dir=policies)
    node: RunningNode = await node_factory("UA", opa.url, records=UA_RECORDS)
    async with node_client(node.address) as client:
        answer = await client.Search(
            search_request({"name": ["Taras Hordiienko"]}, country="DE", purpose="terrorism", to_country="UA"),
            timeout=10,
        )
    assert answer.outcome == pb.SEARCH_OUTCOME_POLICY_UNAVAILABLE
    assert list(answer.hits) == []


async def test_a_policy_that_comes_to_read_more_gets_the_values_or_decides_nothing(node_factory, opa_factory):  # type: ignore[no-untyped-def]
    """Plain policy files keep one revision while their data changes: the policy itself refuses to decide on an
    input without the values it now reads, and the node reads the declaration again."""
    opa: OpaServer = opa_factory("UA", as_bundle=False, decision_logs=True)
    node: RunningNode = await node_factory("UA", opa.url, records=UA_RECORDS)
    settings = json.loads((DEFAULT_POLICIES_DIR / "fedgate" / "countries" / "ua" / "data.json").read_text())
    settings["settings"]["reads"] = ["nationality", "gender"]
    async with aiohttp.ClientSession() as session:
        url = f"{opa.url}/v1/data/fedgate/countries/ua/settings"
        async with session.put(url, json=settings["settings"]) as response:
            assert response.status == 204
    outcomes = []
    async with node_client(node.address) as client:
        for number in range(2):
            request = search_request(
                {"name": ["Taras Hordiienko"]},
                country="DE",
                purpose="terrorism",
                to_country="UA",
                query_id=f"q-reads-{number}",
            )
            outcomes.append(pb.SearchOutcome.Name((await client.Search(request, timeout=10)).outcome))
    assert outcomes == ["SEARCH_OUTCOME_POLICY_UNAVAILABLE", "SEARCH_OUTCOME_HIT"]
    events = await asyncio.to_thread(wait_for_logged, opa, {"q-reads-1"})
    answered = next(event for event in events if event.get("input", {}).get("query_id") == "q-reads-1")
    assert answered["input"]["reads"] == ["gender", "nationality"]
