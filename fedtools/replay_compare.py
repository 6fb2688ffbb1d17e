"""What one replayed search would show beside what its audit entry says was shown, and the kinds of change a
report counts. No I/O: the replay (fedtools.replay) rebuilds each search and asks OPA; this compares.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from node.decisions import PolicyDecision, RecordDecision
from node.disclosure import score_shown
from node.matching import query_keys, record_keys
from node.request import ValidSearch
from node.search import Candidate, Found, rank
from node.store import StoredRecord

NOT_REPORTED = "none"
# Change kinds. Property changes: what happened to one property of one record in one search.
RELEASED_TO_WITHHELD = "released -> withheld"
WITHHELD_TO_RELEASED = "withheld -> released"
AS_IS_TO_GENERALISED = "released -> generalised"
GENERALISED_TO_AS_IS = "generalised -> released"
GENERALISATION_CHANGED = "generalisation changed"
PROPERTY_KINDS = (
    RELEASED_TO_WITHHELD,
    WITHHELD_TO_RELEASED,
    AS_IS_TO_GENERALISED,
    GENERALISED_TO_AS_IS,
    GENERALISATION_CHANGED,
)
# Search changes.
REFUSAL_GAINED = "refusal gained"
REFUSAL_LOST = "refusal lost"
REFUSAL_REASON_CHANGED = "refusal reason changed"
NO_DECISION = "no usable decision"
SEARCH_KINDS = (REFUSAL_GAINED, REFUSAL_LOST, REFUSAL_REASON_CHANGED, NO_DECISION)
LEVELS = ("none", "hit_only", "partial", "full")
# Record changes: "<old disclosure> -> <new disclosure>", "none" meaning not reported.
DISCLOSURE_KINDS = tuple(f"{old} -> {new}" for old in LEVELS for new in LEVELS if old != new)
# How a record reported before and after shows its score (node.disclosure.score_shown), least first.
SCORES_SHOWN = ("none", "band", "released")
SCORE_KINDS = tuple(f"score {old} -> {new}" for old in SCORES_SHOWN for new in SCORES_SHOWN if old != new)
CHANGE_KINDS = frozenset(PROPERTY_KINDS + SEARCH_KINDS + DISCLOSURE_KINDS + SCORE_KINDS)
PROBE_BUDGET_EXCEEDED = "probe_budget_exceeded"


def change_kind(text: str) -> str:
    """A change kind as a person types it ("withheld → released", "Hit_only->partial"); ValueError if unknown."""
    words = text.strip().lower().replace("→", "->").replace("->", " -> ").split()
    kind = " ".join(words)
    if kind not in CHANGE_KINDS:
        raise ValueError(f"{text!r} is not a change kind; known: {', '.join(sorted(CHANGE_KINDS))}")
    return kind


# --- what the audit log says was done -----------------------------------------------------------------


@dataclass(frozen=True)
class PastSearch:
    """One search entry of the audit log, as far as the replay needs it."""

    seq: int
    recorded_at: str
    query_id: str
    requester: dict[str, str]
    purpose: str
    schema: str
    properties: dict[str, list[str]]
    limit: int
    outcome: str
    refusal_reason: str
    policy_revision: str
    records: list[dict[str, Any]]


# --- one search's replay ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyChange:
    ref: str
    property: str
    kind: str
    # Why it is withheld now (released -> withheld), why it was (withheld -> released), or the generalisation.
    detail: str
    # The record's values of the property today: shown only when the DPO asks (--show-values).
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordChange:
    ref: str
    schema: str
    old: str  # disclosure, "none" when not reported
    new: str
    properties: list[PropertyChange]
    # How its score was shown and would be, where it is reported both times (and the audit entry says).
    old_score: str = ""
    new_score: str = ""

    @property
    def kind(self) -> str | None:
        return f"{self.old} -> {self.new}" if self.old != self.new else None

    @property
    def score_kind(self) -> str | None:
        return f"score {self.old_score} -> {self.new_score}" if self.old_score != self.new_score else None


@dataclass
class SearchReplay:
    """What the candidate policy would have done with one past search, beside what was done."""

    past: PastSearch
    old_state: str  # "answered" or "refused (<reason>)"
    new_state: str  # likewise, or "no usable decision (<problem>)"
    search_kind: str | None
    records: list[RecordChange]
    records_gone: int
    new_revision: str

    @property
    def changed(self) -> bool:
        return self.search_kind is not None or bool(self.records)

    def kinds(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        if self.search_kind:
            counts[self.search_kind] += 1
        for record in self.records:
            if record.kind:
                counts[record.kind] += 1
            if record.score_kind:
                counts[record.score_kind] += 1
            counts.update(change.kind for change in record.properties)
        return counts


@dataclass
class Prepared:
    past: PastSearch
    search: ValidSearch
    found: Found
    records_gone: int
    input: dict[str, Any]
    # Refused then: evaluated first without records (a refusal depends on who asks, why and how, not on
    # records); only a search the candidate policy would answer is searched again (see prepare_refused).
    without_records: bool = False
    # Refused then by the node's probing budget: the records the requester had tried too many queries
    # against. The node refuses again if the candidate policy would still report one of them.
    over_budget: frozenset[str] = frozenset()
    # The candidates were found in today's store as the node finds them (not rebuilt from the audit entry).
    searched: bool = False


@dataclass(frozen=True)
class _Shown:
    """What one record showed the requester: its disclosure and, per property, how it left (if it did)."""

    disclosure: str
    # property -> "" (as it is), or the generalisation method
    released: dict[str, str]
    # property -> reason
    withheld: dict[str, str]
    # How the score is shown (node.disclosure.score_shown); "" where the audit entry does not say (entries
    # written before nodes recorded it).
    score: str = ""


def _old_view(past: PastSearch) -> dict[str, _Shown]:
    shown: dict[str, _Shown] = {}
    for entry in past.records:
        if not entry.get("reported") or entry.get("disclosure", NOT_REPORTED) == NOT_REPORTED:
            continue
        generalised = entry.get("generalised", {})
        shown[entry["ref"]] = _Shown(
            entry["disclosure"],
            {name: generalised.get(name, "") for name in entry.get("released", [])},
            dict(entry.get("withheld", {})),
            entry.get("score_shown", ""),
        )
    return shown


def _new_view(reported: list[RecordDecision], refs: list[str]) -> dict[str, _Shown]:
    return {
        ref: _Shown(
            d.disclosure,
            {name: d.generalise.get(name, "") for name in d.release},
            dict(d.withheld),
            score_shown(d),
        )
        for ref, d in zip(refs, reported, strict=True)
    }


def _old_state(past: PastSearch) -> str:
    return f"refused ({past.refusal_reason})" if past.outcome == "refused" else "answered"


def _not_shown_reason(state: str) -> str:
    return f"search {state}" if state.startswith("refused") else "record not reported"


def _property_changes(
    ref: str, record: StoredRecord, old: _Shown | None, new: _Shown | None, old_state: str, new_state: str
) -> list[PropertyChange]:
    changes: list[PropertyChange] = []
    for name, values in sorted(record.shareable_properties.items()):
        before = old.released.get(name) if old else None
        after = new.released.get(name) if new else None
        if before == after:
            continue
        if after is None:
            reason = new.withheld.get(name, "") if new else _not_shown_reason(new_state)
            kind, detail = RELEASED_TO_WITHHELD, reason or "withheld"
        elif before is None:
            reason = old.withheld.get(name, "") if old else _not_shown_reason(old_state)
            kind, detail = WITHHELD_TO_RELEASED, f"was: {reason or 'withheld'}" + (f"; now as {after}" if after else "")
        elif not before:
            kind, detail = AS_IS_TO_GENERALISED, f"as {after}"
        elif not after:
            kind, detail = GENERALISED_TO_AS_IS, f"was: as {before}"
        else:
            kind, detail = GENERALISATION_CHANGED, f"as {before} -> as {after}"
        changes.append(PropertyChange(ref, name, kind, detail, tuple(values)))
    return changes


def _ranked_alike(entry: dict[str, Any], decision: RecordDecision | None) -> bool:
    """Whether the node would score and cut this record as it did: a record's score and whether it is kept
    depend on the decision only through whether it may be mentioned and what it may be matched on."""
    was_mentioned = entry.get("disclosure", NOT_REPORTED) != NOT_REPORTED
    is_mentioned = decision is not None and decision.disclosure != NOT_REPORTED
    if not (was_mentioned and is_mentioned):
        return bool(was_mentioned == is_mentioned)
    assert decision is not None
    return bool(entry.get("match_on") == sorted(decision.match_on))


def _found_again(prepared: Prepared) -> Found:
    """The candidates as the node's ranking needs them: which ones only a full birth date brought in (those
    sharing no name or identifier key with the query) is worked out again from the blocking keys."""
    found = prepared.found
    if prepared.searched:
        return found
    query = prepared.search.query
    keys = query_keys(query)
    if not keys.date_keys:
        return found
    anchors = set(keys.name_keys) | set(keys.identifier_keys)
    found.candidates = [
        Candidate(c.record, not (record_keys(c.record.schema, c.record.properties) & anchors)) for c in found.candidates
    ]
    return found


def compare(prepared: Prepared, decision: PolicyDecision | None, problem: str, min_score: float) -> SearchReplay:
    """Sets what the candidate policy would have shown beside what the audit entry says was shown."""
    past = prepared.past
    old_state = _old_state(past)
    records = {candidate.record.ref: candidate.record for candidate in prepared.found.candidates}
    if decision is None:
        return SearchReplay(past, old_state, f"no usable decision ({problem})", NO_DECISION, [], 0, "")
    old = _old_view(past)
    if decision.refused:
        new_state = f"refused ({decision.refusal_reason})"
        new: dict[str, _Shown] = {}
    elif prepared.over_budget:
        matches = rank(_found_again(prepared), decision, prepared.search.limit, min_score)
        if prepared.over_budget & {m.record.ref for m in matches}:
            # A record the requester had probed too often would still be reported: the node refuses again.
            new_state, new = old_state, {}
        else:
            new_state = "answered"
            new = _new_view([m.decision for m in matches], [m.record.ref for m in matches])
    elif old_state == "answered" and all(
        _ranked_alike(entry, decision.records.get(entry["ref"])) for entry in past.records if entry["ref"] in records
    ):
        # The same records would be reported (ranking would repeat itself), each as its new decision says.
        new_state = "answered"
        reported = [ref for ref in old if ref in records]
        new = _new_view([decision.records[ref] for ref in reported], reported)
    else:
        new_state = "answered"
        matches = rank(_found_again(prepared), decision, prepared.search.limit, min_score)
        new = _new_view([m.decision for m in matches], [m.record.ref for m in matches])
    if old_state == new_state:
        search_kind = None
    elif old_state == "answered":
        search_kind = REFUSAL_GAINED
    elif new_state == "answered":
        search_kind = REFUSAL_LOST
    else:
        search_kind = REFUSAL_REASON_CHANGED
    changes: list[RecordChange] = []
    for ref in sorted(old.keys() | new.keys()):
        record = records.get(ref)
        if record is None:
            continue  # no longer held: counted in records_gone, not compared
        before, after = old.get(ref), new.get(ref)
        properties = _property_changes(ref, record, before, after, old_state, new_state)
        level_before = before.disclosure if before else NOT_REPORTED
        level_after = after.disclosure if after else NOT_REPORTED
        # A score is compared where the record is reported both times and the audit entry says how.
        scores = (before.score, after.score) if before and after and before.score else ("", "")
        if properties or level_before != level_after or scores[0] != scores[1]:
            changes.append(RecordChange(ref, record.schema.name, level_before, level_after, properties, *scores))
    return SearchReplay(past, old_state, new_state, search_kind, changes, prepared.records_gone, decision.revision)
