"""Who may ask this node: the client's certificate, the gateway's requester assertion, replays, rate limits.

Searches and describes pass the same checks; a search also needs one of its requester's concurrent slots.
Every refusal here is audited (with what the request claimed, never a search) before the error leaves.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeAlias

import grpc

from fedcore.assertion import AssertedRequest, AssertionRejected, purpose_claim, verify_assertion
from fedcore.logs import log_event
from fedcore.ratelimit import RateLimiter
from fedcore.vocabulary import CLEARANCE_NAMES, ErrorReason
from fedgate.v1 import node_pb2 as pb
from node.audit import AuditError, AuditLog
from node.audit_replays import REPLAY_WINDOW_S
from node.config import NodeConfig
from node.errors import abort
from node.metrics import NodeMetrics
from node.pgsql import PostgresDatabase
from node.shared_limits import SharedLimitsUnavailable, SharedRateLimiter

logger = logging.getLogger("fedgate.node")
# How much of a refused request's query id the audit entry and the log keep.
MAX_LOGGED_QUERY_ID = 128

Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"
REQUEST_KINDS: dict[type[AssertedRequest], str] = {
    pb.SearchRequest: "search",
    pb.DescribeRequest: "describe",
    pb.ScreenRequest: "screen",
    pb.FollowUpRequest: "follow_up",
    pb.FollowUpStatusRequest: "follow_up_status",
}


class ReplayGuard:
    """Query ids answered recently; an assertion cannot be used twice within its lifetime."""

    def __init__(self, window_s: float = REPLAY_WINDOW_S) -> None:
        self.window_s = window_s
        self._until: dict[str, float] = {}

    def claim(self, query_id: str, now: float) -> bool:
        """True the first time a query id is seen within the window (and remembers it)."""
        if len(self._until) > 10_000:
            self._until = {key: until for key, until in self._until.items() if until > now}
        if self._until.get(query_id, 0.0) > now:
            return False
        self._until[query_id] = now + self.window_s
        return True

    def seed(self, answered: list[tuple[str, str]], now: float) -> None:
        """Remembers searches answered before a restart (query id, ISO time recorded)."""
        wall_now = datetime.now(UTC)
        for query_id, recorded_at in answered:
            age_s = (wall_now - datetime.fromisoformat(recorded_at)).total_seconds()
            self._until[query_id] = now + self.window_s - age_s


Requester = tuple[str, str, str]


def requester_key(request: AssertedRequest) -> Requester:
    """Who is asking, as the verified assertion vouches: country, agency, investigator."""
    return (request.requester.country, request.requester.agency, request.requester.investigator_id)


class ConcurrentSearches:
    """Searches in progress per requester: one investigator's searches cannot take every store thread or make
    another's wait."""

    def __init__(self, per_requester: int) -> None:
        self.per_requester = per_requester
        self._running: dict[Requester, int] = {}

    @property
    def in_progress(self) -> int:
        return sum(self._running.values())

    def try_acquire(self, requester: Requester) -> bool:
        running = self._running.get(requester, 0)
        if running >= self.per_requester:
            return False
        self._running[requester] = running + 1
        return True

    def release(self, requester: Requester) -> None:
        running = self._running.pop(requester) - 1
        if running:
            self._running[requester] = running


class Admission:
    def __init__(self, config: NodeConfig, audit: AuditLog, metrics: NodeMetrics) -> None:
        self.config = config
        self.audit = audit
        self.metrics = metrics
        self.replays = ReplayGuard()
        self.rate = RateLimiter(config.searches_per_requester, config.rate_window_s)
        # Several processes of the country on one database share one allowance per requester.
        self.shared_rate = (
            SharedRateLimiter(config.store, config.searches_per_requester, config.rate_window_s)
            if isinstance(config.store, PostgresDatabase)
            else None
        )
        self.concurrent = ConcurrentSearches(config.concurrent_searches_per_requester)

    def close(self) -> None:
        if self.shared_rate is not None:
            self.shared_rate.close()

    def remember_answered(self) -> None:
        """At start-up (blocking read): query ids answered before a restart stay unusable for their window."""
        since = datetime.now(UTC) - timedelta(seconds=REPLAY_WINDOW_S)
        self.replays.seed(self.audit.answered_since(since), time.monotonic())

    async def authorise_peer(self, context: Context) -> None:
        """With mutual TLS, only a gateway's certificate may call; the CA check happened in the handshake."""
        if self.config.tls is None:
            return
        auth = context.auth_context()
        names = {value.decode() for value in auth.get("x509_subject_alternative_name", [])}
        if not names & set(self.config.allowed_clients):
            self.metrics.rejected_requests.labels("client_not_allowed").inc()
            log_event(logger, "request.client_not_allowed", logging.WARNING, client_names=sorted(names))
            await abort(
                context,
                grpc.StatusCode.PERMISSION_DENIED,
                "CLIENT_NOT_ALLOWED",
                "this client certificate does not belong to a gateway",
            )

    async def admit_search(self, request: pb.SearchRequest, context: Context) -> None:
        """Verifies the assertion, refuses replays and requesters over their rate; audits every refusal."""
        await self._admit(request, context)

    async def admit_screen(self, request: pb.ScreenRequest, context: Context) -> None:
        """As a search, counted honestly: one rate-limit token per query, and every query id (not only the
        batch's) claimed against replays, so a batch replays nothing a search could not."""
        await self._admit(request, context, cost=max(len(request.queries), 1))
        now = time.monotonic()
        if not all([self.replays.claim(item.query_id, now) for item in request.queries]):
            await self.refuse_replayed(request, context)

    @contextlib.asynccontextmanager
    async def search_slot(self, request: pb.SearchRequest | pb.ScreenRequest, context: Context) -> AsyncIterator[None]:
        """Holds one of the requester's concurrent searches for the block; refuses (audited) when all are held."""
        requester = requester_key(request)
        if not self.concurrent.try_acquire(requester):
            message = f"at most {self.concurrent.per_requester} searches at a time per requester"
            await self._refuse(
                request,
                context,
                "too_many_concurrent",
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "REQUESTER_CONCURRENCY",
                message,
            )
        self.metrics.searches_in_progress.inc()
        try:
            yield
        finally:
            self.concurrent.release(requester)
            self.metrics.searches_in_progress.dec()

    async def admit_describe(self, request: pb.DescribeRequest, context: Context) -> None:
        """What the node tells about itself depends on who asks: the same checks as a search."""
        await self._admit(request, context)

    async def admit_follow_up(self, request: pb.FollowUpRequest | pb.FollowUpStatusRequest, context: Context) -> None:
        """A follow-up, or a question about one: the same checks as a search, one rate-limit token each."""
        await self._admit(request, context)

    async def _admit(self, request: AssertedRequest, context: Context, cost: int = 1) -> None:
        await self.authorise_peer(context)
        try:
            claims = verify_assertion(request, self.config.country, self.config.gateway_keys)
        except AssertionRejected as rejection:
            await self._refuse(
                request, context, rejection.code, rejection.status, "ASSERTION_REJECTED", rejection.message
            )
            return
        del claims  # verified: the request's own fields are the ones that were signed
        if not self.replays.claim(request.query_id, time.monotonic()):
            await self.refuse_replayed(request, context)
            return
        retry_after = await self._acquire(request, context, cost)
        if retry_after > 0:
            message = (
                f"rate limit: {self.config.searches_per_requester} searches per {self.config.rate_window_s:g} s "
                f"per requester; retry in {retry_after:.1f} s"
            )
            await self._refuse(
                request,
                context,
                "rate_limited",
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "REQUESTER_RATE_LIMITED",
                message,
                retry_after_s=retry_after,
            )

    async def _acquire(self, request: AssertedRequest, context: Context, cost: int) -> float:
        """The requester's rate-limit tokens: in this process, or shared by the country's processes (PostgreSQL)."""
        key = requester_key(request)
        if self.shared_rate is None:
            return self.rate.acquire(key, cost)
        try:
            return await self.shared_rate.acquire("|".join(key), cost)
        except SharedLimitsUnavailable as error:
            log_event(logger, "rates.unavailable", logging.ERROR, problem=str(error))
            await abort(
                context, grpc.StatusCode.UNAVAILABLE, "STORE_UNAVAILABLE", "the node's record store is unavailable"
            )

    async def refuse_replayed(self, request: AssertedRequest, context: Context) -> NoReturn:
        """A query id already answered (here, or by another process of the country: node.audit_replays)."""
        batch = isinstance(request, pb.ScreenRequest)
        message = "a query id of this batch was already answered" if batch else "this query id was already answered"
        await self._refuse(request, context, "replayed", grpc.StatusCode.PERMISSION_DENIED, "QUERY_REPLAYED", message)

    async def _refuse(
        self,
        request: AssertedRequest,
        context: Context,
        code: str,
        status: grpc.StatusCode,
        reason: ErrorReason,
        message: str,
        retry_after_s: float | None = None,
    ) -> NoReturn:
        self.metrics.rejected_requests.labels(code).inc()
        kind = REQUEST_KINDS[type(request)]
        body: dict[str, Any] = {
            "kind": "rejected",
            "request": kind,
            "query_id": request.query_id[:MAX_LOGGED_QUERY_ID],
            "reason": code,
            "status": status.name,
            "claimed_requester": {
                "country": request.requester.country[:8],
                "agency": request.requester.agency[:128],
                "investigator": request.requester.investigator_id[:128],
                "clearance": CLEARANCE_NAMES.get(request.requester.clearance, ""),
            },
            "purpose": purpose_claim(request),
            "assertion": request.requester_assertion[:4096],
        }
        try:
            entry_id = (await self.audit.append(body)).entry_id
        except AuditError as error:
            log_event(logger, "audit.unavailable", logging.ERROR, problem=str(error))
            await abort(
                context, grpc.StatusCode.UNAVAILABLE, "AUDIT_UNAVAILABLE", "the node's audit log is unavailable"
            )
        log_event(
            logger,
            f"{kind}.rejected",
            logging.WARNING,
            query_id=request.query_id[:MAX_LOGGED_QUERY_ID],
            reason=code,
            audit_entry_id=entry_id,
        )
        await abort(context, status, reason, f"{message} (audit entry {entry_id})", retry_after_s)
