"""What a saved answer proves: the gateway's signed envelope and each country's signed part, under the directory.

Two parties sign an answer. Each country signs its own part (status, audit entry, hits; fedcore.answers). The
gateway signs the envelope: the query, the countries the search went to, and each country's status and
signature, so that a requested country cannot be dropped, a status cannot be turned into "timeout" to hide an
altered result, and results cannot be filed under a country the answer does not list. A signature counts only
under a key the directory lists for that party, valid at the moment the signature says it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from fedcore.answers import SIGNED_STATUSES, canonical_content
from fedcore.canonical import canonical_bytes
from fedcore.directory import Directory, DirectoryKey, format_time, parse_time
from fedcore.keys import SigningKey, decode_signature, encode_signature

ENVELOPE_DOMAIN = b"fedgate-answer-envelope-v1\n"


def envelope_content(
    *, query_id: str, purpose: str, requested: list[str], countries: dict[str, dict[str, Any]], signed_at: str
) -> bytes:
    document = {
        "query_id": query_id,
        "purpose": purpose,
        "requested": sorted(requested),
        "signed_at": signed_at,
        "countries": {
            country: {
                "status": entry.get("status", ""),
                "key_id": entry.get("key_id", ""),
                "signature": entry.get("signature", ""),
            }
            for country, entry in sorted(countries.items())
        },
    }
    return ENVELOPE_DOMAIN + canonical_bytes(document)


def sign_envelope(
    *, query_id: str, purpose: str, requested: list[str], countries: dict[str, dict[str, Any]], key: SigningKey
) -> dict[str, str]:
    """The gateway's signature over what it says of the search as a whole (the answer's "gateway" object)."""
    signed_at = format_time(datetime.now(UTC))
    content = envelope_content(
        query_id=query_id, purpose=purpose, requested=requested, countries=countries, signed_at=signed_at
    )
    return {"key_id": key.key_id, "signed_at": signed_at, "signature": encode_signature(key.sign(content))}


@dataclass(frozen=True)
class Finding:
    subject: str  # "gateway" or a country code
    verdict: str
    ok: bool

    def __str__(self) -> str:
        return f"{self.subject}: {self.verdict}"


def _key_problem(directory: Directory, party: str, key_id: str, key: DirectoryKey | None, signed_at: str) -> str | None:
    if key is None:
        owner = directory.owner_of(key_id)
        if owner is not None:
            return f"signed by the wrong party: key {key_id!r} belongs to {owner}, not {party}"
        return f"signed with key {key_id!r}, which the directory does not list for {party}"
    try:
        moment = parse_time(signed_at)
    except ValueError:
        return f"no valid signing time ({signed_at!r}): key validity cannot be checked"
    if not key.valid_at(moment):
        return f"key {key_id!r} was not valid when this was signed ({signed_at}; valid {key.period()})"
    return None


def _signature_holds(key: DirectoryKey, signature: str, content: bytes) -> bool:
    try:
        key.public_key.verify(decode_signature(signature), content)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_answer(answer: dict[str, Any], directory: Directory) -> list[Finding]:
    """Every finding about a saved /v1/search answer; the answer holds only if every finding is ok."""
    countries: dict[str, dict[str, Any]] = answer.get("countries") or {}
    results: list[dict[str, Any]] = answer.get("results") or []
    findings = [_envelope_finding(answer, countries, directory)]
    for country, entry in sorted(countries.items()):
        own = [
            {k: v for k, v in result.items() if k != "country"}
            for result in results
            if result.get("country") == country
        ]
        findings.append(_country_finding(answer, country, entry, own, directory))
    listed = set(countries)
    for country in sorted({str(result.get("country")) for result in results} - listed):
        findings.append(Finding(country, "results for a country the answer does not list", ok=False))
    for country in sorted(set(answer.get("requested") or []) - listed):
        findings.append(Finding(country, "requested, but missing from the answer", ok=False))
    return findings


def _envelope_finding(answer: dict[str, Any], countries: dict[str, dict[str, Any]], directory: Directory) -> Finding:
    gateway = answer.get("gateway")
    if not isinstance(gateway, dict) or not gateway.get("signature"):
        return Finding(
            "gateway", "unsigned: which countries were asked and how each answered cannot be checked", ok=False
        )
    key_id, signed_at = str(gateway.get("key_id", "")), str(gateway.get("signed_at", ""))
    key = directory.gateway_key(key_id)
    problem = _key_problem(directory, "the gateway", key_id, key, signed_at)
    if problem is not None:
        return Finding("gateway", problem, ok=False)
    assert key is not None
    content = envelope_content(
        query_id=str(answer.get("query_id", "")),
        purpose=str(answer.get("purpose", "")),
        requested=[str(country) for country in answer.get("requested") or []],
        countries=countries,
        signed_at=signed_at,
    )
    if not _signature_holds(key, str(gateway["signature"]), content):
        return Finding("gateway", "altered: the countries asked, their statuses or signatures were changed", ok=False)
    return Finding("gateway", f"intact (key {key_id})", ok=True)


def _country_finding(
    answer: dict[str, Any],
    country: str,
    entry: dict[str, Any],
    results: list[dict[str, Any]],
    directory: Directory,
) -> Finding:
    status = str(entry.get("status", ""))
    if country not in directory.members:
        return Finding(country, "not a member of the federation in this directory", ok=False)
    if status not in SIGNED_STATUSES:
        if results:
            return Finding(
                country, f"status {status!r} carries no results, yet {len(results)} are filed under it", False
            )
        return Finding(country, f"{status} (stated by the gateway; a country signs only its answers)", ok=True)
    if not entry.get("signature"):
        return Finding(country, f"unsigned, but a {status!r} answer must be signed by {country}", ok=False)
    key_id, signed_at = str(entry.get("key_id", "")), str(entry.get("signed_at", ""))
    key = directory.answer_key(country, key_id)
    problem = _key_problem(directory, country, key_id, key, signed_at)
    if problem is not None:
        return Finding(country, problem, ok=False)
    assert key is not None
    content = canonical_content(
        query_id=str(answer.get("query_id", "")),
        country=country,
        status=status,
        refusal_reason=str(entry.get("refusal_reason", "")),
        policy_revision=str(entry.get("policy_revision", "")),
        audit_entry_id=str(entry.get("audit_entry_id", "")),
        signed_at=signed_at,
        audit_seq=int(entry.get("audit_seq", 0) or 0),
        audit_hash=str(entry.get("audit_hash", "")),
        results=results,
    )
    if not _signature_holds(key, str(entry["signature"]), content):
        return Finding(country, "altered", ok=False)
    return Finding(country, "intact", ok=True)


def answer_from_stream(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A saved /v1/search/stream answer (its NDJSON lines) in the shape of a /v1/search answer."""
    summary = next((line for line in lines if line.get("type") == "summary"), None)
    if summary is None:
        raise ValueError("the stream has no summary line (it was cut off)")
    results = [result for line in lines if line.get("type") == "country" for result in line.get("results") or []]
    return {**summary, "results": results}


def answers_from_screen(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A saved /v1/screen answer (its NDJSON lines) as one /v1/search answer per query, in the batch's order:
    each query's outcome (signed by the gateway for it alone) with the results the country lines give it."""
    summary = next((line for line in lines if line.get("type") == "summary"), None)
    if summary is None or not isinstance(summary.get("queries"), list):
        raise ValueError("the screening stream has no summary line (it was cut off)")
    results: dict[Any, list[dict[str, Any]]] = {}
    for line in lines:
        if line.get("type") == "country":
            for answer in line.get("answers") or []:
                results.setdefault(answer.get("index"), []).extend(answer.get("results") or [])
    return [
        {
            **{key: value for key, value in outcome.items() if key not in ("index", "hits")},
            "results": results.get(outcome.get("index"), []),
        }
        for outcome in summary["queries"]
    ]


def verify_follow_up(answer: dict[str, Any], directory: Directory) -> list[Finding]:
    """The finding about a saved /v1/follow-ups answer: the owning country's signature over exactly what it shows
    (state, times, refusal, released data, audit entry), under a key the directory lists for that country."""
    country = str(answer.get("country", ""))
    if country not in directory.members:
        return [Finding(country or "?", "not a member of the federation in this directory", ok=False)]
    if not answer.get("signature"):
        return [Finding(country, "unsigned, but a follow-up's answer must be signed by its country", ok=False)]
    key_id, signed_at = str(answer.get("key_id", "")), str(answer.get("signed_at", ""))
    key = directory.answer_key(country, key_id)
    problem = _key_problem(directory, country, key_id, key, signed_at)
    if problem is not None:
        return [Finding(country, problem, ok=False)]
    assert key is not None
    document = {name: value for name, value in answer.items() if name not in ("signature", "key_id")}
    if not _signature_holds(key, str(answer["signature"]), canonical_bytes({"kind": "follow_up", **document})):
        return [Finding(country, "altered", ok=False)]
    return [Finding(country, f"intact (follow-up {answer.get('follow_up_id', '')}, {answer.get('state', '')})", True)]
