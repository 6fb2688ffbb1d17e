"""OPA's answers, checked strictly before the node acts on them: any doubt is PolicyUnavailable, and nothing leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from followthemoney.types import registry

from fedcore.vocabulary import (
    DISCLOSURES,
    FOLLOW_UP_ONLY_REFUSAL_REASONS,
    FOLLOW_UP_ONLY_WITHHOLD_REASONS,
    POLICY_REFUSAL_REASONS,
    WITHHOLD_REASONS,
)
from node.store import StoredRecord

# What a search's decision may say; a follow-up's may say more (fedcore.vocabulary).
SEARCH_WITHHOLD_REASONS = frozenset(WITHHOLD_REASONS) - FOLLOW_UP_ONLY_WITHHOLD_REASONS
SEARCH_REFUSAL_REASONS = POLICY_REFUSAL_REASONS - FOLLOW_UP_ONLY_REFUSAL_REASONS
GENERALISATIONS = {"year": 4, "year_month": 7}
NOT_MENTIONED = "none"
# What score a hit may carry: one over the properties released as they are, a coarse band, or none.
SCORE_KINDS = frozenset({"released", "band", "none"})
HIT_ONLY_SCORE_KINDS = frozenset({"band", "none"})


class PolicyUnavailable(Exception):
    """No usable decision: OPA unreachable, too slow, failing or answering something malformed."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind  # one of "unreachable", "timeout", "error", "malformed"
        self.detail = detail


@dataclass(frozen=True)
class RecordDecision:
    disclosure: str
    release: frozenset[str]
    generalise: dict[str, str]
    withheld: dict[str, str]
    # The query properties the record may be matched on for this requester: nothing else moves its score.
    match_on: frozenset[str] = frozenset()
    # "released", "band" or "none": see SCORE_KINDS.
    score: str = "none"

    @property
    def released_as_is(self) -> frozenset[str]:
        return self.release - self.generalise.keys()


@dataclass(frozen=True)
class PolicyDecision:
    revision: str
    refused: bool
    refusal_reason: str
    records: dict[str, RecordDecision]
    # Records whose country wants to hear of a hit on them (flag "notify", setting "notify_on_hit"): a hit on one
    # goes on the node's notification queue for its officer; the requester is told nothing of it.
    notify: frozenset[str] = frozenset()

    def for_record(self, ref: str) -> RecordDecision | None:
        """The record's decision; None when it must not be mentioned."""
        decision = self.records.get(ref)
        if decision is None or decision.disclosure == NOT_MENTIONED:
            return None
        return decision


def malformed(detail: str) -> PolicyUnavailable:
    return PolicyUnavailable("malformed", detail)


def _string_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise malformed(f"{what} is not a list of strings")
    return value


def _string_map(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise malformed(f"{what} is not an object of strings")
    return value


def parse_record_decision(
    raw: Any, record: StoredRecord, reasons: frozenset[str] = SEARCH_WITHHOLD_REASONS
) -> RecordDecision:
    where = f"decision for record {record.ref}"
    if not isinstance(raw, dict):
        raise malformed(f"{where} is not an object")
    disclosure = raw.get("disclosure")
    if disclosure != NOT_MENTIONED and disclosure not in DISCLOSURES:
        raise malformed(f"{where} has unknown disclosure {disclosure!r}")
    release = frozenset(_string_list(raw.get("release", []), f"{where}: release"))
    generalise = _string_map(raw.get("generalise", {}), f"{where}: generalise")
    withheld = _string_map(raw.get("withheld", {}), f"{where}: withheld")
    present = set(record.shareable_properties)
    if disclosure == NOT_MENTIONED:
        if release:
            raise malformed(f"{where} releases properties of a record it says not to mention")
        return RecordDecision(NOT_MENTIONED, frozenset(), {}, {})
    if "match_on" not in raw:
        raise malformed(f"{where} does not say which query properties it may be matched on (match_on)")
    # Query properties (a Person query's "name" may match a Passport's surname): only those asked count.
    match_on = frozenset(_string_list(raw["match_on"], f"{where}: match_on"))
    score = raw.get("score")
    allowed_scores = HIT_ONLY_SCORE_KINDS if disclosure == "hit_only" else SCORE_KINDS
    if score not in allowed_scores:
        raise malformed(f"{where} gives score {score!r} to a {disclosure!r} record")
    if not release <= present:
        raise malformed(f"{where} releases properties the record does not hold: {sorted(release - present)}")
    if release & withheld.keys():
        raise malformed(f"{where} both releases and withholds {sorted(release & withheld.keys())}")
    missing = present - release - withheld.keys()
    if missing:
        raise malformed(f"{where} gives no reason for withholding {sorted(missing)}")
    unknown_reasons = {reason for reason in withheld.values() if reason not in reasons}
    if unknown_reasons:
        raise malformed(f"{where} gives unknown reasons {sorted(unknown_reasons)}")
    if not withheld.keys() <= present:
        raise malformed(f"{where} withholds properties the record does not hold")
    for name, method in generalise.items():
        if name not in release:
            raise malformed(f"{where} generalises {name!r}, which it does not release")
        if method not in GENERALISATIONS or record.schema.properties[name].type != registry.date:
            raise malformed(f"{where} cannot generalise {name!r} by {method!r}")
    expected = {
        "full": bool(release) and not withheld,
        "partial": bool(release) and bool(withheld),
        "hit_only": not release,
    }
    if not expected[disclosure]:
        raise malformed(f"{where} says {disclosure!r} but releases {len(release)} and withholds {len(withheld)}")
    return RecordDecision(disclosure, release, dict(generalise), dict(withheld), match_on, str(score))


def parse_decision(
    raw: Any,
    records: list[StoredRecord],
    *,
    refusals: frozenset[str] = SEARCH_REFUSAL_REASONS,
    reasons: frozenset[str] = SEARCH_WITHHOLD_REASONS,
) -> PolicyDecision:
    """Checks OPA's answer against the records it was asked about; PolicyUnavailable if anything is off."""
    if not isinstance(raw, dict) or "result" not in raw:
        raise malformed("the decision is undefined (no result)")
    result = raw["result"]
    if not isinstance(result, dict):
        raise malformed("the decision is not an object")
    revision = result.get("policy_revision")
    refused = result.get("refused")
    reason = result.get("refusal_reason", "")
    decided = result.get("records")
    if not isinstance(revision, str) or not isinstance(refused, bool) or not isinstance(reason, str):
        raise malformed("policy_revision, refused or refusal_reason missing or of the wrong type")
    if not isinstance(decided, dict):
        raise malformed("records is not an object")
    if refused:
        if reason not in refusals:
            raise malformed(f"unknown refusal reason {reason!r}")
        if decided:
            raise malformed("a refusal that decides on records")
        return PolicyDecision(revision, True, reason, {})
    by_ref = {record.ref: record for record in records}
    unknown = set(decided) - by_ref.keys()
    if unknown:
        raise malformed(f"decides on {len(unknown)} record(s) it was not asked about")
    parsed = {ref: parse_record_decision(value, by_ref[ref], reasons) for ref, value in decided.items()}
    notify = frozenset(_string_list(result.get("notify", []), "notify"))
    mentioned = {ref for ref, decision in parsed.items() if decision.disclosure != NOT_MENTIONED}
    if not notify <= mentioned:
        raise malformed("asks to notify hits on records it does not mention")
    return PolicyDecision(revision, False, "", parsed, notify)


@dataclass(frozen=True)
class DescribeDecision:
    """What the node may tell one requester about itself; its country and software version always leave."""

    schemata: bool
    counts: bool
    # "" when the policy does not show it.
    policy_revision: str


DESCRIBE_KEYS = frozenset({"schemata", "counts", "policy_revision"})


def parse_describe(raw: Any) -> DescribeDecision:
    """Checks OPA's describe answer: exactly {schemata, counts, policy_revision}; PolicyUnavailable otherwise."""
    if not isinstance(raw, dict) or "result" not in raw:
        raise malformed("the describe decision is undefined (no result)")
    result = raw["result"]
    if not isinstance(result, dict) or result.keys() != DESCRIBE_KEYS:
        raise malformed(f"the describe decision is not an object with exactly {sorted(DESCRIBE_KEYS)}")
    schemata, counts, revision = result["schemata"], result["counts"], result["policy_revision"]
    if not isinstance(schemata, bool) or not isinstance(counts, bool) or not isinstance(revision, str):
        raise malformed("schemata, counts or policy_revision of the wrong type")
    if counts and not schemata:
        raise malformed("the describe decision shows counts but not the schemata they count")
    return DescribeDecision(schemata, counts, revision)


@dataclass(frozen=True)
class DeclaredReads:
    """The record properties whose values the policy of one revision reads: the only values its input carries."""

    revision: str
    properties: frozenset[str]


READS_KEYS = frozenset({"policy_revision", "properties"})


def parse_reads(raw: Any) -> DeclaredReads:
    """Checks the policy's declaration of the values it reads; PolicyUnavailable when the node cannot know them."""
    if not isinstance(raw, dict) or "result" not in raw:
        raise malformed("the policy does not declare which record values it reads (no result)")
    result = raw["result"]
    if not isinstance(result, dict) or result.keys() != READS_KEYS:
        raise malformed(f"the declaration of the values read is not an object with exactly {sorted(READS_KEYS)}")
    revision = result["policy_revision"]
    if not isinstance(revision, str):
        raise malformed("the declaration of the values read has no policy_revision")
    return DeclaredReads(revision, frozenset(_string_list(result["properties"], "the properties read")))
