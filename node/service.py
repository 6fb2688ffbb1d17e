"""The Node gRPC service: validate, find and score candidates, ask the policy once, apply it, audit, answer."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from fedcore import SOFTWARE_VERSION
from fedcore.answers import sign_response
from fedcore.logs import log_event
from fedcore.query import EntityQuery, QueryError, validate_query
from fedcore.vocabulary import (
    CLEARANCE_NAMES,
    DISCLOSURE_NAMES,
    OUTCOMES,
    PURPOSE_NAMES,
    REFUSAL_REASON_NAMES,
    REFUSAL_REASONS,
    WITHHOLD_REASON_NAMES,
    is_country_code,
)
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from node.admission import Admission
from node.audit import AuditError, AuditLog
from node.config import MatchingSettings, NodeConfig
from node.disclosure import audit_record, build_hit
from node.matching import (
    MatchResult,
    prepare_query,
    query_keys,
    score_record,
    spelled_alike,
    spelling_similarity,
)
from node.metrics import NodeMetrics
from node.policy import PolicyDecision, PolicyEngine, PolicyUnavailable
from node.store import Store, StoredRecord, StoreError

logger = logging.getLogger("fedgate.node")
NODE_SERVICE = pb.DESCRIPTOR.services_by_name["Node"].full_name

MAX_QUERY_ID_LENGTH = 128
MAX_IDENTITY_LENGTH = 128
# Time kept back from the caller's deadline for applying the decision and writing the audit entry.
DEADLINE_RESERVE_S = 0.02


class RequestError(ValueError):
    """A request field that is missing or invalid; the message names it."""


@dataclass(frozen=True)
class ValidSearch:
    query_id: str
    requester: dict[str, str]
    purpose: str
    query: EntityQuery
    limit: int
    assertion: str


def _text_field(value: str, field: str, max_length: int) -> str:
    if not value.strip():
        raise RequestError(f"{field} is required")
    if len(value) > max_length:
        raise RequestError(f"{field} is longer than {max_length} characters")
    if not value.isprintable():
        raise RequestError(f"{field} contains control characters")
    return value


def validate_search(request: pb.SearchRequest, config: NodeConfig) -> ValidSearch:
    """Checks every field before anything is searched; RequestError/QueryError name the field."""
    query_id = _text_field(request.query_id, "query_id", MAX_QUERY_ID_LENGTH)
    requester = request.requester
    if not is_country_code(requester.country):
        raise RequestError(f"requester.country {requester.country!r} is not an ISO 3166-1 alpha-2 code")
    clearance = CLEARANCE_NAMES.get(requester.clearance)
    if clearance is None:
        raise RequestError(f"requester.clearance {requester.clearance} is not a known clearance")
    identity = {
        "country": requester.country,
        "agency": _text_field(requester.agency, "requester.agency", MAX_IDENTITY_LENGTH),
        "investigator": _text_field(requester.investigator_id, "requester.investigator_id", MAX_IDENTITY_LENGTH),
        "clearance": clearance,
    }
    purpose = PURPOSE_NAMES.get(request.purpose)
    if purpose is None:
        raise RequestError(
            f"purpose {request.purpose} is not a known purpose" if request.purpose else "purpose is required"
        )
    limit = request.limit or config.default_limit
    if limit > config.max_limit:
        raise RequestError(f"limit {limit} is out of range (1 to {config.max_limit})")
    try:
        query = validate_query(
            request.query.schema,
            {name: list(values.values) for name, values in request.query.properties.items()},
            config.query_limits,
        )
    except QueryError as error:
        raise RequestError(f"query.{error.field}: {error.message}") from error
    return ValidSearch(query_id, identity, purpose, query, limit, request.requester_assertion)


def find_matches(
    store: Store, query: EntityQuery, limit: int, settings: MatchingSettings
) -> tuple[int, list[tuple[StoredRecord, MatchResult]]]:
    """Runs in a store thread: candidates from the index, scored; the best `limit` above the threshold."""
    prepared = prepare_query(query)
    candidates = store.candidates(
        query_keys(query),
        max_candidates=max(settings.max_candidates, limit),
        max_postings=settings.max_postings,
        tie_breaker=lambda record: spelling_similarity(prepared, record.schema, record.properties),
    )
    matches: list[tuple[StoredRecord, MatchResult]] = []
    for record in candidates:
        unkeyed = not record.name_key_weight and not prepared.identifiers
        if unkeyed and not spelled_alike(prepared, record.schema, record.properties):
            continue
        result = score_record(prepared, record.schema, record.properties, min_score=settings.min_score)
        if result is not None and result.score >= settings.min_score:
            matches.append((record, result))
    matches.sort(key=lambda item: (-item[1].score, item[0].ref))
    return len(candidates), matches[:limit]


def policy_input(
    config: NodeConfig, search: ValidSearch, matches: list[tuple[StoredRecord, MatchResult]]
) -> dict[str, Any]:
    return {
        "query_id": search.query_id,
        "node_country": config.country,
        "requester": search.requester,
        "purpose": search.purpose,
        "query": {"schema": search.query.schema.name, "properties": sorted(search.query.properties)},
        "records": [
            {
                "ref": record.ref,
                "schema": record.schema.name,
                "properties": record.shareable_properties,
                "flags": record.flags,
            }
            for record, _ in matches
        ],
    }


@dataclass
class Answer:
    """What a search produced: the response and, for the audit log, what each candidate got."""

    response: pb.SearchResponse
    outcome: str
    audited_records: list[dict[str, Any]]


def build_answer(
    config: NodeConfig,
    search: ValidSearch,
    matches: list[tuple[StoredRecord, MatchResult]],
    decision: PolicyDecision | None,
) -> Answer:
    """Applies the decision: exactly what it releases leaves, nothing when there is no decision."""
    response = pb.SearchResponse(query_id=search.query_id, country=config.country)
    audited: list[dict[str, Any]] = []
    if decision is None:
        outcome = "policy_unavailable"
    elif decision.refused:
        outcome = "refused"
        response.refusal_reason = REFUSAL_REASONS[decision.refusal_reason]
        response.policy_revision = decision.revision
    else:
        response.policy_revision = decision.revision
        for record, match in matches:
            record_decision = decision.for_record(record.ref)
            audited.append(audit_record(record, match, record_decision))
            if record_decision is not None:
                response.hits.append(build_hit(record, match, record_decision, config.contact))
        outcome = "hit" if response.hits else "no_hit"
    response.outcome = OUTCOMES[outcome]
    return Answer(response, outcome, audited)


class NodeService(pb_grpc.NodeServicer):
    def __init__(
        self,
        config: NodeConfig,
        store: Store,
        policy: PolicyEngine,
        audit: AuditLog,
        metrics: NodeMetrics,
        admission: Admission,
    ) -> None:
        self.config = config
        self.store = store
        self.policy = policy
        self.audit = audit
        self.metrics = metrics
        self.admission = admission
        self._revision_shown = ""

    async def Search(self, request: pb.SearchRequest, context: grpc.aio.ServicerContext) -> pb.SearchResponse:  # type: ignore[type-arg]
        started = time.perf_counter()
        await self.admission.admit_search(request, context)
        search = await self._validated(request, context)
        candidate_count, matches = await self._find(search, context)
        matched_at = time.perf_counter()
        decision, policy_problem = await self._decide(search, matches, context)
        decided_at = time.perf_counter()
        answer = build_answer(self.config, search, matches, decision)
        answer.response.audit_entry_id = await self._audit(search, answer, candidate_count, policy_problem, context)
        sign_response(answer.response, self.config.signing_key)
        finished = time.perf_counter()
        self._observe(search, answer, started, matched_at, decided_at, finished)
        log_event(
            logger,
            "search.answered",
            query_id=search.query_id,
            requester_country=search.requester["country"],
            purpose=search.purpose,
            schema=search.query.schema.name,
            outcome=answer.outcome,
            candidates=candidate_count,
            hits=len(answer.response.hits),
            match_ms=round((matched_at - started) * 1000, 2),
            policy_ms=round((decided_at - matched_at) * 1000, 2),
            audit_ms=round((finished - decided_at) * 1000, 2),
            total_ms=round((finished - started) * 1000, 2),
            audit_entry_id=answer.response.audit_entry_id,
        )
        return answer.response

    async def _validated(self, request: pb.SearchRequest, context: grpc.aio.ServicerContext) -> ValidSearch:  # type: ignore[type-arg]
        try:
            return validate_search(request, self.config)
        except RequestError as error:
            self.metrics.invalid_requests.inc()
            log_event(logger, "search.invalid", query_id=request.query_id[:MAX_QUERY_ID_LENGTH])
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
            raise  # unreachable: abort raises

    async def _find(
        self,
        search: ValidSearch,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> tuple[int, list[tuple[StoredRecord, MatchResult]]]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self.store.executor, find_matches, self.store, search.query, search.limit, self.config.matching
            )
        except StoreError as error:
            log_event(logger, "search.store_unavailable", logging.ERROR, query_id=search.query_id, problem=str(error))
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, "the node's record store is unavailable; nothing was searched"
            )
            raise

    async def _decide(
        self,
        search: ValidSearch,
        matches: list[tuple[StoredRecord, MatchResult]],
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> tuple[PolicyDecision | None, str]:
        """The one decision for this search, or None (and why) when there is none to be had."""
        remaining = context.time_remaining()
        budget_s = remaining - DEADLINE_RESERVE_S if remaining is not None else None
        started = time.perf_counter()
        try:
            return await self.policy.decide(
                policy_input(self.config, search, matches), [r for r, _ in matches], budget_s
            ), ""
        except PolicyUnavailable as error:
            self.metrics.opa_failures.labels(error.kind).inc()
            log_event(
                logger,
                "policy.unavailable",
                logging.WARNING,
                query_id=search.query_id,
                kind=error.kind,
                problem=error.detail,
            )
            return None, error.kind
        finally:
            self.metrics.opa_decision_duration.observe(time.perf_counter() - started)

    async def _audit(
        self,
        search: ValidSearch,
        answer: Answer,
        candidate_count: int,
        policy_problem: str,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> str:
        """Appends the search to the audit log; if that fails, nothing leaves."""
        started = time.perf_counter()
        try:
            return await self.audit.append(
                {
                    "kind": "search",
                    "query_id": search.query_id,
                    "requester": search.requester,
                    "purpose": search.purpose,
                    "query": {
                        "schema": search.query.schema.name,
                        "properties": search.query.properties,
                        "limit": search.limit,
                    },
                    "candidates": candidate_count,
                    "outcome": answer.outcome,
                    "refusal_reason": REFUSAL_REASON_NAMES.get(answer.response.refusal_reason, ""),
                    "policy_revision": answer.response.policy_revision,
                    "policy_problem": policy_problem,
                    "records": answer.audited_records,
                    # What the gateway vouched for: the signed requester assertion, kept as evidence.
                    "assertion": search.assertion,
                }
            )
        except AuditError as error:
            log_event(logger, "audit.unavailable", logging.ERROR, query_id=search.query_id, problem=str(error))
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, "the node's audit log is unavailable; nothing was released"
            )
            raise
        finally:
            self.metrics.audit_append_duration.observe(time.perf_counter() - started)

    def _observe(
        self, search: ValidSearch, answer: Answer, started: float, matched_at: float, decided_at: float, finished: float
    ) -> None:
        metrics = self.metrics
        metrics.searches.labels(search.requester["country"], answer.outcome).inc()
        metrics.search_duration.observe(finished - started)
        metrics.store_lookup_duration.observe(matched_at - started)
        if answer.response.policy_revision and answer.response.policy_revision != self._revision_shown:
            metrics.policy.info({"revision": answer.response.policy_revision})
            self._revision_shown = answer.response.policy_revision
        for hit in answer.response.hits:
            metrics.records_released.labels(DISCLOSURE_NAMES[hit.disclosure]).inc()
            for withheld in hit.withheld:
                metrics.properties_withheld.labels(withheld.property, WITHHOLD_REASON_NAMES[withheld.reason]).inc()

    async def Describe(self, request: pb.DescribeRequest, context: grpc.aio.ServicerContext) -> pb.DescribeResponse:  # type: ignore[type-arg]
        await self.admission.authorise_peer(context)
        loop = asyncio.get_running_loop()
        try:
            counts = await loop.run_in_executor(self.store.executor, self.store.schema_counts)
        except StoreError:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the node's record store is unavailable")
            raise
        response = pb.DescribeResponse(
            country=self.config.country,
            policy_revision=await self.policy.revision(),
            software_version=SOFTWARE_VERSION,
        )
        for schema, count in sorted(counts.items()):
            response.schemata.add(schema=schema, records=count)
        return response


def node_rpc_handler(service: NodeService) -> grpc.GenericRpcHandler[Any, Any]:
    """The Node service with requests decoded here, so that undecodable bytes get INVALID_ARGUMENT, not INTERNAL."""

    async def search(raw: bytes, context: grpc.aio.ServicerContext) -> pb.SearchResponse:  # type: ignore[type-arg]
        try:
            request = pb.SearchRequest.FromString(raw)
        except DecodeError:
            service.metrics.invalid_requests.inc()
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "the request is not a fedgate.v1.SearchRequest message"
            )
            raise
        return await service.Search(request, context)

    async def describe(raw: bytes, context: grpc.aio.ServicerContext) -> pb.DescribeResponse:  # type: ignore[type-arg]
        try:
            request = pb.DescribeRequest.FromString(raw)
        except DecodeError:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "the request is not a fedgate.v1.DescribeRequest message"
            )
            raise
        return await service.Describe(request, context)

    return grpc.method_handlers_generic_handler(
        NODE_SERVICE,
        {
            "Search": grpc.unary_unary_rpc_method_handler(
                search, request_deserializer=None, response_serializer=pb.SearchResponse.SerializeToString
            ),
            "Describe": grpc.unary_unary_rpc_method_handler(
                describe, request_deserializer=None, response_serializer=pb.DescribeResponse.SerializeToString
            ),
        },
    )
