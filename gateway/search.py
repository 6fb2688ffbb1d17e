"""One federated search: requester from the token, one deadline from the budget, every country at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from fedcore.answers import hit_document
from fedcore.assertion import request_digest
from fedcore.evidence import sign_envelope
from fedcore.keys import SigningKey, encode_signature
from fedcore.vocabulary import CLEARANCES, PURPOSES
from fedgate.v1 import node_pb2 as pb
from gateway.auth import Investigator
from gateway.nodes import PROBLEMS, CountryAnswer, NodeClient
from gateway.request import SearchSpec

# Statuses that mean a country's answer is missing from the result.
MISSING_STATUSES = frozenset({"policy_unavailable", "timeout", "unavailable", "rate_limited", "error"})
T = TypeVar("T")
# How long past the budget the gateway waits for a node call to unwind before calling it a timeout.
UNWIND_GRACE_S = 0.05


def new_query_id() -> str:
    return uuid.uuid4().hex


def node_request(query_id: str, investigator: Investigator, spec: SearchSpec) -> pb.SearchRequest:
    """The request every country receives; the requester is the verified token's, nothing else."""
    request = pb.SearchRequest(
        query_id=query_id,
        requester=pb.Requester(
            country=investigator.country,
            agency=investigator.agency,
            investigator_id=investigator.investigator_id,
            clearance=CLEARANCES[investigator.clearance],
        ),
        purpose=PURPOSES[spec.purpose],
        query=pb.EntityQuery(schema=spec.query.schema.name),
        limit=spec.limit,
    )
    for name, values in spec.query.properties.items():
        request.query.properties[name].values.extend(values)
    return request


async def country_answers(
    nodes: dict[str, NodeClient], countries: list[str], request: pb.SearchRequest, budget_s: float
) -> AsyncIterator[CountryAnswer]:
    """Each country's answer as it arrives; those still missing when the budget ends as timeouts."""
    digest = request_digest(request)

    def timed_out(country: str, elapsed_ms: float) -> CountryAnswer:
        return CountryAnswer(
            country, "timeout", elapsed_ms, problem="deadline_exceeded", message=PROBLEMS["deadline_exceeded"]
        )

    async for answer in country_calls(
        countries, lambda country, deadline: nodes[country].search(request, deadline, digest), budget_s, timed_out
    ):
        yield answer


async def country_calls(
    countries: list[str],
    call: Callable[[str, float], Awaitable[T]],
    budget_s: float,
    timed_out: Callable[[str, float], T],
) -> AsyncIterator[T]:
    """Each country's `call(country, deadline)` result as it arrives (a search's or a screening batch's); for
    those still missing when the budget ends, `timed_out(country, elapsed_ms)`.

    Finished calls report to one queue, so waiting costs the same whatever the number of countries
    (asyncio.wait over the pending set would touch every pending call for every answer: O(N²) at 196)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + budget_s
    arrived: asyncio.Queue[asyncio.Task[T]] = asyncio.Queue()
    tasks: dict[asyncio.Task[T], str] = {}
    for country in countries:
        task = asyncio.ensure_future(call(country, deadline))
        task.add_done_callback(arrived.put_nowait)
        tasks[task] = country
    pending = set(tasks)
    try:
        while pending:
            remaining = deadline + UNWIND_GRACE_S - loop.time()
            if remaining <= 0:
                break
            try:
                async with asyncio.timeout(remaining):
                    done = await arrived.get()
            except TimeoutError:
                break
            pending.discard(done)
            yield done.result()
        elapsed_ms = round((loop.time() - started) * 1000, 1)
        for task, country in tasks.items():
            if task in pending:
                yield timed_out(country, elapsed_ms)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def hit_json(country: str, hit: pb.Hit) -> dict[str, Any]:
    """A hit as the API shows it, with the country that released it."""
    return {"country": country, **hit_document(hit)}


def country_json(answer: CountryAnswer) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "status": answer.status,
        "latency_ms": answer.latency_ms,
        "hits": len(answer.hits),
        "policy_revision": answer.policy_revision,
    }
    for key in ("refusal_reason", "audit_entry_id", "audit_seq", "audit_hash", "problem", "message"):
        value = getattr(answer, key)
        if value:
            entry[key] = value
    if answer.signature:
        entry["signature"] = encode_signature(answer.signature)
        entry["key_id"] = answer.signing_key_id
        entry["signed_at"] = answer.signed_at
    return entry


def gateway_signature(
    key: SigningKey, query_id: str, spec: SearchSpec, countries: dict[str, dict[str, Any]]
) -> dict[str, str]:
    """The gateway's word on the search as a whole: which countries were asked and how each answered."""
    return sign_envelope(
        query_id=query_id, purpose=spec.purpose, requested=spec.countries, countries=countries, key=key
    )


BAND_RANK = {"strong": 1, "possible": 2}


def ranked(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scored hits by score; then hit-only hits by band (strong, possible, none), each country's in the order
    its node gave them: no number is made up for what a country chose not to score."""
    position: dict[str, int] = {}

    def key(result: dict[str, Any]) -> tuple[int, float, str, int]:
        country = result["country"]
        position[country] = order = position.get(country, -1) + 1
        if "score" in result:
            return (0, -result["score"], country, order)
        return (BAND_RANK.get(result.get("score_band", ""), 3), 0.0, country, order)

    return sorted(results, key=key)


def is_partial(answers: list[CountryAnswer]) -> bool:
    return any(answer.status in MISSING_STATUSES for answer in answers)
