"""The gateway's HTTP front: read timeouts and a cap on open connections, so that slow or idle clients cannot hold it.

What bounds what:

- The request head (request line and headers) must arrive within `header_timeout_s` of the connection
  opening, or of the previous answer on a kept-alive connection; otherwise the connection is closed. This
  is aiohttp's `keepalive_timeout`: aiohttp arms it when a connection opens, does not re-arm it as bytes
  trickle in, and closes a connection still waiting for a complete request head when it fires. So one
  setting bounds a slow head and an idle kept-alive connection alike (tests/test_gateway_front.py pins it).
  A TLS handshake gets the same bound.
- The body must arrive within `body_timeout_s` once the handler starts reading it (gateway/request.py):
  408 in the JSON error shape, and the connection is closed. A body nobody reads (a request refused before
  its body matters, a 401 say) is drained for at most `body_timeout_s` (aiohttp's `lingering_time`, which
  lets an honest client read the answer), then the connection is closed.
- At most `max_connections` connections are open at once on a listener. aiohttp has no such setting, so
  `CappedSite` hands asyncio a protocol factory that counts open connections; one over the cap is answered
  503 at once and closed, without a request handler being made for it. Connections count once the
  transport is up (for HTTPS, after the handshake, itself bounded by `header_timeout_s`).
- A request that is not valid HTTP (a garbled request line, a header too long) is answered by aiohttp
  before any route or middleware; `JsonErrorRequestHandler` gives it the JSON error shape too.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, BadStatusLine, InvalidHeader, InvalidURLError, LineTooLong
from prometheus_client import Counter, Gauge

from gateway.config import GatewayConfig

_REFUSAL_BODY = json.dumps(
    {"error": {"code": "too_many_connections", "message": "the gateway has too many open connections; retry later"}}
).encode()
REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\n"
    + f"Content-Length: {len(_REFUSAL_BODY)}\r\n\r\n".encode()
    + _REFUSAL_BODY
)


def handler_args(config: GatewayConfig) -> dict[str, Any]:
    """aiohttp's own request-handler settings for the front (for web.AppRunner and CappedSite alike)."""
    return {"access_log": None, "keepalive_timeout": config.header_timeout_s, "lingering_time": config.body_timeout_s}


# What was wrong, most specific first; never the client's bytes echoed back.
HTTP_PROBLEMS: tuple[tuple[type[Exception], str], ...] = (
    (BadHttpMethod, "the method is not a valid HTTP method"),
    (BadStatusLine, "the request line is not valid"),
    (LineTooLong, "the request line or a header is too long"),
    (InvalidURLError, "the URL is not valid"),
    (InvalidHeader, "a header is not valid"),
)


def http_problem(exc: BaseException | None) -> str:
    return next((problem for kind, problem in HTTP_PROBLEMS if isinstance(exc, kind)), "the request is not valid HTTP")


class JsonErrorRequestHandler(web.RequestHandler):
    """aiohttp's request handler, answering what is not valid HTTP in the JSON error shape."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # aiohttp's logging and checks
        if 400 <= status < 500:
            body = {"code": "bad_http_request", "message": http_problem(exc)}
        else:
            body = {"code": "internal_error", "message": HTTPStatus(status).phrase}
        response = web.json_response({"error": body}, status=status)
        response.force_close()
        return response


class ConnectionCount:
    """Open connections of one listener, against its cap; the gauge and counter are the gateway's metrics."""

    def __init__(self, max_connections: int, open_connections: Gauge, refused: Counter) -> None:
        self.max_connections = max_connections
        self.open = 0
        self._open_gauge = open_connections
        self._refused = refused

    def admit(self) -> bool:
        if self.open >= self.max_connections:
            self._refused.inc()
            return False
        self.open += 1
        self._open_gauge.inc()
        return True

    def release(self) -> None:
        self.open -= 1
        self._open_gauge.dec()


class _CountedConnection(asyncio.Protocol):
    """One connection: handed to aiohttp's request handler if under the cap, refused otherwise."""

    def __init__(self, server: web.Server, count: ConnectionCount, handler_kwargs: dict[str, Any]) -> None:
        self._server = server
        self._count = count
        self._handler_kwargs = handler_kwargs
        self._handler: asyncio.Protocol | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._count.admit():
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(REFUSAL)
            transport.close()
            return
        loop = asyncio.get_running_loop()
        self._handler = JsonErrorRequestHandler(self._server, loop=loop, **self._handler_kwargs)
        self._handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._handler is not None:
            self._handler.data_received(data)

    def eof_received(self) -> bool | None:
        return self._handler.eof_received() if self._handler is not None else None

    def pause_writing(self) -> None:
        if self._handler is not None:
            self._handler.pause_writing()

    def resume_writing(self) -> None:
        if self._handler is not None:
            self._handler.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._handler is not None:
            self._count.release()
            self._handler.connection_lost(exc)
            self._handler = None


class CappedSite(web.BaseSite):
    """A TCP listener like web.TCPSite, with at most `count.max_connections` connections open at once."""

    __slots__ = ("_count", "_handler_kwargs", "_handshake_timeout_s", "_host", "_port", "_web_server")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        count: ConnectionCount,
        *,
        handler_kwargs: dict[str, Any],
        handshake_timeout_s: float,
        ssl_context: Any = None,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context)
        assert runner.server is not None
        self._web_server = runner.server
        self._handler_kwargs = handler_kwargs  # what the runner was given: its server would make handlers so
        self._host = host
        self._port = port
        self._count = count
        self._handshake_timeout_s = handshake_timeout_s

    @property
    def name(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _CountedConnection(self._web_server, self._count, self._handler_kwargs),
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            ssl_handshake_timeout=self._handshake_timeout_s if self._ssl_context else None,
        )
