"""Calls to one country node over a long-lived gRPC channel, returned as values, never as exceptions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import grpc
from google.protobuf.message import DecodeError
from google.rpc.error_details_pb2 import ErrorInfo
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from fedcore.assertion import make_assertion
from fedcore.keys import SigningKey
from fedcore.logs import log_event
from fedcore.pki import TlsMaterial, node_identity
from fedcore.vocabulary import ERROR_DOMAIN, REFUSAL_REASON_NAMES
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from gateway.breaker import CircuitBreaker
from gateway.config import NodeEntry

logger = logging.getLogger("fedgate.gateway")

# The one place where the node's answers and gRPC status codes become country statuses.
STATUS_BY_OUTCOME = {
    pb.SEARCH_OUTCOME_HIT: "hit",
    pb.SEARCH_OUTCOME_NO_HIT: "no_hit",
    pb.SEARCH_OUTCOME_REFUSED: "refused",
    pb.SEARCH_OUTCOME_POLICY_UNAVAILABLE: "policy_unavailable",
}
STATUS_BY_CODE = {
    grpc.StatusCode.DEADLINE_EXCEEDED: "timeout",
    grpc.StatusCode.UNAVAILABLE: "unavailable",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "rate_limited",
}
COUNTRY_STATUSES = (
    "hit",
    "no_hit",
    "refused",
    "policy_unavailable",
    "timeout",
    "unavailable",
    "rate_limited",
    "error",
)
# Why a country's answer is missing, as investigators see it: a closed set, each with a fixed message. What the
# node or gRPC said (addresses, error details) goes to the operator's log only.
PROBLEMS = {
    "breaker_open": "skipped: the node failed repeatedly; it is tried again after a cool-down",
    "deadline_exceeded": "no answer within the search's time budget",
    "node_unreachable": "the node could not be reached",
    "node_busy": "the node is answering too many searches from this investigator; try again later",
    "request_rejected": "the node did not accept the request",
    "node_error": "the node failed to answer",
}
PROBLEM_BY_CODE = {
    grpc.StatusCode.DEADLINE_EXCEEDED: "deadline_exceeded",
    grpc.StatusCode.UNAVAILABLE: "node_unreachable",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "node_busy",
    grpc.StatusCode.INVALID_ARGUMENT: "request_rejected",
    grpc.StatusCode.PERMISSION_DENIED: "request_rejected",
    grpc.StatusCode.UNAUTHENTICATED: "request_rejected",
}
# What the node itself failed at, whoever asked: these count towards opening its circuit breaker. Everything a
# caller can cause by asking (bad input, refused assertions, its own rate or concurrency, a deadline it chose too
# short) never does, or one investigator could make a country unavailable to all of them (issue 17).
NODE_OWN_FAILURES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DATA_LOSS,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)
# "failure" counts towards opening the breaker, "success" closes it, "neutral" says nothing about the node.
BreakerVerdict = Literal["failure", "success", "neutral"]


def breaker_verdict(code: grpc.StatusCode | None, call_timeout_s: float, min_deadline_s: float) -> BreakerVerdict:
    """What a call that ended with `code` (None: the node answered) says about the node's health. A missed
    deadline is the node's failure only when the call gave it at least `min_deadline_s` to answer."""
    if code is None:
        return "success"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return "failure" if call_timeout_s >= min_deadline_s else "neutral"
    return "failure" if code in NODE_OWN_FAILURES else "neutral"


@dataclass(frozen=True)
class ReasonMeaning:
    """What a node's ErrorInfo reason means, when it comes with one of the status `codes` the node sends it with."""

    codes: frozenset[grpc.StatusCode]
    status: str
    problem: str
    node_own_failure: bool


def _meaning(status: str, problem: str, node_own_failure: bool, *codes: grpc.StatusCode) -> ReasonMeaning:
    return ReasonMeaning(frozenset(codes), status, problem, node_own_failure)


_CODE = grpc.StatusCode
# A reason is more precise than a status code: RESOURCE_EXHAUSTED is the requester's own rate or concurrency,
# never the node's; DEADLINE_EXCEEDED before any work is a deadline the caller chose too short, however long.
MEANING_BY_REASON: dict[str, ReasonMeaning] = {  # keyed by every one of ERROR_REASONS (a test checks)
    "REQUEST_UNDECODABLE": _meaning("error", "request_rejected", False, _CODE.INVALID_ARGUMENT),
    "QUERY_INVALID": _meaning("error", "request_rejected", False, _CODE.INVALID_ARGUMENT),
    "QUERY_COST_EXCEEDED": _meaning("error", "request_rejected", False, _CODE.INVALID_ARGUMENT),
    "CLIENT_NOT_ALLOWED": _meaning("error", "request_rejected", False, _CODE.PERMISSION_DENIED),
    "ASSERTION_REJECTED": _meaning("error", "request_rejected", False, _CODE.UNAUTHENTICATED, _CODE.PERMISSION_DENIED),
    "QUERY_REPLAYED": _meaning("error", "request_rejected", False, _CODE.PERMISSION_DENIED),
    "REQUESTER_RATE_LIMITED": _meaning("rate_limited", "node_busy", False, _CODE.RESOURCE_EXHAUSTED),
    "REQUESTER_CONCURRENCY": _meaning("rate_limited", "node_busy", False, _CODE.RESOURCE_EXHAUSTED),
    "DEADLINE_TOO_SHORT": _meaning("timeout", "deadline_exceeded", False, _CODE.DEADLINE_EXCEEDED),
    "STORE_UNAVAILABLE": _meaning("unavailable", "node_unreachable", True, _CODE.UNAVAILABLE),
    "AUDIT_UNAVAILABLE": _meaning("unavailable", "node_unreachable", True, _CODE.UNAVAILABLE),
    "POLICY_UNAVAILABLE": _meaning("unavailable", "node_unreachable", True, _CODE.UNAVAILABLE),
    "FOLLOW_UP_NOT_FOUND": _meaning("error", "request_rejected", False, _CODE.NOT_FOUND),
}


@dataclass(frozen=True)
class CallFailure:
    """A failed call as the search sees it: the country's status, a PROBLEMS code, and what the breaker counts."""

    status: str
    problem: str
    verdict: BreakerVerdict


def error_reason(error: grpc.aio.AioRpcError) -> str | None:
    """The reason in the fedgate ErrorInfo the node attached to its error (grpc-status-details-bin), or None."""
    try:
        # An AioRpcError has the Call accessors from_call reads (code, details, trailing_metadata), not the type.
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (ValueError, DecodeError):  # details that contradict the call's status, or that do not decode
        return None
    if status is None:
        return None
    for detail in status.details:
        info = ErrorInfo()
        if detail.Unpack(info) and info.domain == ERROR_DOMAIN:
            return info.reason
    return None


def call_failure(
    code: grpc.StatusCode, reason: str | None, call_timeout_s: float, min_deadline_s: float
) -> CallFailure:
    """What a call that ended with `code` and the node's `reason` means. A reason this gateway does not know, or
    one that comes with a status code the node never sends it with, says nothing: the status code decides."""
    meaning = MEANING_BY_REASON.get(reason) if reason is not None else None
    if meaning is None or code not in meaning.codes:
        return CallFailure(
            STATUS_BY_CODE.get(code, "error"),
            PROBLEM_BY_CODE.get(code, "node_error"),
            breaker_verdict(code, call_timeout_s, min_deadline_s),
        )
    return CallFailure(meaning.status, meaning.problem, "failure" if meaning.node_own_failure else "neutral")


CHANNEL_OPTIONS = [
    # A node that comes back is reconnected within about a second, not after gRPC's default 2-minute backoff.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1_000),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 4 * 1024 * 1024),
]


@dataclass
class CountryAnswer:
    """One country's part of a search."""

    country: str
    status: str
    latency_ms: float
    hits: list[pb.Hit] = field(default_factory=list)
    policy_revision: str = ""
    refusal_reason: str = ""
    audit_entry_id: str = ""
    # Where that entry sits in the node's hash chain, and its hash: an anchor kept outside the node.
    audit_seq: int = 0
    audit_hash: str = ""
    # For missing answers: a PROBLEMS code, and its fixed message.
    problem: str = ""
    message: str = ""
    signature: bytes = b""
    signing_key_id: str = ""
    signed_at: str = ""


def answer_of(country: str, response: pb.SearchResponse, latency_ms: float) -> CountryAnswer:
    """A country's answer to one query, as the node signed it."""
    return CountryAnswer(
        country,
        STATUS_BY_OUTCOME.get(response.outcome, "error"),
        latency_ms,
        hits=list(response.hits),
        policy_revision=response.policy_revision,
        refusal_reason=REFUSAL_REASON_NAMES.get(response.refusal_reason, ""),
        audit_entry_id=response.audit_entry_id,
        audit_seq=response.audit_seq,
        audit_hash=response.audit_hash,
        signature=response.signature,
        signing_key_id=response.signing_key_id,
        signed_at=response.signed_at,
    )


@dataclass(frozen=True)
class Signer:
    """How the gateway vouches for each request: its assertion key and the assertions' lifetime."""

    key: SigningKey
    ttl_s: float


class NodeClient:
    def __init__(
        self,
        entry: NodeEntry,
        max_concurrent_calls: int,
        breaker: CircuitBreaker,
        signer: Signer,
        tls: TlsMaterial | None,
    ) -> None:
        self.country = entry.country
        self.address = entry.address
        self.breaker = breaker
        self.breaker_min_deadline_s = entry.breaker_min_deadline_ms / 1000
        self.signer = signer
        self._slots = asyncio.Semaphore(max_concurrent_calls)
        if tls is None:
            self._channel = grpc.aio.insecure_channel(entry.address, options=CHANNEL_OPTIONS)
        else:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=tls.trusted_cas, private_key=tls.private_key, certificate_chain=tls.certificate_chain
            )
            # The node's certificate must name this country: a node cannot answer for another one.
            options = [*CHANNEL_OPTIONS, ("grpc.ssl_target_name_override", node_identity(entry.country))]
            self._channel = grpc.aio.secure_channel(entry.address, credentials, options=options)
        self._stub = pb_grpc.NodeStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    async def close(self) -> None:
        await self._channel.close(grace=None)

    async def search(self, template: pb.SearchRequest, deadline: float, digest: str) -> CountryAnswer:
        """Asks the node within the deadline (event-loop time); every failure becomes a status.
        `digest` is the template's request digest, worked out once for the whole fan-out."""
        request = pb.SearchRequest()
        request.CopyFrom(template)
        request.requester_assertion = make_assertion(
            request, self.country, self.signer.key, self.signer.ttl_s, digest=digest
        )
        response, latency_ms, missing = await self._call(
            self._stub.Search, request, deadline, lambda answer: answer.outcome in STATUS_BY_OUTCOME
        )
        return missing if missing is not None else answer_of(self.country, response, latency_ms)

    async def screen(self, template: pb.ScreenRequest, deadline: float, digest: str) -> list[CountryAnswer]:
        """A screening batch: each query's answer as a search of it gives it, in the batch's order; when the
        call fails, each query gets the status and problem a search would have got."""
        request = pb.ScreenRequest()
        request.CopyFrom(template)
        request.requester_assertion = make_assertion(
            request, self.country, self.signer.key, self.signer.ttl_s, digest=digest
        )
        query_ids = [item.query_id for item in request.queries]

        def well_formed(response: pb.ScreenResponse) -> bool:
            # Each answer under its own query, or none at all: one query's hits never go under another.
            return [answer.query_id for answer in response.answers] == query_ids and all(
                answer.outcome in STATUS_BY_OUTCOME for answer in response.answers
            )

        response, latency_ms, missing = await self._call(self._stub.Screen, request, deadline, well_formed)
        if missing is not None:
            return [missing] * len(query_ids)
        if not well_formed(response):
            broken = CountryAnswer(
                self.country, "error", latency_ms, problem="node_error", message=PROBLEMS["node_error"]
            )
            return [broken] * len(query_ids)
        return [answer_of(self.country, answer, latency_ms) for answer in response.answers]

    async def _call(
        self, rpc: Any, request: Any, deadline: float, well_formed: Callable[[Any], bool]
    ) -> tuple[Any, float, CountryAnswer | None]:
        """(the node's response, latency in ms, None), or (None, latency, the missing answer) when the call
        failed; the breaker counts what the call says about the node (a malformed response: its failure)."""
        loop = asyncio.get_running_loop()
        started = loop.time()

        def missing(status: str, problem: str) -> tuple[Any, float, CountryAnswer | None]:
            latency_ms = round((loop.time() - started) * 1000, 1)
            return (
                None,
                latency_ms,
                CountryAnswer(self.country, status, latency_ms, problem=problem, message=PROBLEMS[problem]),
            )

        if not self.breaker.allow():
            return missing("unavailable", "breaker_open")
        call_timeout_s = 0.0  # stays 0 while the call waits for one of this node's slots: not the node's doing
        try:
            async with asyncio.timeout_at(deadline), self._slots:
                call_timeout_s = max(deadline - loop.time(), 0.001)
                response = await rpc(request, timeout=call_timeout_s)
        except TimeoutError:
            result = missing("timeout", "deadline_exceeded")
            verdict = breaker_verdict(grpc.StatusCode.DEADLINE_EXCEEDED, call_timeout_s, self.breaker_min_deadline_s)
        except grpc.aio.AioRpcError as error:
            reason = error_reason(error)
            failure = call_failure(error.code(), reason, call_timeout_s, self.breaker_min_deadline_s)
            details = f"{error.code().name}: {error.details() or ''}"[:300]
            # The node's own words (addresses, TLS handshake failures, refused assertions) go to the operator's
            # log only; the investigator gets a code from a closed set and its fixed message.
            log_event(
                logger,
                "node.call_failed",
                logging.WARNING,
                country=self.country,
                status=failure.status,
                reason=(reason or "")[:64],
                details=details,
            )
            result = missing(failure.status, failure.problem)
            verdict = failure.verdict
        except asyncio.CancelledError:
            self.breaker.release_probe()
            raise
        else:
            result = (response, round((loop.time() - started) * 1000, 1), None)
            # An answer with an outcome this gateway does not know is the node's malfunction.
            verdict = "success" if well_formed(response) else "failure"
        if verdict == "failure":
            self.breaker.record_failure()
        elif verdict == "success":
            self.breaker.record_success()
        else:
            self.breaker.release_probe()
        return result

    async def follow_up(
        self, request: pb.FollowUpRequest | pb.FollowUpStatusRequest, timeout_s: float
    ) -> pb.FollowUpAnswer:
        """A follow-up call, vouched for like a search; a failed call raises grpc.aio.AioRpcError for the caller."""
        request.requester_assertion = make_assertion(request, self.country, self.signer.key, self.signer.ttl_s)
        answer: pb.FollowUpAnswer
        if isinstance(request, pb.FollowUpRequest):
            answer = await self._stub.FollowUp(request, timeout=timeout_s)
        else:
            answer = await self._stub.FollowUpStatus(request, timeout=timeout_s)
        return answer

    async def check_health(self, timeout_s: float) -> bool:
        try:
            reply = await self._health.Check(
                health_pb2.HealthCheckRequest(service="fedgate.v1.Node"), timeout=timeout_s
            )
        except grpc.aio.AioRpcError:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    async def describe(self, requester: pb.Requester, query_id: str, timeout_s: float) -> pb.DescribeResponse | None:
        """What the node tells this requester about itself (its policy decides), or None when it does not answer."""
        request = pb.DescribeRequest(query_id=query_id, requester=requester)
        request.requester_assertion = make_assertion(request, self.country, self.signer.key, self.signer.ttl_s)
        try:
            response: pb.DescribeResponse = await self._stub.Describe(request, timeout=timeout_s)
        except grpc.aio.AioRpcError as error:
            details = f"{error.code().name}: {error.details() or ''}"[:300]
            log_event(logger, "node.describe_failed", logging.WARNING, country=self.country, details=details)
            return None
        return response
