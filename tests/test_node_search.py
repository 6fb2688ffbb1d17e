"""A real node over gRPC with France's real OPA policy: what leaves, to whom, and why; on both store engines."""

from __future__ import annotations

import json

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.audit import verify_chain
from node.server import RunningNode
from tests.conftest import NodeFactory, node_client, search_request
from tests.pg import Engine, rows
from tests.test_describe import describe_request

PETROV = {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}


def released(hit: pb.Hit) -> dict[str, list[str]]:
    return {name: list(values.values) for name, values in hit.properties.items()}


def withheld(hit: pb.Hit) -> dict[str, str]:
    return {item.property: pb.WithholdReason.Name(item.reason) for item in hit.withheld}


@pytest.fixture
async def fr_node(node_factory: NodeFactory, opa_fr: OpaServer, engine: Engine) -> RunningNode:
    """France's node with its sample records, in an SQLite file or in a PostgreSQL database."""
    return await node_factory("FR", opa_fr.url, None, engine.node_tables())


async def search(node: RunningNode, request: pb.SearchRequest) -> pb.SearchResponse:
    async with node_client(node.address) as client:
        return await client.Search(request, timeout=10)


async def test_same_query_from_two_countries_gets_what_each_policy_says(fr_node: RunningNode) -> None:
    germany = await search(fr_node, search_request(PETROV, country="DE"))
    ukraine = await search(fr_node, search_request(PETROV, country="UA", purpose="fugitive"))

    assert germany.outcome == pb.SEARCH_OUTCOME_HIT
    top = germany.hits[0]
    assert top.disclosure == pb.DISCLOSURE_PARTIAL
    assert released(top) == {
        "name": ["Ivan Petrov"],
        "birthDate": ["1975-04-02"],
        "nationality": ["ru"],
        "gender": ["male"],
        "idNumber": ["FR-77-123"],
        "notes": ["Seen in Marseille port"],
    }
    assert withheld(top) == {"religion": "WITHHOLD_REASON_SENSITIVE_CATEGORY"}

    top = ukraine.hits[0]
    assert top.record_ref == germany.hits[0].record_ref
    assert top.disclosure == pb.DISCLOSURE_PARTIAL
    assert released(top) == {
        "name": ["Ivan Petrov"],
        "birthDate": ["1975"],
        "nationality": ["ru"],
        "gender": ["male"],
    }
    assert withheld(top) == {
        "idNumber": "WITHHOLD_REASON_NOT_SHARED_WITH_REQUESTER",
        "notes": "WITHHOLD_REASON_NOT_SHARED_WITH_REQUESTER",
        "religion": "WITHHOLD_REASON_SENSITIVE_CATEGORY",
    }
    assert [(g.property, g.method) for g in top.generalised] == [("birthDate", "year")]
    # A generalised birth date is not reported as an exact match: that would disclose it.
    assert "birthDate" not in {m.property for m in top.matched}
    assert {m.property for m in germany.hits[0].matched} >= {"name", "birthDate"}
    assert ukraine.policy_revision.startswith("fr-")
    assert ukraine.country == "FR"


async def test_hit_only_says_that_a_match_exists_and_whom_to_contact(fr_node: RunningNode) -> None:
    response = await search(fr_node, search_request(PETROV, country="AE", purpose="terrorism"))
    assert response.outcome == pb.SEARCH_OUTCOME_HIT
    hit = response.hits[0]
    assert hit.disclosure == pb.DISCLOSURE_HIT_ONLY
    assert released(hit) == {}
    assert set(withheld(hit).values()) == {"WITHHOLD_REASON_HIT_ONLY_REQUESTER"}
    assert set(withheld(hit)) == {"name", "birthDate", "nationality", "gender", "idNumber", "notes", "religion"}
    assert list(hit.matched) == []
    assert hit.contact.startswith("SIRENE FR")
    assert hit.schema == "Person"
    # No score (it could tell the withheld birth date or nationality), only the band France allows.
    assert not hit.HasField("score")
    assert hit.score_band == pb.SCORE_BAND_STRONG


async def test_minor_is_reported_as_a_hit_only(fr_node: RunningNode) -> None:
    response = await search(fr_node, search_request({"name": ["Lucas Martin"]}, country="DE"))
    assert [h.disclosure for h in response.hits] == [pb.DISCLOSURE_HIT_ONLY]
    assert set(withheld(response.hits[0]).values()) == {"WITHHOLD_REASON_MINOR_PROTECTION"}


async def test_record_decided_none_is_not_mentioned_at_all(fr_node: RunningNode) -> None:
    response = await search(fr_node, search_request({"name": ["Amélie Durand"]}, country="UA", purpose="fugitive"))
    assert response.outcome == pb.SEARCH_OUTCOME_NO_HIT
    assert list(response.hits) == []


async def test_untrusted_country_gets_nothing(fr_node: RunningNode) -> None:
    response = await search(fr_node, search_request(PETROV, country="US", purpose="terrorism"))
    assert response.outcome == pb.SEARCH_OUTCOME_REFUSED
    assert response.refusal_reason == pb.REFUSAL_REASON_REQUESTER_NOT_TRUSTED
    assert list(response.hits) == []


async def test_refused_purpose_gets_nothing(fr_node: RunningNode) -> None:
    neutrality = await search(fr_node, search_request(PETROV, country="DE", purpose="political_activity"))
    assert neutrality.outcome == pb.SEARCH_OUTCOME_REFUSED
    assert neutrality.refusal_reason == pb.REFUSAL_REASON_NEUTRALITY
    assert list(neutrality.hits) == []
    not_accepted = await search(fr_node, search_request(PETROV, country="UA", purpose="drug_trafficking"))
    assert not_accepted.refusal_reason == pb.REFUSAL_REASON_PURPOSE_NOT_ACCEPTED
    assert list(not_accepted.hits) == []


async def test_refusal_does_not_reveal_whether_anything_matched(fr_node: RunningNode) -> None:
    matching = await search(fr_node, search_request(PETROV, country="US"))
    nothing = await search(fr_node, search_request({"name": ["Nobody Atall"]}, country="US"))
    assert matching.outcome == nothing.outcome == pb.SEARCH_OUTCOME_REFUSED


async def test_opa_stopped_releases_nothing(node_factory: NodeFactory, opa_factory) -> None:  # type: ignore[no-untyped-def]
    opa: OpaServer = opa_factory("FR")
    node = await node_factory("FR", opa.url)
    assert (await search(node, search_request(PETROV))).outcome == pb.SEARCH_OUTCOME_HIT
    opa.stop()
    response = await search(node, search_request(PETROV, query_id="q-after-stop"))
    assert response.outcome == pb.SEARCH_OUTCOME_POLICY_UNAVAILABLE
    assert list(response.hits) == []
    assert response.policy_revision == ""
    assert response.audit_entry_id


@pytest.mark.parametrize(
    ("query", "expected_name"),
    [
        ({"name": ["Иван Петров"]}, "Ivan Petrov"),
        ({"name": ["Sergei Ivanov"]}, "Сергей Иванов"),
        ({"name": ["Mohammed Hasan"]}, "Muhammad Hasan"),
        ({"name": ["Jurgen Muller"]}, "Jürgen Müller"),
        ({"name": ["Petrov Ivan"]}, "Ivan Petrov"),
        ({"name": ["Ivan Petorv"]}, "Ivan Petrov"),
        ({"firstName": ["Ivan"], "lastName": ["Petrov"], "birthDate": ["1975"]}, "Ivan Petrov"),
    ],
)
async def test_names_match_across_scripts_spellings_order_and_typos(
    fr_node: RunningNode, query: dict[str, list[str]], expected_name: str
) -> None:
    response = await search(fr_node, search_request(query, country="DE"))
    assert response.hits, f"{query} found nothing"
    assert released(response.hits[0])["name"] == [expected_name]


async def test_cyrillic_match_is_explained_as_transliterated(fr_node: RunningNode) -> None:
    response = await search(fr_node, search_request({"name": ["Иван Петров"]}, country="DE"))
    kinds = {m.property: pb.MatchKind.Name(m.kind) for m in response.hits[0].matched}
    assert kinds["name"] == "MATCH_KIND_TRANSLITERATED"


async def test_a_different_person_is_no_hit(fr_node: RunningNode) -> None:
    response = await search(fr_node, search_request({"name": ["Mahmoud Hasan"], "birthDate": ["1950-01-01"]}))
    assert response.outcome == pb.SEARCH_OUTCOME_NO_HIT


async def test_identifiers_match_ignoring_spaces_dashes_and_case(fr_node: RunningNode) -> None:
    passport = await search(
        fr_node, search_request({"number": ["17 fr 44321"]}, schema="Passport", purpose="stolen_document")
    )
    assert released(passport.hits[0])["number"] == ["17FR44321"]
    assert passport.hits[0].score == 1.0
    vehicle = await search(
        fr_node, search_request({"registrationNumber": ["ab123cd"]}, schema="Vehicle", purpose="stolen_vehicle")
    )
    assert released(vehicle.hits[0])["model"] == ["Peugeot 308"]


async def test_purpose_limitation_keeps_persons_out_of_vehicle_searches(fr_node: RunningNode) -> None:
    response = await search(fr_node, search_request(PETROV, purpose="stolen_vehicle"))
    assert [h.disclosure for h in response.hits] == [pb.DISCLOSURE_HIT_ONLY]
    assert set(withheld(response.hits[0]).values()) == {"WITHHOLD_REASON_NOT_NEEDED_FOR_PURPOSE"}


async def test_every_answered_search_is_in_the_audit_chain(fr_node: RunningNode) -> None:
    answers = [await search(fr_node, search_request(PETROV, query_id=f"q-audit-{n}")) for n in range(3)]
    assert len({answer.audit_entry_id for answer in answers}) == 3
    report = verify_chain(fr_node.config.audit_log)
    assert report.intact
    assert report.entries == 3
    bodies = [json.loads(body) for (body,) in rows(fr_node.config.audit_log, "SELECT body FROM entries ORDER BY seq")]
    assert [body["query_id"] for body in bodies] == [f"q-audit-{n}" for n in range(3)]
    first = bodies[0]
    assert first["requester"]["country"] == "DE"
    assert first["purpose"] == "drug_trafficking"
    assert first["records"][0]["released"] == ["birthDate", "gender", "idNumber", "name", "nationality", "notes"]
    assert first["records"][0]["withheld"] == {"religion": "sensitive_category"}
    assert first["assertion"].count(".") == 2  # the gateway's signed assertion, kept as evidence
    assert first["policy_revision"].startswith("fr-")


async def test_describe_counts_records_per_schema(fr_node: RunningNode) -> None:
    async with node_client(fr_node.address) as client:
        # Germany is among those France's policy shows its counts to.
        description = await client.Describe(describe_request(country="DE"), timeout=5)
    assert description.country == "FR"
    assert {s.schema: s.records for s in description.schemata} == {"Person": 7, "Passport": 1, "Vehicle": 1}
    assert description.policy_revision.startswith("fr-")
    assert description.software_version


async def test_health_and_reflection_are_served(fr_node: RunningNode) -> None:
    async with grpc.aio.insecure_channel(fr_node.address) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="fedgate.v1.Node"), timeout=5
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        services = set()
        async for answer in stream:
            services = {service.name for service in answer.list_services_response.service}
    assert "fedgate.v1.Node" in services
    assert "grpc.health.v1.Health" in services
