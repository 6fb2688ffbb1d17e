"""The closed vocabularies of the contract (purposes, clearances, reasons…) as API names, from the proto enums."""

from __future__ import annotations

from typing import Literal, TypeVar, cast, get_args

from followthemoney.types import registry

from fedgate.v1 import node_pb2 as pb

E = TypeVar("E", bound=int)


def _api_names(enum: type[E], prefix: str) -> dict[str, E]:
    """Maps "drug_trafficking" to PURPOSE_DRUG_TRAFFICKING's number, leaving out the zero value."""
    items: list[tuple[str, int]] = enum.items()  # type: ignore[attr-defined]  # EnumTypeWrapper's method
    return {name.removeprefix(prefix).lower(): cast(E, number) for name, number in items if number != 0}


def _reverse(names: dict[str, E]) -> dict[int, str]:
    return {number: name for name, number in names.items()}


PURPOSES = _api_names(pb.Purpose, "PURPOSE_")
CLEARANCES = _api_names(pb.Clearance, "CLEARANCE_")
DISCLOSURES = _api_names(pb.Disclosure, "DISCLOSURE_")
WITHHOLD_REASONS = _api_names(pb.WithholdReason, "WITHHOLD_REASON_")
OUTCOMES = _api_names(pb.SearchOutcome, "SEARCH_OUTCOME_")
REFUSAL_REASONS = _api_names(pb.RefusalReason, "REFUSAL_REASON_")
MATCH_KINDS = _api_names(pb.MatchKind, "MATCH_KIND_")
SCORE_BANDS = _api_names(pb.ScoreBand, "SCORE_BAND_")
LEGAL_BASES = _api_names(pb.LegalBasis, "LEGAL_BASIS_")
URGENCIES = _api_names(pb.Urgency, "URGENCY_")
FOLLOW_UP_STATES = _api_names(pb.FollowUpState, "FOLLOW_UP_STATE_")
FOLLOW_UP_REFUSALS = _api_names(pb.FollowUpRefusal, "FOLLOW_UP_REFUSAL_")
OFFICER_REFUSALS = _api_names(pb.OfficerRefusal, "OFFICER_REFUSAL_")

PURPOSE_NAMES = _reverse(PURPOSES)
CLEARANCE_NAMES = _reverse(CLEARANCES)
DISCLOSURE_NAMES = _reverse(DISCLOSURES)
WITHHOLD_REASON_NAMES = _reverse(WITHHOLD_REASONS)
OUTCOME_NAMES = _reverse(OUTCOMES)
REFUSAL_REASON_NAMES = _reverse(REFUSAL_REASONS)
# Refusals the node itself makes (its probe budget), never a policy: a policy that says one is malformed.
NODE_REFUSAL_REASONS = frozenset({"probe_budget_exceeded"})
POLICY_REFUSAL_REASONS = frozenset(REFUSAL_REASONS) - NODE_REFUSAL_REASONS
MATCH_KIND_NAMES = _reverse(MATCH_KINDS)
SCORE_BAND_NAMES = _reverse(SCORE_BANDS)
LEGAL_BASIS_NAMES = _reverse(LEGAL_BASES)
URGENCY_NAMES = _reverse(URGENCIES)
FOLLOW_UP_STATE_NAMES = _reverse(FOLLOW_UP_STATES)
FOLLOW_UP_REFUSAL_NAMES = _reverse(FOLLOW_UP_REFUSALS)
OFFICER_REFUSAL_NAMES = _reverse(OFFICER_REFUSALS)
# Refusals that only a follow-up's policy decision gives: a search's decision that says one is malformed.
FOLLOW_UP_ONLY_REFUSAL_REASONS = frozenset({"follow_up_not_accepted", "legal_basis_not_accepted"})
# Withholding reasons only a follow-up's decision gives.
FOLLOW_UP_ONLY_WITHHOLD_REASONS = frozenset({"not_approved_by_officer", "not_requested"})

# How a policy may generalise a released date, with the length of what is kept ("1975", "1975-02").
GENERALISATIONS = {"year": 4, "year_month": 7}

# Record-level flags a country may set on its records at import; policies act on them ("notify": the country wants
# to hear of hits on the record, if its policy says so).
RECORD_FLAGS = frozenset({"minor", "victim", "witness", "sensitive", "notify"})

# ISO 3166-1 alpha-2 codes (plus XK, as INTERPOL uses it), upper case.
COUNTRY_CODES = frozenset(
    code.upper() for code in registry.country.names if len(code) == 2 and code.isalpha() and code != "zz"
)


def is_country_code(code: str) -> bool:
    return code in COUNTRY_CODES


# Why a node refused or failed a call, sent as google.rpc.ErrorInfo (reason, in this domain) beside the gRPC status
# code: a closed set, so that the gateway branches on a reason, never on the node's words.
ERROR_DOMAIN = "fedgate.v1"
ErrorReason = Literal[
    "REQUEST_UNDECODABLE",  # the bytes are not the method's request message
    "QUERY_INVALID",  # a field is missing or invalid
    "QUERY_COST_EXCEEDED",  # the query is valid but bigger than the node's bounds on one search's work
    "CLIENT_NOT_ALLOWED",  # with mutual TLS, the client certificate is not a gateway's
    "ASSERTION_REJECTED",  # the requester assertion is missing, expired, unknown or does not match the request
    "QUERY_REPLAYED",  # the query id was already answered
    "REQUESTER_RATE_LIMITED",  # the requester is over its rate; RetryInfo says when to try again
    "REQUESTER_CONCURRENCY",  # the requester already has all its searches in progress
    "DEADLINE_TOO_SHORT",  # the call's deadline leaves too little to search
    "STORE_UNAVAILABLE",  # the node's record store failed
    "AUDIT_UNAVAILABLE",  # the node's audit log failed: nothing leaves unaudited
    "POLICY_UNAVAILABLE",  # a follow-up: the country's policy could not be asked; nothing was filed
    "FOLLOW_UP_NOT_FOUND",  # no follow-up of that id was filed by the requester's agency
]
ERROR_REASONS: frozenset[str] = frozenset(get_args(ErrorReason))
