"""A follow-up request's fields, each checked before anything is looked up; RequestError names the field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from followthemoney import model

from fedcore.vocabulary import LEGAL_BASIS_NAMES, PURPOSE_NAMES, URGENCY_NAMES
from fedgate.v1 import node_pb2 as pb
from node.request import RequestError, text_field, validate_query_id, validate_requester

MAX_CASE_REFERENCE = 64
MAX_REASONS = 2000
MAX_RECORD_REF = 128
MAX_PROPERTIES = 50
FOLLOW_UP_ID = re.compile(r"^(?P<country>[A-Z]{2})-[0-9a-f]{32}$")
RECORD_REF = re.compile(r"^[A-Za-z0-9_.:-]+$")
# Every property name FollowTheMoney knows, in any schema: the requester does not know the record's schema's
# full list, and checking against the record's own would tell it.
PROPERTY_NAMES = frozenset(name for schema in model.schemata.values() for name in schema.properties)


@dataclass(frozen=True)
class ValidFollowUp:
    id: str
    requester: dict[str, str]
    purpose: str
    record_ref: str
    case_reference: str
    reasons: str
    legal_basis: str
    requested: list[str]
    urgency: str
    assertion: str


def validate_follow_up_id(value: str, country: str, field: str = "query_id") -> str:
    """A follow-up id of this node's country: "<country>-<32 hex digits>"."""
    match = FOLLOW_UP_ID.match(value)
    if match is None:
        raise RequestError(f"{field} is not a follow-up id (a country code, '-' and 32 hexadecimal digits)")
    if match["country"] != country:
        raise RequestError(f"{field} is a follow-up of {match['country']}, not of {country}")
    return value


def _reasons(value: str) -> str:
    if not value.strip():
        raise RequestError("reasons are required: say why the record's data is needed")
    if len(value) > MAX_REASONS:
        raise RequestError(f"reasons are longer than {MAX_REASONS} characters")
    if not value.replace("\n", " ").replace("\t", " ").isprintable():
        raise RequestError("reasons contain control characters other than line breaks and tabs")
    return value


def _properties(values: list[str]) -> list[str]:
    if not values:
        raise RequestError("properties are required: name the record properties asked for")
    if len(values) > MAX_PROPERTIES:
        raise RequestError(f"properties name more than {MAX_PROPERTIES} properties")
    unknown = sorted({value for value in values if value not in PROPERTY_NAMES})
    if unknown:
        raise RequestError(f"properties {unknown[:5]} are not FollowTheMoney property names")
    if len(set(values)) != len(values):
        raise RequestError("properties name a property more than once")
    return sorted(values)


def validate_follow_up(request: pb.FollowUpRequest, country: str) -> ValidFollowUp:
    follow_up_id = validate_follow_up_id(validate_query_id(request.query_id), country)
    requester = validate_requester(request.requester)
    purpose = PURPOSE_NAMES.get(request.purpose)
    if purpose is None:
        raise RequestError("purpose is required" if not request.purpose else f"purpose {request.purpose} is unknown")
    record_ref = text_field(request.record_ref, "record_ref", MAX_RECORD_REF)
    if not RECORD_REF.match(record_ref):
        raise RequestError("record_ref is not a record reference a node gives")
    legal_basis = LEGAL_BASIS_NAMES.get(request.legal_basis)
    if legal_basis is None:
        raise RequestError("legal_basis is required" if not request.legal_basis else "legal_basis is unknown")
    urgency = URGENCY_NAMES.get(request.urgency)
    if urgency is None:
        raise RequestError("urgency is required" if not request.urgency else "urgency is unknown")
    return ValidFollowUp(
        id=follow_up_id,
        requester=requester,
        purpose=purpose,
        record_ref=record_ref,
        case_reference=text_field(request.case_reference, "case_reference", MAX_CASE_REFERENCE),
        reasons=_reasons(request.reasons),
        legal_basis=legal_basis,
        requested=_properties(list(request.properties)),
        urgency=urgency,
        assertion=request.requester_assertion,
    )
