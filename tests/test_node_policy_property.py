"""Property: whatever the records and the policy data, a hit releases only what the one OPA decision allowed."""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import sqlite3
import time
from datetime import date
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.server import RunningNode
from node.store import import_lines
from tests.conftest import node_client, search_request

PERSON_VALUES: dict[str, st.SearchStrategy[str]] = {
    "birthDate": st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)).map(date.isoformat),
    "nationality": st.sampled_from(["fr", "de", "ru", "ua", "ae", "gr"]),
    "gender": st.sampled_from(["male", "female"]),
    "idNumber": st.from_regex(r"[A-Z]{2}[0-9]{4,8}", fullmatch=True),
    "alias": st.sampled_from(["The Fox", "Blue", "Doc"]),
    "notes": st.text(alphabet="abcdefgh ", min_size=1, max_size=20).filter(str.strip),
    "religion": st.sampled_from(["none", "other"]),
    "passportNumber": st.from_regex(r"[0-9]{2}[A-Z]{2}[0-9]{5}", fullmatch=True),
}
PROPERTY_NAMES = [*sorted(PERSON_VALUES), "name"]
FLAGS = ["minor", "victim", "witness", "sensitive"]

record_properties = st.fixed_dictionaries(
    {},
    optional={
        name: st.lists(strategy, min_size=1, max_size=2, unique=True) for name, strategy in PERSON_VALUES.items()
    },
)
records_strategy = st.lists(
    st.tuples(record_properties, st.lists(st.sampled_from(FLAGS), unique=True, max_size=2)), min_size=1, max_size=5
)
profile = st.fixed_dictionaries(
    {
        "properties": st.one_of(
            st.just({"Person": ["*"]}),
            st.lists(st.sampled_from(PROPERTY_NAMES), unique=True).map(lambda names: {"Person": names}),
            st.just({}),
        ),
    },
    optional={
        "generalise": st.sampled_from([{"birthDate": "year"}, {"birthDate": "year_month"}, {}]),
        "hit_only": st.booleans(),
    },
)
clearance = st.sampled_from(["basic", "restricted", "confidential", "secret"])
policy_settings = st.fixed_dictionaries(
    {
        "min_clearance": clearance,
        "profiles": st.fixed_dictionaries({"generated": profile}),
        "partners": st.fixed_dictionaries(
            {"DE": st.fixed_dictionaries({"profile": st.just("generated"), "purposes": st.just(["terrorism"])})}
        ),
        "property_clearance": st.dictionaries(st.sampled_from(PROPERTY_NAMES), clearance, max_size=3),
        "hit_only_schemata": st.sampled_from([[], ["Person"]]),
    }
)
serial = itertools.count()


async def logged_decision(opa: OpaServer, query_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in opa.log_path.read_text().splitlines():
            if '"Decision Log"' in line and f'"query_id":"{query_id}"' in line:
                result: dict[str, Any] = json.loads(line)["result"]
                return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"OPA logged no decision for {query_id}")


def import_records(node: RunningNode, name: str, generated: list[tuple[dict[str, list[str]], list[str]]]) -> None:
    lines = [
        json.dumps({"id": f"{name}-{n}", "schema": "Person", "properties": {**props, "name": [name]}, "flags": flags})
        for n, (props, flags) in enumerate(generated)
    ]
    report = import_lines(node.config.store_path, lines, skip_invalid=False)
    assert not report.bad_lines, report.bad_lines


def created_refs(node: RunningNode, name: str) -> set[str]:
    """The references the node gave the records of one example (all named `name`)."""
    connection = sqlite3.connect(f"file:{node.config.store_path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT ref FROM records WHERE entity_id LIKE ?", (f"{name}-%",)).fetchall()
    finally:
        connection.close()
    return {ref for (ref,) in rows}


async def test_hits_release_only_what_the_single_decision_allows(node_factory, opa_factory) -> None:  # type: ignore[no-untyped-def]
    opa: OpaServer = opa_factory("FR", as_bundle=False, decision_logs=True)
    node: RunningNode = await node_factory(
        "FR", opa.url, records=[{"id": "seed", "schema": "Person", "properties": {"name": ["Seed Record"]}}]
    )
    session = aiohttp.ClientSession()
    loop = asyncio.get_running_loop()
    outcomes: collections.Counter[str] = collections.Counter()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(generated=records_strategy, policy=policy_settings, requester_clearance=clearance)
    def check(
        generated: list[tuple[dict[str, list[str]], list[str]]], policy: dict[str, Any], requester_clearance: str
    ) -> None:
        # Hypothesis drives examples from a worker thread; each search runs on the test's own loop.
        asyncio.run_coroutine_threadsafe(one_search(generated, policy, requester_clearance), loop).result(timeout=60)

    async def one_search(
        generated: list[tuple[dict[str, list[str]], list[str]]], policy: dict[str, Any], requester_clearance: str
    ) -> None:
        number = next(serial)
        name = f"Quixote Zarathustra{'abcdefghij'[number % 10]}{number}"
        import_records(node, name, generated)
        async with session.put(f"{opa.url}/v1/data/fedgate/countries/fr/settings", json=policy) as response:
            assert response.status == 204
        before = opa.decisions_served()
        query_id = f"q-property-{number}"
        async with node_client(node.address) as client:
            answer = await client.Search(
                search_request(
                    {"name": [name]},
                    country="DE",
                    purpose="terrorism",
                    clearance=requester_clearance,
                    query_id=query_id,
                ),
                timeout=10,
            )
        assert opa.decisions_served() - before == 1
        decision = await logged_decision(opa, query_id)
        outcomes[pb.SearchOutcome.Name(answer.outcome)] += 1
        outcomes.update(pb.Disclosure.Name(hit.disclosure) for hit in answer.hits)
        if decision["refused"]:
            assert answer.outcome == pb.SEARCH_OUTCOME_REFUSED
            assert list(answer.hits) == []
            return
        for hit in answer.hits:
            allowed = decision["records"][hit.record_ref]
            assert allowed["disclosure"] != "none"
            assert set(hit.properties) <= set(allowed["release"])
            assert set(hit.properties) == set(allowed["release"])
            assert {w.property for w in hit.withheld} == set(allowed["withheld"])
            for prop, values in hit.properties.items():
                width = {"year": 4, "year_month": 7}.get(allowed["generalise"].get(prop, ""))
                assert all(width is None or len(value) == width for value in values.values)
        mentioned = {ref for ref, d in decision["records"].items() if d["disclosure"] != "none"}
        reported = {hit.record_ref for hit in answer.hits}
        assert reported <= mentioned
        # The policy is asked about every candidate that could be a hit (records of earlier examples spelt
        # alike among them); of those, every record named exactly as asked is reported.
        exact = {ref for ref in mentioned if ref in created_refs(node, name)}
        assert exact <= reported

    try:
        await asyncio.to_thread(check)
    finally:
        await session.close()
    # The examples must have exercised releases, hit-only answers and refusals, not only one of them.
    assert outcomes["SEARCH_OUTCOME_REFUSED"] > 0
    assert outcomes["DISCLOSURE_HIT_ONLY"] > 0
    assert outcomes["DISCLOSURE_FULL"] + outcomes["DISCLOSURE_PARTIAL"] > 0
