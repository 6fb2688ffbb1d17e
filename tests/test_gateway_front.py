"""The gateway's HTTP front under abuse: slow heads and bodies, too many connections, hostile bodies, /metrics
kept off the investigators' port, and tokens that live too long or reuse another token's id."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fedcli.processes import fedgate_command
from fedcore.config import ConfigError
from gateway.app import RunningGateway, start_gateway
from gateway.auth import SeenTokenIds
from gateway.config import GatewayConfig, load_gateway_config
from tests.federation import ApiClient, IssuerKeys, mint, write_gateway_config

HEADER_TIMEOUT_S = 0.5
BODY_TIMEOUT_S = 0.5
MAX_CONNECTIONS = 4
# What a timeout may overrun by on a loaded shared machine before the test calls it a failure.
MARGIN_S = 3.0
VALID = {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "terrorism"}


@dataclass
class Front:
    config: GatewayConfig
    gateway: RunningGateway
    api: ApiClient
    issuer_keys: IssuerKeys

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.gateway.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def token(self, **options: Any) -> str:
        return mint(self.config, "FR", **options)

    def signed(self, claims: dict[str, Any]) -> str:
        """A token with exactly these claims, signed by the configured issuer."""
        key = serialization.load_pem_private_key(self.issuer_keys.private.read_bytes(), password=None)
        return jwt.encode(claims, key, algorithm="EdDSA")  # type: ignore[arg-type]

    def claims(self, **changes: Any) -> dict[str, Any]:
        return {**jwt.decode(self.token(), options={"verify_signature": False}), **changes}


@pytest.fixture
async def front(tmp_path: Path, issuer_keys: IssuerKeys) -> AsyncIterator[Front]:
    """A lone gateway with short front timeouts; its one node is never reached (nothing here gets that far)."""
    front = {
        "header_timeout_s": HEADER_TIMEOUT_S,
        "body_timeout_s": BODY_TIMEOUT_S,
        "max_connections": MAX_CONNECTIONS,
        "max_token_lifetime_s": 3600,
    }
    unlimited = {"searches_per_investigator": 1000000, "searches_per_country": 1000000}
    more = {"gateway": front, "rate_limits": unlimited}
    path = write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, more, max_body_bytes=65536)
    config = load_gateway_config(path)
    gateway = await start_gateway(config)
    try:
        # No keep-alive: the session's connections must not count against the cap the tests measure.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            async with session.get(gateway.url + "/openapi.json") as response:
                spec = await response.json()
            yield Front(config, gateway, ApiClient(session, gateway.url, spec), issuer_keys)
    finally:
        await gateway.stop()


async def read_until_closed(reader: asyncio.StreamReader, bound_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed (bounded wait)."""
    received = await asyncio.wait_for(reader.read(), bound_s)
    return received, time.monotonic()


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes:
    """One request on a kept-alive raw connection; the status line of its answer."""
    writer.write(request)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    await asyncio.wait_for(reader.readexactly(length), 10)
    return head.split(b"\r\n", 1)[0]


# --- slow clients ----------------------------------------------------------------------------------------


async def test_a_half_sent_request_line_is_cut_off_after_the_header_timeout(front: Front) -> None:
    reader, writer = await asyncio.open_connection(*front.address)
    opened = time.monotonic()
    writer.write(b"POST /v1/sea")
    received, closed = await read_until_closed(reader, HEADER_TIMEOUT_S + MARGIN_S)
    writer.close()
    assert received == b""
    assert HEADER_TIMEOUT_S * 0.9 <= closed - opened < HEADER_TIMEOUT_S + MARGIN_S


async def test_headers_trickled_byte_by_byte_do_not_extend_the_header_timeout(front: Front) -> None:
    reader, writer = await asyncio.open_connection(*front.address)
    opened = time.monotonic()
    head = b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n" + b"X-Padding: " + b"a" * 500
    for byte in head:
        writer.write(bytes([byte]))
        try:
            # A bounded wait on the socket: b"" means the server closed it while we were still sending.
            if await asyncio.wait_for(reader.read(1), 0.05) == b"":
                break
        except TimeoutError:
            continue
    else:
        pytest.fail("the server let a client trickle its headers for ever")
    writer.close()
    assert time.monotonic() - opened < HEADER_TIMEOUT_S + MARGIN_S


async def test_a_slow_body_gets_408_in_the_error_shape_and_the_connection_is_closed(front: Front) -> None:
    reader, writer = await asyncio.open_connection(*front.address)
    body = json.dumps(VALID).encode()
    writer.write(
        b"POST /v1/search HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {front.token()}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    sent = time.monotonic()
    received, closed = await read_until_closed(reader, BODY_TIMEOUT_S * 2 + MARGIN_S)
    writer.close()
    head, _, payload = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(payload)["error"] == {
        "code": "body_timeout",
        "message": f"the body did not arrive within {BODY_TIMEOUT_S:g} s",
    }
    assert closed - sent < BODY_TIMEOUT_S * 2 + MARGIN_S


async def test_an_unread_body_is_not_waited_for_beyond_the_body_timeout(front: Front) -> None:
    # No token: refused at once, before the body matters; the rest of the body is never sent.
    reader, writer = await asyncio.open_connection(*front.address)
    writer.write(b"POST /v1/search HTTP/1.1\r\nHost: gateway\r\nContent-Length: 1000\r\n\r\n{")
    sent = time.monotonic()
    received, closed = await read_until_closed(reader, BODY_TIMEOUT_S + MARGIN_S)
    writer.close()
    assert received.startswith(b"HTTP/1.1 401 ")
    assert closed - sent < BODY_TIMEOUT_S + MARGIN_S


async def test_connections_beyond_the_cap_are_answered_503_and_closed(front: Front) -> None:
    health = b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n"
    admitted = [await asyncio.open_connection(*front.address) for _ in range(MAX_CONNECTIONS)]
    for reader, writer in admitted:  # each answered, so each is counted, and each stays open (keep-alive)
        assert await exchange(reader, writer, health) == b"HTTP/1.1 200 OK"
    for _ in range(3):
        reader, writer = await asyncio.open_connection(*front.address)
        received, _ = await read_until_closed(reader, MARGIN_S)
        writer.close()
        head, _, payload = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 ")
        assert json.loads(payload)["error"]["code"] == "too_many_connections"

    # One admitted connection closes; a new one is served again once the gateway has seen it go.
    reader, writer = admitted.pop()
    writer.close()
    await writer.wait_closed()
    deadline = time.monotonic() + MARGIN_S
    while True:
        reader, writer = await asyncio.open_connection(*front.address)
        writer.write(health)
        status = (await asyncio.wait_for(reader.readline(), MARGIN_S)).strip()
        writer.close()
        if status == b"HTTP/1.1 200 OK":
            break
        assert time.monotonic() < deadline, status
    async with aiohttp.ClientSession() as session, session.get(front.gateway.metrics_url or "") as response:
        exposition = await response.text()
    assert 'fedgate_gateway_connections_refused_total{listener="api"} 3.0' in exposition
    for _, writer in admitted:
        writer.close()


# --- hostile bodies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"schema": "Person", "limit": ' + b"9" * 5000 + b"}", "an integer of 5000 digits"),
        (b'{"schema": "Person", "limit": -' + b"9" * 30 + b"}", "an integer of 30 digits"),
        (b'{"schema": "Person", "limit": 1e999}', "too large for a number"),
        (b'{"schema": "Person", "limit": NaN}', "NaN, which is not a number"),
        (b'{"schema": "Person", "limit": -Infinity}', "-Infinity, which is not a number"),
        (b'{"a": ' * 5000 + b"}" * 5000, "nested too deeply"),
        (b"[" * 50_000, "nested too deeply"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'"a string"', "must be a JSON object"),
        (b"[]", "must be a JSON object"),
        (b"12", "must be a JSON object"),
        (b"", "not valid JSON"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
    ],
)
async def test_every_malformed_body_is_a_400_naming_the_problem(front: Front, raw: bytes, message: str) -> None:
    status, error = await front.api.call("POST", "/v1/search", raw=raw, token=front.token())
    assert (status, error["error"]["code"]) == (400, "invalid_json"), error
    assert message in error["error"]["message"]


async def test_any_bytes_as_a_body_get_a_4xx_json_error_never_a_500(front: Front) -> None:
    loop = asyncio.get_running_loop()
    token = front.token()
    seen: set[int] = set()

    async def post(raw: bytes) -> tuple[int, Any]:
        return await front.api.call("POST", "/v1/search", raw=raw, token=token)

    json_like = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode())
    bodies = st.binary(max_size=600) | json_like | st.text(max_size=200).map(lambda text: text.encode())

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(raw=bodies)
    def any_body(raw: bytes) -> None:
        status, answer = asyncio.run_coroutine_threadsafe(post(raw), loop).result(30)
        seen.add(status)
        assert 400 <= status < 500, (raw, answer)
        assert set(answer) == {"error"}, answer
        assert set(answer["error"]) == {"code", "message"}, answer

    await asyncio.to_thread(any_body)
    assert seen == {400}


@pytest.mark.parametrize(
    ("request_bytes", "problem"),
    [
        (b"GET\x00 / HTTP/1.1\r\nHost: gateway\r\n\r\n", "the method is not a valid HTTP method"),
        (b"GET / HTTP/9\r\n\r\n", "the request line is not valid"),
        (
            b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n",
            "the request line or a header is too long",
        ),
        (b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nContent-Length: -5\r\n\r\n", "not valid"),
    ],
)
async def test_what_is_not_http_gets_a_400_in_the_error_shape(front: Front, request_bytes: bytes, problem: str) -> None:
    reader, writer = await asyncio.open_connection(*front.address)
    writer.write(request_bytes)
    received, _ = await read_until_closed(reader, MARGIN_S)
    writer.close()
    head, _, payload = received.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"400"  # HTTP/1.0 when the version could not be read
    assert b"Content-Type: application/json" in head
    error = json.loads(payload)["error"]
    assert error["code"] == "bad_http_request"
    assert problem in error["message"]


# --- /metrics apart ---------------------------------------------------------------------------------------


async def test_metrics_are_not_on_the_investigators_port_but_on_their_own_listener(front: Front) -> None:
    async with front.api.session.get(front.gateway.url + "/metrics") as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
    assert "/metrics" not in front.api.spec["paths"]
    assert front.gateway.metrics_url is not None
    assert front.gateway.metrics_url.rsplit(":", 1)[0] == "http://127.0.0.1"
    assert front.gateway.metrics_url != front.gateway.url + "/metrics"
    async with aiohttp.ClientSession() as session, session.get(front.gateway.metrics_url) as response:
        assert response.status == 200
        exposition = await response.text()
    assert "fedgate_gateway_http_requests_total" in exposition
    assert 'fedgate_gateway_open_connections{listener="api"}' in exposition


# --- tokens -----------------------------------------------------------------------------------------------


async def test_one_token_serves_many_calls_until_it_expires(front: Front) -> None:
    token = front.token()
    for _ in range(5):
        status, me = await front.api.call("GET", "/v1/me", token=token)
        assert status == 200, me
        assert me["country"] == "FR"


async def test_a_hundred_year_token_is_refused_naming_its_lifetime(front: Front) -> None:
    now = int(time.time())
    token = front.signed(front.claims(iat=now, exp=now + 100 * 365 * 24 * 3600))
    status, error = await front.api.call("GET", "/v1/me", token=token)
    assert (status, error["error"]["code"]) == (401, "token_lifetime_too_long")
    assert "lifetime" in error["error"]["message"]
    assert "3600 s" in error["error"]["message"]


@pytest.mark.parametrize("claim", ["jti", "iat", "exp"])
async def test_a_token_without_jti_iat_or_exp_is_refused(front: Front, claim: str) -> None:
    claims = front.claims()
    del claims[claim]
    status, error = await front.api.call("GET", "/v1/me", token=front.signed(claims))
    assert (status, error["error"]["code"]) == (401, "token_invalid_claims")
    assert repr(claim) in error["error"]["message"]


async def test_a_token_id_reused_with_other_claims_is_refused(front: Front) -> None:
    first = front.claims(jti=uuid.uuid4().hex)
    status, _ = await front.api.call("GET", "/v1/me", token=front.signed(first))
    assert status == 200
    for changes in ({"clearance": "secret"}, {"sub": "someone-else"}, {"exp": first["exp"] + 60}):
        status, error = await front.api.call("GET", "/v1/me", token=front.signed({**first, **changes}))
        assert (status, error["error"]["code"]) == (401, "token_id_reused"), changes
        assert "jti" in error["error"]["message"]
    # The first token itself is still good.
    status, _ = await front.api.call("GET", "/v1/me", token=front.signed(first))
    assert status == 200


def test_token_ids_are_remembered_until_expiry_and_within_capacity() -> None:
    seen = SeenTokenIds(capacity=2)
    assert seen.bind(("idp", "a"), b"claims-a", expires_at=100, now=0)
    assert seen.bind(("idp", "a"), b"claims-a", expires_at=100, now=1)  # the same token again
    assert not seen.bind(("idp", "a"), b"other", expires_at=100, now=2)  # the same id, other claims
    assert seen.bind(("other-idp", "a"), b"other", expires_at=100, now=2)  # ids are per issuer
    assert seen.bind(("idp", "b"), b"claims-b", expires_at=50, now=3)  # full: the soonest to expire goes
    assert len(seen) == 2
    assert seen.bind(("idp", "a"), b"other", expires_at=100, now=4)  # forgotten when the cap was reached
    assert seen.bind(("idp", "c"), b"claims-c", expires_at=300, now=200)  # both earlier ones expired
    assert len(seen) == 1


# --- configuration ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("more", "message"),
    [
        ({"gateway": {"header_timeout_s": 0}}, "gateway.header_timeout_s must be at least 0.1"),
        ({"gateway": {"body_timeout_s": "slow"}}, "gateway.body_timeout_s must be a number"),
        ({"gateway": {"max_connections": 0}}, "gateway.max_connections must be at least 1"),
        ({"gateway": {"max_token_lifetime_s": 1e9}}, "gateway.max_token_lifetime_s must be an integer"),
        ({"gateway": {"max_tracked_tokens": 0}}, "gateway.max_tracked_tokens must be at least 1"),
        ({"metrics": {"listen": "everywhere"}}, "metrics.listen must look like"),
    ],
)
def test_bad_front_settings_name_the_key(
    tmp_path: Path, issuer_keys: IssuerKeys, more: dict[str, Any], message: str
) -> None:
    path = write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, more)
    with pytest.raises(ConfigError) as failure:
        load_gateway_config(path)
    assert message in str(failure.value)


def test_token_issue_keeps_to_the_gateways_maximum_lifetime(tmp_path: Path, issuer_keys: IssuerKeys) -> None:
    config = write_gateway_config(
        tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, {"gateway": {"max_token_lifetime_s": 600}}
    )
    issue = fedgate_command("token", "issue", "--config", str(config), "--country", "FR", "--agency", "DCPJ")
    issue += ["--investigator", "fr-42", "--purposes", "all"]
    refused = subprocess.run([*issue, "--ttl", "601"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "gateway.max_token_lifetime_s" in refused.stderr
    minted = subprocess.run(issue, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    claims = jwt.decode(minted, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600
