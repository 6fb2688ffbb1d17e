"""Reading and validating a search body: strict JSON, only known fields, the query checked against FtM."""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from annotated_types import Ge, Le
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from fedcore.query import EntityQuery, searchable_schema
from fedcore.vocabulary import PURPOSES
from gateway.api import SearchRequest
from gateway.config import GatewayConfig
from gateway.errors import BadRequest, PayloadTooLarge, RequestTimeout, UnsupportedMedia
from gateway.typedefs import CONFIG

SEARCH_FIELDS = tuple(field.alias or name for name, field in SearchRequest.model_fields.items())
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


# The order in which a body's problems are checked: the first one found is the one answered.
CHECKS = (
    "unknown_field",
    "missing_field",
    "schema",
    "properties",
    "purpose",
    "query",
    "countries",
    "countries_empty",
    "unknown_country",
    "limit",
    "timeout_ms",
)


def _bounds(model: type[SearchRequest], field: str) -> tuple[object, object]:
    """The least and greatest values the request model allows in a field."""
    metadata = model.model_fields[field].metadata
    minimum = next(item.ge for item in metadata if isinstance(item, Ge))
    maximum = next(item.le for item in metadata if isinstance(item, Le))
    return minimum, maximum


def _problem(error: ErrorDetails, config: GatewayConfig, model: type[SearchRequest]) -> tuple[str, str, str]:
    """A pydantic error as (check, code, message): the one place the request model's errors become ours."""
    kind, value, field = error["type"], error["input"], str(error["loc"][0])
    if kind == "extra_forbidden":
        return "unknown_field", "unknown_field", f"{field}: unknown field (known: {', '.join(SEARCH_FIELDS)})"
    if kind == "missing":
        return "missing_field", "missing_field", f"{field}: is required"
    if kind == "invalid_query":
        return "query", "invalid_query", error["msg"]
    if field == "schema":
        if not isinstance(value, str):
            return "schema", "invalid_field", "schema: must be a string"
        searchable = ", ".join(config.schemata)
        return (
            "schema",
            "invalid_query",
            f"schema: {value!r} is not searchable in this federation (searchable: {searchable})",
        )
    if field == "properties":
        return "properties", "invalid_field", "properties: must be an object mapping property names to lists of values"
    if field == "purpose":
        return "purpose", "invalid_field", f"purpose: {value!r} is not a known purpose (known: {', '.join(PURPOSES)})"
    if field == "countries":
        if kind == "too_short":
            message = "countries: must name at least one country (leave it out to ask every country)"
            return "countries_empty", "invalid_field", message
        if kind == "literal_error" and isinstance(value, str):
            registered = ", ".join(sorted(config.nodes))
            message = f"countries: {value!r} is not a registered country (registered: {registered})"
            return "unknown_country", "unknown_country", message
        return "countries", "invalid_field", "countries: must be a list of country codes"
    if kind == "int_type":
        return field, "invalid_field", f"{field}: must be an integer"
    minimum, maximum = _bounds(model, field)
    return field, "invalid_field", f"{field}: {value} is out of range ({minimum} to {maximum})"


def _first_problem(errors: list[ErrorDetails], config: GatewayConfig, model: type[SearchRequest]) -> BadRequest:
    """The problem the checks meet first; among unknown fields, the first by name."""
    problems = [_problem(error, config, model) for error in errors]
    _, code, message = min(
        problems, key=lambda problem: (CHECKS.index(problem[0]), problem[2] if problem[0] == "unknown_field" else "")
    )
    return BadRequest(message, code)


def parse_search(body: dict[str, Any], config: GatewayConfig, model: type[SearchRequest]) -> SearchSpec:
    """Validates a /v1/search body before any node is called, through the configuration's request model
    (gateway.api.search_request_model); BadRequest names the field."""
    try:
        search = model.model_validate(body)
    except ValidationError as error:
        raise _first_problem(error.errors(include_url=False), config, model) from error
    countries = search.countries if "countries" in search.model_fields_set else sorted(config.nodes)
    query = EntityQuery(searchable_schema(search.schema_name), search.properties)
    return SearchSpec(query, search.purpose, list(dict.fromkeys(countries)), search.limit, search.timeout_ms)
