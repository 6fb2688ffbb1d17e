"""The Node gRPC service: validate, find and score candidates, ask the policy once, apply it, audit, answer."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import grpc

from fedcore import SOFTWARE_VERSION
from fedcore.answers import sign_response
from fedcore.logs import log_event
from fedcore.query import QueryCostExceeded
from fedcore.vocabulary import DISCLOSURE_NAMES, WITHHOLD_REASON_NAMES, ErrorReason
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from node.admission import Admission
from node.audit import AppendedEntry, AuditError, AuditLog
from node.audit_replays import QueryReplayed
from node.config import NodeConfig
from node.decisions import PolicyDecision, PolicyUnavailable
from node.disclosure import Match
from node.errors import abort
from node.followups.service import FollowUps
from node.metrics import NodeMetrics
from node.pgsql import PostgresDatabase
from node.policy import PolicyEngine
from node.probing import ProbeBudget, query_variant
from node.request import (
    MAX_QUERY_ID_LENGTH,
    RequestError,
    ValidSearch,
    validate_query_id,
    validate_requester,
    validate_search,
)
from node.screen import screen
from node.search import Answer, Found, build_answer, find_candidates, policy_input, rank, search_audit_body
from node.shared_limits import SharedLimitsUnavailable, SharedProbeBudget
from node.store import Store, StoreError
from node.storework import in_store

logger = logging.getLogger("fedgate.node")
NODE_SERVICE = pb.DESCRIPTOR.services_by_name["Node"].full_name

# Time kept back from the caller's deadline for applying the decision and writing the audit entry.
DEADLINE_RESERVE_S = 0.02


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
        self.probes = ProbeBudget(config.probe_variants_per_record, config.probe_window_s)
        # Several processes of the country on one database share each requester's budgets.
        self.shared_probes = (
            SharedProbeBudget(config.store, config.probe_variants_per_record, config.probe_window_s)
            if isinstance(config.store, PostgresDatabase)
            else None
        )
        self._revision_shown = ""
        self.follow_ups = FollowUps(config, store, policy)

    async def FollowUp(self, request: pb.FollowUpRequest, context: grpc.aio.ServicerContext) -> pb.FollowUpAnswer:  # type: ignore[type-arg]
        """Files a follow-up after a hit (node.followups): admitted as a search is."""
        await self.admission.admit_follow_up(request, context)
        return await self.follow_ups.file(request, context)

    async def FollowUpStatus(
        self,
        request: pb.FollowUpStatusRequest,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> pb.FollowUpAnswer:
        """Where a follow-up stands, to the agency that filed it; its data once released."""
        await self.admission.admit_follow_up(request, context)
        return await self.follow_ups.status(request, context)

    def close(self) -> None:
        self.follow_ups.close()
        self.admission.close()
        if self.shared_probes is not None:
            self.shared_probes.close()

    async def Search(self, request: pb.SearchRequest, context: grpc.aio.ServicerContext) -> pb.SearchResponse:  # type: ignore[type-arg]
        started = time.perf_counter()
        await self.admission.admit_search(request, context)
        await self._deadline_long_enough(request, context)
        async with self.admission.search_slot(request, context):
            try:
                return await self._search(request, context, started)
            except asyncio.CancelledError:
                # The caller went away (cancelled, or its deadline passed): nothing is answered, nothing more is
                # done. Its audit entry is written only if the search got as far as appending it.
                self.metrics.cancelled_searches.inc()
                log_event(logger, "search.cancelled", query_id=request.query_id[:MAX_QUERY_ID_LENGTH])
                raise

    async def Screen(self, request: pb.ScreenRequest, context: grpc.aio.ServicerContext) -> pb.ScreenResponse:  # type: ignore[type-arg]
        """A list screened in one call: admitted as its searches would be together (node.screen)."""
        await self.admission.admit_screen(request, context)
        await self._deadline_long_enough(request, context)
        async with self.admission.search_slot(request, context):
            try:
                return await screen(self, request, context)
            except asyncio.CancelledError:
                self.metrics.cancelled_searches.inc()
                log_event(logger, "screen.cancelled", query_id=request.query_id[:MAX_QUERY_ID_LENGTH])
                raise

    async def _deadline_long_enough(
        self,
        request: pb.SearchRequest | pb.ScreenRequest,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> None:
        """A deadline too short for any search gets DEADLINE_EXCEEDED at once, before any work is done."""
        remaining = context.time_remaining()
        minimum_ms = self.config.min_search_deadline_ms
        if remaining is not None and remaining * 1000 < minimum_ms:
            self.metrics.rejected_requests.labels("deadline_too_short").inc()
            log_event(logger, "search.deadline_too_short", query_id=request.query_id[:MAX_QUERY_ID_LENGTH])
            await abort(
                context,
                grpc.StatusCode.DEADLINE_EXCEEDED,
                "DEADLINE_TOO_SHORT",
                f"the call's deadline leaves less than {minimum_ms} ms, too little to search; nothing was searched",
            )

    async def _search(
        self,
        request: pb.SearchRequest,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
        started: float,
    ) -> pb.SearchResponse:
        search = await self._validated(request, context)
        found = await self._find(search, context)
        matched_at = time.perf_counter()
        decision, policy_problem = await self._decide(search, found, context)
        decided_at = time.perf_counter()
        matches: list[Match] = []
        over_budget: list[str] = []
        if decision is not None and not decision.refused:
            matches = rank(found, decision, search.limit, self.config.matching.min_score)
            over_budget = await self._probing(search, matches, context)
            if over_budget:
                matches = []
        answer = build_answer(self.config, search, found, decision, matches, over_budget)
        entry = await self._audit(request, search, answer, found.examined, policy_problem, context)
        # Signed with the rest: the entry's place and hash anchor the chain wherever the answer is kept.
        answer.response.audit_entry_id, answer.response.audit_seq, answer.response.audit_hash = entry
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
            candidates=found.examined,
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
            too_costly = isinstance(error.__cause__, QueryCostExceeded)
            reason: ErrorReason = "QUERY_COST_EXCEEDED" if too_costly else "QUERY_INVALID"
            await abort(context, grpc.StatusCode.INVALID_ARGUMENT, reason, str(error))

    async def _find(self, search: ValidSearch, context: grpc.aio.ServicerContext) -> Found:  # type: ignore[type-arg]
        def work(stop: threading.Event) -> Found:
            return find_candidates(self.store, search.query, search.limit, self.config.matching, stop)

        return await in_store(self.store, work, context, "search", search.query_id, at_once=True)

    async def _probing(
        self,
        search: ValidSearch,
        matches: list[Match],
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> list[str]:
        """The records this requester has already tried too many distinct queries against (none, mostly)."""
        if not matches:
            return []
        requester = (search.requester["country"], search.requester["agency"], search.requester["investigator"])
        variant = query_variant(search.query.schema.name, search.query.properties)
        refs = [match.record.ref for match in matches]
        if self.shared_probes is None:
            over = self.probes.admit(requester, variant, refs, time.monotonic())
        else:
            try:
                over = await self.shared_probes.admit("|".join(requester), variant, refs)
            except SharedLimitsUnavailable as error:
                log_event(logger, "probes.unavailable", logging.ERROR, query_id=search.query_id, problem=str(error))
                await abort(
                    context, grpc.StatusCode.UNAVAILABLE, "STORE_UNAVAILABLE", "the node's record store is unavailable"
                )
        if over:
            self.metrics.probe_refusals.labels(search.requester["country"]).inc()
            log_event(
                logger,
                "search.probe_budget_exceeded",
                logging.WARNING,
                query_id=search.query_id,
                requester_country=search.requester["country"],
                records=len(over),
            )
        return over

    async def _decide(
        self,
        search: ValidSearch,
        found: Found,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> tuple[PolicyDecision | None, str]:
        """The one decision for this search, or None (and why) when there is none to be had."""
        remaining = context.time_remaining()
        budget_s = remaining - DEADLINE_RESERVE_S if remaining is not None else None
        started = time.perf_counter()
        try:
            return await self.policy.decide_search(
                lambda reads: policy_input(self.config, search, found, reads),
                [c.record for c in found.candidates],
                budget_s,
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
        request: pb.SearchRequest,
        search: ValidSearch,
        answer: Answer,
        candidate_count: int,
        policy_problem: str,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> AppendedEntry:
        """Appends the search to the audit log; if that fails, nothing leaves. A query id another process of the
        country answered meanwhile is refused as a replay."""
        started = time.perf_counter()
        try:
            return await self.audit.append(search_audit_body(search, answer, candidate_count, policy_problem))
        except QueryReplayed:
            await self.admission.refuse_replayed(request, context)
        except AuditError as error:
            log_event(logger, "audit.unavailable", logging.ERROR, query_id=search.query_id, problem=str(error))
            await abort(
                context,
                grpc.StatusCode.UNAVAILABLE,
                "AUDIT_UNAVAILABLE",
                "the node's audit log is unavailable; nothing was released",
            )
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
        """What the node tells this requester about itself is its policy's decision: without one, only who it is."""
        await self.admission.admit_describe(request, context)
        try:
            query_id = validate_query_id(request.query_id)
            identity = validate_requester(request.requester)
        except RequestError as error:
            self.metrics.invalid_requests.inc()
            await abort(context, grpc.StatusCode.INVALID_ARGUMENT, "QUERY_INVALID", str(error))
        remaining = context.time_remaining()
        try:
            decision = await self.policy.describe(
                {"node_country": self.config.country, "requester": identity},
                remaining - DEADLINE_RESERVE_S if remaining is not None else None,
            )
            shows_schemata, shows_counts, revision = decision.schemata, decision.counts, decision.policy_revision
            policy_problem = ""
        except PolicyUnavailable as error:
            self.metrics.opa_failures.labels(error.kind).inc()
            log_event(logger, "policy.unavailable", logging.WARNING, query_id=query_id, kind=error.kind)
            shows_schemata, shows_counts, revision, policy_problem = False, False, "", error.kind
        response = pb.DescribeResponse(
            country=self.config.country, policy_revision=revision, software_version=SOFTWARE_VERSION
        )
        if shows_schemata:
            loop = asyncio.get_running_loop()
            try:
                counts = await loop.run_in_executor(self.store.executor, self.store.schema_counts)
            except StoreError:
                await abort(
                    context, grpc.StatusCode.UNAVAILABLE, "STORE_UNAVAILABLE", "the node's record store is unavailable"
                )
            for schema, count in sorted(counts.items()):
                item = response.schemata.add(schema=schema)
                if shows_counts:
                    item.records = count
        shown = {"schemata": shows_schemata, "counts": shows_counts, "policy_revision": bool(revision)}
        try:
            entry_id, _, _ = await self.audit.append(
                {
                    "kind": "describe",
                    "query_id": query_id,
                    "requester": identity,
                    # What left, never the counts themselves.
                    "shown": shown,
                    "policy_revision": revision,
                    "policy_problem": policy_problem,
                    "assertion": request.requester_assertion,
                }
            )
        except AuditError as error:
            log_event(logger, "audit.unavailable", logging.ERROR, query_id=query_id, problem=str(error))
            await abort(
                context,
                grpc.StatusCode.UNAVAILABLE,
                "AUDIT_UNAVAILABLE",
                "the node's audit log is unavailable; nothing was shown",
            )
        log_event(
            logger,
            "describe.answered",
            query_id=query_id,
            requester_country=identity["country"],
            shows_schemata=shows_schemata,
            shows_counts=shows_counts,
            shows_revision=bool(revision),
            audit_entry_id=entry_id,
        )
        return response
