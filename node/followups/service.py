"""The node's side of follow-ups: filing one after a hit (checked against the policy, the node's own audit of
hits, the records held and the open follow-ups), and answering where one stands, releasing its data once decided.
Every step is in the audit chain, with the requester's signed assertion, before the answer leaves."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta
from typing import Any, NoReturn

import grpc

from fedcore.answers import sign_follow_up
from fedcore.logs import log_event
from fedcore.vocabulary import FOLLOW_UP_REFUSALS, FOLLOW_UP_STATES, OFFICER_REFUSALS, REFUSAL_REASONS
from fedgate.v1 import node_pb2 as pb
from node.audit import AppendedEntry, AuditError, append_now, open_for_reading
from node.audit_hits import had_hit
from node.config import NodeConfig
from node.decisions import PolicyUnavailable
from node.errors import abort
from node.followups.policy import filing_input, parse_filing
from node.followups.queue import (
    PENDING,
    FollowUp,
    FollowUpQueue,
    QueueError,
    due_times,
    follow_ups_location,
    iso,
    now_utc,
)
from node.followups.requests import ValidFollowUp, validate_follow_up, validate_follow_up_id
from node.pgsql import DATABASE_ERRORS
from node.policy import PolicyEngine
from node.request import RequestError, validate_query_id, validate_requester
from node.store import Store, StoreError

logger = logging.getLogger("fedgate.node")
Context = Any  # grpc.aio.ServicerContext
# How far back a hit answered to the requesting agency allows a follow-up on its record.
PRIOR_HIT_WINDOW = timedelta(days=90)
DEADLINE_RESERVE_S = 0.05


def build_answer(follow_up: FollowUp, country: str, entry: AppendedEntry, now: datetime) -> pb.FollowUpAnswer:
    """The follow-up as its filer may see it: its state, times and refusal, and once released, the released hit."""
    answer = pb.FollowUpAnswer(
        follow_up_id=follow_up.id,
        country=country,
        state=FOLLOW_UP_STATES[follow_up.shown_state(now)],
        record_ref=follow_up.record_ref,
        filed_at=follow_up.filed_at,
        due_at=follow_up.due_at if follow_up.state != "refused" or follow_up.decided_at else "",
        decided_at=follow_up.decided_at,
        policy_revision=follow_up.policy_revision,
        duplicate_of=follow_up.duplicate_of,
        audit_entry_id=entry.entry_id,
        audit_seq=entry.seq,
        audit_hash=entry.hash,
    )
    if follow_up.refusal:
        answer.refusal = FOLLOW_UP_REFUSALS[follow_up.refusal]
    if follow_up.policy_refusal_reason:
        answer.policy_refusal_reason = REFUSAL_REASONS[follow_up.policy_refusal_reason]
    if follow_up.officer_refusal:
        answer.officer_refusal = OFFICER_REFUSALS[follow_up.officer_refusal]
    if follow_up.state == "released" and follow_up.released is not None:
        answer.released.CopyFrom(follow_up.released)
    return answer


def step_body(step: str, follow_up: FollowUp, **extra: Any) -> dict[str, Any]:
    """A follow-up step's audit entry: which follow-up, whose, on which record, where it stands."""
    return {
        "kind": "follow_up",
        "step": step,
        "query_id": follow_up.id,
        "requester": follow_up.requester,
        "record_ref": follow_up.record_ref,
        "state": follow_up.state,
        **extra,
    }


def expire_follow_ups(config: NodeConfig, queue: FollowUpQueue, now: datetime | None = None) -> list[str]:
    """Closes the pending follow-ups past their expiry time, each with its audit entry; their ids."""
    now = now or now_utc()
    expired = []
    for follow_up in queue.expirable(now):
        follow_up.state = "expired"
        with queue.transaction() as connection:
            queue.update(connection, follow_up, PENDING)
            append_now(config.audit_log, step_body("expired", follow_up, due_at=follow_up.due_at))
        expired.append(follow_up.id)
    return expired


class FollowUps:
    """Follow-up calls of one node process. The queue's work runs in a thread, one call at a time (follow-ups are
    rare and each is a few statements); several node processes of a country share the queue in PostgreSQL."""

    def __init__(self, config: NodeConfig, store: Store, policy: PolicyEngine) -> None:
        self.config = config
        self.store = store
        self.policy = policy
        self.queue = FollowUpQueue(follow_ups_location(config.audit_log))
        self._lock = threading.Lock()

    def close(self) -> None:
        """Waits for queue work still running in a thread (an expiry sweep whose task was cancelled goes on in its
        thread): closing the connection under it would crash the process."""
        with self._lock:
            self.queue.close()

    def expire(self, now: datetime | None = None) -> list[str]:
        """Closes the pending follow-ups past their expiry time (blocking)."""
        with self._lock:
            return expire_follow_ups(self.config, self.queue, now)

    async def file(self, request: pb.FollowUpRequest, context: Context) -> pb.FollowUpAnswer:
        try:
            valid = validate_follow_up(request, self.config.country)
        except RequestError as error:
            await abort(context, grpc.StatusCode.INVALID_ARGUMENT, "QUERY_INVALID", str(error))
        remaining = context.time_remaining()
        budget = remaining - DEADLINE_RESERVE_S if remaining is not None else None
        try:
            filing = parse_filing(
                await self.policy.decide_follow_up(
                    lambda reads: filing_input(valid, self.config.country, reads), budget
                )
            )
        except PolicyUnavailable as error:
            log_event(logger, "follow_up.policy_unavailable", logging.WARNING, query_id=valid.id, kind=error.kind)
            entry = await self._in_thread(self._audit_only, valid, error.kind, context)
            await abort(
                context,
                grpc.StatusCode.UNAVAILABLE,
                "POLICY_UNAVAILABLE",
                f"the country's policy could not be asked; nothing was filed (audit entry {entry.entry_id})",
            )
        now = now_utc()
        due_at, expires_at = due_times(now, filing.due_hours, filing.expire_hours)
        follow_up = FollowUp(
            id=valid.id,
            requester=valid.requester,
            purpose=valid.purpose,
            record_ref=valid.record_ref,
            case_reference=valid.case_reference,
            reasons=valid.reasons,
            legal_basis=valid.legal_basis,
            requested=valid.requested,
            urgency=valid.urgency,
            assertion=valid.assertion,
            filed_at=iso(now),
            due_at=due_at if not filing.refused else iso(now),
            expires_at=expires_at if not filing.refused else iso(now),
            policy_revision=filing.revision,
        )
        if filing.refused:
            follow_up.state, follow_up.refusal = "refused", "policy"
            follow_up.policy_refusal_reason = filing.refusal_reason
        entry = await self._in_thread(self._file, follow_up, now, context)
        log_event(
            logger,
            "follow_up.received",
            query_id=follow_up.id,
            requester_country=follow_up.requester["country"],
            state=follow_up.state,
            refusal=follow_up.refusal,
            audit_entry_id=entry.entry_id,
        )
        answer = build_answer(follow_up, self.config.country, entry, now)
        sign_follow_up(answer, self.config.signing_key)
        return answer

    def _audit_only(self, valid: ValidFollowUp, problem: str) -> AppendedEntry:
        return append_now(
            self.config.audit_log,
            {
                "kind": "follow_up",
                "step": "received",
                "query_id": valid.id,
                "requester": valid.requester,
                "record_ref": valid.record_ref,
                "state": "not_filed",
                "policy_problem": problem,
                "assertion": valid.assertion,
            },
        )

    def _file(self, follow_up: FollowUp, now: datetime) -> AppendedEntry:
        """Refuses a follow-up on a record the agency had no hit on, or that is no longer held, or already has an
        open follow-up of the agency's; queues it otherwise. Checked in that order, after the policy's refusal:
        a requester the policy refuses, or who had no hit, learns nothing of the record."""
        requester = follow_up.requester
        if follow_up.state == PENDING:
            if not self._had_hit(follow_up, now):
                follow_up.state, follow_up.refusal = "refused", "no_prior_hit"
            elif not self.store.held([follow_up.record_ref]):
                follow_up.state, follow_up.refusal = "refused", "record_withdrawn"
        with self.queue.transaction() as connection:
            if follow_up.state == PENDING:
                existing = self.queue.open_on(
                    connection, follow_up.record_ref, requester["country"], requester["agency"]
                )
                if existing is not None:
                    follow_up.state, follow_up.refusal, follow_up.duplicate_of = "refused", "duplicate", existing
            if follow_up.state != PENDING:
                follow_up.due_at = follow_up.expires_at = follow_up.filed_at
            self.queue.insert(connection, follow_up)
            return append_now(
                self.config.audit_log,
                step_body(
                    "received",
                    follow_up,
                    purpose=follow_up.purpose,
                    case_reference=follow_up.case_reference,
                    reasons=follow_up.reasons,
                    legal_basis=follow_up.legal_basis,
                    requested=follow_up.requested,
                    urgency=follow_up.urgency,
                    due_at=follow_up.due_at,
                    refusal=follow_up.refusal,
                    policy_refusal_reason=follow_up.policy_refusal_reason,
                    duplicate_of=follow_up.duplicate_of,
                    policy_revision=follow_up.policy_revision,
                    assertion=follow_up.assertion,
                ),
            )

    def _had_hit(self, follow_up: FollowUp, now: datetime) -> bool:
        since = (now - PRIOR_HIT_WINDOW).isoformat(timespec="microseconds")
        connection = open_for_reading(self.config.audit_log)
        try:
            requester = follow_up.requester
            return had_hit(connection, follow_up.record_ref, requester["country"], requester["agency"], since)
        finally:
            connection.close()

    async def status(self, request: pb.FollowUpStatusRequest, context: Context) -> pb.FollowUpAnswer:
        try:
            validate_query_id(request.query_id)
            follow_up_id = validate_follow_up_id(request.follow_up_id, self.config.country, "follow_up_id")
            requester = validate_requester(request.requester)
        except RequestError as error:
            await abort(context, grpc.StatusCode.INVALID_ARGUMENT, "QUERY_INVALID", str(error))
        now = now_utc()
        found, entry = await self._in_thread(
            self._status, follow_up_id, requester, request.query_id, request.requester_assertion, now, context
        )
        if found is None:
            await abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                "FOLLOW_UP_NOT_FOUND",
                f"no follow-up {follow_up_id} filed by this agency (audit entry {entry.entry_id})",
            )
        answer = build_answer(found, self.config.country, entry, now)
        sign_follow_up(answer, self.config.signing_key)
        return answer

    def _status(
        self, follow_up_id: str, requester: dict[str, str], query_id: str, assertion: str, now: datetime
    ) -> tuple[FollowUp | None, AppendedEntry]:
        """The follow-up if the asking agency filed it; each look is audited, the first after release as its
        collection."""
        follow_up = self.queue.get(follow_up_id)
        mine = follow_up is not None and (follow_up.requester["country"], follow_up.requester["agency"]) == (
            requester["country"],
            requester["agency"],
        )
        if follow_up is None or not mine:
            body = {
                "kind": "follow_up",
                "step": "status",
                "query_id": follow_up_id,
                "status_query_id": query_id,
                "requester": requester,
                "found": False,
                "assertion": assertion,
            }
            return None, append_now(self.config.audit_log, body)
        shown = follow_up.shown_state(now)
        with self.queue.transaction() as connection:
            step = "status"
            if follow_up.state == "released":
                step = "collected"
                if not follow_up.collected_at:
                    follow_up.collected_at = iso(now)
                    self.queue.update(connection, follow_up, "released")
            entry = append_now(
                self.config.audit_log,
                step_body(
                    step,
                    follow_up,
                    status_query_id=query_id,
                    asked_by=requester,
                    shown_state=shown,
                    assertion=assertion,
                ),
            )
        return follow_up, entry

    async def _in_thread(self, work: Any, *args: Any) -> Any:
        """Runs queue work in a thread, one at a time; a queue, store or audit failure ends the call (nothing
        left the node)."""
        *arguments, context = args

        def locked() -> Any:
            with self._lock:
                return work(*arguments)

        try:
            return await asyncio.to_thread(locked)
        except AuditError as error:
            log_event(logger, "audit.unavailable", logging.ERROR, problem=str(error))
            await _unavailable(context, "AUDIT_UNAVAILABLE", "the node's audit log is unavailable; nothing was done")
        except (QueueError, StoreError, *DATABASE_ERRORS) as error:
            log_event(logger, "follow_up.queue_unavailable", logging.ERROR, problem=str(error))
            await _unavailable(
                context, "STORE_UNAVAILABLE", "the node's follow-up queue is unavailable; nothing was done"
            )


async def _unavailable(context: Context, reason: Any, message: str) -> NoReturn:
    await abort(context, grpc.StatusCode.UNAVAILABLE, reason, message)
