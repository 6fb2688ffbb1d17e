"""A country's answer in API form, and the canonical form of it that the country signs and anyone can verify.

The signed content is built from exactly what the gateway's JSON answer shows of that country (its status,
refusal reason, policy revision, audit entry with its place and hash in the country's audit chain, and hits),
so a saved answer can be checked offline against the country's public key: the gateway cannot alter, add or
drop anything a country released unnoticed, and the country cannot later drop or rewrite that audit entry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fedcore.canonical import canonical_bytes
from fedcore.directory import format_time
from fedcore.keys import SigningKey
from fedcore.vocabulary import (
    DISCLOSURE_NAMES,
    FOLLOW_UP_REFUSAL_NAMES,
    FOLLOW_UP_STATE_NAMES,
    MATCH_KIND_NAMES,
    OFFICER_REFUSAL_NAMES,
    OUTCOME_NAMES,
    REFUSAL_REASON_NAMES,
    SCORE_BAND_NAMES,
    WITHHOLD_REASON_NAMES,
)
from fedgate.v1 import node_pb2 as pb

SIGNED_STATUSES = frozenset({"hit", "no_hit", "refused", "policy_unavailable"})


def hit_document(hit: pb.Hit) -> dict[str, Any]:
    """A hit as the API shows it: released values only, and why each other property was withheld."""
    document: dict[str, Any] = {
        "record_ref": hit.record_ref,
        "schema": hit.schema,
        "disclosure": DISCLOSURE_NAMES.get(hit.disclosure, "unknown"),
        "properties": {name: list(values.values) for name, values in sorted(hit.properties.items())},
        "withheld": {item.property: WITHHOLD_REASON_NAMES.get(item.reason, "unspecified") for item in hit.withheld},
        "generalised": {item.property: item.method for item in hit.generalised},
        "matched": [
            {
                "property": item.property,
                "kind": MATCH_KIND_NAMES.get(item.kind, "unspecified"),
                "score": round(item.score, 4),
            }
            for item in hit.matched
        ],
        "contact": hit.contact,
    }
    # A hit-only hit has no score (it could tell withheld properties), at most the band its policy allows.
    if hit.HasField("score"):
        document["score"] = round(hit.score, 4)
    if hit.score_band:
        document["score_band"] = SCORE_BAND_NAMES.get(hit.score_band, "unspecified")
    return document


def canonical_content(
    *,
    query_id: str,
    country: str,
    status: str,
    refusal_reason: str,
    policy_revision: str,
    audit_entry_id: str,
    signed_at: str,
    audit_seq: int,
    audit_hash: str,
    results: list[dict[str, Any]],
) -> bytes:
    document: dict[str, Any] = {
        "query_id": query_id,
        "signed_at": signed_at,
        "country": country,
        "status": status,
        "refusal_reason": refusal_reason,
        "policy_revision": policy_revision,
        "audit_entry_id": audit_entry_id,
        "results": sorted(results, key=lambda result: result["record_ref"]),
    }
    # Every entry has a seq from 1 on: a node that signs without one (older than anchors) signs without them,
    # so answers it signed still verify; one that signs with them cannot have them stripped unnoticed.
    if audit_seq or audit_hash:
        document["audit_seq"] = audit_seq
        document["audit_hash"] = audit_hash
    return canonical_bytes(document)


def response_content(response: pb.SearchResponse) -> bytes:
    """What a node signs: its answer in the form the API will show it."""
    return canonical_content(
        query_id=response.query_id,
        country=response.country,
        status=OUTCOME_NAMES[response.outcome],
        refusal_reason=REFUSAL_REASON_NAMES.get(response.refusal_reason, ""),
        policy_revision=response.policy_revision,
        audit_entry_id=response.audit_entry_id,
        signed_at=response.signed_at,
        audit_seq=response.audit_seq,
        audit_hash=response.audit_hash,
        results=[hit_document(hit) for hit in response.hits],
    )


def sign_response(response: pb.SearchResponse, key: SigningKey) -> None:
    """Signs with the moment of signing inside the signature: a verifier accepts it only under a key of this
    country that was valid then (fedcore.directory)."""
    response.signed_at = format_time(datetime.now(UTC))
    response.signing_key_id = key.key_id
    response.signature = key.sign(response_content(response))


def follow_up_document(answer: pb.FollowUpAnswer) -> dict[str, Any]:
    """A follow-up's answer as the API shows it (without its signature); "released" only once released."""
    document: dict[str, Any] = {
        "follow_up_id": answer.follow_up_id,
        "country": answer.country,
        "state": FOLLOW_UP_STATE_NAMES.get(answer.state, "unspecified"),
        "refusal": FOLLOW_UP_REFUSAL_NAMES.get(answer.refusal, ""),
        "policy_refusal_reason": REFUSAL_REASON_NAMES.get(answer.policy_refusal_reason, ""),
        "officer_refusal": OFFICER_REFUSAL_NAMES.get(answer.officer_refusal, ""),
        "duplicate_of": answer.duplicate_of,
        "record_ref": answer.record_ref,
        "filed_at": answer.filed_at,
        "due_at": answer.due_at,
        "decided_at": answer.decided_at,
        "policy_revision": answer.policy_revision,
        "audit_entry_id": answer.audit_entry_id,
        "audit_seq": answer.audit_seq,
        "audit_hash": answer.audit_hash,
        "signed_at": answer.signed_at,
    }
    if answer.HasField("released"):
        document["released"] = hit_document(answer.released)
    return document


def follow_up_content(answer: pb.FollowUpAnswer) -> bytes:
    """What a node signs of a follow-up's answer: its API form, marked as a follow-up (never taken for a search)."""
    return canonical_bytes({"kind": "follow_up", **follow_up_document(answer)})


def sign_follow_up(answer: pb.FollowUpAnswer, key: SigningKey) -> None:
    """As sign_response: the moment of signing is inside the signature."""
    answer.signed_at = format_time(datetime.now(UTC))
    answer.signing_key_id = key.key_id
    answer.signature = key.sign(follow_up_content(answer))
