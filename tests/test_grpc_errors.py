"""A node's errors carry their meaning as google.rpc.ErrorInfo (a reason from a closed set) and, for rate limits,
RetryInfo; the gateway branches on the reason, falling back to the status code when there is none it knows."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc.error_details_pb2 import ErrorInfo, RetryInfo
from grpc_status import rpc_status

from fedcore.assertion import request_digest
from fedcore.vocabulary import ERROR_DOMAIN, ERROR_REASONS
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from gateway.breaker import CircuitBreaker
from gateway.config import NodeEntry
from gateway.nodes import MEANING_BY_REASON, PROBLEMS, NodeClient, Signer, call_failure
from node.server import RunningNode
from tests.conftest import NodeFactory, node_client, search_request
from tests.federation import KEYS

PETROV = {"name": ["Ivan Petrov"]}
NODE_SOURCES = sorted((Path(__file__).parent.parent / "node").glob("*.py"))


def error_details(error: grpc.aio.AioRpcError) -> tuple[ErrorInfo, RetryInfo | None]:
    """The ErrorInfo (exactly one) and the RetryInfo (at most one) in the error's status details."""
    # An AioRpcError has the Call accessors from_call reads (code, details, trailing_metadata), not the type.
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "no grpc-status-details-bin trailer"
    infos, retries = [], []
    for detail in status.details:
        if detail.Is(ErrorInfo.DESCRIPTOR):
            infos.append(ErrorInfo())
            detail.Unpack(infos[-1])
        elif detail.Is(RetryInfo.DESCRIPTOR):
            retries.append(RetryInfo())
            detail.Unpack(retries[-1])
    assert len(infos) == 1
    assert len(retries) <= 1
    assert infos[0].domain == ERROR_DOMAIN
    return infos[0], retries[0] if retries else None


async def failed_search(node: RunningNode, request: pb.SearchRequest) -> grpc.aio.AioRpcError:
    async with node_client(node.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await client.Search(request, timeout=10)
    return failure.value


# The node: every abort says why, in the closed set.


async def test_an_invalid_query_is_query_invalid_with_the_message_as_before(fr_node: RunningNode) -> None:
    error = await failed_search(fr_node, search_request(PETROV, limit=10_000))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error)[0].reason == "QUERY_INVALID"
    assert "limit 10000 is out of range" in (error.details() or "")


async def test_a_query_over_the_cost_bounds_is_query_cost_exceeded(fr_node: RunningNode) -> None:
    thirteen_parts = " ".join(["Ivan"] * 12 + ["Petrov"])
    error = await failed_search(fr_node, search_request({"name": [thirteen_parts]}))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error)[0].reason == "QUERY_COST_EXCEEDED"
    assert "(max_name_parts)" in (error.details() or "")


async def test_a_missing_assertion_is_assertion_rejected(fr_node: RunningNode) -> None:
    error = await failed_search(fr_node, search_request(PETROV, to_country=None))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_details(error)[0].reason == "ASSERTION_REJECTED"


async def test_a_replayed_query_id_is_query_replayed(fr_node: RunningNode) -> None:
    request = search_request(PETROV)
    async with node_client(fr_node.address) as client:
        await client.Search(request, timeout=10)
    error = await failed_search(fr_node, request)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_details(error)[0].reason == "QUERY_REPLAYED"


async def test_a_rate_limited_requester_is_told_when_to_retry(node_factory: NodeFactory, opa_fr: OpaServer) -> None:
    node = await node_factory(
        "FR",
        opa_fr.url,
        more={"limits": {"searches_per_requester": 2, "rate_window_s": 60}},
    )
    async with node_client(node.address) as client:
        for _ in range(2):
            await client.Search(search_request(PETROV), timeout=10)
    error = await failed_search(node, search_request(PETROV))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    info, retry = error_details(error)
    assert info.reason == "REQUESTER_RATE_LIMITED"
    assert retry is not None
    assert 29.0 < retry.retry_delay.ToTimedelta().total_seconds() <= 30.001  # one search comes back every 30 s
    assert "retry in" in (error.details() or "")


async def test_an_undecodable_request_is_request_undecodable(fr_node: RunningNode) -> None:
    async with grpc.aio.insecure_channel(fr_node.address) as channel:
        search = channel.unary_unary("/fedgate.v1.Node/Search", request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await search(b"\xff\xff\xff", timeout=10)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(failure.value)[0].reason == "REQUEST_UNDECODABLE"


def _reasons_given(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Upper-snake string constants passed to abort/_refuse, or assigned to a variable annotated ErrorReason."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {
            "abort",
            "_refuse",
        }:
            sources: list[ast.AST] = [*node.args, *(keyword.value for keyword in node.keywords)]
        elif isinstance(node, ast.AnnAssign) and getattr(node.annotation, "id", "") == "ErrorReason":
            sources = [node.value] if node.value else []
        else:
            continue
        for source in sources:
            for constant in ast.walk(source):
                if (
                    isinstance(constant, ast.Constant)
                    and isinstance(constant.value, str)
                    and constant.value.isupper()
                    and " " not in constant.value
                ):
                    yield constant.lineno, constant.value


def test_every_reason_the_node_gives_is_in_the_closed_set() -> None:
    given = {
        (path.name, line, reason)
        for path in NODE_SOURCES
        for line, reason in _reasons_given(ast.parse(path.read_text()))
    }
    assert len({reason for _, _, reason in given}) >= 10, "the scan found the node's reasons"
    assert {entry for entry in given if entry[2] not in ERROR_REASONS} == set()


def test_the_node_aborts_only_through_its_one_helper() -> None:
    direct = [
        f"{path.name}:{node.lineno}"
        for path in NODE_SOURCES
        if path.name != "errors.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"abort", "abort_with_status", "set_code"}
    ]
    assert direct == [], "a status without a reason"


# The gateway: the reason decides, when it is one it knows and comes with the status code the node sends it with.


def test_every_reason_has_a_meaning_at_the_gateway_and_a_problem_from_the_closed_set() -> None:
    assert set(MEANING_BY_REASON) == ERROR_REASONS
    assert {meaning.problem for meaning in MEANING_BY_REASON.values()} <= set(PROBLEMS)


@pytest.mark.parametrize(
    ("code", "reason", "status", "problem", "verdict"),
    [
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "REQUESTER_CONCURRENCY", "rate_limited", "node_busy", "neutral"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "REQUESTER_RATE_LIMITED", "rate_limited", "node_busy", "neutral"),
        # The node refused a deadline below its minimum: the caller's choice, however long it was.
        (grpc.StatusCode.DEADLINE_EXCEEDED, "DEADLINE_TOO_SHORT", "timeout", "deadline_exceeded", "neutral"),
        (grpc.StatusCode.UNAUTHENTICATED, "ASSERTION_REJECTED", "error", "request_rejected", "neutral"),
        (grpc.StatusCode.PERMISSION_DENIED, "ASSERTION_REJECTED", "error", "request_rejected", "neutral"),
        (grpc.StatusCode.INVALID_ARGUMENT, "QUERY_COST_EXCEEDED", "error", "request_rejected", "neutral"),
        (grpc.StatusCode.UNAVAILABLE, "AUDIT_UNAVAILABLE", "unavailable", "node_unreachable", "failure"),
        (grpc.StatusCode.UNAVAILABLE, "STORE_UNAVAILABLE", "unavailable", "node_unreachable", "failure"),
    ],
)
def test_the_reason_decides_the_problem_and_the_breaker_verdict(
    code: grpc.StatusCode, reason: str, status: str, problem: str, verdict: str
) -> None:
    failure = call_failure(code, reason, call_timeout_s=5.0, min_deadline_s=1.0)
    assert (failure.status, failure.problem, failure.verdict) == (status, problem, verdict)


@pytest.mark.parametrize("reason", [None, "", "SOMETHING_NEW", "requester_concurrency"])
def test_without_a_reason_it_knows_the_gateway_goes_by_the_status_code(reason: str | None) -> None:
    missed = call_failure(grpc.StatusCode.DEADLINE_EXCEEDED, reason, call_timeout_s=5.0, min_deadline_s=1.0)
    assert (missed.status, missed.problem, missed.verdict) == ("timeout", "deadline_exceeded", "failure")
    down = call_failure(grpc.StatusCode.UNAVAILABLE, reason, call_timeout_s=5.0, min_deadline_s=1.0)
    assert (down.status, down.problem, down.verdict) == ("unavailable", "node_unreachable", "failure")


def test_a_reason_with_a_status_code_the_node_never_sends_it_with_is_ignored() -> None:
    # A node cannot talk its way out of its own failure by naming the requester's concurrency.
    failure = call_failure(grpc.StatusCode.UNAVAILABLE, "REQUESTER_CONCURRENCY", call_timeout_s=5.0, min_deadline_s=1.0)
    assert (failure.status, failure.problem, failure.verdict) == ("unavailable", "node_unreachable", "failure")


async def test_a_node_refusing_a_too_short_deadline_never_opens_its_breaker(
    node_factory: NodeFactory, opa_fr: OpaServer
) -> None:
    # The node wants 500 ms; the gateway counts missed deadlines from 100 ms: by status code alone, the node's
    # refusals of 300 ms calls would be its own failures, and one failure opens this breaker.
    node = await node_factory("FR", opa_fr.url, more={"limits": {"min_search_deadline_ms": 500}})
    breaker = CircuitBreaker(failures_to_open=1, cooldown_s=60.0)
    client = NodeClient(
        NodeEntry("FR", node.address, breaker_min_deadline_ms=100), 4, breaker, Signer(KEYS.gateway, 30.0), None
    )
    try:
        for _ in range(3):
            template = search_request(PETROV, to_country=None)  # NodeClient signs it
            deadline = asyncio.get_running_loop().time() + 0.3
            answer = await client.search(template, deadline, request_digest(template))
            assert (answer.status, answer.problem, answer.message) == (
                "timeout",
                "deadline_exceeded",
                PROBLEMS["deadline_exceeded"],
            )
        assert breaker.state == "closed"
        template = search_request(PETROV, to_country=None)
        answer = await client.search(template, asyncio.get_running_loop().time() + 5, request_digest(template))
        assert answer.status == "hit"
    finally:
        await client.close()
