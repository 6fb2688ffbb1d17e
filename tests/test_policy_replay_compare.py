"""What one replayed search would show beside what its audit entry says was shown (no I/O)."""

from __future__ import annotations

from typing import Any

from followthemoney import model

from fedcore.query import validate_query
from fedtools.replay import PastSearch, Prepared, compare
from node.matching import prepare_query
from node.policy import PolicyDecision, RecordDecision
from node.request import ValidSearch
from node.search import Candidate, Found
from node.store import StoredRecord

REQUESTER = {"country": "UA", "agency": "NPU", "investigator": "ua-1", "clearance": "confidential"}
RECORD = StoredRecord(7, "r-1", model["Person"], {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}, [])
FULL = RecordDecision("full", frozenset({"name", "birthDate"}), {}, {}, frozenset({"name", "birthDate"}), "released")


def audited(decision: RecordDecision | None, reported: bool) -> dict[str, Any]:
    """The audit entry the node writes for RECORD (node.disclosure.audit_record)."""
    if decision is None:
        return {"ref": RECORD.ref, "reported": False, "disclosure": "none"}
    return {
        "ref": RECORD.ref,
        "reported": reported,
        "disclosure": decision.disclosure,
        "released": sorted(decision.release),
        "generalised": dict(decision.generalise),
        "withheld": dict(decision.withheld),
        "match_on": sorted(decision.match_on),
    }


def replayed(then: dict[str, Any], outcome: str = "hit", refusal_reason: str = "") -> Prepared:
    query = validate_query("Person", {"name": ["Ivan Petrov"]})
    past = PastSearch(
        1,
        "2026-11-02T10:00:00+00:00",
        "q-1",
        REQUESTER,
        "fugitive",
        "Person",
        query.properties,
        10,
        outcome,
        refusal_reason,
        "ua-old",
        [then],
    )
    found = Found(prepare_query(query), 1, [Candidate(RECORD, False)])
    return Prepared(past, ValidSearch("q-1", REQUESTER, "fugitive", query, 10, ""), found, 0, {})


def answered(decision: RecordDecision | None) -> PolicyDecision:
    return PolicyDecision("ua-new", False, "", {RECORD.ref: decision} if decision else {})


def kinds(prepared: Prepared, decision: PolicyDecision) -> dict[str, int]:
    return dict(compare(prepared, decision, "", 0.7).kinds())


def test_the_same_decision_changes_nothing() -> None:
    outcome = compare(replayed(audited(FULL, reported=True)), answered(FULL), "", 0.7)
    assert not outcome.changed


def test_a_refusal_gained_withholds_everything_that_left() -> None:
    outcome = compare(
        replayed(audited(FULL, reported=True)), PolicyDecision("ua-new", True, "purpose_not_accepted", {}), "", 0.7
    )
    assert outcome.search_kind == "refusal gained"
    assert [(r.old, r.new) for r in outcome.records] == [("full", "none")]
    assert [(c.property, c.kind, c.detail) for c in outcome.records[0].properties] == [
        ("birthDate", "released -> withheld", "search refused (purpose_not_accepted)"),
        ("name", "released -> withheld", "search refused (purpose_not_accepted)"),
    ]


def test_generalising_a_birth_date_is_reported_as_such() -> None:
    generalised = RecordDecision("full", FULL.release, {"birthDate": "year"}, {}, frozenset({"name"}), "released")
    then = RecordDecision("full", FULL.release, {}, {}, frozenset({"name"}), "released")
    assert kinds(replayed(audited(then, reported=True)), answered(generalised)) == {"released -> generalised": 1}


def test_a_record_not_mentioned_then_is_ranked_again_and_reported() -> None:
    hit_only = RecordDecision(
        "hit_only",
        frozenset(),
        {},
        {"name": "hit_only_requester", "birthDate": "hit_only_requester"},
        frozenset({"name"}),
        "band",
    )
    assert kinds(replayed(audited(None, reported=False)), answered(hit_only)) == {"none -> hit_only": 1}


def test_a_record_withheld_then_and_released_now_says_why_it_was_withheld() -> None:
    then = RecordDecision(
        "partial", frozenset({"name"}), {}, {"birthDate": "not_shared_with_requester"}, frozenset({"name"}), "released"
    )
    outcome = compare(replayed(audited(then, reported=True)), answered(FULL), "", 0.7)
    assert outcome.kinds() == {"partial -> full": 1, "withheld -> released": 1}
    change = outcome.records[0].properties[0]
    assert (change.property, change.detail) == ("birthDate", "was: not_shared_with_requester")
