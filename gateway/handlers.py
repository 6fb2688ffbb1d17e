"""The gateway's HTTP handlers."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import web

from fedcore.logs import log_event
from fedcore.vocabulary import CLEARANCES
from fedgate.v1 import node_pb2 as pb
from gateway import page as web_page
from gateway.api import Health, Node, NodeSchema, NodesResponse, Ready
from gateway.auth import Investigator
from gateway.errors import Forbidden, ServiceUnavailable, TooManyRequests
from gateway.limits import REDIS_UNREACHABLE
from gateway.nodes import CountryAnswer
from gateway.request import SearchSpec, parse_search, read_json_object
from gateway.search import (
    country_answers,
    country_json,
    gateway_signature,
    hit_json,
    is_partial,
    new_query_id,
    node_request,
    ranked,
)
from gateway.typedefs import API_DESCRIPTION, CONFIG, INVESTIGATOR, METRICS, NODES, RATE_LIMITS, SEARCH_REQUEST

logger = logging.getLogger("fedgate.gateway")
search_log = logging.getLogger("fedgate.gateway.searches")


async def within_rate_limits(request: web.Request, investigator: Investigator) -> None:
    """Per investigator and per requesting country: nobody enumerates a country's records by brute force."""
    refusal = await request.app[RATE_LIMITS].admit(
        investigator.issuer, investigator.investigator_id, investigator.country
    )
    if refusal is not None:
        request.app[METRICS].rate_limited.labels(refusal.limit).inc()
        scope = " on this gateway replica (the shared limits are unreachable)" if refusal.per_replica else ""
        raise TooManyRequests(
            f"rate limit: {refusal.allowed} searches per {request.app[CONFIG].rate_window_s:g} s per "
            f"{refusal.limit}{scope}; retry in {refusal.retry_after_s:.1f} s",
            refusal.retry_after_s,
        )


async def _accepted_search(request: web.Request) -> tuple[Investigator, SearchSpec]:
    investigator = request[INVESTIGATOR]
    await within_rate_limits(request, investigator)
    spec = parse_search(await read_json_object(request), request.app[CONFIG], request.app[SEARCH_REQUEST])
    if spec.purpose not in investigator.purposes:
        raise Forbidden(f"purpose: your token does not grant the purpose {spec.purpose!r}", "purpose_not_granted")
    return investigator, spec


def _record_search(
    request: web.Request,
    investigator: Investigator,
    spec: SearchSpec,
    query_id: str,
    answers: list[CountryAnswer],
    started: float,
    stream: bool,
) -> None:
    """Metrics and the gateway's own search log: who, when, why, which countries and how they answered."""
    metrics = request.app[METRICS]
    elapsed_s = time.perf_counter() - started
    complete = not is_partial(answers)
    outcome = "hit" if any(answer.hits for answer in answers) else "no_hit"
    metrics.searches.labels(spec.purpose, outcome, str(complete).lower()).inc()
    metrics.search_duration.labels(spec.purpose).observe(elapsed_s)
    for answer in answers:
        metrics.node_calls.labels(answer.country, answer.status).inc()
        metrics.node_call_duration.labels(answer.country).observe(answer.latency_ms / 1000)
    for country, client in request.app[NODES].items():
        metrics.circuit_breaker.labels(country).state(client.breaker.state)
    log_event(
        search_log,
        "search",
        query_id=query_id,
        investigator=investigator.investigator_id,
        country=investigator.country,
        agency=investigator.agency,
        purpose=spec.purpose,
        schema=spec.query.schema.name,
        queried_properties=sorted(spec.query.properties),
        countries={answer.country: answer.status for answer in answers},
        # Each country's audit entry as it answered: anchors its audit log is checked against, never content.
        audit_anchors={
            answer.country: {"entry_id": answer.audit_entry_id, "seq": answer.audit_seq, "hash": answer.audit_hash}
            for answer in answers
            if answer.audit_entry_id
        },
        stream=stream,
        latency_ms=round(elapsed_s * 1000, 1),
    )


async def search(request: web.Request) -> web.Response:
    investigator, spec = await _accepted_search(request)
    metrics = request.app[METRICS]
    started = time.perf_counter()
    query_id = new_query_id()
    answers: list[CountryAnswer] = []
    with metrics.searches_in_flight.track_inprogress():
        node_call = node_request(query_id, investigator, spec)
        async for answer in country_answers(request.app[NODES], spec.countries, node_call, spec.timeout_ms / 1000):
            answers.append(answer)
    _record_search(request, investigator, spec, query_id, answers, started, stream=False)
    by_country = {answer.country: answer for answer in answers}
    countries = {country: country_json(by_country[country]) for country in spec.countries}
    return web.json_response(
        {
            "query_id": query_id,
            "purpose": spec.purpose,
            "partial": is_partial(answers),
            "results": ranked([hit_json(answer.country, hit) for answer in answers for hit in answer.hits]),
            "requested": spec.countries,
            "countries": countries,
            "gateway": gateway_signature(request.app[CONFIG].assertion_key, query_id, spec, countries),
        }
    )


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def search_stream(request: web.Request) -> web.StreamResponse:
    """The same search as NDJSON: a line per country the moment it answers, then a summary line."""
    investigator, spec = await _accepted_search(request)
    metrics = request.app[METRICS]
    started = time.perf_counter()
    query_id = new_query_id()
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson", "Cache-Control": "no-store"})
    await response.prepare(request)
    answers: list[CountryAnswer] = []
    with metrics.searches_in_flight.track_inprogress():
        node_call = node_request(query_id, investigator, spec)
        async for answer in country_answers(request.app[NODES], spec.countries, node_call, spec.timeout_ms / 1000):
            answers.append(answer)
            line = {"type": "country", "query_id": query_id, "country": answer.country, **country_json(answer)}
            line["results"] = ranked([hit_json(answer.country, hit) for hit in answer.hits])
            await response.write(_line(line))
    _record_search(request, investigator, spec, query_id, answers, started, stream=True)
    countries = {answer.country: country_json(answer) for answer in answers}
    await response.write(
        _line(
            {
                "type": "summary",
                "query_id": query_id,
                "purpose": spec.purpose,
                "partial": is_partial(answers),
                "hits": sum(len(answer.hits) for answer in answers),
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                "requested": spec.countries,
                "countries": countries,
                "gateway": gateway_signature(request.app[CONFIG].assertion_key, query_id, spec, countries),
            }
        )
    )
    await response.write_eof()
    return response


async def list_nodes(request: web.Request) -> web.Response:
    """Every registered country: reachable or not, and what its policy lets this investigator see of it
    (policy revision, schemata, records per schema)."""
    config = request.app[CONFIG]
    timeout_s = config.health_timeout_ms / 1000
    investigator = request[INVESTIGATOR]
    # The requester is the verified token's, nothing else, exactly as for a search.
    requester = pb.Requester(
        country=investigator.country,
        agency=investigator.agency,
        investigator_id=investigator.investigator_id,
        clearance=CLEARANCES[investigator.clearance],
    )

    async def describe(country: str) -> Node:
        client = request.app[NODES][country]
        healthy, description = await asyncio.gather(
            client.check_health(timeout_s), client.describe(requester, new_query_id(), timeout_s)
        )
        schemata = [
            NodeSchema(schema=item.schema, records=item.records if item.HasField("records") else None)
            for item in (description.schemata if description else [])
        ]
        return Node(
            country=country,
            healthy=healthy,
            circuit_breaker=client.breaker.state,
            policy_revision=description.policy_revision if description else "",
            software_version=description.software_version if description else "",
            schemata=schemata,
        )

    entries = await asyncio.gather(*(describe(country) for country in sorted(config.nodes)))
    return web.json_response(NodesResponse(nodes=list(entries)).document())


async def healthz(request: web.Request) -> web.Response:
    return web.json_response(Health(status="ok").document())


async def readyz(request: web.Request) -> web.Response:
    """Ready when at least one node answers its health check; rate limits kept per replica because Redis is
    unreachable leave the gateway ready, and say so."""
    config = request.app[CONFIG]
    clients = request.app[NODES]
    checks, limits = await asyncio.gather(
        asyncio.gather(*(client.check_health(config.health_timeout_ms / 1000) for client in clients.values())),
        request.app[RATE_LIMITS].mode(),
    )
    reachable = sorted(country for country, healthy in zip(clients, checks, strict=True) if healthy)
    if not reachable:
        raise ServiceUnavailable("no country node is reachable", "no_node_reachable")
    detail = [REDIS_UNREACHABLE] if limits == "per_replica" else []
    return web.json_response(Ready(status="ready", reachable=reachable, rate_limits=limits, detail=detail).document())


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[API_DESCRIPTION])


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", web_page.page)
    app.router.add_get("/static/{name}", web_page.static)
    app.router.add_get("/v1/me", web_page.me)
    app.router.add_get("/v1/schemata", web_page.schemata)
    app.router.add_post("/v1/search", search)
    app.router.add_post("/v1/search/stream", search_stream)
    app.router.add_get("/v1/nodes", list_nodes)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/openapi.json", openapi)
