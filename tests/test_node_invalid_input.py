"""Bad requests over gRPC get INVALID_ARGUMENT naming the problem, and are never audited as searches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from fedgate.v1 import node_pb2 as pb
from node.audit import verify_chain
from node.server import RunningNode
from tests.conftest import node_client, search_request, sign


def unsigned(properties: dict[str, list[str]], **options: Any) -> Callable[[], pb.SearchRequest]:
    return lambda: search_request(properties, to_country=None, **options)


def without_purpose() -> pb.SearchRequest:
    request = search_request({"name": ["Ivan Petrov"]}, to_country=None)
    request.ClearField("purpose")
    return request


def with_unknown_purpose() -> pb.SearchRequest:
    request = search_request({"name": ["Ivan Petrov"]}, to_country=None)
    request.purpose = 99  # type: ignore[assignment]
    return request


def with_requester(**changes: object) -> Callable[[], pb.SearchRequest]:
    def build() -> pb.SearchRequest:
        request = search_request({"name": ["Ivan Petrov"]}, to_country=None)
        for field, value in changes.items():
            setattr(request.requester, field, value)
        return request

    return build


# Each case builds its request unsigned; the test signs it as the gateway would, just before sending.
CASES: list[tuple[Callable[[], pb.SearchRequest], str]] = [
    (unsigned({"name": ["Ivan"]}, schema="Persn"), "unknown schema 'Persn'"),
    (unsigned({"name": ["Ivan"]}, schema="Ownership"), "cannot be searched"),
    (unsigned({"nam": ["Ivan"]}), "has no property 'nam'"),
    (unsigned({"name": ["Ivan"], "birthDate": ["1975-13-02"]}), "is not a date"),
    (unsigned({"name": ["Ivan"], "birthDate": ["02.04.1975"]}), "is not a date"),
    (unsigned({}), "query is empty"),
    (unsigned({"birthDate": ["1975"]}), "at least one name or identifier"),
    (unsigned({"name": [""]}), "value is empty"),
    (unsigned({"name": ["x" * 201]}), "longer than 200 characters"),
    (unsigned({"name": [f"n{i}" for i in range(11)]}), "at most 10 values"),
    (
        unsigned({"name": [f"n{i}" for i in range(10)], "alias": [f"a{i}" for i in range(10)], "weakAlias": ["w"]}),
        "max_total_values",
    ),
    (unsigned({"name": [letter * 200 for letter in "abcdef"]}), "at most 1000 characters in all values together"),
    (unsigned({"name": [" ".join("abcdefghijklm")]}), "a name has at most 12 parts (max_name_parts)"),
    (unsigned({"name": ["习近平" * 5]}), "a name has at most 12 parts"),
    (unsigned({"firstName": ["a b c d e f g"], "lastName": ["h i j k l m"]}), "hold at most 12 parts together"),
    (
        unsigned({"name": [" ".join(f"{letter}{i}" for i in range(10)) for letter in "abcde"]}),
        "at most 48 parts in all (max_total_name_parts)",
    ),
    (unsigned({"name": ["Ivan\x00Petrov"]}), "control"),
    (unsigned({"name": ["Ivan"], "nationality": ["Atlantis"]}), "not a valid country"),
    (unsigned({"number": ["X1"], "holder": ["x"]}, schema="Passport"), "property 'holder' cannot be searched"),
    (unsigned({"name": ["Ivan"], "notes": ["x"]}), "cannot be searched"),
    (unsigned({"name": ["Ivan"]}, limit=101), "limit 101 is out of range"),
    (without_purpose, "purpose is required"),
    (with_unknown_purpose, "purpose 99 is not a known purpose"),
    (unsigned({"name": ["Ivan"]}, query_id=""), "query_id is required"),
    (with_requester(country="Germany"), "requester.country 'Germany'"),
    (with_requester(agency=""), "requester.agency is required"),
    (with_requester(clearance=0), "requester.clearance 0 is not a known clearance"),
]


@pytest.mark.parametrize(("build", "message"), CASES, ids=[message for _, message in CASES])
async def test_bad_input_is_invalid_argument_naming_the_problem(
    fr_node: RunningNode, build: Callable[[], pb.SearchRequest], message: str
) -> None:
    async with node_client(fr_node.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await client.Search(sign(build()), timeout=5)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (failure.value.details() or "")
    assert verify_chain(fr_node.config.audit_path).entries == 0


async def test_limit_zero_means_the_configured_default(fr_node: RunningNode) -> None:
    async with node_client(fr_node.address) as client:
        response = await client.Search(search_request({"name": ["Ivan Petrov"]}, limit=0), timeout=5)
    assert response.outcome == pb.SEARCH_OUTCOME_HIT
