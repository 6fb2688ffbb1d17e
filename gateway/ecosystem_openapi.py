"""The ecosystem endpoints (gateway.ecosystem, gateway.reconcile) in the OpenAPI document: parameters and shapes.

Their answers are yente's shapes, written here as JSON Schema (yente's models are pydantic, in yente/data/common.py
and yente/data/freebase.py; MIT-licensed): a yente client reads them as it reads yente's.
"""

from __future__ import annotations

from typing import Any

from fedcore.vocabulary import PURPOSES
from gateway.config import GatewayConfig
from gateway.ecosystem import ALGORITHMS, DEFAULT_THRESHOLD, FUZZY
from gateway.screening import ALL_COUNTRIES, MAX_QUERIES

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
STRING = {"type": "string"}
OBJECT = {"type": "object"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _dataset() -> dict[str, Any]:
    return {
        "name": "dataset",
        "in": "path",
        "required": True,
        "description": f"{ALL_COUNTRIES!r} for every country, or country codes joined by '+' (FR, fr+de).",
        "schema": STRING,
    }


def _purpose() -> dict[str, Any]:
    return {
        "name": "purpose",
        "in": "query",
        "required": True,
        "description": "Why these searches are made; refused when the token does not grant it.",
        "schema": {"type": "string", "enum": list(PURPOSES)},
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _errors(config: GatewayConfig, media: str) -> dict[str, Any]:
    return {
        "400": _error("A parameter or a query is not valid: the message names it (and the query's key)."),
        "401": _error("No valid investigator token ('Authorization: Bearer <token>' or 'ApiKey <token>')."),
        "403": _error("The token does not grant this purpose."),
        "404": _error("No such dataset."),
        "408": _error("The body did not arrive in time; the connection is closed."),
        "413": _error(f"The body is larger than {config.max_body_bytes} bytes."),
        "415": _error(f"The body is not {media}."),
        "429": {
            "description": "A rate limit is reached (each query counts as a search).",
            "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    }


def _match_body(config: GatewayConfig) -> dict[str, Any]:
    values = {"oneOf": [STRING, {"type": "array", "items": STRING}]}
    example = {
        "type": "object",
        "required": ["schema", "properties"],
        "properties": {
            "id": STRING,
            "schema": {"type": "string", "enum": list(config.schemata)},
            "properties": {"type": "object", "additionalProperties": values},
        },
    }
    return {
        "type": "object",
        "required": ["queries"],
        "additionalProperties": False,
        "properties": {
            "queries": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": MAX_QUERIES,
                "additionalProperties": example,
            },
            "weights": {"type": "object", "maxProperties": 0},
            "config": {"type": "object", "maxProperties": 0},
        },
    }


MATCH_RESPONSE = {
    "type": "object",
    "required": ["responses", "limit"],
    "properties": {
        "limit": {"type": "integer"},
        "responses": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["status", "results", "total", "query"],
                "properties": {
                    "status": {"type": "integer", "enum": [200, 206]},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "caption", "schema", "properties", "match", "explanations", "datasets"],
                            "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1}},
                        },
                    },
                    "total": OBJECT,
                    "query": OBJECT,
                    "fedgate": OBJECT,
                },
            },
        },
    },
}
MANIFEST = {
    "type": "object",
    "required": ["versions", "name", "identifierSpace", "schemaSpace", "defaultTypes"],
    "properties": {"versions": {"type": "array", "items": STRING}, "defaultTypes": {"type": "array"}},
}
RECONCILE_RESPONSE = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["result"],
        "properties": {"result": {"type": "array"}, "fedgate": OBJECT},
    },
}


def ecosystem_paths(config: GatewayConfig) -> dict[str, Any]:
    """/match/{dataset} and /reconcile/{dataset} as path items of the gateway's OpenAPI document."""
    security: list[dict[str, list[str]]] = [{"investigatorToken": []}]
    match = {
        "operationId": "match",
        "summary": "yente's matching API: a batch of example entities, each searched in the dataset's countries.",
        "security": security,
        "parameters": [
            _dataset(),
            _purpose(),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": config.max_limit}, "Hits per country."),
            _query(
                "threshold",
                {"type": "number", "minimum": 0, "maximum": 1},
                f"Sets `match` (default {DEFAULT_THRESHOLD}).",
            ),
            _query("cutoff", {"type": "number", "minimum": 0, "maximum": 1}, "Drops scored results below it."),
            _query("algorithm", {"type": "string", "enum": list(ALGORITHMS)}, "Each country's own matcher."),
            _query("fuzzy", {"type": "string", "enum": list(FUZZY)}, "Accepted for yente clients; no effect."),
            _query(
                "timeout_ms",
                {"type": "integer", "minimum": config.min_timeout_ms, "maximum": config.max_timeout_ms},
                "Time budget of each query's search.",
            ),
        ],
        "requestBody": {"required": True, "content": {JSON: {"schema": _match_body(config)}}},
        "responses": {
            "200": {"description": "yente's EntityMatchResponse.", "content": {JSON: {"schema": MATCH_RESPONSE}}},
            **_errors(config, "JSON"),
        },
    }
    manifest = {
        "operationId": "reconcileManifest",
        "summary": "W3C Reconciliation API 0.2 service manifest.",
        "security": security,
        "parameters": [_dataset()],
        "responses": {
            "200": {"description": "The manifest.", "content": {JSON: {"schema": MANIFEST}}},
            "401": _errors(config, "")["401"],
            "404": _error("No such dataset."),
        },
    }
    reconcile = {
        "operationId": "reconcile",
        "summary": "W3C Reconciliation API 0.2 queries (form field queries=<JSON>), searched for one purpose.",
        "security": security,
        "parameters": [_dataset(), _purpose()],
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": {"type": "object", "required": ["queries"], "properties": {"queries": STRING}}}
            },
        },
        "responses": {
            "200": {"description": "Candidates per query.", "content": {JSON: {"schema": RECONCILE_RESPONSE}}},
            **_errors(config, "a form"),
        },
    }
    return {"/match/{dataset}": {"post": match}, "/reconcile/{dataset}": {"get": manifest, "post": reconcile}}
