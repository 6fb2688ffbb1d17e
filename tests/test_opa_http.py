"""The node's OPA client against servers that misbehave as an OPA (or something posing as one) might: every doubt
is a PolicyUnavailable, and no answer is ever read as another request's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from node.config import OpaSettings
from node.decisions import PolicyUnavailable
from node.opahttp import MAX_ANSWER_BYTES, OpaHttp
from node.policy import PolicyEngine

pytestmark = pytest.mark.asyncio

# How a fake OPA answers a request, given its number on the server (0, 1, …): the bytes to send (None: never).
Answering = Callable[[int], bytes | None]


def ok(document: object, *, chunked: bool = False) -> bytes:
    body = json.dumps(document).encode()
    if chunked:
        middle = len(body) // 2
        parts = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:middle], body[middle:]))
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + parts
            + b"0\r\n\r\n"
        )
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


class FakeOpa:
    """A loopback TCP server reading HTTP requests (head and Content-Length body) and answering by `answering`."""

    def __init__(self, answering: Answering) -> None:
        self.answering = answering
        self.requests = 0
        self.connections = 0
        self.bodies: list[bytes] = []
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                self.bodies.append(await reader.readexactly(length))
                number, self.requests = self.requests, self.requests + 1
                answer = self.answering(number)
                if answer is not None:
                    writer.write(answer)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeOpa]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self
        finally:
            server.close()


def engine(url: str, timeout_ms: int = 300) -> PolicyEngine:
    settings = OpaSettings(
        url=url,
        decision_path="fedgate/xx/decision",
        describe_path="fedgate/xx/describe",
        reads_path="fedgate/xx/reads",
        follow_up_path="fedgate/xx/follow_up",
        timeout_ms=timeout_ms,
    )
    return PolicyEngine(settings)


async def test_requests_share_one_kept_alive_connection_and_chunked_answers_are_read_whole() -> None:
    async with FakeOpa(lambda n: ok({"result": {"n": n}}, chunked=n % 2 == 1)).running() as opa:
        client = OpaHttp(opa.url)
        try:
            answers = [json.loads((await client.post("v1/data/x", b'{"input":{}}')).body) for _ in range(4)]
        finally:
            await client.close()
    assert answers == [{"result": {"n": n}} for n in range(4)]
    assert opa.connections == 1
    assert opa.bodies == [b'{"input":{}}'] * 4


async def test_an_answer_after_the_deadline_is_never_read_as_the_next_requests() -> None:
    late: list[bytes] = []

    def answering(n: int) -> bytes | None:
        if n == 0:
            late.append(ok({"result": "first"}))  # held back: the first request times out
            return None
        return ok({"result": f"answer {n}"})

    async with FakeOpa(answering).running() as opa:
        client = OpaHttp(opa.url)
        try:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):
                    await client.post("v1/data/x", b"{}")
            second = await client.post("v1/data/x", b"{}")
        finally:
            await client.close()
    assert json.loads(second.body) == {"result": "answer 1"}
    assert opa.connections == 2  # the timed-out connection was closed, not reused


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "error"),
        (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}", "error"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!", "malformed"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_ANSWER_BYTES + 1) + b"x" * (MAX_ANSWER_BYTES + 1),
            "error",
        ),
        (b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"result"', "timeout"),
    ],
    ids=["not-http", "http-500", "not-json", "too-large", "cut-short"],
)
async def test_a_misbehaving_opa_gives_no_decision(answer: bytes, kind: str) -> None:
    async with FakeOpa(lambda n: answer).running() as opa:
        policy = engine(opa.url)
        try:
            with pytest.raises(PolicyUnavailable) as raised:
                await policy.decide({"stage": "search"}, [])
        finally:
            await policy.close()
    assert raised.value.kind == kind


async def test_an_opa_that_is_not_there_is_unreachable() -> None:
    async with FakeOpa(lambda n: None).running() as opa:
        url = opa.url
    policy = engine(url)
    try:
        with pytest.raises(PolicyUnavailable) as raised:
            await policy.decide({"stage": "search"}, [])
    finally:
        await policy.close()
    assert raised.value.kind == "unreachable"
