"""The checks every Node request passes before any work is done: each problem named by its field."""

from __future__ import annotations

from dataclasses import dataclass

from fedcore.query import EntityQuery, QueryError, validate_query
from fedcore.vocabulary import CLEARANCE_NAMES, PURPOSE_NAMES, is_country_code
from fedgate.v1 import node_pb2 as pb
from node.config import NodeConfig

MAX_QUERY_ID_LENGTH = 128
MAX_IDENTITY_LENGTH = 128


class RequestError(ValueError):
    """A request field that is missing or invalid; the message names it."""


@dataclass(frozen=True)
class ValidSearch:
    query_id: str
    requester: dict[str, str]
    purpose: str
    query: EntityQuery
    limit: int
    assertion: str


def text_field(value: str, field: str, max_length: int) -> str:
    if not value.strip():
        raise RequestError(f"{field} is required")
    if len(value) > max_length:
        raise RequestError(f"{field} is longer than {max_length} characters")
    if not value.isprintable():
        raise RequestError(f"{field} contains control characters")
    return value


def validate_query_id(query_id: str) -> str:
    return text_field(query_id, "query_id", MAX_QUERY_ID_LENGTH)


def validate_requester(requester: pb.Requester) -> dict[str, str]:
    """The requester as the gateway vouched for it (its assertion is checked on admission)."""
    if not is_country_code(requester.country):
        raise RequestError(f"requester.country {requester.country!r} is not an ISO 3166-1 alpha-2 code")
    clearance = CLEARANCE_NAMES.get(requester.clearance)
    if clearance is None:
        raise RequestError(f"requester.clearance {requester.clearance} is not a known clearance")
    return {
        "country": requester.country,
        "agency": text_field(requester.agency, "requester.agency", MAX_IDENTITY_LENGTH),
        "investigator": text_field(requester.investigator_id, "requester.investigator_id", MAX_IDENTITY_LENGTH),
        "clearance": clearance,
    }


def validate_search(request: pb.SearchRequest, config: NodeConfig) -> ValidSearch:
    """Checks every field before anything is searched; RequestError/QueryError name the field."""
    query_id = validate_query_id(request.query_id)
    identity = validate_requester(request.requester)
    purpose = PURPOSE_NAMES.get(request.purpose)
    if purpose is None:
        raise RequestError(
            f"purpose {request.purpose} is not a known purpose" if request.purpose else "purpose is required"
        )
    limit = request.limit or config.default_limit
    if limit > config.max_limit:
        raise RequestError(f"limit {limit} is out of range (1 to {config.max_limit})")
    try:
        query = validate_query(
            request.query.schema,
            {name: list(values.values) for name, values in request.query.properties.items()},
            config.query_limits,
        )
    except QueryError as error:
        raise RequestError(f"query.{error.field}: {error.message}") from error
    return ValidSearch(query_id, identity, purpose, query, limit, request.requester_assertion)
