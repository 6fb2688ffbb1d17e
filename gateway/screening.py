"""Many queries answered at once, for the ecosystem endpoints (/match, /reconcile): one function to point at a batch.

`answer_queries` is the only way those endpoints reach the nodes. Today it runs each query as the gateway's single
search (gateway.search), a few at a time, so every query is a search in every respect: the same requester from
the token, the same purpose check, one rate-limit admission, one entry in the search log and the metrics, and the
nodes apply their probe budgets to it as to any search. When a batch call per country exists, only the body of
`answer_queries` changes: its arguments and its `QueryAnswer`s stay what the endpoints build on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fedcore.query import QueryError, searchable_properties, searchable_schema
from fedcore.vocabulary import PURPOSES
from gateway.auth import Investigator
from gateway.errors import BadRequest, Forbidden, NotFound
from gateway.handlers import _record_search, _within_rate_limits
from gateway.nodes import CountryAnswer
from gateway.request import SearchSpec, parse_search
from gateway.search import country_answers, country_json, gateway_signature, is_partial, new_query_id, node_request
from gateway.typedefs import CONFIG, METRICS, NODES, SEARCH_REQUEST

# The most queries in one request: yente's own batch limit (its MAX_BATCH setting defaults to 100).
MAX_QUERIES = 100
# How many queries are in flight at once: a 100-query batch must not open 100 × countries node calls together.
QUERIES_IN_FLIGHT = 8
# The dataset name that asks every registered country, as yente's `default` asks all its data.
ALL_COUNTRIES = "default"


@dataclass(frozen=True)
class QueryAnswer:
    """One query's search: its id, what was asked, and each requested country's answer in request order."""

    query_id: str
    spec: SearchSpec
    answers: list[CountryAnswer]

    @property
    def partial(self) -> bool:
        return is_partial(self.answers)


async def answer_queries(
    request: web.Request, investigator: Investigator, specs: Sequence[SearchSpec]
) -> list[QueryAnswer]:
    """Each query answered exactly as a single search of it would be, in the order given.

    Every query is admitted by the rate limits before any node is called (a batch the limits refuse calls no
    node), then at most QUERIES_IN_FLIGHT run at once, each within its own time budget."""
    for spec in specs:
        if spec.purpose not in investigator.purposes:
            raise Forbidden(f"purpose: your token does not grant the purpose {spec.purpose!r}", "purpose_not_granted")
    for _ in specs:
        await _within_rate_limits(request, investigator)
    slots = asyncio.Semaphore(QUERIES_IN_FLIGHT)

    async def one(spec: SearchSpec) -> QueryAnswer:
        async with slots:
            started = time.perf_counter()
            query_id = new_query_id()
            node_call = node_request(query_id, investigator, spec)
            with request.app[METRICS].searches_in_flight.track_inprogress():
                answers = [
                    answer
                    async for answer in country_answers(
                        request.app[NODES], spec.countries, node_call, spec.timeout_ms / 1000
                    )
                ]
            _record_search(request, investigator, spec, query_id, answers, started, stream=False)
            by_country = {answer.country: answer for answer in answers}
            return QueryAnswer(query_id, spec, [by_country[country] for country in spec.countries])

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(spec)) for spec in specs]
    return [task.result() for task in tasks]


def query_outcome(request: web.Request, answered: QueryAnswer) -> dict[str, Any]:
    """One query's search as /v1/search summarises it: its id, each country's status, the gateway's signature."""
    countries = {answer.country: country_json(answer) for answer in answered.answers}
    key = request.app[CONFIG].assertion_key
    return {
        "query_id": answered.query_id,
        "purpose": answered.spec.purpose,
        "partial": answered.partial,
        "requested": answered.spec.countries,
        "countries": countries,
        "gateway": gateway_signature(key, answered.query_id, answered.spec, countries),
    }


def dataset_countries(request: web.Request, dataset: str) -> list[str]:
    """The countries a dataset name selects: `default` every registered one, else country codes joined by `+`
    (`FR`, `fr+de`); anything else is a 404, as yente answers an unknown dataset."""
    registered = sorted(request.app[CONFIG].nodes)
    if dataset == ALL_COUNTRIES:
        return registered
    by_code = {country.lower(): country for country in registered}
    codes = dataset.split("+")
    unknown = [code for code in codes if code.lower() not in by_code]
    if unknown or not dataset:
        raise NotFound(
            f"dataset: {dataset!r} is not a dataset of this federation (use {ALL_COUNTRIES!r} for every country, or "
            f"country codes joined by '+' among: {', '.join(registered)})",
            "unknown_dataset",
        )
    return list(dict.fromkeys(by_code[code.lower()] for code in codes))


def required_purpose(request: web.Request) -> str:
    """The purpose from the query string: the ecosystem's requests have no field for it, and fedgate never
    searches without one."""
    values = request.query.getall("purpose", [])
    if len(values) != 1 or not values[0]:
        raise BadRequest(
            "purpose: give the purpose of these searches as the query parameter ?purpose=… (once)", "missing_purpose"
        )
    if values[0] not in PURPOSES:
        raise BadRequest(
            f"purpose: {values[0]!r} is not a known purpose (known: {', '.join(PURPOSES)})", "invalid_field"
        )
    return values[0]


def matchable_properties(schema_name: object, properties: object, where: str) -> dict[str, list[str]]:
    """An ecosystem entity's properties reduced to what fedgate can search: values as lists of strings, and only
    the properties searchable for its schema (a yente client sends every matchable property it has; the answer's
    echoed `query` shows exactly what was searched). An unsearchable schema is left to the search's own check."""
    if not isinstance(properties, dict):
        raise BadRequest(f"{where}.properties: must be an object mapping property names to values", "invalid_field")
    given: dict[str, list[str]] = {}
    for name, raw in properties.items():
        values = [raw] if isinstance(raw, str) else raw
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise BadRequest(f"{where}.properties.{name}: must be a string or a list of strings", "invalid_field")
        if values:
            given[name] = values
    try:
        searchable = {prop.name for prop in searchable_properties(searchable_schema(str(schema_name)))}
    except QueryError:
        return given
    return {name: values for name, values in given.items() if name in searchable}


def search_spec(
    request: web.Request, where: str, schema_name: object, properties: dict[str, list[str]], **fields: Any
) -> SearchSpec:
    """One query validated as a /v1/search body would be; a problem names the query (`where`) first."""
    body = {"schema": schema_name, "properties": properties, **fields}
    try:
        return parse_search(body, request.app[CONFIG], request.app[SEARCH_REQUEST])
    except BadRequest as error:
        raise BadRequest(f"{where}.{error.message}", error.code) from error


def batch_size(count: int) -> None:
    if count > MAX_QUERIES:
        raise BadRequest(f"queries: {count} queries in one request, at most {MAX_QUERIES}", "too_many_queries")
    if count == 0:
        raise BadRequest("queries: no query given", "missing_field")
