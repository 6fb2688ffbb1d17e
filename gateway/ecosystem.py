"""yente's matching API (`POST /match/{dataset}`) over the federation, so that FollowTheMoney tools screen with it.

The request and answer follow yente's models (yente/data/common.py, yente/routers/match.py; yente is MIT-licensed,
read, not copied). Where fedgate says more than yente's shape holds, it goes where a yente client keeps it: the
releasing country in a result's `datasets`, everything else a country said under `fedgate` keys (docs/ecosystem.md).
"""

from __future__ import annotations

import math
import re
from typing import Any

from aiohttp import web
from followthemoney import model

from gateway import reconcile
from gateway.errors import BadRequest
from gateway.request import read_json_object
from gateway.screening import (
    QueryAnswer,
    answer_queries,
    batch_size,
    dataset_countries,
    matchable_properties,
    query_outcome,
    required_purpose,
    search_spec,
)
from gateway.search import hit_json, ranked
from gateway.typedefs import INVESTIGATOR

# yente's default match threshold (its SCORE_THRESHOLD setting).
DEFAULT_THRESHOLD = 0.7
# Scoring is each country's own; "best" (what nomenklatura's YenteEnricher asks for) and "fedgate" mean exactly that.
ALGORITHMS = ("best", "fedgate")
# yente's parameters that narrow its own index: fedgate has no such data to narrow by, so it refuses them.
UNHONOURED = ("include_dataset", "exclude_dataset", "exclude_schema", "topics", "changed_since", "exclude_entity_ids")
# A number as JSON spells it (float() would also take '1_0', 'inf' or Arabic-Indic digits).
NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
# yente no longer reads `fuzzy`; YenteEnricher still sends it, as Python spells booleans.
FUZZY = ("true", "false", "True", "False")
PARAMETERS = ("purpose", "limit", "threshold", "cutoff", "algorithm", "fuzzy", "timeout_ms")
BODY_FIELDS = ("queries", "weights", "config")


def _single(request: web.Request, name: str) -> str | None:
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise BadRequest(f"{name}: give the query parameter once", "invalid_field")
    return values[0] if values else None


def _number(request: web.Request, name: str, default: float | None) -> float | None:
    text = _single(request, name)
    if text is None:
        return default
    value = float(text) if NUMBER.fullmatch(text) else math.nan
    if not 0 <= value <= 1:
        raise BadRequest(f"{name}: must be a number from 0 to 1", "invalid_field")
    return value


def _integer(request: web.Request, name: str) -> int | None:
    text = _single(request, name)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BadRequest(f"{name}: must be a whole number", "invalid_field")
    return int(text)


def match_parameters(request: web.Request) -> dict[str, Any]:
    """The query string as yente reads it, refusing what fedgate cannot honour."""
    for name in request.query:
        if name in UNHONOURED:
            raise BadRequest(
                f"{name}: fedgate cannot honour this parameter (no dataset index to narrow)", "unsupported_parameter"
            )
        if name not in PARAMETERS:
            raise BadRequest(f"{name}: unknown parameter (known: {', '.join(PARAMETERS)})", "unknown_field")
    algorithm = _single(request, "algorithm")
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise BadRequest(
            f"algorithm: {algorithm!r} cannot be honoured: each country scores with its own matcher "
            f"(accepted: {', '.join(ALGORITHMS)})",
            "unsupported_algorithm",
        )
    fuzzy = _single(request, "fuzzy")
    if fuzzy is not None and fuzzy not in FUZZY:
        raise BadRequest("fuzzy: must be true or false", "invalid_field")
    threshold = _number(request, "threshold", DEFAULT_THRESHOLD)
    fields: dict[str, Any] = {"purpose": required_purpose(request)}
    for name in ("limit", "timeout_ms"):
        value = _integer(request, name)
        if value is not None:
            fields[name] = value
    return {"threshold": threshold, "cutoff": _number(request, "cutoff", None), "fields": fields}


def _explanations(hit: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """fedgate's `matched` as yente's feature explanations: one per released property that matched."""
    return {
        f"{item['property']}_{item['kind']}": {
            "detail": f"{item['property']}: {item['kind']} match",
            "score": item["score"],
        }
        for item in hit["matched"]
    }


def yente_result(hit: dict[str, Any], threshold: float) -> dict[str, Any]:
    """A released hit as a yente scored entity. Properties are the released ones only; the caption is a released
    name or, with none, the schema's label (as FtM captions an entity without a name); `score` only where the
    country released one. `match` is score ≥ threshold, or for an unscored hit its country's `strong` band."""
    schema = model.get(hit["schema"])
    names = hit["properties"].get("name", [])
    result: dict[str, Any] = {
        "id": f"{hit['country']}-{hit['record_ref']}",
        "caption": names[0] if names else (schema.label if schema is not None else hit["schema"]),
        "schema": hit["schema"],
        "properties": hit["properties"],
        "datasets": [hit["country"]],
        "referents": [],
        "target": False,
        "explanations": _explanations(hit),
        "match": hit["score"] >= threshold if "score" in hit else hit.get("score_band") == "strong",
        "fedgate": {key: value for key, value in hit.items() if key not in ("schema", "properties")},
    }
    if "score" in hit:
        result["score"] = hit["score"]
    return result


def entity_matches(
    request: web.Request, example: dict[str, Any], answered: QueryAnswer, threshold: float, cutoff: float | None
) -> dict[str, Any]:
    """yente's EntityMatches for one query. `status` is 200 when every country answered and 206 when some did
    not (then `total.relation` is `gte`); `cutoff` drops scored results below it, never unscored ones."""
    hits = ranked([hit_json(answer.country, hit) for answer in answered.answers for hit in answer.hits])
    results = [
        yente_result(hit, threshold) for hit in hits if cutoff is None or "score" not in hit or hit["score"] >= cutoff
    ]
    query: dict[str, Any] = {"schema": answered.spec.query.schema.name, "properties": answered.spec.query.properties}
    if isinstance(example.get("id"), str):
        query["id"] = example["id"]
    return {
        "status": 206 if answered.partial else 200,
        "results": results,
        "total": {"value": len(results), "relation": "gte" if answered.partial else "eq"},
        "query": query,
        "fedgate": query_outcome(request, answered),
    }


async def match(request: web.Request) -> web.Response:
    """POST /match/{dataset}: yente's batch of example entities, each answered as a fedgate search."""
    countries = dataset_countries(request, request.match_info["dataset"])
    parameters = match_parameters(request)
    body = await read_json_object(request)
    for name in body:
        if name not in BODY_FIELDS:
            raise BadRequest(f"{name}: unknown field (known: {', '.join(BODY_FIELDS)})", "unknown_field")
    for name in ("weights", "config"):
        if body.get(name, {}) != {}:
            raise BadRequest(
                f"{name}: cannot be honoured: each country scores with its own matcher", "unsupported_parameter"
            )
    queries = body.get("queries")
    if not isinstance(queries, dict):
        raise BadRequest(
            "queries: must be an object mapping your keys to entities {schema, properties}", "invalid_field"
        )
    batch_size(len(queries))
    specs = []
    for key, example in queries.items():
        where = f"queries.{key}"
        if not isinstance(example, dict):
            raise BadRequest(f"{where}: must be an entity {{schema, properties}}", "invalid_field")
        if not isinstance(example.get("id", ""), str):
            raise BadRequest(f"{where}.id: must be a string", "invalid_field")
        schema_name = example.get("schema")
        properties = matchable_properties(schema_name, example.get("properties"), where)
        specs.append(search_spec(request, where, schema_name, properties, countries=countries, **parameters["fields"]))
    answered = await answer_queries(request, request[INVESTIGATOR], specs)
    responses = {
        key: entity_matches(request, example, one, parameters["threshold"], parameters["cutoff"])
        for (key, example), one in zip(queries.items(), answered, strict=True)
    }
    limit = specs[0].limit
    response = web.json_response({"responses": responses, "limit": limit, "fedgate": {"countries": countries}})
    response.headers["x-batch-size"] = str(len(responses))
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/match/{dataset}", match)
    app.router.add_get("/reconcile/{dataset}", reconcile.manifest)
    app.router.add_post("/reconcile/{dataset}", reconcile.reconcile)
