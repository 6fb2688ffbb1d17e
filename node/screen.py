"""Screening a list in one call: each query validated, searched, decided, audited and answered exactly as its own
search would be, under one policy decision covering every candidate of every query.

What makes a query's answer in a batch the one its own search gives: the same validation (validate_search), the
same candidates (find_candidates), a policy input per query that is exactly its search's (policy_input; the batch
input only lists each candidate record once), the same ranking, probe budget (taken query by query, in the
batch's order, as if the searches came one after another), answer and signature, and one audit entry per query
(the search's own, plus the batch id). Nothing is shared between queries but the OPA call and the audit commit.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import grpc

from fedcore.answers import sign_response
from fedcore.logs import log_event
from fedcore.query import MAX_SCREEN_QUERIES, QueryCostExceeded
from fedcore.vocabulary import ErrorReason
from fedgate.v1 import node_pb2 as pb
from node.audit import AppendedEntry, AuditError
from node.audit_replays import QueryReplayed
from node.config import MatchingSettings
from node.decisions import PolicyDecision, PolicyUnavailable, parse_decision
from node.disclosure import Match
from node.errors import abort
from node.request import MAX_QUERY_ID_LENGTH, RequestError, ValidSearch, validate_query_id, validate_search
from node.search import (
    Answer,
    Found,
    build_answer,
    find_candidates,
    policy_input,
    rank,
    search_audit_body,
)
from node.store import Store
from node.storework import in_store

if TYPE_CHECKING:
    from node.service import NodeService

logger = logging.getLogger("fedgate.node")
Context = Any  # grpc.aio.ServicerContext, whose stubs take type arguments the runtime class does not
# Time kept back from the caller's deadline for applying the decisions and writing the audit entries.
DEADLINE_RESERVE_S = 0.05


def validate_screen(request: pb.ScreenRequest, service: NodeService) -> list[ValidSearch]:
    """Each query checked as its own search would be; RequestError names the query by its index."""
    validate_query_id(request.query_id)
    if not request.queries:
        raise RequestError("queries: at least one query is required")
    if len(request.queries) > MAX_SCREEN_QUERIES:
        raise RequestError(f"queries: at most {MAX_SCREEN_QUERIES} queries per batch, got {len(request.queries)}")
    searches: list[ValidSearch] = []
    seen: set[str] = set()
    for index, item in enumerate(request.queries):
        alone = pb.SearchRequest(
            query_id=item.query_id,
            requester=request.requester,
            purpose=request.purpose,
            query=item.query,
            limit=request.limit,
            requester_assertion=request.requester_assertion,
        )
        try:
            search = validate_search(alone, service.config)
        except RequestError as error:
            raise RequestError(f"queries[{index}].{error}") from error
        if search.query_id in seen or search.query_id == request.query_id:
            raise RequestError(f"queries[{index}].query_id: used twice in this batch")
        seen.add(search.query_id)
        searches.append(search)
    return searches


def find_all(
    store: Store, searches: list[ValidSearch], settings: MatchingSettings, stop: threading.Event
) -> list[Found]:
    """Runs in one store thread: each query's candidates, as its own search finds them."""
    return [find_candidates(store, search.query, search.limit, settings, stop) for search in searches]


def screen_policy_input(inputs: list[dict[str, Any]], batch_id: str) -> dict[str, Any]:
    """The batch's policy input from its queries' own (policy_input): what every search shares once, each
    query's facts and candidate refs, and each candidate record once."""
    records: dict[str, dict[str, Any]] = {}
    for one in inputs:
        for record in one["records"]:
            records.setdefault(record["ref"], record)
    shared = {key: value for key, value in inputs[0].items() if key not in ("query_id", "query", "records")}
    return {
        **shared,
        "query_id": batch_id,
        "records": list(records.values()),
        "queries": [
            {"query_id": one["query_id"], "query": one["query"], "records": [r["ref"] for r in one["records"]]}
            for one in inputs
        ],
    }


def parse_screen_decision(
    raw: Any, searches: list[ValidSearch], found: list[Found]
) -> list[tuple[PolicyDecision | None, str]]:
    """Each query's decision checked as its search's would be; a query whose part is missing or malformed gets
    none (nothing leaves for it), as its search would have."""
    result = raw.get("result") if isinstance(raw, dict) else None
    decided = result.get("queries") if isinstance(result, dict) else None
    if not isinstance(decided, dict) or set(decided) != {search.query_id for search in searches}:
        return [(None, "malformed")] * len(searches)
    parsed: list[tuple[PolicyDecision | None, str]] = []
    for search, candidates in zip(searches, found, strict=True):
        try:
            records = [candidate.record for candidate in candidates.candidates]
            parsed.append((parse_decision({"result": decided[search.query_id]}, records), ""))
        except PolicyUnavailable as error:
            parsed.append((None, error.kind))
    return parsed


async def screen(service: NodeService, request: pb.ScreenRequest, context: Context) -> pb.ScreenResponse:
    started = time.perf_counter()
    config, metrics = service.config, service.metrics
    try:
        searches = validate_screen(request, service)
    except RequestError as error:
        metrics.invalid_requests.inc()
        log_event(logger, "screen.invalid", query_id=request.query_id[:MAX_QUERY_ID_LENGTH])
        reason: ErrorReason = (
            "QUERY_COST_EXCEEDED" if isinstance(error.__cause__, QueryCostExceeded) else "QUERY_INVALID"
        )
        await abort(context, grpc.StatusCode.INVALID_ARGUMENT, reason, str(error))
    found = await in_store(
        service.store,
        lambda stop: find_all(service.store, searches, service.config.matching, stop),
        context,
        "screen",
        request.query_id,
    )
    matched_at = time.perf_counter()
    decisions = await _decide(service, request, searches, found, context)
    decided_at = time.perf_counter()
    answers: list[Answer] = []
    for search, candidates, (decision, _) in zip(searches, found, decisions, strict=True):
        matches: list[Match] = []
        over_budget: list[str] = []
        if decision is not None and not decision.refused:
            matches = rank(candidates, decision, search.limit, config.matching.min_score)
            over_budget = await service._probing(search, matches, context)
            if over_budget:
                matches = []
        answers.append(build_answer(config, search, candidates, decision, matches, over_budget))
    entries = await _audit(service, request, searches, found, decisions, answers, context)
    response = pb.ScreenResponse(query_id=request.query_id, country=config.country)
    for answer, entry in zip(answers, entries, strict=True):
        answer.response.audit_entry_id, answer.response.audit_seq, answer.response.audit_hash = entry
        sign_response(answer.response, config.signing_key)
        response.answers.append(answer.response)
    finished = time.perf_counter()
    for search, answer in zip(searches, answers, strict=True):
        # Each query counts as the search it is; the batch's time is shared among them.
        service._observe(search, answer, started, matched_at, decided_at, finished)
    log_event(
        logger,
        "screen.answered",
        query_id=request.query_id,
        requester_country=searches[0].requester["country"],
        purpose=searches[0].purpose,
        queries=len(searches),
        hits=sum(1 for answer in answers if answer.outcome == "hit"),
        candidates=sum(candidates.examined for candidates in found),
        match_ms=round((matched_at - started) * 1000, 2),
        policy_ms=round((decided_at - matched_at) * 1000, 2),
        audit_ms=round((finished - decided_at) * 1000, 2),
        total_ms=round((finished - started) * 1000, 2),
    )
    return response


async def _decide(
    service: NodeService,
    request: pb.ScreenRequest,
    searches: list[ValidSearch],
    found: list[Found],
    context: Context,
) -> list[tuple[PolicyDecision | None, str]]:
    """The one decision for the batch, checked query by query; (None, why) where there is none to be had."""
    remaining = context.time_remaining()
    budget_s = remaining - DEADLINE_RESERVE_S if remaining is not None else None

    def build_input(reads: frozenset[str]) -> dict[str, Any]:
        inputs = [
            policy_input(service.config, search, candidates, reads)
            for search, candidates in zip(searches, found, strict=True)
        ]
        return screen_policy_input(inputs, request.query_id)

    started = time.perf_counter()
    try:
        raw = await service.policy.decide_screen(build_input, budget_s)
    except PolicyUnavailable as error:
        service.metrics.opa_failures.labels(error.kind).inc()
        log_event(
            logger,
            "policy.unavailable",
            logging.WARNING,
            query_id=request.query_id,
            kind=error.kind,
            problem=error.detail,
        )
        return [(None, error.kind)] * len(searches)
    finally:
        service.metrics.opa_decision_duration.observe(time.perf_counter() - started)
    decisions = parse_screen_decision(raw, searches, found)
    for kind in sorted({kind for _, kind in decisions if kind}):
        service.metrics.opa_failures.labels(kind).inc()
        log_event(logger, "policy.unavailable", logging.WARNING, query_id=request.query_id, kind=kind)
    return decisions


async def _audit(
    service: NodeService,
    request: pb.ScreenRequest,
    searches: list[ValidSearch],
    found: list[Found],
    decisions: list[tuple[PolicyDecision | None, str]],
    answers: list[Answer],
    context: Context,
) -> list[AppendedEntry]:
    """One entry per query, each its search's own plus the batch id, committed before anything leaves; if any
    cannot be written, nothing leaves."""
    started = time.perf_counter()
    bodies = [
        {**search_audit_body(search, answer, candidates.examined, problem), "batch_id": request.query_id}
        for search, candidates, (_, problem), answer in zip(searches, found, decisions, answers, strict=True)
    ]
    try:
        appended = await asyncio.gather(*(service.audit.append(body) for body in bodies), return_exceptions=True)
    finally:
        service.metrics.audit_append_duration.observe(time.perf_counter() - started)
    failures = [item for item in appended if isinstance(item, BaseException)]
    if failures:
        if any(isinstance(item, asyncio.CancelledError) for item in failures):
            raise asyncio.CancelledError
        if any(isinstance(item, QueryReplayed) for item in failures):
            # Another process of the country answered one of its queries: the batch is a replay, nothing leaves.
            await service.admission.refuse_replayed(request, context)
        problem = next((str(item) for item in failures if isinstance(item, AuditError)), type(failures[0]).__name__)
        log_event(logger, "audit.unavailable", logging.ERROR, query_id=request.query_id, problem=problem)
        await abort(
            context,
            grpc.StatusCode.UNAVAILABLE,
            "AUDIT_UNAVAILABLE",
            "the node's audit log is unavailable; nothing was released",
        )
    return [item for item in appended if isinstance(item, AppendedEntry)]
