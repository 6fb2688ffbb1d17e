"""Reading and validating a search body: strict JSON, only known fields, the query checked against FtM."""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fedcore.query import EntityQuery, QueryError, validate_query
from fedcore.vocabulary import PURPOSES
from gateway.config import GatewayConfig
from gateway.errors import BadRequest, PayloadTooLarge, RequestTimeout, UnsupportedMedia
from gateway.typedefs import CONFIG

SEARCH_FIELDS = ("schema", "properties", "purpose", "countries", "limit", "timeout_ms")
# No field needs more; Python itself refuses beyond 4300 digits, with a ValueError rather than a JSON error.
MAX_INTEGER_DIGITS = 20


@dataclass(frozen=True)
class SearchSpec:
    query: EntityQuery
    purpose: str
    countries: list[str]
    limit: int
    timeout_ms: int


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BadRequest(f"the JSON body repeats the key {key!r}", "invalid_json")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise BadRequest(f"the JSON body holds {name}, which is not a number", "invalid_json")


def _bounded_integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise BadRequest(
            f"the JSON body holds an integer of {digits} digits (at most {MAX_INTEGER_DIGITS})", "invalid_json"
        )
    return int(text)


def _finite_number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadRequest(f"the JSON body holds the number {text[:40]}, too large for a number", "invalid_json")
    return value


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object: UTF-8, no duplicate keys, no NaN or overflowing numbers; size capped by
    client_max_size, and time by body_timeout_s (a client trickling its body gets 408 and is cut off)."""
    config = request.app[CONFIG]
    if request.content_type not in ("application/json", "application/octet-stream") and request.body_exists:
        raise UnsupportedMedia(f"send the body as application/json, not {request.content_type}")
    try:
        async with asyncio.timeout(config.body_timeout_s):
            raw = await request.read()
    except web.HTTPRequestEntityTooLarge as error:
        raise PayloadTooLarge(f"the body exceeds {config.max_body_bytes} bytes") from error
    except TimeoutError as error:
        raise RequestTimeout(f"the body did not arrive within {config.body_timeout_s:g} s") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the body is not UTF-8 (byte {error.start})", "invalid_json") from error
    try:
        body = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
            parse_int=_bounded_integer,
            parse_float=_finite_number,
        )
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"the body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}", "invalid_json"
        ) from error
    except RecursionError as error:
        raise BadRequest("the JSON body is nested too deeply", "invalid_json") from error
    except ValueError as error:  # what json.loads lets through from number conversion, say
        raise BadRequest(f"the body is not valid JSON: {error}", "invalid_json") from error
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", "invalid_json")
    return body


def _integer(body: dict[str, Any], field: str, default: int, minimum: int, maximum: int) -> int:
    value = body.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{field}: must be an integer", "invalid_field")
    if not minimum <= value <= maximum:
        raise BadRequest(f"{field}: {value} is out of range ({minimum} to {maximum})", "invalid_field")
    return value


def parse_search(body: dict[str, Any], config: GatewayConfig) -> SearchSpec:
    """Validates a /v1/search body before any node is called; BadRequest names the field."""
    unknown = sorted(set(body) - set(SEARCH_FIELDS))
    if unknown:
        raise BadRequest(f"{unknown[0]}: unknown field (known: {', '.join(SEARCH_FIELDS)})", "unknown_field")
    for field in ("schema", "properties", "purpose"):
        if field not in body:
            raise BadRequest(f"{field}: is required", "missing_field")
    schema, properties, purpose = body["schema"], body["properties"], body["purpose"]
    if not isinstance(schema, str):
        raise BadRequest("schema: must be a string", "invalid_field")
    if schema not in config.schemata:
        raise BadRequest(
            f"schema: {schema!r} is not searchable in this federation (searchable: {', '.join(config.schemata)})",
            "invalid_query",
        )
    if not isinstance(properties, dict):
        raise BadRequest("properties: must be an object mapping property names to lists of values", "invalid_field")
    if not isinstance(purpose, str) or purpose not in PURPOSES:
        raise BadRequest(f"purpose: {purpose!r} is not a known purpose (known: {', '.join(PURPOSES)})", "invalid_field")
    try:
        query = validate_query(schema, properties, config.query_limits)
    except QueryError as error:
        raise BadRequest(f"{error.field}: {error.message}", "invalid_query") from error

    countries = body.get("countries", sorted(config.nodes))
    if not isinstance(countries, list) or not all(isinstance(country, str) for country in countries):
        raise BadRequest("countries: must be a list of country codes", "invalid_field")
    if not countries:
        raise BadRequest(
            "countries: must name at least one country (leave it out to ask every country)", "invalid_field"
        )
    for country in countries:
        if country not in config.nodes:
            raise BadRequest(
                f"countries: {country!r} is not a registered country (registered: {', '.join(sorted(config.nodes))})",
                "unknown_country",
            )
    limit = _integer(body, "limit", config.default_limit, 1, config.max_limit)
    timeout_ms = _integer(body, "timeout_ms", config.default_timeout_ms, config.min_timeout_ms, config.max_timeout_ms)
    return SearchSpec(query, purpose, list(dict.fromkeys(countries)), limit, timeout_ms)
