"""The steps of one search that touch neither the network nor the audit log: find and pre-filter candidates in
the store, build the policy's input, rank under its decision, and turn the decision into the answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from followthemoney.types import registry

from fedcore.query import EntityQuery, is_anchor
from fedcore.vocabulary import OUTCOMES, REFUSAL_REASON_NAMES, REFUSAL_REASONS
from fedgate.v1 import node_pb2 as pb
from node.config import MatchingSettings, NodeConfig
from node.decisions import PolicyDecision
from node.disclosure import Match, audit_record, build_hit
from node.matching import (
    MatchResult,
    PreparedQuery,
    prepare_query,
    query_keys,
    restrict,
    score_bound,
    score_record,
    spelled_alike,
    spelling_similarities,
)
from node.request import ValidSearch
from node.store import Store, StoredRecord


class SearchStopped(Exception):
    """The search's caller went away: its store thread stopped between candidates."""


@dataclass(frozen=True)
class Candidate:
    record: StoredRecord
    # Found only because it was born on one of the query's dates: kept only where the date may be matched on.
    by_date: bool


@dataclass
class Found:
    """What the store gave a search: the candidates that could be hits under some decision of the policy."""

    prepared: PreparedQuery
    examined: int
    candidates: list[Candidate]


def anchors(query: EntityQuery) -> frozenset[str]:
    """The query's names and identifiers: what any record may be matched on."""
    return frozenset(name for name in query.properties if is_anchor(query.schema.properties[name]))


def find_candidates(
    store: Store, query: EntityQuery, limit: int, settings: MatchingSettings, stop: threading.Event | None = None
) -> Found:
    """Runs in a store thread: candidates from the index, and of those the ones that could reach the threshold
    on any part of the query a policy may let them be matched on. Nothing is decided here.
    Raises SearchStopped, between candidates, once `stop` is set (the caller went away)."""

    def check() -> None:
        if stop is not None and stop.is_set():
            raise SearchStopped

    check()
    prepared = prepare_query(query)
    core = restrict(prepared, anchors(query))

    def similarity(records: list[list[str]]) -> list[float]:
        check()
        return spelling_similarities(prepared, records)

    check()
    found = store.candidates(
        query_keys(query),
        max_candidates=max(settings.max_candidates, limit),
        max_postings=settings.max_postings,
        tie_breaker=similarity,
    )
    kept: list[Candidate] = []
    for by_date, records in ((False, found.by_name), (True, found.by_date)):
        for record in records:
            check()
            unkeyed = not record.name_key_weight and not prepared.identifiers
            if unkeyed and not spelled_alike(prepared, record.schema, record.properties):
                continue
            if score_bound(prepared, core, record.schema, record.properties) >= settings.min_score:
                kept.append(Candidate(record, by_date))
    return Found(prepared, len(found.by_name) + len(found.by_date), kept)


def find_matches(
    store: Store, query: EntityQuery, limit: int, settings: MatchingSettings
) -> tuple[int, list[tuple[StoredRecord, MatchResult]]]:
    """The matcher alone, every query property usable on every record (as when a policy lets the
    requester match on everything): the best `limit` above the threshold. For evaluations."""
    found = find_candidates(store, query, limit, settings)
    matches: list[tuple[StoredRecord, MatchResult]] = []
    for candidate in found.candidates:
        record = candidate.record
        result = score_record(found.prepared, record.schema, record.properties, min_score=settings.min_score)
        if result is not None and result.score >= settings.min_score:
            matches.append((record, result))
    matches.sort(key=lambda item: (-item[1].score, item[0].ref))
    return found.examined, matches[:limit]


def rank(found: Found, decision: PolicyDecision, limit: int, min_score: float) -> list[Match]:
    """The decision comes first: records not to be mentioned are dropped, each other record is scored on
    the query properties its decision lets the requester match on, and only then are the best `limit` kept.
    A record the policy must not mention, or a property it does not let count, never changes the answer."""
    views: dict[frozenset[str], PreparedQuery] = {}
    matches: list[Match] = []
    for candidate in found.candidates:
        record = candidate.record
        record_decision = decision.for_record(record.ref)
        if record_decision is None or (candidate.by_date and "birthDate" not in record_decision.match_on):
            continue
        view = views.get(record_decision.match_on)
        if view is None:
            view = views[record_decision.match_on] = restrict(found.prepared, record_decision.match_on)
        result = score_record(view, record.schema, record.properties, min_score=min_score)
        if result is not None and result.score >= min_score:
            matches.append(Match(record, record_decision, result))
    matches.sort(key=lambda match: (-match.result.score, match.record.ref))
    return matches[:limit]


def _partial_date(value: str) -> bool:
    return len(value) < len("YYYY-MM-DD")


def policy_input(config: NodeConfig, search: ValidSearch, found: Found, reads: frozenset[str]) -> dict[str, Any]:
    """What OPA is asked about: per candidate its schema, the properties it holds and its flags, and the values
    of only the properties in `reads` (those the policy declares it reads): OPA's decision logs, which leave the
    node, carry no other record value."""
    query = search.query
    return {
        "query_id": search.query_id,
        "node_country": config.country,
        "requester": search.requester,
        "purpose": search.purpose,
        "query": {
            "schema": query.schema.name,
            "properties": sorted(query.properties),
            # The query's shape (never its values): a policy may refuse shapes that only serve probing.
            "value_counts": {name: len(values) for name, values in sorted(query.properties.items())},
            "partial_dates": sorted(
                name
                for name, values in query.properties.items()
                if query.schema.properties[name].type == registry.date and any(map(_partial_date, values))
            ),
        },
        "reads": sorted(reads),
        "records": [policy_record(candidate.record, reads) for candidate in found.candidates],
    }


def policy_record(record: StoredRecord, reads: frozenset[str]) -> dict[str, Any]:
    held = record.shareable_properties
    return {
        "ref": record.ref,
        "schema": record.schema.name,
        "properties": sorted(held),
        "values": {name: values for name, values in sorted(held.items()) if name in reads},
        "flags": record.flags,
    }


@dataclass
class Answer:
    """What a search produced: the response and, for the audit log, what each candidate got."""

    response: pb.SearchResponse
    outcome: str
    audited_records: list[dict[str, Any]]


def build_answer(
    config: NodeConfig,
    search: ValidSearch,
    found: Found,
    decision: PolicyDecision | None,
    matches: list[Match],
    over_budget: list[str],
) -> Answer:
    """Applies the decision: exactly what it releases leaves, nothing when there is no decision."""
    response = pb.SearchResponse(query_id=search.query_id, country=config.country)
    audited: list[dict[str, Any]] = []
    if decision is None:
        outcome = "policy_unavailable"
    elif decision.refused or over_budget:
        outcome = "refused"
        reason = decision.refusal_reason if decision.refused else "probe_budget_exceeded"
        response.refusal_reason = REFUSAL_REASONS[reason]
        response.policy_revision = decision.revision
        # The audit keeps which records the requester kept probing; the answer says nothing of them.
        audited.extend({"ref": ref, "disclosure": "none", "probe_budget_exceeded": True} for ref in over_budget)
    else:
        response.policy_revision = decision.revision
        response.hits.extend(build_hit(found.prepared, match, config.contact) for match in matches)
        reported = {match.record.ref: match for match in matches}
        for candidate in found.candidates:
            ref = candidate.record.ref
            audited.append(audit_record(candidate.record, decision.records.get(ref), reported.get(ref)))
            if ref in decision.notify and ref in reported:
                # For the country's officer (node.audit_hits): nothing of it is in the answer.
                audited[-1]["notify"] = True
        outcome = "hit" if response.hits else "no_hit"
    response.outcome = OUTCOMES[outcome]
    return Answer(response, outcome, audited)


def search_audit_body(search: ValidSearch, answer: Answer, candidate_count: int, policy_problem: str) -> dict[str, Any]:
    """A search's audit entry: who asked what, why, and what each candidate got (never a record's values)."""
    return {
        "kind": "search",
        "query_id": search.query_id,
        "requester": search.requester,
        "purpose": search.purpose,
        "query": {"schema": search.query.schema.name, "properties": search.query.properties, "limit": search.limit},
        "candidates": candidate_count,
        "outcome": answer.outcome,
        "refusal_reason": REFUSAL_REASON_NAMES.get(answer.response.refusal_reason, ""),
        "policy_revision": answer.response.policy_revision,
        "policy_problem": policy_problem,
        "records": answer.audited_records,
        # What the gateway vouched for: the signed requester assertion, kept as evidence.
        "assertion": search.assertion,
    }
