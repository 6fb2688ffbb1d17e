"""What a follow-up asks the country's policy (stage "follow_up"), and its answers checked strictly: any doubt is
PolicyUnavailable, and nothing is filed or released."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcore.vocabulary import POLICY_REFUSAL_REASONS, WITHHOLD_REASONS
from node.decisions import PolicyDecision, PolicyUnavailable, malformed, parse_decision
from node.followups.queue import FollowUp
from node.followups.requests import ValidFollowUp
from node.search import policy_record
from node.store import StoredRecord

FILING_KEYS = frozenset({"policy_revision", "refused", "refusal_reason", "due_hours", "expire_hours", "records"})
# A due time beyond a year is not a deadline.
MAX_HOURS = 24 * 366


@dataclass(frozen=True)
class FilingDecision:
    revision: str
    refused: bool
    refusal_reason: str
    due_hours: float
    expire_hours: float


def _input(follow_up: ValidFollowUp | FollowUp, country: str, step: str, reads: frozenset[str]) -> dict[str, Any]:
    return {
        "stage": "follow_up",
        "step": step,
        "query_id": follow_up.id,
        "node_country": country,
        "requester": follow_up.requester,
        "purpose": follow_up.purpose,
        "legal_basis": follow_up.legal_basis,
        "urgency": follow_up.urgency,
        "requested": follow_up.requested,
        "approved": [],
        "reads": sorted(reads),
        "records": [],
    }


def filing_input(follow_up: ValidFollowUp, country: str, reads: frozenset[str]) -> dict[str, Any]:
    """Whether the country takes this follow-up, and when it is due: no record is looked at yet."""
    return _input(follow_up, country, "file", reads)


def decide_input(
    follow_up: FollowUp, country: str, record: StoredRecord, approved: list[str], reads: frozenset[str]
) -> dict[str, Any]:
    """What may leave of the record within what the officer approved: the record as a search's input shows it."""
    return {
        **_input(follow_up, country, "decide", reads),
        "approved": sorted(approved),
        "records": [policy_record(record, reads)],
    }


def _hours(result: dict[str, Any], key: str) -> float:
    value = result.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_HOURS:
        raise malformed(f"{key} is not a number of hours in (0, {MAX_HOURS}]")
    return float(value)


def parse_filing(raw: Any) -> FilingDecision:
    if not isinstance(raw, dict) or not isinstance(raw.get("result"), dict):
        raise malformed("the follow-up decision is undefined or not an object")
    result = raw["result"]
    revision, refused, reason = result.get("policy_revision"), result.get("refused"), result.get("refusal_reason")
    if not isinstance(revision, str) or not isinstance(refused, bool) or not isinstance(reason, str):
        raise malformed("policy_revision, refused or refusal_reason missing or of the wrong type")
    if result.get("records") != {}:
        raise malformed("a follow-up's filing decision decides on records")
    if refused:
        if reason not in POLICY_REFUSAL_REASONS:
            raise malformed(f"unknown refusal reason {reason!r}")
        return FilingDecision(revision, True, reason, 0.0, 0.0)
    if result.keys() != FILING_KEYS:
        raise malformed(f"the follow-up's filing decision is not an object with exactly {sorted(FILING_KEYS)}")
    return FilingDecision(revision, False, "", _hours(result, "due_hours"), _hours(result, "expire_hours"))


def parse_release(raw: Any, record: StoredRecord, approved: list[str]) -> PolicyDecision:
    """The decision on the record, checked as a search's, and never releasing what the officer did not approve."""
    decision = parse_decision(raw, [record], refusals=POLICY_REFUSAL_REASONS, reasons=frozenset(WITHHOLD_REASONS))
    for ref, record_decision in decision.records.items():
        beyond = record_decision.release - set(approved)
        if beyond:
            raise PolicyUnavailable(
                "malformed",
                f"the decision for record {ref} releases {sorted(beyond)}, which the officer did not approve",
            )
    return decision
