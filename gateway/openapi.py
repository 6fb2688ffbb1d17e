"""The OpenAPI 3.1 description of the gateway's HTTP API: schemas generated from gateway.api, paths as a table."""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from fedcore import SOFTWARE_VERSION
from fedcore.query import MAX_SCREEN_QUERIES
from gateway.api import (
    COUNTRY_SCHEMA,
    Error,
    Health,
    Me,
    NodesResponse,
    Ready,
    Schemata,
    SearchRequest,
    SearchResponse,
    StreamLine,
)
from gateway.api_followups import FollowUp, FollowUpRequest
from gateway.api_screen import ScreenLine
from gateway.auth import AUTH_FAILURES
from gateway.config import GatewayConfig
from gateway.ecosystem_openapi import ecosystem_paths

JSON = "application/json"
NDJSON = "application/x-ndjson"
REF_TEMPLATE = "#/components/schemas/{model}"
STRING = {"type": "string"}


class ApiJsonSchema(GenerateJsonSchema):
    """JSON Schema as the document states it: an optional member is left out, never null; no generated titles,
    and the models' docstrings stay in the code."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        generated = super().default_schema(schema)
        if generated.get("default", 0) is None:
            del generated["default"]
        return generated

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def handle_ref_overrides(self, json_schema: JsonSchemaValue) -> JsonSchemaValue:
        if json_schema.get("$ref") == _ref(COUNTRY_SCHEMA)["$ref"]:
            return json_schema  # written from the configuration (component_schemas), not a model's
        return super().handle_ref_overrides(json_schema)

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        generated = super().model_schema(schema)
        generated.pop("title", None)
        generated.pop("description", None)
        return generated


def component_schemas(config: GatewayConfig, request_model: type[SearchRequest]) -> dict[str, Any]:
    """Every model of the API as a component schema, and the registered countries as the `Country` schema."""
    models: list[type[BaseModel]] = [
        Error,
        request_model,
        SearchResponse,
        StreamLine,
        ScreenLine,
        NodesResponse,
        Me,
        Schemata,
        Health,
        Ready,
        FollowUpRequest,
        FollowUp,
    ]
    _, top = models_json_schema(
        [(model, "validation") for model in models], ref_template=REF_TEMPLATE, schema_generator=ApiJsonSchema
    )
    schemas: dict[str, Any] = top["$defs"]
    schemas["ScreenRequest"] = screen_request_schema(schemas["SearchRequest"])
    schemas[COUNTRY_SCHEMA] = {
        "type": "string",
        "enum": sorted(config.nodes),
        "description": "A country registered in this federation.",
    }
    return schemas


def screen_request_schema(search: dict[str, Any]) -> dict[str, Any]:
    """The /v1/screen body from the search body's schema: its query fields per query, the rest for the batch."""
    fields = search["properties"]
    query = {
        "type": "object",
        "properties": {name: fields[name] for name in ("schema", "properties")},
        "required": ["schema", "properties"],
        "additionalProperties": False,
    }
    queries = {
        "type": "array",
        "items": query,
        "minItems": 1,
        "maxItems": MAX_SCREEN_QUERIES,
        "description": "The queries, each screened as a search of it would be; a batch with any invalid query is"
        " refused as a whole (400, `error.queries` names each by its index).",
    }
    shared = {name: schema for name, schema in fields.items() if name not in ("schema", "properties")}
    return {
        "type": "object",
        "properties": {"queries": queries, **shared},
        "required": ["queries", *(name for name in search.get("required", []) if name in shared)],
        "additionalProperties": False,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=name)}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema)}}}


class Route(NamedTuple):
    path: str
    method: str
    operation_id: str
    summary: str
    token: bool  # needs an investigator token (and may answer 401)
    responses: dict[str, Any]  # besides the 401 and a search's errors
    parameters: tuple[dict[str, Any], ...] = ()
    body: str = "SearchRequest"  # the request body's schema, for a post


ROUTES = (
    Route(
        "/v1/search",
        "post",
        "search",
        "Search the countries; answer when all have answered or the budget ends.",
        True,
        {"200": _json("Merged, ranked hits and each country's status.", "SearchResponse")},
    ),
    Route(
        "/v1/search/stream",
        "post",
        "searchStream",
        "The same search as NDJSON: one line per country as it answers, then a summary line.",
        True,
        {
            "200": {
                "description": "Newline-delimited JSON; each line is a StreamLine.",
                "content": {NDJSON: {"schema": STRING, "x-item-schema": _ref("StreamLine")}},
            }
        },
    ),
    Route(
        "/v1/screen",
        "post",
        "screen",
        f"Screen a list of up to {MAX_SCREEN_QUERIES} queries: each query gets from each country exactly what a"
        " search of it would (one call and one policy decision per country for the whole list; one search per"
        " query against the rate limits). NDJSON: a line per country as it answers, then a summary line.",
        True,
        {
            "200": {
                "description": "Newline-delimited JSON; each line is a ScreenLine.",
                "content": {NDJSON: {"schema": STRING, "x-item-schema": _ref("ScreenLine")}},
            }
        },
        body="ScreenRequest",
    ),
    Route(
        "/v1/follow-ups",
        "post",
        "fileFollowUp",
        "After a hit: ask the country that answered it for the record's data, with your reasons and legal basis. The"
        " country's officer decides within its deadline, then its policy; nothing is released before. A follow-up on a"
        " record your agency got no hit on, a duplicate of an open one, or one the country's policy refuses is refused"
        " at once (200), saying nothing more about the record.",
        True,
        {
            "201": {
                "description": "Queued for the country's officer; Location is where to ask for it.",
                "headers": {"Location": {"description": "/v1/follow-ups/{id}", "schema": STRING}},
                "content": {JSON: {"schema": _ref("FollowUp")}},
            },
            "200": _json("Refused at once (see refusal).", "FollowUp"),
            "404": _error("The country is not a member of this federation."),
            "503": _error("The country could not take the follow-up; nothing was filed."),
        },
        body="FollowUpRequest",
    ),
    Route(
        "/v1/follow-ups/{follow_up_id}",
        "get",
        "followUp",
        "Where a follow-up of your agency stands (overdue: past its due time undecided); once released, the data."
        " Each call is in the country's audit log.",
        True,
        {
            "200": _json("The follow-up, signed by its country.", "FollowUp"),
            "400": _error("Not a follow-up id."),
            "404": _error("No follow-up of that id filed by your agency."),
            "429": _error("A rate limit is reached."),
            "503": _error("The country did not answer."),
        },
        (
            {
                "name": "follow_up_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": "^[A-Z]{2}-[0-9a-f]{32}$"},
            },
        ),
    ),
    Route(
        "/v1/me",
        "get",
        "me",
        "The investigator the token speaks for, and the purposes it grants.",
        True,
        {"200": _json("The investigator.", "Me")},
    ),
    Route(
        "/v1/schemata",
        "get",
        "schemata",
        "The record types the page offers and their searchable FollowTheMoney properties.",
        True,
        {"200": _json("Record types.", "Schemata")},
    ),
    Route(
        "/",
        "get",
        "page",
        "The investigator web page.",
        False,
        {"200": {"description": "HTML.", "content": {"text/html": {"schema": STRING}}}},
    ),
    Route(
        "/static/{name}",
        "get",
        "pageAsset",
        "The page's script and style sheet.",
        False,
        {
            "200": {
                "description": "A file of the page.",
                "content": {"text/javascript": {"schema": STRING}, "text/css": {"schema": STRING}},
            },
            "404": _error("No such file."),
        },
        ({"name": "name", "in": "path", "required": True, "schema": STRING},),
    ),
    Route(
        "/v1/nodes",
        "get",
        "listNodes",
        "Every registered country: health, and what its policy shows this investigator.",
        True,
        {"200": _json("The registry.", "NodesResponse")},
    ),
    Route("/healthz", "get", "healthz", "The gateway process is alive.", False, {"200": _json("Alive.", "Health")}),
    Route(
        "/readyz",
        "get",
        "readyz",
        "At least one country node is reachable; how the rate limits are kept (shared, or per replica and why).",
        False,
        {"200": _json("Ready.", "Ready"), "503": _error("No country node is reachable.")},
    ),
    Route(
        "/openapi.json",
        "get",
        "openapi",
        "This document.",
        False,
        {"200": {"description": "OpenAPI 3.1.", "content": {JSON: {"schema": {"type": "object"}}}}},
    ),
)


def _search_errors(config: GatewayConfig) -> dict[str, Any]:
    """What a search can answer besides its result (and the 401 of every route that needs a token)."""
    return {
        "400": _error("The body is not valid: the message names the field."),
        "403": _error("The token does not grant this purpose."),
        "413": _error(f"The body is larger than {config.max_body_bytes} bytes."),
        "408": _error("The body did not arrive in time; the connection is closed."),
        "415": _error("The body is not JSON."),
        "429": {
            "description": "A rate limit (per investigator or per country) is reached.",
            "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
            "content": {JSON: {"schema": _ref("Error")}},
        },
    }


def _operation(config: GatewayConfig, route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary}
    responses = route.responses
    if route.token:
        operation["security"] = [{"investigatorToken": []}]
        responses = {**responses, "401": _error(f"No valid bearer token. Codes: {', '.join(AUTH_FAILURES)}.")}
    if route.method == "post":  # the searches and the screening
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref(route.body)}}}
        responses = {**responses, **_search_errors(config)}
    if route.parameters:
        operation["parameters"] = list(route.parameters)
    operation["responses"] = responses
    return operation


def build_openapi(config: GatewayConfig, request_model: type[SearchRequest]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fedgate gateway",
            "version": SOFTWARE_VERSION,
            "description": "Federated search of country nodes; each country's own policy decides what it releases.",
        },
        "components": {
            "schemas": component_schemas(config, request_model),
            "securitySchemes": {"investigatorToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "paths": {
            **{route.path: {route.method: _operation(config, route)} for route in ROUTES},
            **ecosystem_paths(config),
        },
    }
