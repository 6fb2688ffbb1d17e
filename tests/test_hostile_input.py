"""Hostile input: schemathesis over the whole API, hand-written nasty cases, and fuzzed gRPC requests to a node."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.audit import verify_chain
from node.server import RunningNode
from tests.conftest import sign
from tests.federation import Federation, IssuerKeys, running_federation

PETROV = {"name": ["Ivan Petrov"]}


def audit_sizes(federation: Federation) -> dict[str, int]:
    return {country: verify_chain(node.config.audit_path).entries for country, node in federation.nodes.items()}


async def test_schemathesis_finds_no_server_error_and_no_answer_breaking_the_schema(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> None:
    # Production-sized limits: a 64 KiB body, rates a fuzzer does not reach.
    unlimited = {"rate_limits": {"searches_per_investigator": 1000000, "searches_per_country": 1000000}}
    async with running_federation(
        tmp_path, issuer_keys, shared_opa, gateway_more=unlimited, max_body_bytes=65536
    ) as federation:
        token = federation.token("FR", purposes=["terrorism", "fugitive", "drug_trafficking", "stolen_vehicle"])
        # positive_data_acceptance is left out: some rules cannot be spelled in JSON Schema (a calendar
        # date, "at least a name or an identifier", which properties a schema has) and get a 400 by design.
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "schemathesis"), "run", f"{federation.gateway_url}/openapi.json",
            "--header", f"Authorization: Bearer {token}", "--checks", "all",
            "--exclude-checks", "positive_data_acceptance", "--max-examples", "40", "--workers", "1",
            "--seed", "20261128", "--suppress-health-check", "all",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
        report = output.decode(errors="replace")
        assert process.returncode == 0, report[-6000:]
        assert "passed" in report
        for node in federation.nodes.values():
            assert verify_chain(node.config.audit_path).intact


HOSTILE_BODIES: list[tuple[str, Any, str]] = [
    ("very long string", {"schema": "Person", "properties": {"name": ["A" * 100_000]}, "purpose": "terrorism"}, "413"),
    ("NUL byte", {"schema": "Person", "properties": {"name": ["Ivan\u0000Petrov"]}, "purpose": "terrorism"}, "control"),
    ("huge limit", {"schema": "Person", "properties": PETROV, "purpose": "terrorism", "limit": 10**18}, "limit"),
    (
        "negative timeout",
        {"schema": "Person", "properties": PETROV, "purpose": "terrorism", "timeout_ms": -1},
        "timeout_ms",
    ),
    (
        "huge timeout",
        {"schema": "Person", "properties": PETROV, "purpose": "terrorism", "timeout_ms": 10**15},
        "timeout_ms",
    ),
    ("float limit", {"schema": "Person", "properties": PETROV, "purpose": "terrorism", "limit": 2.5}, "limit"),
    ("object as name", {"schema": "Person", "properties": {"name": [{"$ne": ""}]}, "purpose": "terrorism"}, "strings"),
    (
        "identity in the body",
        {"schema": "Person", "properties": PETROV, "purpose": "terrorism", "country": "FR"},
        "unknown field",
    ),
]
HOSTILE_RAW: list[tuple[str, bytes, str]] = [
    ("deeply nested JSON", b'{"schema": ' + b"[" * 1800 + b"]" * 1800 + b"}", "nested too deeply"),
    (
        "invalid UTF-8",
        b'{"schema": "Person", "properties": {"name": ["\xc3\x28"]}, "purpose": "terrorism"}',
        "not UTF-8",
    ),
    (
        "duplicate keys",
        b'{"schema": "Person", "purpose": "terrorism", "purpose": "fugitive", "properties": {}}',
        "repeats the key",
    ),
    ("lone surrogate", b'{"schema": "Person", "properties": {"name": ["\\ud800"]}, "purpose": "terrorism"}', "control"),
]


async def test_hostile_input_gets_a_clear_4xx_and_nothing_is_written(federation: Federation) -> None:
    token = federation.token("FR")
    before = audit_sizes(federation)
    search_log = federation.work / "gateway" / "searches.jsonl"
    for name, body, expected in HOSTILE_BODIES:
        status, error = await federation.api.search(body, token)
        assert 400 <= status < 500, name
        assert expected in (error["error"]["message"] if expected != "413" else str(status)), (name, error)
    for name, raw, expected in HOSTILE_RAW:
        status, error = await federation.api.call("POST", "/v1/search", raw=raw, token=token)
        assert 400 <= status < 500, name
        assert expected in error["error"]["message"], (name, error)
    assert audit_sizes(federation) == before
    assert not search_log.exists() or search_log.read_text() == ""


@pytest.mark.parametrize(
    "name",
    [
        "Robert'); DROP TABLE records;--",
        "' OR 1=1 --",
        'x" } ] , "purpose": "political_activity',
        'input.requester.country == "FR"',
        "data.fedgate.countries.fr.settings",
        "{{7*7}} ${7*7} <script>alert(1)</script>",
        "%00%27%22",
    ],
)
async def test_injection_looking_names_are_only_names(federation: Federation, name: str) -> None:
    status, answer = await federation.api.search(
        {"schema": "Person", "properties": {"name": [name]}, "purpose": "terrorism"}, federation.token("FR")
    )
    assert status == 200
    assert {entry["status"] for entry in answer["countries"].values()} == {"no_hit"}
    assert answer["results"] == []
    for node in federation.nodes.values():
        assert verify_chain(node.config.audit_path).intact


async def test_mixed_scripts_and_homoglyphs_do_not_hide_a_record(federation: Federation) -> None:
    # "Ivаn Petrоv" with a Cyrillic а and о, and a mixed-script spelling: still the same person.
    for name in ("Ivаn Petrоv", "Иван Petrov"):
        status, answer = await federation.api.search(
            {"schema": "Person", "properties": {"name": [name]}, "purpose": "terrorism", "countries": ["FR"]},
            federation.token("DE"),
        )
        assert status == 200
        assert answer["countries"]["FR"]["status"] == "hit", name


# --- fuzzing the node's request message over gRPC -------------------------------------------------

text = st.text(max_size=40)
fuzzed_requests = st.builds(
    lambda query_id, country, agency, investigator, clearance, purpose, schema, properties, limit: pb.SearchRequest(
        query_id=query_id,
        requester=pb.Requester(country=country, agency=agency, investigator_id=investigator, clearance=clearance),
        purpose=purpose,
        query=pb.EntityQuery(schema=schema, properties={k: pb.PropertyValues(values=v) for k, v in properties.items()}),
        limit=limit,
    ),
    query_id=text,
    country=st.sampled_from(["DE", "FR", "", "XX", "de", "Germany"]) | text,
    agency=text,
    investigator=text,
    clearance=st.integers(0, 8),
    purpose=st.integers(0, 20),
    schema=st.sampled_from(["Person", "Passport", "Vehicle", "Thing", "Ownership", ""]) | text,
    properties=st.dictionaries(
        st.sampled_from(["name", "birthDate", "number", "nationality", "holder", "notes"]) | text,
        st.lists(text, max_size=4),
        max_size=4,
    ),
    limit=st.integers(0, 2**32 - 1),
)


async def test_fuzzed_search_requests_get_an_answer_or_invalid_argument(fr_node: RunningNode) -> None:
    loop = asyncio.get_running_loop()
    codes: set[grpc.StatusCode] = set()
    async with grpc.aio.insecure_channel(fr_node.address) as channel:
        search = channel.unary_unary(
            "/fedgate.v1.Node/Search",
            request_serializer=pb.SearchRequest.SerializeToString,
            response_deserializer=pb.SearchResponse.FromString,
        )
        raw_search = channel.unary_unary("/fedgate.v1.Node/Search", request_serializer=None, response_deserializer=None)

        async def call(request: pb.SearchRequest) -> grpc.StatusCode:
            try:
                await search(sign(request), timeout=10)
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.PERMISSION_DENIED and "already answered" in (error.details() or ""):
                    return grpc.StatusCode.OK  # hypothesis drew a query id again: a replay, rightly refused
                return error.code()
            return grpc.StatusCode.OK

        async def call_raw(payload: bytes) -> grpc.StatusCode:
            try:
                await raw_search(payload, timeout=10)
            except grpc.aio.AioRpcError as error:
                return error.code()
            return grpc.StatusCode.OK

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(request=fuzzed_requests)
        def structured(request: pb.SearchRequest) -> None:
            code = asyncio.run_coroutine_threadsafe(call(request), loop).result(30)
            codes.add(code)
            assert code in (grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT), code

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(payload=st.binary(max_size=300))
        def raw(payload: bytes) -> None:
            code = asyncio.run_coroutine_threadsafe(call_raw(payload), loop).result(30)
            # Bytes that do not parse are INVALID_ARGUMENT; bytes that do parse carry no assertion.
            assert code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNAUTHENTICATED), code

        await asyncio.to_thread(structured)
        await asyncio.to_thread(raw)
    assert grpc.StatusCode.INVALID_ARGUMENT in codes
    assert verify_chain(fr_node.config.audit_path).intact
