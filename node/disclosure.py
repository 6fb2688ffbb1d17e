"""Turns a record, its match and its policy decision into exactly what may leave the node."""

from __future__ import annotations

from typing import Any

from fedcore.vocabulary import DISCLOSURES, MATCH_KINDS, WITHHOLD_REASONS
from fedgate.v1 import node_pb2 as pb
from node.matching import MatchResult
from node.policy import GENERALISATIONS, RecordDecision
from node.store import StoredRecord


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


def build_hit(record: StoredRecord, match: MatchResult, decision: RecordDecision, contact: str) -> pb.Hit:
    hit = pb.Hit(
        record_ref=record.ref,
        schema=record.schema.name,
        score=match.score,
        disclosure=DISCLOSURES[decision.disclosure],
        contact=contact,
    )
    for name, values in released_values(record, decision).items():
        hit.properties[name].values.extend(values)
    for name, reason in sorted(decision.withheld.items()):
        hit.withheld.add(property=name, reason=WITHHOLD_REASONS[reason])
    for name, method in sorted(decision.generalise.items()):
        hit.generalised.add(property=name, method=method)
    # Evidence is shown only for properties released as they are: saying that a withheld or
    # generalised birth date matched "exactly" would disclose it.
    for name, evidence in sorted(match.matched.items()):
        if name in decision.release and name not in decision.generalise:
            hit.matched.add(property=name, kind=MATCH_KINDS[evidence.kind], score=round(evidence.score, 4))
    return hit


def audit_record(record: StoredRecord, match: MatchResult, decision: RecordDecision | None) -> dict[str, Any]:
    """What the audit log keeps about one candidate: what was released and why, never the values."""
    if decision is None:
        return {"ref": record.ref, "score": match.score, "disclosure": "none"}
    return {
        "ref": record.ref,
        "score": match.score,
        "disclosure": decision.disclosure,
        "released": sorted(decision.release),
        "generalised": dict(sorted(decision.generalise.items())),
        "withheld": dict(sorted(decision.withheld.items())),
    }
