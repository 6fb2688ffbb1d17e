"""Network faults for tests and benchmarks: a TCP proxy on loopback that delays, cuts or re-points a link."""

from __future__ import annotations

import asyncio
import contextlib
import random


class DelayProxy:
    """Forwards connections to an upstream address; answers are held back by `delay_s` while set."""

    def __init__(self, upstream: str) -> None:
        self.point_at(upstream)
        self.delay_s = 0.0
        # Flakiness: when set, every n-th answer chunk cuts its connection instead of passing through.
        self.cut_every = 0
        self._chunks = 0
        # A heavy tail: this share of answer chunks is held back by tail_delay_s more.
        self.tail_share = 0.0
        self.tail_delay_s = 0.0
        self._random = random.Random(7)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closers: set[asyncio.Event] = set()

    def point_at(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream_host, self.upstream_port = host, int(port)

    @property
    def address(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"

    async def start(self) -> DelayProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self.reset()
        if self._server is not None:
            await self._server.wait_closed()

    async def reset(self) -> None:
        """Drops every open connection: clients must connect again (to the current upstream)."""
        for closer in list(self._closers):
            closer.set()
        # Connection handlers end on their own once told to; they are awaited, never cancelled.
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            except OSError:
                return
            closer = asyncio.Event()
            self._closers.add(closer)
            try:
                # Either direction ending (or a cut, or a reset) ends the connection as a whole.
                pipes = [
                    asyncio.create_task(self._pipe(client_reader, upstream_writer, delayed=False)),
                    asyncio.create_task(self._pipe(upstream_reader, client_writer, delayed=True)),
                    asyncio.create_task(closer.wait()),
                ]
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
                for pipe in pipes:
                    pipe.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
            finally:
                self._closers.discard(closer)
                await _close(upstream_writer)
        finally:
            await _close(client_writer)
            self._tasks.discard(task)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, delayed: bool) -> None:
        """Copies one direction; answers are held back by delay_s each (added latency, as netem does)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def deliver() -> None:
            while (item := await queue.get()) is not None:
                due, data = item
                await asyncio.sleep(max(0.0, due - loop.time()))  # the injected latency, not synchronisation
                writer.write(data)
                await writer.drain()

        delivery = asyncio.create_task(deliver())
        try:
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                while data := await reader.read(65536):
                    if delayed and self.cut_every:
                        self._chunks += 1
                        if self._chunks % self.cut_every == 0:
                            return
                    delay = self.delay_s if delayed else 0.0
                    if delayed and self.tail_share and self._random.random() < self.tail_share:
                        delay += self.tail_delay_s
                    queue.put_nowait((loop.time() + delay, data))
                queue.put_nowait(None)
                with contextlib.suppress(ConnectionError):
                    await delivery
        finally:
            delivery.cancel()
            await asyncio.gather(delivery, return_exceptions=True)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
