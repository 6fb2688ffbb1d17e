"""What one replayed search would show beside what its audit entry says was shown (no I/O)."""

from __future__ import annotations

from typing import Any

from followthemoney import model

from fedcore.query import validate_query
from fedtools.replay_compare import PastSearch, Prepared, compare
from node.decisions import PolicyDecision, RecordDecision
from node.disclosure import score_shown
from node.matching import prepare_query
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
        "score_shown": score_shown(decision),
    }


def replayed(
    then: dict[str, Any], outcome: str = "hit", refusal_reason: str = "", over_budget: frozenset[str] = frozenset()
) -> Prepared:
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
    search = ValidSearch("q-1", REQUESTER, "fugitive", query, 10, "")
    return Prepared(past, search, found, 0, {}, outcome == "refused", over_budget)


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


def test_a_score_shown_otherwise_is_a_change_of_its_own() -> None:
    banded = RecordDecision("full", FULL.release, {}, {}, FULL.match_on, "band")
    assert kinds(replayed(audited(FULL, reported=True)), answered(banded)) == {"score released -> band": 1}
    assert kinds(replayed(audited(banded, reported=True)), answered(FULL)) == {"score band -> released": 1}


def test_a_hit_only_record_shows_no_score_whatever_the_policy_says() -> None:
    hit_only = RecordDecision("hit_only", frozenset(), {}, {"name": "hit_only_requester"}, frozenset({"name"}), "none")
    scored = RecordDecision(
        "hit_only", frozenset(), {}, {"name": "hit_only_requester"}, frozenset({"name"}), "released"
    )
    assert not compare(replayed(audited(hit_only, reported=True)), answered(scored), "", 0.7).changed


def test_an_entry_that_does_not_say_how_the_score_was_shown_is_not_compared_on_it() -> None:
    older = audited(FULL, reported=True)
    del older["score_shown"]
    banded = RecordDecision("full", FULL.release, {}, {}, FULL.match_on, "band")
    assert not compare(replayed(older), answered(banded), "", 0.7).changed


PROBED = {"ref": RECORD.ref, "disclosure": "none", "probe_budget_exceeded": True}


def probed() -> Prepared:
    """A search the node refused because its requester had tried too many queries against RECORD."""
    return replayed(PROBED, "refused", "probe_budget_exceeded", frozenset({RECORD.ref}))


def test_a_probed_record_still_reported_is_refused_again_by_the_node() -> None:
    assert not compare(probed(), answered(FULL), "", 0.7).changed


def test_a_probed_record_no_longer_mentioned_lets_the_search_be_answered() -> None:
    outcome = compare(probed(), answered(None), "", 0.7)
    assert (outcome.old_state, outcome.new_state) == ("refused (probe_budget_exceeded)", "answered")
    assert outcome.kinds() == {"refusal lost": 1}


def test_a_probed_search_the_policy_refuses_changes_its_reason() -> None:
    outcome = compare(probed(), PolicyDecision("ua-new", True, "requester_not_trusted", {}), "", 0.7)
    assert outcome.kinds() == {"refusal reason changed": 1}
    assert outcome.new_state == "refused (requester_not_trusted)"
