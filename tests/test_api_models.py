"""The API's one description (gateway.api): the OpenAPI document is generated from it, search bodies are validated
through it with the gateway's own error codes, and what the gateway really answers fits it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fedcore.vocabulary import (
    CLEARANCES,
    DISCLOSURES,
    GENERALISATIONS,
    MATCH_KINDS,
    PURPOSES,
    REFUSAL_REASONS,
    SCORE_BANDS,
    WITHHOLD_REASONS,
)
from gateway.api import (
    Error,
    Health,
    Me,
    NodesResponse,
    Ready,
    Schemata,
    SearchResponse,
    StreamLine,
    search_request_model,
)
from gateway.breaker import BREAKER_STATES
from gateway.config import GatewayConfig, load_gateway_config
from gateway.errors import BadRequest
from gateway.nodes import COUNTRY_STATUSES, PROBLEMS
from gateway.openapi import build_openapi
from gateway.request import parse_search
from tests.federation import Federation, IssuerKeys, write_gateway_config

VALID = {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "terrorism"}


@pytest.fixture
def config(tmp_path: Path, issuer_keys: IssuerKeys) -> GatewayConfig:
    nodes = {"FR": "127.0.0.1:1", "DE": "127.0.0.1:2", "GR": "127.0.0.1:3"}
    return load_gateway_config(write_gateway_config(tmp_path, nodes, issuer_keys))


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_the_documents_closed_sets_are_the_vocabularys(config: GatewayConfig) -> None:
    schemas = build_openapi(config, search_request_model(config))["components"]["schemas"]
    hit, result = schemas["Hit"]["properties"], schemas["CountryResult"]["properties"]
    assert schemas["SearchRequest"]["properties"]["purpose"]["enum"] == list(PURPOSES)
    assert schemas["Me"]["properties"]["clearance"]["enum"] == list(CLEARANCES)
    assert hit["disclosure"]["enum"] == list(DISCLOSURES)
    assert hit["score_band"]["enum"] == list(SCORE_BANDS)
    assert hit["withheld"]["additionalProperties"]["enum"] == list(WITHHOLD_REASONS)
    assert hit["generalised"]["additionalProperties"]["enum"] == list(GENERALISATIONS)
    assert schemas["Match"]["properties"]["kind"]["enum"] == list(MATCH_KINDS)
    assert result["status"]["enum"] == list(COUNTRY_STATUSES)
    assert result["refusal_reason"]["enum"] == list(REFUSAL_REASONS)
    assert result["problem"]["enum"] == list(PROBLEMS)
    assert schemas["Node"]["properties"]["circuit_breaker"]["enum"] == list(BREAKER_STATES)


def test_the_document_states_the_configuration(config: GatewayConfig) -> None:
    document = build_openapi(config, search_request_model(config))
    schemas = document["components"]["schemas"]
    request = schemas["SearchRequest"]["properties"]
    assert schemas["Country"]["enum"] == ["DE", "FR", "GR"]
    assert request["schema"]["enum"] == list(config.schemata)
    assert request["countries"]["items"]["enum"] == ["DE", "FR", "GR"]
    assert (request["limit"]["maximum"], request["limit"]["default"]) == (config.max_limit, config.default_limit)
    assert (request["timeout_ms"]["minimum"], request["timeout_ms"]["maximum"]) == (
        config.min_timeout_ms,
        config.max_timeout_ms,
    )
    assert request["properties"]["maxProperties"] == config.query_limits.max_properties
    assert "birthDate" in request["properties"]["propertyNames"]["enum"]
    assert schemas["SearchRequest"]["required"] == ["schema", "properties", "purpose"]
    for node in walk(document):
        if "$ref" in node:
            assert node["$ref"].removeprefix("#/components/schemas/") in schemas, node["$ref"]
    # An optional member is left out, never null; no generated titles.
    for node in walk(schemas):
        assert node.get("type") != "null", node
        assert "anyOf" not in node, node
        assert "title" not in node, node
    assert all(schema.get("additionalProperties") is False for schema in schemas.values() if "properties" in schema)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({**VALID, "zebra": 1, "colour": "red"}, "unknown_field", "colour: unknown field (known: schema, properties,"),
        ({"colour": "red"}, "unknown_field", "colour: unknown field"),
        ({"purpose": "terrorism"}, "missing_field", "schema: is required"),
        ({"schema": "Person", "purpose": "terrorism"}, "missing_field", "properties: is required"),
        ({**VALID, "schema": ["Person"]}, "invalid_field", "schema: must be a string"),
        ({**VALID, "schema": "Thing"}, "invalid_query", "schema: 'Thing' is not searchable in this federation"),
        ({**VALID, "properties": []}, "invalid_field", "properties: must be an object"),
        # The purpose is checked before the query, the query before the countries and the limit.
        ({**VALID, "properties": {"nam": ["x"]}, "purpose": 5}, "invalid_field", "purpose: 5 is not a known purpose"),
        ({**VALID, "properties": {"nam": ["x"]}, "countries": []}, "invalid_query", "properties.nam: schema 'Person'"),
        ({**VALID, "countries": ["XX", 5]}, "invalid_field", "countries: must be a list of country codes"),
        ({**VALID, "countries": None}, "invalid_field", "countries: must be a list of country codes"),
        ({**VALID, "countries": ["FR", "XX"], "limit": 0}, "unknown_country", "countries: 'XX' is not a registered"),
        ({**VALID, "limit": 2.0}, "invalid_field", "limit: must be an integer"),
        ({**VALID, "limit": "5"}, "invalid_field", "limit: must be an integer"),
        ({**VALID, "limit": 101}, "invalid_field", "limit: 101 is out of range (1 to 100)"),
        ({**VALID, "timeout_ms": 5001}, "invalid_field", "timeout_ms: 5001 is out of range (50 to 5000)"),
    ],
)
def test_validation_errors_keep_the_gateways_codes(
    config: GatewayConfig, body: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_search(body, config, search_request_model(config))
    assert raised.value.code == code
    assert raised.value.message.startswith(message), raised.value.message


def test_a_valid_body_becomes_the_search_as_before(config: GatewayConfig) -> None:
    model = search_request_model(config)
    spec = parse_search({**VALID, "properties": {"name": [" Ivan Petrov ", "Ivan Petrov"]}}, config, model)
    assert (spec.query.properties, spec.countries) == ({"name": ["Ivan Petrov"]}, ["DE", "FR", "GR"])
    assert (spec.limit, spec.timeout_ms) == (config.default_limit, config.default_timeout_ms)
    spec = parse_search({**VALID, "countries": ["FR", "FR", "DE"], "limit": 3, "timeout_ms": 50}, config, model)
    assert (spec.countries, spec.limit, spec.timeout_ms) == (["FR", "DE"], 3, 50)


async def test_what_the_gateway_answers_fits_the_models(federation: Federation) -> None:
    token = federation.token("DE")
    body = {**VALID, "countries": ["FR", "DE"]}
    status, answer = await federation.api.search(body, token)
    assert status == 200
    assert answer["countries"]["FR"]["status"] == "hit"
    assert SearchResponse.model_validate(answer).model_dump(mode="json", by_alias=True, exclude_none=True) == answer
    lines, _ = await federation.api.stream(body, token)
    for line in lines:
        assert StreamLine.model_validate(line).model_dump(mode="json", by_alias=True, exclude_none=True) == line
    for path, model in (("/v1/me", Me), ("/v1/nodes", NodesResponse), ("/v1/schemata", Schemata)):
        status, document = await federation.api.call("GET", path, token=token)
        assert status == 200
        model.model_validate(document)
    assert Health.model_validate((await federation.api.call("GET", "/healthz"))[1])
    assert Ready.model_validate((await federation.api.call("GET", "/readyz"))[1])
    status, error = await federation.api.search({**VALID, "purpose": "gossip"}, token)
    assert status == 400
    assert Error.model_validate(error).error.code == "invalid_field"
    # A country whose answer is missing: its status, problem and message fit too.
    await federation.nodes["GR"].stop(0)
    status, answer = await federation.api.search(VALID, token)
    assert (status, answer["partial"], answer["countries"]["GR"]["status"]) == (200, True, "unavailable")
    assert SearchResponse.model_validate(answer).model_dump(mode="json", by_alias=True, exclude_none=True) == answer
    lines, _ = await federation.api.stream(VALID, token)
    assert [StreamLine.model_validate(line).root.type for line in lines] == ["country"] * 3 + ["summary"]
