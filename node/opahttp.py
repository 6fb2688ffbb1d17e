"""The node's HTTP/1.1 client for its own OPA: kept-alive connections whose answers llhttp parses (httptools).

A decision is one small POST on loopback or in the country's own network; a general-purpose client (sessions,
cookie jars, middleware, retries) cost the node several times the request itself. This one does only what the
node needs: a pool of idle connections, one request per connection at a time, and any failure or cancellation
closing the connection it happened on, so a half-read answer is never read as the next one's.

Errors (the policy engine maps them to PolicyUnavailable):

    OSError                  cannot connect, or the connection broke
    └── OpaProtocolError     OPA's answer is not HTTP, or too large
"""

from __future__ import annotations

import asyncio
import ssl
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import httptools

# An answer larger than this is refused: no decision of a node is anywhere near it.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
# Idle connections kept for the next requests; more open while searches run at once, and close after.
MAX_IDLE = 16


class OpaProtocolError(OSError):
    """OPA's answer is not HTTP/1.1 as expected, or larger than MAX_ANSWER_BYTES."""


class OpaResponse(NamedTuple):
    status: int
    body: bytes


class _Connection(asyncio.Protocol):
    """One connection to OPA, exchanging one request at a time."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[OpaResponse] | None = None
        self._chunks: list[bytes] = []
        self._size = 0
        self.reusable = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:
            self._fail(OpaProtocolError("OPA sent bytes nobody asked for"))
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            # A callback's own refusal (an answer too large) comes back wrapped by the parser.
            cause = error.__context__
            self._fail(
                cause if isinstance(cause, OpaProtocolError) else OpaProtocolError(f"OPA's answer is not HTTP: {error}")
            )

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self._transport = None
        self._fail(ConnectionResetError("OPA closed the connection"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_ANSWER_BYTES:
            raise OpaProtocolError(f"OPA's answer exceeds {MAX_ANSWER_BYTES} bytes")
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        waiter, self._waiter = self._waiter, None
        body, self._chunks, self._size = b"".join(self._chunks), [], 0
        self.reusable = self._parser.should_keep_alive()
        if waiter is not None and not waiter.done():
            waiter.set_result(OpaResponse(self._parser.get_status_code(), body))

    def _fail(self, problem: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(problem)
        self.close()

    @property
    def open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    async def exchange(self, request: bytes) -> OpaResponse:
        if self._transport is None:
            raise ConnectionResetError("OPA closed the connection")
        self.reusable = False
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return await self._waiter

    def close(self) -> None:
        self.reusable = False
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class OpaHttp:
    """Requests to one OPA server (http or https URL, no path)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if secure else 80)
        self._ssl = ssl.create_default_context() if secure else None
        self._host_header = f"Host: {self._host}:{self._port}\r\n".encode()
        self._idle: list[_Connection] = []
        self._closed = False

    async def post(self, path: str, body: bytes) -> OpaResponse:
        head = b"POST /%s HTTP/1.1\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (
            quote(path).encode(),
            self._host_header,
            len(body),
        )
        return await self._request(head + body)

    async def get(self, path: str) -> OpaResponse:
        return await self._request(b"GET /%s HTTP/1.1\r\n%s\r\n" % (quote(path).encode(), self._host_header))

    async def _request(self, request: bytes) -> OpaResponse:
        if self._closed:
            raise ConnectionResetError("the OPA client is closed")
        connection = await self._connection()
        try:
            response = await connection.exchange(request)
        except BaseException:
            # Cancelled (the caller's deadline) or broken: what is still on the wire belongs to nobody.
            connection.close()
            raise
        if connection.reusable and not self._closed and len(self._idle) < MAX_IDLE:
            self._idle.append(connection)
        else:
            connection.close()
        return response

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.open:
                return connection
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, self._host, self._port, ssl=self._ssl)
        return connection

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


__all__ = ["MAX_ANSWER_BYTES", "OpaHttp", "OpaProtocolError", "OpaResponse"]
