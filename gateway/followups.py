"""Follow-ups at the gateway: an investigator files one after a hit (POST /v1/follow-ups) and asks where it stands
(GET /v1/follow-ups/{id}); the owning country's node decides, signs and keeps everything. The gateway keeps only
the follow-up's id, state, times and the node's audit anchors, in its log: never the reasons or released data."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

import grpc
from aiohttp import web
from followthemoney import model
from pydantic import ValidationError

from fedcore.answers import follow_up_document
from fedcore.keys import encode_signature
from fedcore.logs import log_event
from fedcore.vocabulary import CLEARANCES, LEGAL_BASES, PURPOSES, URGENCIES
from fedgate.v1 import node_pb2 as pb
from gateway.api_followups import FollowUpRequest
from gateway.auth import Investigator
from gateway.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable, TooManyRequests
from gateway.handlers import within_rate_limits
from gateway.nodes import NodeClient, error_reason
from gateway.request import read_json_object
from gateway.search import new_query_id
from gateway.typedefs import INVESTIGATOR, METRICS, NODES

log = logging.getLogger("fedgate.gateway.follow_ups")
# Every property name FollowTheMoney knows, in any schema (the requester need not know the record's schema).
PROPERTY_NAMES = frozenset(name for schema in model.schemata.values() for name in schema.properties)
FOLLOW_UP_ID = re.compile(r"^[A-Z]{2}-[0-9a-f]{32}$")
# A follow-up call is one node's few statements and one policy decision: it gets the search budget's default.
FOLLOW_UP_TIMEOUT_S = 5.0


def _requester(investigator: Investigator) -> pb.Requester:
    return pb.Requester(
        country=investigator.country,
        agency=investigator.agency,
        investigator_id=investigator.investigator_id,
        clearance=CLEARANCES[investigator.clearance],
    )


def _body(raw: dict[str, Any]) -> FollowUpRequest:
    try:
        body = FollowUpRequest.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        code = "unknown_field" if first["type"] == "extra_forbidden" else "invalid_follow_up"
        raise BadRequest(f"{where}: {first['msg']}", code) from error
    unknown = sorted(set(body.properties) - PROPERTY_NAMES)
    if unknown:
        raise BadRequest(f"properties: {unknown[:5]} are not FollowTheMoney property names", "invalid_follow_up")
    return body


def _client(request: web.Request, country: str) -> NodeClient:
    client = request.app[NODES].get(country)
    if client is None:
        raise NotFound(f"country {country} is not a member of this federation", "unknown_country")
    return client


def answer_json(answer: pb.FollowUpAnswer) -> dict[str, Any]:
    """The node's signed answer as it signed it, with its signature: `fedgate verify` checks a saved one."""
    return {
        **follow_up_document(answer),
        "key_id": answer.signing_key_id,
        "signature": encode_signature(answer.signature),
    }


async def _call(
    request: web.Request, client: NodeClient, call: pb.FollowUpRequest | pb.FollowUpStatusRequest, follow_up_id: str
) -> Any:
    """The node's answer; its failures as API errors with fixed words (never the node's own)."""
    try:
        return await client.follow_up(call, FOLLOW_UP_TIMEOUT_S)
    except grpc.aio.AioRpcError as error:
        code, reason = error.code(), error_reason(error)
        kind = "file" if isinstance(call, pb.FollowUpRequest) else "status"
        request.app[METRICS].follow_up_calls.labels(client.country, kind, "failed").inc()
        log_event(
            log,
            "follow_up.node_failed",
            logging.WARNING,
            country=client.country,
            follow_up_id=follow_up_id,
            status=code.name,
            reason=(reason or "")[:64],
        )
        if code == grpc.StatusCode.NOT_FOUND:
            raise NotFound(f"no follow-up {follow_up_id} filed by your agency") from error
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            raise BadRequest(f"{client.country} rejected the follow-up's fields", "follow_up_rejected") from error
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            raise TooManyRequests(f"{client.country} limits your agency's calls; retry later", 10.0) from error
        if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
            raise Forbidden(f"{client.country} did not accept the gateway's word for you", "not_accepted") from error
        why = "no answer in time" if code == grpc.StatusCode.DEADLINE_EXCEEDED else "unavailable"
        raise ServiceUnavailable(
            f"{client.country} could not take the call ({why}); try again", "country_unavailable"
        ) from error


def _log_step(
    request: web.Request, step: str, investigator: Investigator, answer: pb.FollowUpAnswer, started: float
) -> None:
    """The gateway's trail: ids, states, times and the node's audit anchors; no reasons, no record data."""
    state = follow_up_document(answer)["state"]
    request.app[METRICS].follow_up_calls.labels(
        answer.country, "file" if step == "follow_up.filed" else "status", state
    ).inc()
    log_event(
        log,
        step,
        follow_up_id=answer.follow_up_id,
        country=answer.country,
        investigator=investigator.investigator_id,
        requester_country=investigator.country,
        agency=investigator.agency,
        state=state,
        filed_at=answer.filed_at,
        due_at=answer.due_at,
        decided_at=answer.decided_at,
        audit_anchor={"entry_id": answer.audit_entry_id, "seq": answer.audit_seq, "hash": answer.audit_hash},
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
    )


async def file_follow_up(request: web.Request) -> web.Response:
    investigator = request[INVESTIGATOR]
    await within_rate_limits(request, investigator)
    body = _body(await read_json_object(request))
    if body.purpose not in investigator.purposes:
        raise Forbidden(f"purpose: your token does not grant the purpose {body.purpose!r}", "purpose_not_granted")
    client = _client(request, body.country)
    follow_up_id = f"{body.country}-{uuid.uuid4().hex}"
    call = pb.FollowUpRequest(
        query_id=follow_up_id,
        requester=_requester(investigator),
        purpose=PURPOSES[body.purpose],
        record_ref=body.record_ref,
        case_reference=body.case_reference,
        reasons=body.reasons,
        legal_basis=LEGAL_BASES[body.legal_basis],
        properties=sorted(set(body.properties)),
        urgency=URGENCIES[body.urgency],
    )
    started = time.perf_counter()
    answer = await _call(request, client, call, follow_up_id)
    if answer.follow_up_id != follow_up_id or answer.country != body.country:
        raise ServiceUnavailable(f"{body.country} answered for another follow-up", "country_unavailable")
    _log_step(request, "follow_up.filed", investigator, answer, started)
    queued = answer.state == pb.FOLLOW_UP_STATE_PENDING
    headers = {"Location": f"/v1/follow-ups/{follow_up_id}"} if queued else {}
    return web.json_response(answer_json(answer), status=201 if queued else 200, headers=headers)


async def follow_up_status(request: web.Request) -> web.Response:
    investigator = request[INVESTIGATOR]
    follow_up_id = request.match_info["follow_up_id"]
    if not FOLLOW_UP_ID.match(follow_up_id):
        raise BadRequest("the follow-up id is a country code, '-' and 32 hexadecimal digits", "invalid_follow_up")
    await within_rate_limits(request, investigator)
    client = _client(request, follow_up_id[:2])
    call = pb.FollowUpStatusRequest(
        query_id=new_query_id(), follow_up_id=follow_up_id, requester=_requester(investigator)
    )
    started = time.perf_counter()
    answer = await _call(request, client, call, follow_up_id)
    if answer.follow_up_id != follow_up_id:
        raise ServiceUnavailable(f"{client.country} answered for another follow-up", "country_unavailable")
    step = "follow_up.collected" if answer.HasField("released") else "follow_up.status"
    _log_step(request, step, investigator, answer, started)
    return web.json_response(answer_json(answer))


def setup_follow_up_routes(app: web.Application) -> None:
    app.router.add_post("/v1/follow-ups", file_follow_up)
    app.router.add_get("/v1/follow-ups/{follow_up_id}", follow_up_status)
