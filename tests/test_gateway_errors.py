"""Authentication and input errors at the gateway: 401, 403, 400, 413, 415, 404, 405, all in the JSON error shape."""

from __future__ import annotations

from typing import Any

import pytest

from tests.federation import Federation

VALID = {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "terrorism"}


async def test_missing_token_is_401(federation: Federation) -> None:
    status, error = await federation.api.search(VALID, None)
    assert status == 401
    assert error["error"]["code"] == "token_missing"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"ttl_s": -120}, "token_expired"),
        ({"not_before_s": 600}, "token_not_yet_valid"),
        ({"private_key": "rogue"}, "token_bad_signature"),
    ],
)
async def test_invalid_tokens_are_401(
    federation: Federation, issuer_keys: Any, options: dict[str, Any], code: str
) -> None:
    if options.get("private_key") == "rogue":
        options = {**options, "private_key": issuer_keys.rogue_private}
    status, error = await federation.api.search(VALID, federation.token("FR", **options))
    assert status == 401
    assert error["error"]["code"] == code


async def test_garbage_and_unknown_issuer_tokens_are_401(federation: Federation) -> None:
    status, error = await federation.api.search(VALID, "not-a-jwt")
    assert (status, error["error"]["code"]) == (401, "token_malformed")
    forged = federation.token("FR")
    import jwt  # the forgery below is the point: same key, another issuer name

    claims = jwt.decode(forged, options={"verify_signature": False})
    other = jwt.encode({**claims, "iss": "someone-else"}, "x" * 32, algorithm="HS256")
    status, error = await federation.api.search(VALID, other)
    assert (status, error["error"]["code"]) == (401, "token_unknown_issuer")


async def test_nodes_listing_needs_a_token_too(federation: Federation) -> None:
    status, error = await federation.api.call("GET", "/v1/nodes")
    assert (status, error["error"]["code"]) == (401, "token_missing")


async def test_purpose_not_granted_is_403(federation: Federation) -> None:
    status, error = await federation.api.search({**VALID, "purpose": "cybercrime"}, federation.token("FR"))
    assert status == 403
    assert error["error"]["code"] == "purpose_not_granted"
    assert "cybercrime" in error["error"]["message"]


BAD_BODIES = [
    ({**VALID, "colour": "red"}, "colour: unknown field"),
    ({"properties": VALID["properties"], "purpose": "terrorism"}, "schema: is required"),
    ({**VALID, "schema": 5}, "schema: must be a string"),
    ({**VALID, "schema": "Persn"}, "schema: 'Persn' is not searchable in this federation"),
    ({**VALID, "schema": "Email"}, "schema: 'Email' is not searchable in this federation"),
    ({**VALID, "properties": {"nam": ["x"]}}, "properties.nam: schema 'Person' has no property 'nam'"),
    ({**VALID, "properties": {"name": "Ivan"}}, "properties.name: must be a list of values"),
    ({**VALID, "properties": {"name": [5]}}, "properties.name: values must be strings"),
    (
        {**VALID, "properties": {"name": ["x"], "birthDate": ["1975-02-30"]}},
        "properties.birthDate: '1975-02-30' is not a date",
    ),
    ({**VALID, "properties": {}}, "properties: query is empty"),
    ({**VALID, "purpose": "gossip"}, "purpose: 'gossip' is not a known purpose"),
    ({**VALID, "countries": ["XX"]}, "countries: 'XX' is not a registered country"),
    ({**VALID, "countries": []}, "countries: must name at least one country"),
    ({**VALID, "countries": "FR"}, "countries: must be a list"),
    ({**VALID, "limit": 0}, "limit: 0 is out of range"),
    ({**VALID, "limit": 10**9}, "limit: 1000000000 is out of range"),
    ({**VALID, "limit": True}, "limit: must be an integer"),
    ({**VALID, "timeout_ms": -5}, "timeout_ms: -5 is out of range"),
    ({**VALID, "timeout_ms": 10**12}, "timeout_ms: 1000000000000 is out of range"),
    ({**VALID, "properties": {"name": ["x" * 201]}}, "properties.name: value is longer than 200 characters"),
    # The cost bounds (fedcore.query.QueryLimits): what one query may make a node do.
    (
        {
            **VALID,
            "properties": {
                "name": [f"n{i}" for i in range(10)],
                "alias": [f"a{i}" for i in range(10)],
                "weakAlias": ["w"],
            },
        },
        "properties: at most 20 values in all (max_total_values)",
    ),
    (
        {**VALID, "properties": {"name": [letter * 200 for letter in "abcdef"]}},
        "properties: at most 1000 characters in all values together (max_total_characters)",
    ),
    ({**VALID, "properties": {"name": [" ".join("abcdefghijklm")]}}, "properties.name: a name has at most 12 parts"),
    (
        {**VALID, "properties": {"name": [" ".join(f"{letter}{i}" for i in range(10)) for letter in "abcde"]}},
        "properties: the query's names hold at most 48 parts in all (max_total_name_parts)",
    ),
    ([VALID], "the body must be a JSON object"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES, ids=[message for _, message in BAD_BODIES])
async def test_bad_bodies_are_400_naming_the_field(federation: Federation, body: Any, message: str) -> None:
    status, error = await federation.api.search(body, federation.token("FR"))
    assert status == 400
    assert message in error["error"]["message"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"schema": "Person", "schema": "Vehicle"}', "repeats the key 'schema'"),
        (b'{"schema": ', "not valid JSON"),
        (b'{"limit": NaN}', "NaN"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 1900 + b"]" * 1900, "nested too deeply"),
    ],
)
async def test_malformed_json_is_400(federation: Federation, raw: bytes, message: str) -> None:
    status, error = await federation.api.call("POST", "/v1/search", raw=raw, token=federation.token("FR"))
    assert status == 400
    assert error["error"]["code"] == "invalid_json"
    assert message in error["error"]["message"]


async def test_oversized_body_is_413(federation: Federation) -> None:
    body = {**VALID, "properties": {"name": ["x" * 5000]}}
    status, error = await federation.api.search(body, federation.token("FR"))
    assert status == 413
    assert error["error"]["code"] == "payload_too_large"


async def test_unknown_route_and_wrong_method_keep_the_error_shape(federation: Federation) -> None:
    authorised = {"Authorization": f"Bearer {federation.token('FR')}"}
    async with federation.api.session.get(federation.gateway_url + "/v1/nowhere", headers=authorised) as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
    async with federation.api.session.get(federation.gateway_url + "/nowhere") as response:
        assert response.status == 404
    async with federation.api.session.get(federation.gateway_url + "/v1/search", headers=authorised) as response:
        assert response.status == 405
        assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_health_readiness_nodes_and_openapi(federation: Federation) -> None:
    assert await federation.api.call("GET", "/healthz") == (200, {"status": "ok"})
    status, ready = await federation.api.call("GET", "/readyz")
    assert status == 200
    assert ready["reachable"] == ["DE", "FR", "GR"]
    status, nodes = await federation.api.call("GET", "/v1/nodes", token=federation.token("FR"))
    assert status == 200
    by_country = {node["country"]: node for node in nodes["nodes"]}
    assert by_country["FR"]["healthy"] is True
    assert {"schema": "Person", "records": 7} in by_country["FR"]["schemata"]
    assert by_country["DE"]["policy_revision"].startswith("de-")
    status, spec = await federation.api.call("GET", "/openapi.json")
    assert status == 200
    assert spec["openapi"] == "3.1.0"
    for node in federation.nodes.values():
        await node.stop(0)
    status, error = await federation.api.call("GET", "/readyz")
    assert (status, error["error"]["code"]) == (503, "no_node_reachable")
