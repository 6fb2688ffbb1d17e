"""Turns a record, its match and its policy decision into exactly what may leave the node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcore.vocabulary import DISCLOSURES, SCORE_BANDS, WITHHOLD_REASONS
from fedgate.v1 import node_pb2 as pb
from node.decisions import GENERALISATIONS, RecordDecision
from node.matching import MatchResult, PreparedQuery, restrict, score_record
from node.store import StoredRecord

# A hit-only record whose match (on what its decision lets count) scores at least this is a "strong" match.
STRONG_BAND = 0.9


@dataclass(frozen=True)
class Match:
    """A record to report: its decision, and how it matched on what that decision lets count."""

    record: StoredRecord
    decision: RecordDecision
    result: MatchResult


def released_values(record: StoredRecord, decision: RecordDecision) -> dict[str, list[str]]:
    """The released properties' values, generalised where the decision says so. Nothing else."""
    shareable = record.shareable_properties
    released: dict[str, list[str]] = {}
    for name in sorted(decision.release):
        values = shareable[name]
        method = decision.generalise.get(name)
        if method is not None:
            width = GENERALISATIONS[method]
            values = list(dict.fromkeys(value[:width] for value in values))
        released[name] = values
    return released


def released_match(prepared: PreparedQuery, record: StoredRecord, decision: RecordDecision) -> MatchResult | None:
    """How the query matches the record on the properties released as they are, and nothing else: what the
    requester could work out from the answer alone. None when no name or identifier of the query counts."""
    shown = decision.released_as_is
    view = restrict(prepared, shown)
    if not view.names and not view.identifiers:
        return None
    # Against the values released as they are too: a withheld alias that matches must not lift the score.
    released = {name: values for name, values in record.properties.items() if name in shown}
    return score_record(view, record.schema, released)


def score_shown(decision: RecordDecision) -> str:
    """How a reported record's score is shown: "released" (a score on what is released as it is), "band"
    (strong or possible) or "none". A hit-only record never shows a score, only a band where allowed."""
    if decision.score == "released" and decision.disclosure == "hit_only":
        return "none"
    return decision.score


def decided_hit(record: StoredRecord, decision: RecordDecision, contact: str) -> pb.Hit:
    """The record as its decision releases it: released values, why each other property is withheld, what was
    generalised; no score (a search adds one, a follow-up has none)."""
    hit = pb.Hit(
        record_ref=record.ref,
        schema=record.schema.name,
        disclosure=DISCLOSURES[decision.disclosure],
        contact=contact,
    )
    for name, values in released_values(record, decision).items():
        hit.properties[name].values.extend(values)
    for name, reason in sorted(decision.withheld.items()):
        hit.withheld.add(property=name, reason=WITHHOLD_REASONS[reason])
    for name, method in sorted(decision.generalise.items()):
        hit.generalised.add(property=name, method=method)
    return hit


def build_hit(prepared: PreparedQuery, match: Match, contact: str) -> pb.Hit:
    record, decision = match.record, match.decision
    hit = decided_hit(record, decision, contact)
    shown_as = score_shown(decision)
    if shown_as == "band":
        hit.score_band = SCORE_BANDS["strong" if match.result.score >= STRONG_BAND else "possible"]
    elif shown_as == "released":
        shown = released_match(prepared, record, decision)
        if shown is not None:
            hit.score = shown.score
            # Evidence only for properties released as they are: saying that a withheld or generalised
            # birth date matched "exactly" would disclose it.
            for name, evidence in sorted(shown.matched.items()):
                if name in decision.released_as_is:
                    hit.matched.add(property=name, kind=evidence.kind.wire, score=round(evidence.score, 4))
    return hit


def audit_record(record: StoredRecord, decision: RecordDecision | None, match: Match | None) -> dict[str, Any]:
    """What the audit log keeps about one candidate: what was decided, whether it was reported (with the score
    on what its decision let count) and why, never the values."""
    entry: dict[str, Any] = {"ref": record.ref, "reported": match is not None}
    if match is not None:
        entry["score"] = match.result.score
    if decision is None or decision.disclosure == "none":
        entry["disclosure"] = "none"
        return entry
    entry.update(
        disclosure=decision.disclosure,
        released=sorted(decision.release),
        generalised=dict(sorted(decision.generalise.items())),
        withheld=dict(sorted(decision.withheld.items())),
        match_on=sorted(decision.match_on),
        score_shown=score_shown(decision),
    )
    return entry
