"""Many queries answered at once, for the ecosystem endpoints (/match, /reconcile): one function to point at a batch.

`answer_queries` is the only way those endpoints reach the nodes. It runs the queries as /v1/screen's batch
(gateway.screen): one Screen call per country for all of them, yet every query is a search in every respect: the
same requester from the token, the same purpose check, one rate-limit admission per query, one entry in the search
log and the metrics, its own query id and signatures, and the nodes apply their probe budgets to it as to any search.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fedcore.query import QueryError, searchable_properties, searchable_schema
from fedcore.vocabulary import PURPOSES
from gateway.auth import Investigator
from gateway.errors import BadRequest, Forbidden, NotFound
from gateway.nodes import CountryAnswer
from gateway.request import SearchSpec, parse_search
from gateway.screen import ScreenBatch, ScreenSpec, accept_screen, new_batch, screen_batch
from gateway.search import country_json, gateway_signature, is_partial
from gateway.typedefs import CONFIG, SEARCH_REQUEST

# The most queries in one request: yente's own batch limit (its MAX_BATCH setting defaults to 100).
MAX_QUERIES = 100
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

    The queries sharing purpose, countries, limit and time budget (all of a /match) form one batch: one Screen
    call per country for all of them. Every batch is admitted by the rate limits (one search per query) before
    any node is called, so a request the limits refuse calls no node."""
    for spec in specs:
        if spec.purpose not in investigator.purposes:
            raise Forbidden(f"purpose: your token does not grant the purpose {spec.purpose!r}", "purpose_not_granted")
    groups: dict[tuple[str, tuple[str, ...], int, int], list[int]] = {}
    for index, spec in enumerate(specs):
        key = (spec.purpose, tuple(spec.countries), spec.limit, spec.timeout_ms)
        groups.setdefault(key, []).append(index)
    batches: list[tuple[list[int], ScreenBatch]] = []
    for (purpose, countries, limit, timeout_ms), indexes in groups.items():
        screen = ScreenSpec([specs[i].query for i in indexes], purpose, list(countries), limit, timeout_ms)
        await accept_screen(request, screen)
        batches.append((indexes, new_batch(screen)))
    answered: dict[int, QueryAnswer] = {}

    async def run(indexes: list[int], batch: ScreenBatch) -> None:
        arrived = [screened async for screened in screen_batch(request, investigator, batch, stream=False)]
        for position, index in enumerate(indexes):
            by_country = {screened.country: screened.answers[position] for screened in arrived}
            answers = [by_country[country] for country in batch.spec.countries]
            answered[index] = QueryAnswer(batch.query_ids[position], specs[index], answers)

    async with asyncio.TaskGroup() as group:
        for indexes, batch in batches:
            group.create_task(run(indexes, batch))
    return [answered[index] for index in range(len(specs))]


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
