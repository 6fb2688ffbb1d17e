"""Every hop verifiable: mutual TLS, signed requester assertions, signed answers, rotation, rate limits."""

from __future__ import annotations

import asyncio
import datetime
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from fedcore.answers import response_content
from fedcore.assertion import make_assertion
from fedcore.config import ConfigError
from fedcore.keys import load_public_keys
from fedcore.pki import node_identity
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from fedtools.ca import init_ca, issue_certificate
from fedtools.federation import TlsFiles
from fedtools.opa import OpaServer
from gateway.config import load_gateway_config
from node.audit import verify_chain
from node.config import load_node_config
from node.server import RunningNode, start_node
from tests.conftest import NodeFactory, node_client, search_request, sign
from tests.federation import KEYS, IssuerKeys, Pki, running_federation, write_gateway_config, write_node_config
from tests.samples import FR_RECORDS
from tests.test_describe import describe_request

PETROV = {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}


def audit_rows(node: RunningNode) -> list[dict[str, Any]]:
    connection = sqlite3.connect(node.config.audit_path)
    rows = [json.loads(body) for (body,) in connection.execute("SELECT body FROM entries ORDER BY seq")]
    connection.close()
    return rows


async def tls_call(
    node: RunningNode, pki: Pki, certificate: Path | None, key: Path | None, ca: Path | None = None
) -> pb.DescribeResponse:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(ca or pki.ca).read_bytes(),
        private_key=key.read_bytes() if key else None,
        certificate_chain=certificate.read_bytes() if certificate else None,
    )
    options = [("grpc.ssl_target_name_override", node_identity("FR"))]
    async with grpc.aio.secure_channel(node.address, credentials, options=options) as channel:
        response: pb.DescribeResponse = await pb_grpc.NodeStub(channel).Describe(describe_request(), timeout=5)
        return response


# --- mutual TLS ----------------------------------------------------------------------------------


@pytest.fixture
async def tls_node(node_factory: NodeFactory, opa_fr: OpaServer, pki: Pki) -> RunningNode:
    return await node_factory("FR", opa_fr.url, FR_RECORDS, tls=pki.node_tls("FR"))


async def test_node_answers_a_gateway_certificate(tls_node: RunningNode, pki: Pki) -> None:
    description = await tls_call(tls_node, pki, pki.gateway.certificate, pki.gateway.key)
    assert description.country == "FR"


async def test_node_refuses_a_client_without_certificate(tls_node: RunningNode, pki: Pki) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await tls_call(tls_node, pki, None, None)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_node_refuses_a_certificate_from_another_ca(tls_node: RunningNode, pki: Pki, tmp_path: Path) -> None:
    stranger = issue_certificate(pki.other_ca_dir, tmp_path, country=None, hosts=[])
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await tls_call(tls_node, pki, stranger.certificate, stranger.key)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_node_refuses_a_client_certificate_naming_a_country(
    tls_node: RunningNode, pki: Pki, tmp_path: Path
) -> None:
    # A certificate from the federation CA, but a node's (Germany's), used as a client: not a gateway.
    other_node = issue_certificate(pki.ca_dir, tmp_path, country="DE", hosts=[], client_auth=True)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await tls_call(tls_node, pki, other_node.certificate, other_node.key)
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "does not belong to a gateway" in (failure.value.details() or "")
    # A server-only node certificate does not even complete the handshake.
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await tls_call(tls_node, pki, pki.node("DE").certificate, pki.node("DE").key)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_gateway_searches_over_mutual_tls_and_checks_each_node_names_its_country(
    tmp_path: Path,
    shared_opa: Callable[[str], OpaServer],
    issuer_keys: IssuerKeys,
    pki: Pki,
) -> None:
    async with running_federation(tmp_path, issuer_keys, shared_opa, pki=pki) as federation:
        status, answer = await federation.api.search(
            {"schema": "Person", "properties": PETROV, "purpose": "drug_trafficking"}, federation.token("FR")
        )
        assert status == 200
        assert {c: e["status"] for c, e in answer["countries"].items()} == {"FR": "hit", "DE": "hit", "GR": "hit"}
        # Send France's traffic to Germany's node: its certificate names DE, so the gateway refuses it.
        federation.nodes["FR"].proxy.upstream_port = federation.nodes["DE"].proxy.upstream_port
        await federation.nodes["FR"].proxy.reset()
        for _ in range(2):
            _, answer = await federation.api.search(
                {"schema": "Person", "properties": PETROV, "purpose": "drug_trafficking", "countries": ["FR"]},
                federation.token("DE"),
            )
            assert answer["countries"]["FR"]["status"] == "unavailable"
        # Why (the certificate names another country) is for the operator's log, not for the investigator.
        assert answer["countries"]["FR"]["problem"] == "node_unreachable"
        assert "Hostname" not in json.dumps(answer)


async def test_a_new_ca_is_trusted_beside_the_old_one_during_rotation(
    node_factory: NodeFactory, opa_fr: OpaServer, pki: Pki, tmp_path: Path
) -> None:
    init_ca(tmp_path / "next-ca", name="next federation CA")
    bundle = tmp_path / "trusted-cas.pem"
    bundle.write_bytes(pki.ca.read_bytes() + (tmp_path / "next-ca" / "ca.pem").read_bytes())
    node = await node_factory("FR", opa_fr.url, FR_RECORDS, tls=pki.node_tls("FR", client_ca=bundle))
    next_gateway = issue_certificate(tmp_path / "next-ca", tmp_path / "gw", country=None, hosts=[])
    assert (await tls_call(node, pki, next_gateway.certificate, next_gateway.key)).country == "FR"
    assert (await tls_call(node, pki, pki.gateway.certificate, pki.gateway.key)).country == "FR"


def test_expired_certificates_stop_start_up_with_a_clear_message(
    tmp_path: Path, pki: Pki, issuer_keys: IssuerKeys
) -> None:
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    expired = issue_certificate(pki.ca_dir, tmp_path / "old", country="FR", hosts=[], days=1, not_before=long_ago)
    tls = TlsFiles(expired.certificate, expired.key, pki.ca)
    with pytest.raises(ConfigError, match=r"tls\.certificate is unusable: certificate .* expired on"):
        load_node_config(write_node_config(tmp_path / "node", "FR", "http://127.0.0.1:1", tls=tls))
    old_gateway = issue_certificate(pki.ca_dir, tmp_path / "gw", country=None, hosts=[], days=1, not_before=long_ago)
    path = write_gateway_config(
        tmp_path / "gateway", {"FR": "127.0.0.1:1"}, issuer_keys, tls=pki.gateway_tls(old_gateway)
    )
    with pytest.raises(ConfigError, match="expired on"):
        load_gateway_config(path)


async def test_node_certificate_must_name_its_own_country(tmp_path: Path, pki: Pki) -> None:
    tls = pki.node_tls("DE")
    with pytest.raises(ConfigError, match=r"does not name 'node-fr\.fedgate'"):
        load_node_config(write_node_config(tmp_path, "FR", "http://127.0.0.1:1", tls=tls))


# --- requester assertions ------------------------------------------------------------------------


def tampered(request: pb.SearchRequest) -> pb.SearchRequest:
    header, payload, signature = request.requester_assertion.split(".")
    request.requester_assertion = ".".join(
        [header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature]
    )
    return request


def altered_after_signing(request: pb.SearchRequest) -> pb.SearchRequest:
    request.query.properties["name"].values[0] = "Sergei Ivanov"
    return request


def expired(request: pb.SearchRequest) -> pb.SearchRequest:
    request.requester_assertion = make_assertion(request, "FR", KEYS.gateway, ttl_s=30, now=time.time() - 300)
    return request


def unsigned() -> pb.SearchRequest:
    return search_request(PETROV, to_country=None)


REFUSALS: list[tuple[str, Callable[[], pb.SearchRequest], grpc.StatusCode, str]] = [
    ("missing", unsigned, grpc.StatusCode.UNAUTHENTICATED, "missing"),
    ("tampered", lambda: tampered(search_request(PETROV)), grpc.StatusCode.UNAUTHENTICATED, "bad_signature"),
    ("expired", lambda: expired(search_request(PETROV, to_country=None)), grpc.StatusCode.UNAUTHENTICATED, "expired"),
    (
        "wrong audience",
        lambda: search_request(PETROV, to_country="DE"),
        grpc.StatusCode.PERMISSION_DENIED,
        "wrong_audience",
    ),
    (
        "altered after signing",
        lambda: altered_after_signing(search_request(PETROV)),
        grpc.StatusCode.PERMISSION_DENIED,
        "digest_mismatch",
    ),
    (
        "unknown key",
        lambda: sign(search_request(PETROV, to_country=None), signer=KEYS.create("stranger")),
        grpc.StatusCode.UNAUTHENTICATED,
        "unknown_key",
    ),
]


@pytest.mark.parametrize(("name", "build", "status", "reason"), REFUSALS, ids=[case[0] for case in REFUSALS])
async def test_a_bad_assertion_is_refused_audited_and_nothing_is_searched(
    fr_node: RunningNode, name: str, build: Callable[[], pb.SearchRequest], status: grpc.StatusCode, reason: str
) -> None:
    async with node_client(fr_node.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await client.Search(build(), timeout=5)
    assert failure.value.code() == status
    entries = audit_rows(fr_node)
    assert [(entry["kind"], entry["reason"]) for entry in entries] == [("rejected", reason)]
    assert "records" not in entries[0]
    assert verify_chain(fr_node.config.audit_path).intact


async def test_a_replayed_request_is_refused_even_after_a_restart(fr_node: RunningNode) -> None:
    request = search_request(PETROV)
    async with node_client(fr_node.address) as client:
        first = await client.Search(request, timeout=5)
        assert first.outcome == pb.SEARCH_OUTCOME_HIT
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await client.Search(request, timeout=5)
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await fr_node.stop(0)
    restarted = await start_node(fr_node.config)
    try:
        async with node_client(restarted.address) as client:
            with pytest.raises(grpc.aio.AioRpcError) as failure:
                await client.Search(request, timeout=5)
        assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED
    finally:
        await restarted.stop(0)
    kinds = [(entry["kind"], entry.get("reason")) for entry in audit_rows(fr_node)]
    assert kinds == [("search", None), ("rejected", "replayed"), ("rejected", "replayed")]


async def test_gateway_keys_rotate_without_downtime(fr_node: RunningNode) -> None:
    async with node_client(fr_node.address) as client:
        old = await client.Search(search_request(PETROV, signer=KEYS.gateway), timeout=5)
        new = await client.Search(search_request(PETROV, signer=KEYS.gateway_next), timeout=5)
    assert old.outcome == new.outcome == pb.SEARCH_OUTCOME_HIT


# --- signed answers ------------------------------------------------------------------------------


# Saved answers against the federation's directory: tests/test_evidence.py.


async def test_node_signing_keys_rotate_while_old_answers_still_verify(
    node_factory: NodeFactory, opa_fr: OpaServer
) -> None:
    KEYS.create("fr-test-2")
    old = await node_factory("FR", opa_fr.url, FR_RECORDS)
    new = await node_factory("FR", opa_fr.url, FR_RECORDS, signing_key_id="fr-test-2")
    verifier_keys = load_public_keys(KEYS.public)
    for node, key_id in ((old, "fr-test-1"), (new, "fr-test-2")):
        async with node_client(node.address) as client:
            response = await client.Search(search_request(PETROV), timeout=5)
        assert response.signing_key_id == key_id
        verifier_keys[key_id].verify(response.signature, response_content(response))


# --- rate limits ---------------------------------------------------------------------------------


async def test_gateway_rate_limits_return_429_and_recover(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> None:
    limits = {"rate_limits": {"searches_per_investigator": 2, "searches_per_country": 3, "window_s": 1}}
    async with running_federation(
        tmp_path, issuer_keys, shared_opa, countries=("FR",), gateway_more=limits
    ) as federation:
        body = {"schema": "Person", "properties": PETROV, "purpose": "terrorism"}
        alice = federation.token("DE", investigator_id="de-alice")
        bob = federation.token("DE", investigator_id="de-bob")
        assert [(await federation.api.search(body, alice))[0] for _ in range(2)] == [200, 200]
        status, error = await federation.api.search(body, alice)
        assert (status, error["error"]["code"]) == (429, "rate_limited")
        assert "per investigator" in error["error"]["message"]
        async with federation.api.session.post(
            federation.gateway_url + "/v1/search", json=body, headers={"Authorization": f"Bearer {alice}"}
        ) as response:
            assert response.status == 429
            assert 1 <= int(response.headers["Retry-After"]) <= 2
        assert (await federation.api.search(body, bob))[0] == 200
        status, error = await federation.api.search(body, bob)
        assert status == 429
        assert "per country" in error["error"]["message"]
        await asyncio.sleep(1.1)  # the configured 1 s window passing is the behaviour under test
        assert (await federation.api.search(body, alice))[0] == 200


async def test_node_rate_limit_is_resource_exhausted_and_its_own_country_status(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> None:
    node_limits = {"limits": {"searches_per_requester": 2, "rate_window_s": 1}}
    async with running_federation(
        tmp_path, issuer_keys, shared_opa, countries=("FR",), node_more=node_limits
    ) as federation:
        body = {"schema": "Person", "properties": PETROV, "purpose": "terrorism"}
        token = federation.token("DE")
        statuses = []
        for _ in range(3):
            _, answer = await federation.api.search(body, token)
            statuses.append(answer["countries"]["FR"]["status"])
        assert statuses == ["hit", "hit", "rate_limited"]
        assert answer["countries"]["FR"]["problem"] == "node_busy"
        assert "RESOURCE_EXHAUSTED" not in json.dumps(answer)
        await asyncio.sleep(1.1)  # the node's configured 1 s window passing is the behaviour under test
        _, answer = await federation.api.search(body, token)
        assert answer["countries"]["FR"]["status"] == "hit"
