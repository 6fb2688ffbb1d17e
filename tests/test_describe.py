"""What a country tells an investigator about itself (schemata, counts, policy revision) is its policy's decision."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from fedcore.assertion import make_assertion
from fedcore.keys import SigningKey
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.audit import verify_chain
from node.server import RunningNode
from tests.conftest import NodeFactory, node_client, search_request
from tests.federation import KEYS, Federation, FederationNode
from tests.samples import FR_RECORDS, RECORDS_BY_COUNTRY


def describe_request(
    *,
    country: str = "DE",
    clearance: str = "confidential",
    investigator_id: str = "inv-1",
    query_id: str | None = None,
    to_country: str | None = "FR",
    signer: SigningKey | None = None,
) -> pb.DescribeRequest:
    """A Describe as the gateway sends it; signed for `to_country` (None: unsigned)."""
    request = pb.DescribeRequest(
        query_id=query_id if query_id is not None else f"d-{uuid.uuid4().hex}",
        requester=pb.Requester(
            country=country,
            agency="Test Agency",
            investigator_id=investigator_id,
            clearance=f"CLEARANCE_{clearance.upper()}",
        ),
    )
    if to_country is not None:
        request.requester_assertion = make_assertion(request, to_country, signer or KEYS.gateway, ttl_s=30)
    return request


async def describe(node: RunningNode, request: pb.DescribeRequest) -> pb.DescribeResponse:
    async with node_client(node.address) as client:
        response: pb.DescribeResponse = await client.Describe(request, timeout=10)
        return response


def counts(description: pb.DescribeResponse) -> dict[str, int | None]:
    """Records per schema as the node shows them; None where it shows the schema but not its count."""
    return {item.schema: item.records if item.HasField("records") else None for item in description.schemata}


def audit_rows(node: RunningNode | FederationNode) -> list[dict[str, Any]]:
    connection = sqlite3.connect(node.config.audit_path)
    try:
        return [json.loads(body) for (body,) in connection.execute("SELECT body FROM entries ORDER BY seq")]
    finally:
        connection.close()


FR_COUNTS = dict(Counter(record["schema"] for record in FR_RECORDS))


# --- one node, France's real policy ------------------------------------------------------------


async def test_a_country_france_does_not_trust_learns_nothing_but_who_answers(fr_node: RunningNode) -> None:
    description = await describe(fr_node, describe_request(country="US"))
    assert description.country == "FR"
    assert description.software_version
    assert list(description.schemata) == []
    assert description.policy_revision == ""
    [entry] = audit_rows(fr_node)
    assert entry["kind"] == "describe"
    assert entry["requester"] == {
        "country": "US",
        "agency": "Test Agency",
        "investigator": "inv-1",
        "clearance": "confidential",
    }
    assert entry["shown"] == {"schemata": False, "counts": False, "policy_revision": False}


async def test_a_partner_without_counts_sees_the_schemata_but_no_counts(fr_node: RunningNode) -> None:
    description = await describe(fr_node, describe_request(country="UA"))
    assert counts(description) == dict.fromkeys(FR_COUNTS)
    assert description.policy_revision.startswith("fr-")


async def test_a_partner_listed_for_counts_sees_records_per_schema(fr_node: RunningNode) -> None:
    description = await describe(fr_node, describe_request(country="DE"))
    assert counts(description) == FR_COUNTS
    assert description.policy_revision.startswith("fr-")
    [entry] = audit_rows(fr_node)
    assert entry["shown"] == {"schemata": True, "counts": True, "policy_revision": True}
    assert entry["policy_revision"] == description.policy_revision
    # What was shown, never the counts themselves.
    assert "records" not in entry
    assert "Person" not in json.dumps(entry)
    assert entry["assertion"].count(".") == 2
    assert verify_chain(fr_node.config.audit_path).intact


async def test_opa_down_shows_nothing_but_the_country(
    node_factory: NodeFactory, opa_factory: Callable[..., OpaServer]
) -> None:
    opa = opa_factory("FR")
    node = await node_factory("FR", opa.url)
    assert counts(await describe(node, describe_request(country="DE"))) == FR_COUNTS
    opa.stop()
    description = await describe(node, describe_request(country="DE"))
    assert (description.country, list(description.schemata), description.policy_revision) == ("FR", [], "")
    assert description.software_version
    assert [entry["policy_problem"] for entry in audit_rows(node)] == ["", "unreachable"]


# --- a policy answering something the node cannot use ----------------------------------------

TEST_PACKAGE = """package fedgate.countries.lu

default decision := {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}
"""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(
            'describe := {"schemata": true, "counts": false, "policy_revision": "lu-1"}',
            ({"Person": None, "Passport": None, "Vehicle": None}, "lu-1"),
            id="well-formed: schemata without counts",
        ),
        pytest.param("", ({}, ""), id="no describe rule"),
        pytest.param(
            'describe := {"schemata": true, "counts": true, "policy_revision": "lu-1", "records": 5}',
            ({}, ""),
            id="an extra key",
        ),
        pytest.param('describe := {"schemata": true, "counts": true}', ({}, ""), id="no revision"),
        pytest.param(
            'describe := {"schemata": "yes", "counts": false, "policy_revision": "lu-1"}', ({}, ""), id="not a bool"
        ),
        pytest.param(
            'describe := {"schemata": false, "counts": true, "policy_revision": "lu-1"}',
            ({}, ""),
            id="counts without schemata",
        ),
        pytest.param('describe := ["schemata", "counts"]', ({}, ""), id="not an object"),
    ],
)
async def test_a_describe_decision_of_the_wrong_shape_shows_nothing(
    tmp_path: Path,
    node_factory: NodeFactory,
    opa_factory: Callable[..., OpaServer],
    rule: str,
    expected: tuple[dict[str, int | None], str],
) -> None:
    policies = tmp_path / "policies"
    (policies / "fedgate" / "framework").mkdir(parents=True)
    package = policies / "fedgate" / "countries" / "lu"
    package.mkdir(parents=True)
    (package / "policy.rego").write_text(TEST_PACKAGE + rule + "\n")
    opa = opa_factory("LU", policies_dir=policies)
    node = await node_factory("LU", opa.url, FR_RECORDS)
    description = await describe(node, describe_request(country="FR", to_country="LU"))
    assert description.country == "LU"
    assert (counts(description), description.policy_revision) == expected
    [entry] = audit_rows(node)
    assert entry["policy_problem"] == ("" if expected[1] else "malformed")


# --- who may ask -------------------------------------------------------------------------------


def with_a_search_assertion() -> pb.DescribeRequest:
    """A Describe carrying the assertion the gateway made for a search by the same requester, same query id."""
    search = search_request({"name": ["Ivan Petrov"]}, country="DE")
    request = describe_request(country="DE", query_id=search.query_id, to_country=None)
    request.requester.CopyFrom(search.requester)
    request.requester_assertion = search.requester_assertion
    return request


def altered_after_signing() -> pb.DescribeRequest:
    request = describe_request(country="US")
    request.requester.country = "DE"
    return request


REFUSALS: list[tuple[str, Callable[[], pb.DescribeRequest], grpc.StatusCode, str]] = [
    ("no assertion", lambda: describe_request(to_country=None), grpc.StatusCode.UNAUTHENTICATED, "missing"),
    ("a search's assertion", with_a_search_assertion, grpc.StatusCode.PERMISSION_DENIED, "digest_mismatch"),
    ("another requester", altered_after_signing, grpc.StatusCode.PERMISSION_DENIED, "digest_mismatch"),
    (
        "meant for Germany",
        lambda: describe_request(to_country="DE"),
        grpc.StatusCode.PERMISSION_DENIED,
        "wrong_audience",
    ),
    (
        "unknown key",
        lambda: describe_request(signer=KEYS.create("describe-stranger")),
        grpc.StatusCode.UNAUTHENTICATED,
        "unknown_key",
    ),
]


@pytest.mark.parametrize(("name", "build", "status", "reason"), REFUSALS, ids=[case[0] for case in REFUSALS])
async def test_a_describe_without_its_own_valid_assertion_is_refused_and_audited(
    fr_node: RunningNode,
    name: str,
    build: Callable[[], pb.DescribeRequest],
    status: grpc.StatusCode,
    reason: str,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await describe(fr_node, build())
    assert failure.value.code() == status
    [entry] = audit_rows(fr_node)
    assert (entry["kind"], entry["request"], entry["reason"]) == ("rejected", "describe", reason)
    assert "shown" not in entry


async def test_a_describe_assertion_does_not_pass_for_a_search(fr_node: RunningNode) -> None:
    search = search_request({"name": ["Ivan Petrov"]}, country="DE", to_country=None)
    vouched = describe_request(country="DE", query_id=search.query_id, to_country=None)
    vouched.requester.CopyFrom(search.requester)
    search.requester_assertion = make_assertion(vouched, "FR", KEYS.gateway, ttl_s=30)
    async with node_client(fr_node.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await client.Search(search, timeout=10)
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert [(entry["kind"], entry["reason"]) for entry in audit_rows(fr_node)] == [("rejected", "digest_mismatch")]


async def test_a_replayed_describe_is_refused(fr_node: RunningNode) -> None:
    request = describe_request(country="DE")
    assert counts(await describe(fr_node, request)) == FR_COUNTS
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await describe(fr_node, request)
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert [(entry["kind"], entry.get("reason")) for entry in audit_rows(fr_node)] == [
        ("describe", None),
        ("rejected", "replayed"),
    ]


async def test_describes_count_towards_the_requesters_rate_limit(node_factory: NodeFactory, opa_fr: OpaServer) -> None:
    node = await node_factory(
        "FR", opa_fr.url, FR_RECORDS, {"limits": {"searches_per_requester": 2, "rate_window_s": 600}}
    )
    await describe(node, describe_request(country="DE"))
    async with node_client(node.address) as client:
        await client.Search(search_request({"name": ["Ivan Petrov"]}, country="DE"), timeout=10)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await describe(node, describe_request(country="DE"))
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # Another investigator of the same country has a budget of their own.
    assert counts(await describe(node, describe_request(country="DE", investigator_id="inv-2"))) == FR_COUNTS


# --- the gateway's /v1/nodes --------------------------------------------------------------------


def listed(nodes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["country"]: node for node in nodes["nodes"]}


def schema_counts(country: str) -> list[dict[str, Any]]:
    return [
        {"schema": schema, "records": records}
        for schema, records in sorted(Counter(record["schema"] for record in RECORDS_BY_COUNTRY[country]).items())
    ]


def schema_names(country: str) -> list[dict[str, Any]]:
    return [{"schema": item["schema"]} for item in schema_counts(country)]


async def test_nodes_listing_shows_each_country_what_its_policy_lets_this_investigator_see(
    federation: Federation,
) -> None:
    status, nodes = await federation.api.call("GET", "/v1/nodes", token=federation.token("DE"))
    assert status == 200
    by_country = listed(nodes)
    assert all(node["healthy"] and node["software_version"] for node in by_country.values())
    # France counts for Germany, Germany for itself; Greece shows Germany its schemata only.
    assert by_country["FR"]["schemata"] == schema_counts("FR")
    assert by_country["DE"]["schemata"] == schema_counts("DE")
    assert by_country["GR"]["schemata"] == schema_names("GR")
    assert {country: node["policy_revision"][:3] for country, node in by_country.items()} == {
        "FR": "fr-",
        "DE": "de-",
        "GR": "gr-",
    }
    # Each country decided for this investigator, who the gateway vouched for from the token alone.
    [entry] = audit_rows(federation.nodes["FR"])
    assert (entry["kind"], entry["requester"]["investigator"]) == ("describe", "de-investigator-7")


async def test_nodes_listing_tells_a_country_nobody_trusts_only_who_is_there(federation: Federation) -> None:
    status, nodes = await federation.api.call("GET", "/v1/nodes", token=federation.token("US"))
    assert status == 200
    assert {
        country: (node["healthy"], node["schemata"], node["policy_revision"]) for country, node in listed(nodes).items()
    } == {"FR": (True, [], ""), "DE": (True, [], ""), "GR": (True, [], "")}


async def test_nodes_listing_follows_each_countrys_minimum_clearance(federation: Federation) -> None:
    # Germany asks at least "restricted"; France and Greece ask "basic".
    status, nodes = await federation.api.call("GET", "/v1/nodes", token=federation.token("FR", clearance="basic"))
    assert status == 200
    by_country = listed(nodes)
    assert (by_country["DE"]["schemata"], by_country["DE"]["policy_revision"]) == ([], "")
    assert by_country["FR"]["schemata"] == schema_counts("FR")
    assert by_country["GR"]["schemata"] == schema_names("GR")


async def test_nodes_listing_asks_each_node_afresh(federation: Federation) -> None:
    token = federation.token("DE")
    for _ in range(2):
        status, nodes = await federation.api.call("GET", "/v1/nodes", token=token)
        assert status == 200
        assert listed(nodes)["FR"]["schemata"] == schema_counts("FR")
    query_ids = [entry["query_id"] for entry in audit_rows(federation.nodes["FR"])]
    assert len(query_ids) == len(set(query_ids)) == 2
