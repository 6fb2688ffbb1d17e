"""The owning country's officer decides a follow-up: refuses it with a reason, or approves properties, of which
the country's policy then releases what it allows for this requester. Both steps, and what was released, go into
the audit chain; nothing is released that the officer did not approve or the policy did not allow. Run by
`fedgate node follow-ups decide` beside the serving node (the queue and the chain are shared with it)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime

from fedcore.answers import hit_document
from fedcore.canonical import canonical_bytes
from fedcore.vocabulary import OFFICER_REFUSALS
from fedgate.v1 import node_pb2 as pb
from node.audit import append_now
from node.config import NodeConfig
from node.decisions import PolicyDecision
from node.disclosure import decided_hit
from node.followups.policy import decide_input, parse_release
from node.followups.queue import PENDING, FollowUp, FollowUpQueue, follow_ups_location, iso, now_utc
from node.followups.service import step_body
from node.policy import PolicyEngine
from node.store import Store, StoredRecord

MAX_NOTE = 2000


class DecisionError(Exception):
    """The decision cannot be made as asked (the message says why); nothing was changed or released."""


@dataclass(frozen=True)
class OfficerDecision:
    officer: str
    # Properties approved for release; empty with a refusal.
    approve: tuple[str, ...] = ()
    # An OfficerRefusal name ("insufficient_reasons", …), or "" when approving.
    refuse: str = ""
    # The officer's own note, kept on the node (in the queue and the audit chain), never sent.
    note: str = ""


def check_decision(follow_up: FollowUp | None, follow_up_id: str, decision: OfficerDecision, now: datetime) -> FollowUp:
    if follow_up is None:
        raise DecisionError(f"no follow-up {follow_up_id} in this node's queue")
    if follow_up.state != PENDING:
        raise DecisionError(f"follow-up {follow_up_id} is {follow_up.state}, not pending: it cannot be decided again")
    if iso(now) >= follow_up.expires_at:
        raise DecisionError(f"follow-up {follow_up_id} expired at {follow_up.expires_at}: it can no longer be decided")
    if not decision.officer.strip() or len(decision.officer) > 128:
        raise DecisionError("the officer deciding must be named (at most 128 characters)")
    if len(decision.note) > MAX_NOTE:
        raise DecisionError(f"the note is longer than {MAX_NOTE} characters")
    if bool(decision.approve) == bool(decision.refuse):
        raise DecisionError("either approve properties or refuse with a reason, not both and not neither")
    if decision.refuse and decision.refuse not in OFFICER_REFUSALS:
        raise DecisionError(f"refusal reason {decision.refuse!r} is not one of {sorted(OFFICER_REFUSALS)}")
    unasked = sorted(set(decision.approve) - set(follow_up.requested))
    if unasked:
        raise DecisionError(f"{unasked} were not asked for (asked: {follow_up.requested}): only those can be approved")
    return follow_up


def decide_follow_up(
    config: NodeConfig, follow_up_id: str, decision: OfficerDecision, now: datetime | None = None
) -> FollowUp:
    """Applies the officer's decision; DecisionError (nothing changed) when it cannot be made, PolicyUnavailable
    when the policy cannot be asked (nothing released; the officer may try again)."""
    now = now or now_utc()
    queue = FollowUpQueue(follow_ups_location(config.audit_log))
    try:
        follow_up = check_decision(queue.get(follow_up_id), follow_up_id, decision, now)
        store = Store(config.store, busy_timeout_ms=config.busy_timeout_ms, workers=1)
        try:
            record = store.held([follow_up.record_ref]).get(follow_up.record_ref) if decision.approve else None
        finally:
            store.close()
        policy_decision = (
            asyncio.run(_ask_policy(config, follow_up, record, list(decision.approve))) if record else None
        )
        follow_up.decided_at, follow_up.officer = iso(now), decision.officer
        follow_up.approved, follow_up.officer_note = sorted(decision.approve), decision.note
        released: pb.Hit | None = None
        if decision.refuse:
            follow_up.state, follow_up.refusal, follow_up.officer_refusal = "refused", "officer", decision.refuse
        elif record is None or policy_decision is None:
            follow_up.state, follow_up.refusal = "refused", "record_withdrawn"
        elif policy_decision.refused or policy_decision.for_record(record.ref) is None:
            follow_up.state, follow_up.refusal = "refused", "policy"
            follow_up.policy_refusal_reason = policy_decision.refusal_reason
            follow_up.policy_revision = policy_decision.revision
        else:
            released = decided_hit(record, policy_decision.records[record.ref], config.contact)
            follow_up.state, follow_up.released = "released", released
            follow_up.policy_revision = policy_decision.revision
        with queue.transaction() as connection:
            queue.update(connection, follow_up, PENDING)
            append_now(
                config.audit_log,
                step_body(
                    "decided",
                    follow_up,
                    officer=decision.officer,
                    approved=follow_up.approved,
                    officer_refusal=decision.refuse,
                    officer_note=decision.note,
                    refusal=follow_up.refusal,
                    policy_refusal_reason=follow_up.policy_refusal_reason,
                ),
            )
            if released is not None:
                document = hit_document(released)
                append_now(
                    config.audit_log,
                    step_body(
                        "released",
                        follow_up,
                        disclosure=document["disclosure"],
                        released=sorted(document["properties"]),
                        withheld=document["withheld"],
                        generalised=document["generalised"],
                        policy_revision=follow_up.policy_revision,
                        # What left, never the values: the digest of the released hit as the answer shows it.
                        released_sha256=hashlib.sha256(canonical_bytes(document)).hexdigest(),
                    ),
                )
        return follow_up
    finally:
        queue.close()


async def _ask_policy(
    config: NodeConfig, follow_up: FollowUp, record: StoredRecord, approved: list[str]
) -> PolicyDecision:
    engine = PolicyEngine(config.opa)
    await engine.start()
    try:
        raw = await engine.decide_follow_up(
            lambda reads: decide_input(follow_up, config.country, record, approved, reads)
        )
        return parse_release(raw, record, approved)
    finally:
        await engine.close()
