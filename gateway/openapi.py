"""The OpenAPI 3.1 description of the gateway's HTTP API, built from its configuration (limits, countries)."""

from __future__ import annotations

from typing import Any

from fedcore import SOFTWARE_VERSION
from fedcore.query import searchable_properties, searchable_schema
from fedcore.vocabulary import CLEARANCES, MATCH_KINDS, PURPOSES, REFUSAL_REASONS, WITHHOLD_REASONS
from gateway.auth import AUTH_FAILURES
from gateway.breaker import BREAKER_STATES
from gateway.config import GatewayConfig
from gateway.nodes import COUNTRY_STATUSES, PROBLEMS

JSON = "application/json"
NDJSON = "application/x-ndjson"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


STRING = {"type": "string"}
VALUES = {"type": "array", "items": STRING}


# A value that is not blank and holds no control character.
PLAIN_TEXT = "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"


def _searchable_names(config: GatewayConfig) -> list[str]:
    """Every property name searchable in some configured schema (which ones a schema has: see the 400)."""
    return sorted({prop.name for name in config.schemata for prop in searchable_properties(searchable_schema(name))})


def _schemas(config: GatewayConfig) -> dict[str, Any]:
    countries = sorted(config.nodes)
    country_result = {
        "status": {"type": "string", "enum": list(COUNTRY_STATUSES)},
        "latency_ms": {"type": "number", "minimum": 0},
        "hits": {"type": "integer", "minimum": 0},
        "policy_revision": {"type": "string", "description": "Revision of the country's policy that decided."},
        "refusal_reason": {"type": "string", "enum": list(REFUSAL_REASONS)},
        "audit_entry_id": {"type": "string", "description": "The country's audit log entry for this search."},
        "audit_seq": {
            "type": "integer",
            "minimum": 1,
            "description": "The entry's sequence number in the country's hash-chained audit log.",
        },
        "audit_hash": {
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "The entry's chain hash (hex SHA-256): with audit_seq, an anchor the country's audit log "
            "must still agree with (`fedgate node audit verify --anchors`).",
        },
        "problem": {
            "type": "string",
            "enum": list(PROBLEMS),
            "description": "Why a country's answer is missing, from a closed set (never the node's own words).",
        },
        "message": {"type": "string", "description": "The fixed text of `problem` (or of a refusal), for people."},
        "signature": {
            "type": "string",
            "description": "The country's Ed25519 signature (base64url) over its part of this answer.",
        },
        "key_id": {"type": "string", "description": "Which of the country's keys made the signature."},
        "signed_at": {
            "type": "string",
            "description": "When the country signed (RFC 3339, UTC; signed): its key must have been valid then.",
        },
    }
    evidence = {
        "requested": {
            "type": "array",
            "items": {"type": "string", "enum": countries},
            "description": "The countries the search went to; each has an entry in `countries`.",
        },
        "gateway": _ref("GatewaySignature"),
    }
    country_required = ["status", "latency_ms", "hits", "policy_revision"]
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {"type": "string", "description": "Stable, machine-readable code."},
                        "message": {"type": "string", "description": "What is wrong, naming the field."},
                    }
                )
            }
        ),
        "SearchRequest": _object(
            {
                "schema": {
                    "type": "string",
                    "enum": list(config.schemata),
                    "description": "A FollowTheMoney schema searchable in this federation.",
                },
                "properties": {
                    "type": "object",
                    "description": (
                        "FollowTheMoney property names of that schema, each with the values to match; at least one "
                        "name or identifier. Dates are YYYY, YYYY-MM or YYYY-MM-DD; countries ISO 3166-1 codes."
                    ),
                    "propertyNames": {"enum": _searchable_names(config)},
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": config.query_limits.max_value_length,
                            "pattern": PLAIN_TEXT,
                        },
                        "minItems": 1,
                        "maxItems": config.query_limits.max_values_per_property,
                    },
                    "minProperties": 1,
                    "maxProperties": config.query_limits.max_properties,
                },
                "purpose": {"type": "string", "enum": list(PURPOSES)},
                "countries": {
                    "type": "array",
                    "items": {"type": "string", "enum": countries},
                    "minItems": 1,
                    "description": "Countries to ask; every registered country when left out.",
                },
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": config.max_limit,
                    "default": config.default_limit,
                    "description": "Most hits wanted from each country.",
                },
                "timeout_ms": {
                    "type": "integer",
                    "minimum": config.min_timeout_ms,
                    "maximum": config.max_timeout_ms,
                    "default": config.default_timeout_ms,
                    "description": "Time budget of the whole search; slower countries are reported as timeout.",
                },
            },
            required=["schema", "properties", "purpose"],
        ),
        "Hit": _object(
            {
                "country": {"type": "string", "enum": countries},
                "record_ref": {"type": "string", "description": "Opaque reference to the record at its country."},
                "schema": STRING,
                "score": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": (
                        "How well the query matches, computed over the properties released as they are and"
                        " nothing else. Absent for hit-only hits: an exact score could tell a withheld"
                        " property (a birth date that agrees moves it)."
                    ),
                },
                "score_band": {
                    "type": "string",
                    "enum": ["strong", "possible"],
                    "description": (
                        "For hit-only hits whose country releases that much and no more: a close match on"
                        " the query's names or identifiers (strong), or a match above the node's threshold"
                        " (possible). Results rank by score, then strong, then possible, then hits with"
                        " neither, each country's hits in the order its node gave them."
                    ),
                },
                "disclosure": {"type": "string", "enum": ["full", "partial", "hit_only"]},
                "properties": {
                    "type": "object",
                    "additionalProperties": VALUES,
                    "description": "Released property values only, generalised where the policy says so.",
                },
                "withheld": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "enum": list(WITHHOLD_REASONS)},
                    "description": "Each property the record holds that was not released, with the reason.",
                },
                "generalised": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "enum": ["year", "year_month"]},
                },
                "matched": {
                    "type": "array",
                    "items": _object(
                        {
                            "property": STRING,
                            "kind": {"type": "string", "enum": list(MATCH_KINDS)},
                            "score": {"type": "number", "minimum": 0, "maximum": 1},
                        }
                    ),
                    "description": "How released properties matched the query.",
                },
                "contact": {"type": "string", "description": "Whom to ask the country for more."},
            },
            required=[
                "country",
                "record_ref",
                "schema",
                "disclosure",
                "properties",
                "withheld",
                "generalised",
                "matched",
                "contact",
            ],
        ),
        "CountryResult": _object(country_result, required=country_required),
        "SearchResponse": _object(
            {
                "query_id": STRING,
                "purpose": {"type": "string", "enum": list(PURPOSES)},
                "partial": {"type": "boolean", "description": "True when some country's answer is missing."},
                "results": {"type": "array", "items": _ref("Hit"), "description": "All hits, best first."},
                "countries": {
                    "type": "object",
                    "propertyNames": {"enum": countries},
                    "additionalProperties": _ref("CountryResult"),
                },
                **evidence,
            }
        ),
        "GatewaySignature": _object(
            {
                "key_id": {"type": "string", "description": "The gateway key (listed in the federation's directory)."},
                "signed_at": {"type": "string", "description": "When the gateway signed (RFC 3339, UTC)."},
                "signature": {
                    "type": "string",
                    "description": "Ed25519 (base64url) over the query id, purpose, requested countries and each "
                    "country's status and signature: `fedgate verify` checks it against the directory.",
                },
            },
            required=["key_id", "signed_at", "signature"],
        ),
        "CountryLine": _object(
            {
                "type": {"const": "country"},
                "query_id": STRING,
                "country": {"type": "string", "enum": countries},
                **country_result,
                "results": {"type": "array", "items": _ref("Hit")},
            },
            required=["type", "query_id", "country", *country_required, "results"],
        ),
        "SummaryLine": _object(
            {
                "type": {"const": "summary"},
                "query_id": STRING,
                "purpose": {"type": "string", "enum": list(PURPOSES)},
                "partial": {"type": "boolean"},
                "hits": {"type": "integer", "minimum": 0},
                "latency_ms": {"type": "number", "minimum": 0},
                "countries": {
                    "type": "object",
                    "propertyNames": {"enum": countries},
                    "additionalProperties": _ref("CountryResult"),
                },
                **evidence,
            }
        ),
        "StreamLine": {"oneOf": [_ref("CountryLine"), _ref("SummaryLine")]},
        "NodesResponse": _object(
            {
                "nodes": {
                    "type": "array",
                    "items": _object(
                        {
                            "country": {"type": "string", "enum": countries},
                            "healthy": {"type": "boolean"},
                            "circuit_breaker": {"type": "string", "enum": list(BREAKER_STATES)},
                            "policy_revision": STRING,
                            "software_version": STRING,
                            "schemata": {
                                "type": "array",
                                "description": (
                                    "What the country's policy shows this investigator: its record types (empty"
                                    " when not shown), with record counts only where the policy shows them."
                                ),
                                "items": _object(
                                    {"schema": STRING, "records": {"type": "integer", "minimum": 0}},
                                    required=["schema"],
                                ),
                            },
                        }
                    ),
                }
            }
        ),
        "Me": _object(
            {
                "investigator": STRING,
                "country": STRING,
                "agency": STRING,
                "clearance": {"type": "string", "enum": list(CLEARANCES)},
                "purposes": {"type": "array", "items": {"type": "string", "enum": list(PURPOSES)}},
                "issuer": STRING,
                "expires_at": {"type": "integer", "description": "Unix time the token expires."},
            }
        ),
        "Schemata": _object(
            {
                "schemata": {
                    "type": "array",
                    "items": _object(
                        {
                            "name": STRING,
                            "label": STRING,
                            "properties": {
                                "type": "array",
                                "items": _object({"name": STRING, "label": STRING, "type": STRING}),
                            },
                            "labels": {"type": "object", "additionalProperties": STRING},
                        }
                    ),
                }
            }
        ),
        "Health": _object({"status": {"const": "ok"}}),
        "Ready": _object({"status": {"const": "ready"}, "reachable": {"type": "array", "items": STRING}}),
    }


def build_openapi(config: GatewayConfig) -> dict[str, Any]:
    unauthorized = _error(f"No valid bearer token. Codes: {', '.join(AUTH_FAILURES)}.")
    search_errors = {
        "400": _error("The body is not valid: the message names the field."),
        "401": unauthorized,
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
    search_body = {"required": True, "content": {JSON: {"schema": _ref("SearchRequest")}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fedgate gateway",
            "version": SOFTWARE_VERSION,
            "description": "Federated search of country nodes; each country's own policy decides what it releases.",
        },
        "components": {
            "schemas": _schemas(config),
            "securitySchemes": {"investigatorToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "paths": {
            "/v1/search": {
                "post": {
                    "operationId": "search",
                    "summary": "Search the countries; answer when all have answered or the budget ends.",
                    "security": [{"investigatorToken": []}],
                    "requestBody": search_body,
                    "responses": {
                        "200": {
                            "description": "Merged, ranked hits and each country's status.",
                            "content": {JSON: {"schema": _ref("SearchResponse")}},
                        },
                        **search_errors,
                    },
                }
            },
            "/v1/search/stream": {
                "post": {
                    "operationId": "searchStream",
                    "summary": "The same search as NDJSON: one line per country as it answers, then a summary line.",
                    "security": [{"investigatorToken": []}],
                    "requestBody": search_body,
                    "responses": {
                        "200": {
                            "description": "Newline-delimited JSON; each line is a StreamLine.",
                            "content": {NDJSON: {"schema": STRING, "x-item-schema": _ref("StreamLine")}},
                        },
                        **search_errors,
                    },
                }
            },
            "/v1/me": {
                "get": {
                    "operationId": "me",
                    "summary": "The investigator the token speaks for, and the purposes it grants.",
                    "security": [{"investigatorToken": []}],
                    "responses": {
                        "200": {"description": "The investigator.", "content": {JSON: {"schema": _ref("Me")}}},
                        "401": unauthorized,
                    },
                }
            },
            "/v1/schemata": {
                "get": {
                    "operationId": "schemata",
                    "summary": "The record types the page offers and their searchable FollowTheMoney properties.",
                    "security": [{"investigatorToken": []}],
                    "responses": {
                        "200": {"description": "Record types.", "content": {JSON: {"schema": _ref("Schemata")}}},
                        "401": unauthorized,
                    },
                }
            },
            "/": {
                "get": {
                    "operationId": "page",
                    "summary": "The investigator web page.",
                    "responses": {"200": {"description": "HTML.", "content": {"text/html": {"schema": STRING}}}},
                }
            },
            "/static/{name}": {
                "get": {
                    "operationId": "pageAsset",
                    "summary": "The page's script and style sheet.",
                    "parameters": [{"name": "name", "in": "path", "required": True, "schema": STRING}],
                    "responses": {
                        "200": {
                            "description": "A file of the page.",
                            "content": {"text/javascript": {"schema": STRING}, "text/css": {"schema": STRING}},
                        },
                        "404": _error("No such file."),
                    },
                }
            },
            "/v1/nodes": {
                "get": {
                    "operationId": "listNodes",
                    "summary": "Every registered country: health, and what its policy shows this investigator.",
                    "security": [{"investigatorToken": []}],
                    "responses": {
                        "200": {"description": "The registry.", "content": {JSON: {"schema": _ref("NodesResponse")}}},
                        "401": unauthorized,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "The gateway process is alive.",
                    "responses": {"200": {"description": "Alive.", "content": {JSON: {"schema": _ref("Health")}}}},
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "At least one country node is reachable.",
                    "responses": {
                        "200": {"description": "Ready.", "content": {JSON: {"schema": _ref("Ready")}}},
                        "503": _error("No country node is reachable."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1.", "content": {JSON: {"schema": {"type": "object"}}}}
                    },
                }
            },
        },
    }
