"""The gateway's HTTP API as pydantic models: the one description of its requests and answers.

The OpenAPI document's schemas are generated from these models (gateway.openapi), search bodies are validated
by the request model built for the configuration (`search_request_model`, used by gateway.request), and the
closed sets (purposes, reasons, statuses…) are the vocabulary's and the gateway's own tuples, never copies.
What a configuration decides (its countries, schemata, limits) enters through `search_request_model` and the
`Country` schema that gateway.openapi writes from it.

The small answers (/v1/me, /v1/nodes, /v1/schemata, health, errors) are built as these models. A search's answer
is built by gateway.search and fedcore.answers (whose hits are also what a country signs) without validating: a
node's malformed value must show as what it is, not turn the whole answer into a 500; tests check that every
answer fits these models (tests/test_api_models.py, and the document in every API test).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError

from fedcore.query import QueryError, QueryLimits, searchable_properties, searchable_schema, validate_query
from fedcore.vocabulary import (
    CLEARANCES,
    DISCLOSURES,
    GENERALISATIONS,
    MATCH_KINDS,
    PURPOSES,
    REFUSAL_REASONS,
    SCORE_BANDS,
    WITHHOLD_REASONS,
)
from gateway.breaker import BREAKER_STATES
from gateway.config import GatewayConfig
from gateway.limits import RATE_LIMITS_MODES
from gateway.nodes import COUNTRY_STATUSES, PROBLEMS

if TYPE_CHECKING:  # mypy sees plain strings; pydantic sees each closed set as a Literal built from its source
    Purpose: TypeAlias = str
    Clearance: TypeAlias = str
    Disclosure: TypeAlias = str
    WithholdReason: TypeAlias = str
    RefusalReason: TypeAlias = str
    MatchKind: TypeAlias = str
    ScoreBand: TypeAlias = str
    Generalisation: TypeAlias = str
    CountryStatus: TypeAlias = str
    Problem: TypeAlias = str
    BreakerState: TypeAlias = str
    RateLimitsMode: TypeAlias = str
else:
    Purpose = Literal[tuple(PURPOSES)]
    Clearance = Literal[tuple(CLEARANCES)]
    Disclosure = Literal[tuple(DISCLOSURES)]
    WithholdReason = Literal[tuple(WITHHOLD_REASONS)]
    RefusalReason = Literal[tuple(REFUSAL_REASONS)]
    MatchKind = Literal[tuple(MATCH_KINDS)]
    ScoreBand = Literal[tuple(SCORE_BANDS)]
    Generalisation = Literal[tuple(GENERALISATIONS)]
    CountryStatus = Literal[COUNTRY_STATUSES]
    Problem = Literal[tuple(PROBLEMS)]
    BreakerState = Literal[BREAKER_STATES]
    RateLimitsMode = Literal[RATE_LIMITS_MODES]

# A country registered in this federation: its schema is written from the configuration (gateway.openapi).
COUNTRY_SCHEMA = "Country"
Country = Annotated[str, WithJsonSchema({"$ref": f"#/components/schemas/{COUNTRY_SCHEMA}"})]
# A value that is not blank and holds no control character.
PLAIN_TEXT = "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"


class ApiModel(BaseModel):
    """A JSON object of the API: unknown members are refused, values are taken as sent (strict), never changed."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def document(self) -> dict[str, Any]:
        """As the API sends it: members by their API names, optional ones left out when absent."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class QueryProblem(ApiModel):
    index: int = Field(ge=0, description="The query's place in the batch, from 0.")
    code: str
    message: str = Field(description="What is wrong with that query, naming the field.")


class ErrorDetail(ApiModel):
    code: str = Field(description="Stable, machine-readable code.")
    message: str = Field(description="What is wrong, naming the field.")
    queries: list[QueryProblem] | None = Field(
        None, description="A screening batch refused as a whole: each bad query, by its index, and why."
    )


class Error(ApiModel):
    """Every error answer: `{"error": {"code", "message"}}`."""

    error: ErrorDetail


# --- a search ----------------------------------------------------------------------------------------------------


class SearchRequest(ApiModel):
    """The body of /v1/search. What the configuration bounds (schemata, countries, limits) is narrowed by
    `search_request_model`; the values of `properties` are checked by fedcore.query.validate_query."""

    schema_name: str = Field(alias="schema", description="A FollowTheMoney schema searchable in this federation.")
    properties: dict[str, list[str]] = Field(
        description="FollowTheMoney property names of that schema, each with the values to match; at least one "
        "name or identifier. Dates are YYYY, YYYY-MM or YYYY-MM-DD; countries ISO 3166-1 codes."
    )
    purpose: Purpose
    countries: list[str] = Field(
        default_factory=list, min_length=1, description="Countries to ask; every registered country when left out."
    )
    limit: int = Field(ge=1, description="Most hits wanted from each country.")
    timeout_ms: int = Field(
        description="Time budget of the whole search; slower countries are reported as timeout.",
    )


def _searchable_names(config: GatewayConfig) -> list[str]:
    """Every property name searchable in some configured schema (which ones a schema has: see the 400)."""
    return sorted({prop.name for name in config.schemata for prop in searchable_properties(searchable_schema(name))})


def _query_checker(limits: QueryLimits) -> BeforeValidator:
    """The query's values checked against FtM (fedcore.query, shared with the node), and cleaned."""

    def check(value: object, info: ValidationInfo) -> object:
        schema = info.data.get("schema_name")
        if schema is None or not isinstance(value, dict):
            return value  # the schema's own problem is reported, or the type's
        try:
            return validate_query(schema, value, limits).properties
        except QueryError as error:
            raise PydanticCustomError(
                "invalid_query", "{field}: {problem}", {"field": error.field, "problem": error.message}
            ) from error

    return BeforeValidator(check)


def _described(name: str, **constraints: Any) -> Any:
    """A field of SearchRequest again, with its description and the configuration's constraints."""
    field = SearchRequest.model_fields[name]
    return Field(alias=field.alias, description=field.description, **constraints)


def search_request_model(config: GatewayConfig) -> type[SearchRequest]:
    """SearchRequest as this configuration accepts it: its schemata and countries, its limits and defaults."""
    limits = config.query_limits
    values = {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": limits.max_value_length, "pattern": PLAIN_TEXT},
        "minItems": 1,
        "maxItems": limits.max_values_per_property,
    }
    properties = {
        "propertyNames": {"enum": _searchable_names(config)},
        "additionalProperties": values,
        "minProperties": 1,
        "maxProperties": limits.max_properties,
    }
    fields: dict[str, Any] = {
        "schema_name": (Literal[config.schemata], _described("schema_name")),
        "properties": (
            Annotated[dict[str, list[str]], _query_checker(limits)],
            _described("properties", json_schema_extra=properties),
        ),
        "countries": (
            list[Literal[tuple(sorted(config.nodes))]],  # type: ignore[misc]  # a Literal of the configuration
            _described("countries", default_factory=list, min_length=1),
        ),
        "limit": (int, _described("limit", default=config.default_limit, ge=1, le=config.max_limit)),
        "timeout_ms": (
            int,
            _described(
                "timeout_ms",
                default=config.default_timeout_ms,
                ge=config.min_timeout_ms,
                le=config.max_timeout_ms,
            ),
        ),
    }
    model: type[SearchRequest] = create_model("SearchRequest", __base__=SearchRequest, **fields)
    return model


class Match(ApiModel):
    property: str
    kind: MatchKind
    score: float = Field(ge=0, le=1)


class Hit(ApiModel):
    """A released record: what its country's policy let leave, and why the rest did not."""

    country: Country
    record_ref: str = Field(description="Opaque reference to the record at its country.")
    schema_name: str = Field(alias="schema")
    score: float | None = Field(
        None,
        ge=0,
        le=1,
        description="How well the query matches, computed over the properties released as they are and nothing"
        " else. Absent for hit-only hits: an exact score could tell a withheld property (a birth date that agrees"
        " moves it).",
    )
    score_band: ScoreBand | None = Field(
        None,
        description="For hit-only hits whose country releases that much and no more: a close match on the query's"
        " names or identifiers (strong), or a match above the node's threshold (possible). Results rank by score,"
        " then strong, then possible, then hits with neither, each country's hits in the order its node gave them.",
    )
    disclosure: Disclosure
    properties: dict[str, list[str]] = Field(
        description="Released property values only, generalised where the policy says so."
    )
    withheld: dict[str, WithholdReason] = Field(
        description="Each property the record holds that was not released, with the reason."
    )
    generalised: dict[str, Generalisation]
    matched: list[Match] = Field(description="How released properties matched the query.")
    contact: str = Field(description="Whom to ask the country for more.")


class CountryResult(ApiModel):
    """How one country answered; only a country that answered signs (`signature`, `key_id`, `signed_at`)."""

    status: CountryStatus
    latency_ms: float = Field(ge=0)
    hits: int = Field(ge=0)
    policy_revision: str = Field(description="Revision of the country's policy that decided.")
    refusal_reason: RefusalReason | None = None
    audit_entry_id: str | None = Field(None, description="The country's audit log entry for this search.")
    audit_seq: int | None = Field(
        None, ge=1, description="The entry's sequence number in the country's hash-chained audit log."
    )
    audit_hash: str | None = Field(
        None,
        pattern="^[0-9a-f]{64}$",
        description="The entry's chain hash (hex SHA-256): with audit_seq, an anchor the country's audit log must"
        " still agree with (`fedgate node audit verify --anchors`).",
    )
    problem: Problem | None = Field(
        None, description="Why a country's answer is missing, from a closed set (never the node's own words)."
    )
    message: str | None = Field(None, description="The fixed text of `problem` (or of a refusal), for people.")
    signature: str | None = Field(
        None, description="The country's Ed25519 signature (base64url) over its part of this answer."
    )
    key_id: str | None = Field(None, description="Which of the country's keys made the signature.")
    signed_at: str | None = Field(
        None, description="When the country signed (RFC 3339, UTC; signed): its key must have been valid then."
    )


class GatewaySignature(ApiModel):
    key_id: str = Field(description="The gateway key (listed in the federation's directory).")
    signed_at: str = Field(description="When the gateway signed (RFC 3339, UTC).")
    signature: str = Field(
        description="Ed25519 (base64url) over the query id, purpose, requested countries and each country's status"
        " and signature: `fedgate verify` checks it against the directory."
    )


class SearchOutcome(ApiModel):
    """What a search answer and a stream's summary line both say: the countries asked, how each answered, and
    the gateway's signature over it."""

    query_id: str
    purpose: Purpose
    partial: bool = Field(description="True when some country's answer is missing.")
    requested: list[Country] = Field(description="The countries the search went to; each has an entry in `countries`.")
    countries: dict[Country, CountryResult]
    gateway: GatewaySignature


class SearchResponse(SearchOutcome):
    """The answer of /v1/search: merged, ranked hits and each country's status."""

    results: list[Hit] = Field(description="All hits, best first.")


class CountryLine(CountryResult):
    """A line of /v1/search/stream: one country's answer, as it arrives."""

    type: Literal["country"]
    query_id: str
    country: Country
    results: list[Hit]


class SummaryLine(SearchOutcome):
    """The last line of /v1/search/stream."""

    type: Literal["summary"]
    hits: int = Field(ge=0)
    latency_ms: float = Field(ge=0)


class StreamLine(RootModel[Annotated[CountryLine | SummaryLine, Field(discriminator="type")]]):
    """A line of /v1/search/stream (NDJSON)."""


# --- what else the API answers -----------------------------------------------------------------------------------


class NodeSchema(ApiModel):
    schema_name: str = Field(alias="schema")
    records: int | None = Field(None, ge=0)


class Node(ApiModel):
    country: Country
    healthy: bool
    circuit_breaker: BreakerState
    policy_revision: str
    software_version: str
    schemata: list[NodeSchema] = Field(
        description="What the country's policy shows this investigator: its record types (empty when not shown),"
        " with record counts only where the policy shows them."
    )


class NodesResponse(ApiModel):
    """The answer of /v1/nodes: every registered country."""

    nodes: list[Node]


class Me(ApiModel):
    """The answer of /v1/me: the investigator the token speaks for."""

    investigator: str
    country: str
    agency: str
    clearance: Clearance
    purposes: list[Purpose]
    issuer: str
    expires_at: int = Field(description="Unix time the token expires.")


class SchemaProperty(ApiModel):
    name: str
    label: str
    type: str


class SchemaDescription(ApiModel):
    name: str
    label: str
    properties: list[SchemaProperty]
    labels: dict[str, str]


class Schemata(ApiModel):
    """The answer of /v1/schemata: the record types the page offers."""

    schemata: list[SchemaDescription]


class Health(ApiModel):
    status: Literal["ok"]


class Ready(ApiModel):
    status: Literal["ready"]
    reachable: list[str]
    rate_limits: RateLimitsMode = Field(
        description="How the rate limits are kept: in_memory (a single gateway), shared (through Redis, by every "
        "replica), per_replica (Redis unreachable: each replica allows its share of every limit)."
    )
    detail: list[str] = Field(description="What works in a degraded way, and why; empty when nothing does.")
