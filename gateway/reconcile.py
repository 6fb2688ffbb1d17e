"""The W3C Reconciliation API (version 0.2, the one yente implements) over the federation, for OpenRefine.

`GET /reconcile/{dataset}` is the service manifest, `POST /reconcile/{dataset}` answers `queries=` (form-encoded
JSON) for the purpose given as `?purpose=`; each query is a fedgate search (gateway.screening). Read from yente's
yente/routers/reconcile.py and yente/data/freebase.py (MIT-licensed), never copied. Suggest, preview and data
extension are not offered: they would show records outside a search, which no country's policy has decided on.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from followthemoney import model

from gateway.errors import BadRequest, PayloadTooLarge, RequestTimeout, UnsupportedMedia
from gateway.screening import (
    answer_queries,
    batch_size,
    dataset_countries,
    matchable_properties,
    query_outcome,
    required_purpose,
    search_spec,
)
from gateway.search import hit_json, ranked
from gateway.typedefs import CONFIG, INVESTIGATOR

VERSION = "0.2"
# Candidates per query when a query gives no `limit` (the spec's and yente's default).
DEFAULT_CANDIDATES = 5
# How many queries OpenRefine puts in one request.
BATCH_SIZE = 10
SCHEMA_SPACE = "https://followthemoney.tech/explorer/schemata/"
QUERY_FIELDS = ("query", "type", "limit", "properties", "type_strict")


def _type(name: str) -> dict[str, str]:
    schema = model.get(name)
    return {"id": name, "name": schema.plural if schema is not None else name}


async def manifest(request: web.Request) -> web.Response:
    """The service manifest: what OpenRefine shows and offers (the searchable schemata as types)."""
    dataset = request.match_info["dataset"]
    dataset_countries(request, dataset)
    base = str(request.url.with_query(None))
    return web.json_response(
        {
            "versions": [VERSION],
            "name": f"fedgate ({dataset})",
            "identifierSpace": f"{base}#record",
            "schemaSpace": SCHEMA_SPACE,
            "batchSize": BATCH_SIZE,
            "defaultTypes": [_type(name) for name in request.app[CONFIG].schemata],
        }
    )


async def _form_queries(request: web.Request) -> dict[str, Any]:
    """The `queries` form field, decoded: a JSON object of reconciliation queries."""
    config = request.app[CONFIG]
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise UnsupportedMedia(f"send the queries as a form (queries=…), not {request.content_type}")
    try:
        async with asyncio.timeout(config.body_timeout_s):
            form = await request.post()
    except web.HTTPRequestEntityTooLarge as error:
        raise PayloadTooLarge(f"the body exceeds {config.max_body_bytes} bytes") from error
    except TimeoutError as error:
        raise RequestTimeout(f"the body did not arrive within {config.body_timeout_s:g} s") from error
    if "extend" in form:
        raise BadRequest(
            "extend: data extension is not offered (it would show records outside a search)", "unsupported_parameter"
        )
    text = form.get("queries")
    if not isinstance(text, str):
        raise BadRequest("queries: give the reconciliation queries as the form field queries=<JSON>", "missing_field")
    try:
        queries = json.loads(text)
    except (ValueError, RecursionError) as error:  # ValueError: bad JSON, or an integer too long to read
        raise BadRequest("queries: is not valid JSON", "invalid_json") from error
    if not isinstance(queries, dict):
        raise BadRequest("queries: must be a JSON object mapping your keys to queries", "invalid_field")
    return queries


def _schema_of(query: dict[str, Any], default: str) -> object:
    kind = query.get("type")
    if kind is None:
        return default
    if isinstance(kind, list):
        if not kind:
            return default
        kind = kind[0]
    return kind


def _properties(query: dict[str, Any], where: str) -> dict[str, Any]:
    """The query's `query` string as `name`, and its `properties` [{pid, v}] by property name (`Schema:name` or
    `name`)."""
    properties: dict[str, list[Any]] = {}
    text = query.get("query")
    if text is not None:
        if not isinstance(text, str):
            raise BadRequest(f"{where}.query: must be a string", "invalid_field")
        properties["name"] = [text]
    given = query.get("properties", [])
    if not isinstance(given, list):
        raise BadRequest(f"{where}.properties: must be a list of {{pid, v}}", "invalid_field")
    for item in given:
        if not isinstance(item, dict) or not isinstance(item.get("pid"), str) or "v" not in item:
            raise BadRequest(f"{where}.properties: each must be {{pid, v}}", "invalid_field")
        name = item["pid"].rsplit(":", 1)[-1]
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        properties.setdefault(name, []).extend(values)
    return properties


def candidate(hit: dict[str, Any]) -> dict[str, Any]:
    """A released hit as a reconciliation candidate: a released name (else the schema's label), `score` null
    where its country released none, `match` never decided for the user (OpenRefine would auto-match)."""
    names = hit["properties"].get("name", [])
    schema = model.get(hit["schema"])
    label = schema.label if schema is not None else hit["schema"]
    return {
        "id": f"{hit['country']}-{hit['record_ref']}",
        "name": names[0] if names else label,
        "description": f"{label}, {hit['country']} ({hit['disclosure']})",
        "type": [_type(hit["schema"])],
        "score": hit.get("score"),
        "match": False,
        "fedgate": {key: value for key, value in hit.items() if key not in ("schema", "properties")},
    }


async def reconcile(request: web.Request) -> web.Response:
    """POST /reconcile/{dataset}: each query searched in the dataset's countries, for the one purpose given."""
    countries = dataset_countries(request, request.match_info["dataset"])
    purpose = required_purpose(request)
    queries = await _form_queries(request)
    batch_size(len(queries))
    default_schema = request.app[CONFIG].schemata[0]
    specs = []
    for key, query in queries.items():
        where = f"queries.{key}"
        if not isinstance(query, dict):
            raise BadRequest(f"{where}: must be a reconciliation query object", "invalid_field")
        unknown = sorted(set(query) - set(QUERY_FIELDS))
        if unknown:
            raise BadRequest(f"{where}.{unknown[0]}: unknown field (known: {', '.join(QUERY_FIELDS)})", "unknown_field")
        schema_name = _schema_of(query, default_schema)
        properties = matchable_properties(schema_name, _properties(query, where), where)
        limit = query.get("limit", DEFAULT_CANDIDATES)
        specs.append(
            search_spec(request, where, schema_name, properties, purpose=purpose, countries=countries, limit=limit)
        )
    answered = await answer_queries(request, request[INVESTIGATOR], specs)
    results: dict[str, Any] = {}
    for key, one in zip(queries, answered, strict=True):
        hits = ranked([hit_json(answer.country, hit) for answer in one.answers for hit in answer.hits])
        results[key] = {
            "result": [candidate(hit) for hit in hits],
            "fedgate": query_outcome(request, one),
        }
    response = web.json_response(results)
    response.headers["x-batch-size"] = str(len(results))
    return response
