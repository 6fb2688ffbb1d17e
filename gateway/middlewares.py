"""The gateway's middlewares: one that turns every error into the JSON error shape, one that authenticates."""

from __future__ import annotations

import logging
import math

from aiohttp import web
from aiohttp.typedefs import Handler

from fedcore.logs import log_event
from gateway.errors import (
    ApiError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    TooManyRequests,
    Unauthorized,
)
from gateway.typedefs import INVESTIGATOR, METRICS, VERIFIER

logger = logging.getLogger("fedgate.gateway")
# The API, and the ecosystem endpoints (gateway.ecosystem) that search through it.
AUTHENTICATED_PREFIXES = ("/v1/", "/match/", "/reconcile/")
# yente's clients send `ApiKey <token>`; the token is the same investigator token either way.
TOKEN_SCHEMES = ("bearer", "apikey")


def route_label(request: web.Request) -> str:
    """The route template (a closed set), never the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def error_response(error: ApiError) -> web.Response:
    response = web.json_response(error.body(), status=error.status)
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_s)))
    if isinstance(error, RequestTimeout):
        response.force_close()  # a client this slow does not keep its connection
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    metrics = request.app[METRICS]
    try:
        response = await handler(request)
    except ApiError as error:
        response = error_response(error)
    except web.HTTPNotFound:
        response = error_response(NotFound(f"no route for {request.method} {request.path}"))
    except web.HTTPMethodNotAllowed as error:
        allowed = ", ".join(sorted(error.allowed_methods))
        response = error_response(MethodNotAllowed(f"{request.method} is not allowed here (allowed: {allowed})"))
        response.headers["Allow"] = allowed
    except web.HTTPRequestEntityTooLarge:
        response = error_response(PayloadTooLarge("the body is too large"))
    except web.HTTPException as error:
        response = error_response(ApiError(error.reason, "http_error"))
        response.set_status(error.status)
    except Exception:
        log_event(logger, "http.unexpected_error", logging.ERROR, route=route_label(request), method=request.method)
        logger.exception("unexpected error")
        response = error_response(ApiError("the gateway failed to answer; the failure is logged"))
    metrics.http_requests.labels(route_label(request), request.method, str(response.status)).inc()
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every API call needs a valid investigator token (Bearer, or yente's ApiKey); the investigator comes from
    it alone."""
    if request.path.startswith(AUTHENTICATED_PREFIXES):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() not in TOKEN_SCHEMES or not token.strip():
                raise Unauthorized(
                    "send the investigator token as 'Authorization: Bearer <token>' (or 'ApiKey <token>')",
                    "token_missing",
                )
            request[INVESTIGATOR] = request.app[VERIFIER].verify(token.strip())
        except Unauthorized as error:
            request.app[METRICS].auth_failures.labels(error.code).inc()
            response = error_response(error)
            response.headers["WWW-Authenticate"] = 'Bearer realm="fedgate"'
            return response
    return await handler(request)
