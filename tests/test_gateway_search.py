"""A real gateway over three real nodes with their real OPA policies: merged answers, statuses, streaming."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from fedtools.opa import OpaServer
from node.audit import verify_chain
from tests.conftest import NodeFactory
from tests.federation import Federation
from tests.samples import DE_RECORDS

PETROV = {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}}


def search_body(**changes: object) -> dict[str, object]:
    return {**PETROV, "purpose": "drug_trafficking", **changes}


async def test_results_from_several_countries_are_merged_and_ranked(federation: Federation) -> None:
    status, answer = await federation.api.search(search_body(), federation.token("FR"))
    assert status == 200
    assert set(answer["countries"]) == {"FR", "DE", "GR"}
    assert {c: entry["status"] for c, entry in answer["countries"].items()} == {"FR": "hit", "DE": "hit", "GR": "hit"}
    assert answer["partial"] is False
    # Scored results first, by score; then hit-only ones, which carry no score (Greece releases no band).
    scored = [result["score"] for result in answer["results"] if "score" in result]
    assert scored == sorted(scored, reverse=True)
    assert [result["country"] for result in answer["results"]][-1] == "GR"
    assert [result.get("score") for result in answer["results"]][: len(scored)] == scored
    by_country = {result["country"]: result for result in answer["results"]}
    assert by_country["FR"]["properties"]["name"] == ["Ivan Petrov"]
    assert by_country["DE"]["properties"]["name"] == ["Iwan Petrow"]
    # France asks Greece about a drug case: Greece answers persons hit/no-hit only.
    assert by_country["GR"]["disclosure"] == "hit_only"
    assert by_country["GR"]["properties"] == {}
    assert set(by_country["GR"]["withheld"].values()) == {"hit_only_schema"}
    assert by_country["GR"]["contact"].startswith("SIRENE GR")
    assert "score" not in by_country["GR"]
    assert "score_band" not in by_country["GR"]
    for country, entry in answer["countries"].items():
        assert entry["policy_revision"].startswith(country.lower() + "-")
        assert entry["hits"] == sum(1 for result in answer["results"] if result["country"] == country)
        assert entry["audit_entry_id"]


async def test_only_the_countries_asked_are_searched(federation: Federation) -> None:
    status, answer = await federation.api.search(search_body(countries=["DE"]), federation.token("FR"))
    assert status == 200
    assert list(answer["countries"]) == ["DE"]
    assert {result["country"] for result in answer["results"]} == {"DE"}


async def test_a_refusing_country_and_a_stopped_node_leave_the_others_answering(federation: Federation) -> None:
    await federation.nodes["GR"].stop(0)
    # The Emirates are not trusted by Germany at all; France answers them hit/no-hit only.
    status, answer = await federation.api.search(search_body(purpose="terrorism"), federation.token("AE"))
    assert status == 200
    countries = answer["countries"]
    assert countries["DE"]["status"] == "refused"
    assert countries["DE"]["refusal_reason"] == "requester_not_trusted"
    assert countries["DE"]["hits"] == 0
    assert countries["GR"]["status"] == "unavailable"
    assert countries["FR"]["status"] == "hit"
    assert answer["partial"] is True
    assert [result["disclosure"] for result in answer["results"]] == ["hit_only"]


async def test_a_slow_node_times_out_and_the_answer_arrives_within_the_budget(federation: Federation) -> None:
    federation.nodes["DE"].proxy.delay_s = 3.0
    started = time.monotonic()
    status, answer = await federation.api.search(search_body(timeout_ms=800), federation.token("FR"))
    elapsed = time.monotonic() - started
    assert status == 200
    assert answer["countries"]["DE"]["status"] == "timeout"
    assert answer["countries"]["FR"]["status"] == "hit"
    assert answer["partial"] is True
    assert elapsed < 0.8 + 0.4, f"answered after {elapsed:.2f} s with a budget of 0.8 s"
    assert "DE" not in {result["country"] for result in answer["results"]}


async def test_streaming_delivers_the_fast_country_before_the_slow_one(federation: Federation) -> None:
    federation.nodes["GR"].proxy.delay_s = 0.6
    lines, arrived = await federation.api.stream(search_body(timeout_ms=3000), federation.token("FR"))
    countries = [line["country"] for line in lines if line["type"] == "country"]
    assert countries[-1] == "GR"
    assert set(countries) == {"FR", "DE", "GR"}
    assert arrived[countries.index("GR")] - arrived[0] >= 0.3
    summary = lines[-1]
    assert summary["type"] == "summary"
    assert summary["hits"] == sum(len(line["results"]) for line in lines[:-1])
    assert summary["countries"]["GR"]["status"] == "hit"


async def test_identity_comes_from_the_token_whatever_the_body_says(federation: Federation) -> None:
    token = federation.token("UA", purposes=["fugitive"])
    status, error = await federation.api.search(
        search_body(purpose="fugitive", requester={"country": "FR", "clearance": "secret"}), token
    )
    assert status == 400
    assert error["error"]["code"] == "unknown_field"
    assert "requester" in error["error"]["message"]
    status, answer = await federation.api.search(search_body(purpose="fugitive", countries=["FR"]), token)
    assert status == 200
    hit = answer["results"][0]
    # Ukraine, not France, is who France's policy saw: birth year only, identifiers withheld.
    assert hit["properties"]["birthDate"] == ["1975"]
    assert hit["withheld"]["idNumber"] == "not_shared_with_requester"
    audit = verify_chain(federation.nodes["FR"].config.audit_path)
    assert audit.intact


async def test_a_circuit_breaker_skips_a_failing_node_and_probes_it_again(
    federation: Federation, node_factory: NodeFactory, shared_opa: Callable[[str], OpaServer]
) -> None:
    proxy = federation.nodes["DE"].proxy
    await federation.nodes["DE"].stop(0)
    body = search_body(countries=["DE", "FR"])
    for _ in range(3):  # breaker_failures = 3 in the test configuration
        _, answer = await federation.api.search(body, federation.token("FR"))
        assert answer["countries"]["DE"]["status"] == "unavailable"
        assert "skipped" not in answer["countries"]["DE"].get("message", "")
    _, answer = await federation.api.search(body, federation.token("FR"))
    assert answer["countries"]["DE"]["status"] == "unavailable"
    assert "skipped" in answer["countries"]["DE"]["message"]
    assert answer["countries"]["FR"]["status"] == "hit"

    replacement = await node_factory("DE", shared_opa("DE").url, DE_RECORDS)
    proxy.upstream_port = int(replacement.address.rsplit(":", 1)[1])
    _, answer = await federation.api.search(body, federation.token("FR"))
    assert "skipped" in answer["countries"]["DE"]["message"], "still open during the cool-down"
    await asyncio.sleep(0.6)  # waiting out the configured 0.5 s cool-down is the behaviour under test
    _, answer = await federation.api.search(body, federation.token("FR"))
    assert answer["countries"]["DE"]["status"] == "hit"
