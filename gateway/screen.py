"""Screening a list (/v1/screen): up to 100 queries, one Screen call per country, NDJSON per country as it answers.

Each query is validated as a search body would be (the configuration's SearchRequest model), counts as one
search against the rate limits, and gets from each country exactly what a search of it would: its own status,
hits and signature, under its own query id, and the gateway's signature over its outcome alone.

For other front ends of the same batch (yente's /match): build a ScreenSpec, `accept_screen`, then
`screen_batch`, which yields each country's answers as they arrive, and `query_outcomes` for the signed summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from fedcore.assertion import request_digest
from fedcore.evidence import sign_envelope
from fedcore.query import MAX_SCREEN_QUERIES, EntityQuery, searchable_schema
from fedcore.vocabulary import CLEARANCES, PURPOSES
from fedgate.v1 import node_pb2 as pb
from gateway.api import QueryProblem, SearchRequest
from gateway.auth import Investigator
from gateway.config import GatewayConfig
from gateway.errors import BadBatch, BadRequest, Forbidden, TooManyRequests
from gateway.handlers import _record_search
from gateway.nodes import PROBLEMS, CountryAnswer
from gateway.request import SearchSpec, _first_problem, read_json_object
from gateway.search import country_calls, country_json, hit_json, is_partial, new_query_id, ranked
from gateway.typedefs import CONFIG, INVESTIGATOR, METRICS, NODES, RATE_LIMITS, SEARCH_REQUEST

SCREEN_FIELDS = ("queries", "purpose", "countries", "limit", "timeout_ms")
QUERY_FIELDS = ("schema", "properties")


@dataclass(frozen=True)
class ScreenSpec:
    """A validated batch: its queries, and what they share (purpose, countries, limit, time budget)."""

    queries: list[EntityQuery]
    purpose: str
    countries: list[str]
    limit: int
    timeout_ms: int

    def search(self, index: int) -> SearchSpec:
        """The search of one query of the batch, as /v1/search would take it."""
        return SearchSpec(self.queries[index], self.purpose, self.countries, self.limit, self.timeout_ms)


@dataclass(frozen=True)
class ScreenBatch:
    """A batch with the ids the countries see: the batch's, and each query's (its answers carry it)."""

    batch_id: str
    query_ids: list[str]
    spec: ScreenSpec


@dataclass
class ScreenedCountry:
    """One country's answers to a batch: one per query, in the batch's order."""

    country: str
    latency_ms: float
    answers: list[CountryAnswer]


def _query_problem(
    index: int, item: Any, shared: dict[str, Any], config: GatewayConfig, model: type[SearchRequest]
) -> SearchRequest | QueryProblem:
    """The query's search (a validated model), or its QueryProblem; BadRequest when what the batch shares is wrong."""
    if not isinstance(item, dict):
        return QueryProblem(index=index, code="invalid_field", message="must be an object with schema and properties")
    unknown = sorted(set(item) - set(QUERY_FIELDS))
    if unknown:
        message = f"{unknown[0]}: unknown field (known: {', '.join(QUERY_FIELDS)})"
        return QueryProblem(index=index, code="unknown_field", message=message)
    try:
        return model.model_validate({**shared, **item})
    except ValidationError as error:
        errors = error.errors(include_url=False)
        own = [problem for problem in errors if str(problem["loc"][0]) in QUERY_FIELDS]
        if len(own) < len(errors):
            raise _first_problem([p for p in errors if p not in own], config, model) from error
        first = _first_problem(own, config, model)
        return QueryProblem(index=index, code=first.code, message=first.message)


def parse_screen(body: dict[str, Any], config: GatewayConfig, model: type[SearchRequest]) -> ScreenSpec:
    """Validates a /v1/screen body before any node is called: each query as a search body with the batch's
    shared fields; a batch with any bad query is refused as a whole (BadBatch names each by its index)."""
    unknown = sorted(set(body) - set(SCREEN_FIELDS))
    if unknown:
        raise BadRequest(f"{unknown[0]}: unknown field (known: {', '.join(SCREEN_FIELDS)})", "unknown_field")
    queries = body.get("queries")
    if queries is None:
        raise BadRequest("queries: is required", "missing_field")
    if not isinstance(queries, list) or not queries:
        raise BadRequest("queries: must be a list of 1 to 100 queries, each {schema, properties}", "invalid_field")
    if len(queries) > MAX_SCREEN_QUERIES:
        raise BadRequest(
            f"queries: at most {MAX_SCREEN_QUERIES} queries per batch, got {len(queries)}", "too_many_queries"
        )
    shared = {key: value for key, value in body.items() if key != "queries"}
    searches: list[SearchRequest] = []
    problems: list[QueryProblem] = []
    for index, item in enumerate(queries):
        checked = _query_problem(index, item, shared, config, model)
        if isinstance(checked, QueryProblem):
            problems.append(checked)
        else:
            searches.append(checked)
    if problems:
        raise BadBatch(problems)
    first = searches[0]
    countries = first.countries if "countries" in first.model_fields_set else sorted(config.nodes)
    return ScreenSpec(
        [EntityQuery(searchable_schema(search.schema_name), search.properties) for search in searches],
        first.purpose,
        list(dict.fromkeys(countries)),
        first.limit,
        first.timeout_ms,
    )


async def accept_screen(request: web.Request, spec: ScreenSpec) -> Investigator:
    """The investigator, once the token grants the purpose and the rate limits admit one search per query."""
    investigator = request[INVESTIGATOR]
    if spec.purpose not in investigator.purposes:
        raise Forbidden(f"purpose: your token does not grant the purpose {spec.purpose!r}", "purpose_not_granted")
    config = request.app[CONFIG]
    cost = len(spec.queries)
    allowed = min(config.searches_per_investigator, config.searches_per_country)
    if cost > allowed:
        raise BadRequest(
            f"queries: a batch counts one search per query, and {cost} exceed the {allowed} searches allowed per "
            f"{config.rate_window_s:g} s; split the list",
            "too_many_queries",
        )
    refusal = await request.app[RATE_LIMITS].admit(
        investigator.issuer, investigator.investigator_id, investigator.country, cost
    )
    if refusal is not None:
        request.app[METRICS].rate_limited.labels(refusal.limit).inc()
        scope = " on this gateway replica (the shared limits are unreachable)" if refusal.per_replica else ""
        raise TooManyRequests(
            f"rate limit: {refusal.allowed} searches per {config.rate_window_s:g} s per {refusal.limit}{scope}, "
            f"a batch counting one per query; retry in {refusal.retry_after_s:.1f} s",
            refusal.retry_after_s,
        )
    return investigator


def new_batch(spec: ScreenSpec) -> ScreenBatch:
    return ScreenBatch(new_query_id(), [new_query_id() for _ in spec.queries], spec)


def screen_request(batch: ScreenBatch, investigator: Investigator) -> pb.ScreenRequest:
    """The request every country receives; the requester is the verified token's, nothing else."""
    spec = batch.spec
    request = pb.ScreenRequest(
        query_id=batch.batch_id,
        requester=pb.Requester(
            country=investigator.country,
            agency=investigator.agency,
            investigator_id=investigator.investigator_id,
            clearance=CLEARANCES[investigator.clearance],
        ),
        purpose=PURPOSES[spec.purpose],
        limit=spec.limit,
    )
    for query_id, query in zip(batch.query_ids, spec.queries, strict=True):
        item = request.queries.add(query_id=query_id, query=pb.EntityQuery(schema=query.schema.name))
        for name, values in query.properties.items():
            item.query.properties[name].values.extend(values)
    return request


async def screen_batch(
    request: web.Request, investigator: Investigator, batch: ScreenBatch, stream: bool = True
) -> AsyncIterator[ScreenedCountry]:
    """Each country's answers to the batch as they arrive (those missing when the budget ends: every query
        timed out there); then each query is logged and counted as the search it is (`stream`: whether the answers
    were streamed to the client, as the search log states)."""
    nodes = request.app[NODES]
    node_call = screen_request(batch, investigator)
    digest = request_digest(node_call)
    count = len(batch.query_ids)

    async def call(country: str, deadline: float) -> ScreenedCountry:
        answers = await nodes[country].screen(node_call, deadline, digest)
        return ScreenedCountry(country, max((answer.latency_ms for answer in answers), default=0.0), answers)

    def timed_out(country: str, elapsed_ms: float) -> ScreenedCountry:
        missing = CountryAnswer(
            country, "timeout", elapsed_ms, problem="deadline_exceeded", message=PROBLEMS["deadline_exceeded"]
        )
        return ScreenedCountry(country, elapsed_ms, [missing] * count)

    started = time.perf_counter()
    arrived: list[ScreenedCountry] = []
    metrics = request.app[METRICS]
    with metrics.searches_in_flight.track_inprogress():
        async for screened in country_calls(batch.spec.countries, call, batch.spec.timeout_ms / 1000, timed_out):
            arrived.append(screened)
            yield screened
    for index, query_id in enumerate(batch.query_ids):
        answers = [screened.answers[index] for screened in arrived]
        _record_search(request, investigator, batch.spec.search(index), query_id, answers, started, stream=stream)


def query_outcomes(config: GatewayConfig, batch: ScreenBatch, arrived: list[ScreenedCountry]) -> list[dict[str, Any]]:
    """Each query's outcome as a /v1/search answer states it (without its results), signed for it alone."""
    spec = batch.spec
    outcomes: list[dict[str, Any]] = []
    for index, query_id in enumerate(batch.query_ids):
        answers = [screened.answers[index] for screened in arrived]
        countries = {answer.country: country_json(answer) for answer in answers}
        outcomes.append(
            {
                "index": index,
                "query_id": query_id,
                "purpose": spec.purpose,
                "partial": is_partial(answers),
                "hits": sum(len(answer.hits) for answer in answers),
                "requested": spec.countries,
                "countries": countries,
                "gateway": sign_envelope(
                    query_id=query_id,
                    purpose=spec.purpose,
                    requested=spec.countries,
                    countries=countries,
                    key=config.assertion_key,
                ),
            }
        )
    return outcomes


def country_line(batch: ScreenBatch, screened: ScreenedCountry) -> dict[str, Any]:
    """One country's answers to every query: each under its own index and query id, with only its own hits."""
    answers = [
        {
            "index": index,
            "query_id": query_id,
            **country_json(answer),
            "results": ranked([hit_json(screened.country, hit) for hit in answer.hits]),
        }
        for index, (query_id, answer) in enumerate(zip(batch.query_ids, screened.answers, strict=True))
    ]
    return {
        "type": "country",
        "batch_id": batch.batch_id,
        "country": screened.country,
        "latency_ms": screened.latency_ms,
        "answers": answers,
    }


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def screen(request: web.Request) -> web.StreamResponse:
    """POST /v1/screen: a line per country the moment it answers, then a summary line."""
    config = request.app[CONFIG]
    spec = parse_screen(await read_json_object(request), config, request.app[SEARCH_REQUEST])
    investigator = await accept_screen(request, spec)
    batch = new_batch(spec)
    started = time.perf_counter()
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson", "Cache-Control": "no-store"})
    await response.prepare(request)
    arrived: list[ScreenedCountry] = []
    async for screened in screen_batch(request, investigator, batch):
        arrived.append(screened)
        await response.write(_line(country_line(batch, screened)))
    outcomes = query_outcomes(config, batch, arrived)
    summary = {
        "type": "summary",
        "batch_id": batch.batch_id,
        "purpose": spec.purpose,
        "requested": spec.countries,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        "hits": sum(outcome["hits"] for outcome in outcomes),
        "queries": outcomes,
    }
    await response.write(_line(summary))
    await response.write_eof()
    return response
