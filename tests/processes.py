"""A federation of real processes for fault tests: OPA, `fedgate node serve` and `fedgate gateway serve`.

Every node and every OPA sits behind a DelayProxy, so a test can slow, cut or re-point a link, and a
node can be killed and restarted on a new port while the gateway keeps the same registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from fedcli.processes import Service, fedgate_command
from fedeval.netfaults import DelayProxy
from fedtools.opa import OpaServer
from gateway.config import GatewayConfig, load_gateway_config
from node.store import import_lines
from tests.conftest import ApiClient, IssuerKeys, mint, write_gateway_config, write_node_config
from tests.samples import RECORDS_BY_COUNTRY, write_jsonl


@dataclass
class NodeProcess:
    country: str
    directory: Path
    config: Path
    opa: OpaServer
    opa_proxy: DelayProxy
    proxy: DelayProxy  # what the gateway's registry points at
    service: Service | None = None

    @property
    def store(self) -> Path:
        return self.directory / "records.sqlite"

    @property
    def audit(self) -> Path:
        return self.directory / "audit.sqlite"

    async def start(self) -> None:
        """Starts the node process (in a thread: the proxies live on this event loop and must keep running)."""
        await asyncio.to_thread(self._start)

    def _start(self) -> None:
        ready = self.directory / "ready.json"
        ready.unlink(missing_ok=True)
        command = fedgate_command("node", "serve", "--config", str(self.config), "--ready-file", str(ready))
        self.service = Service.spawn(f"node-{self.country.lower()}", command, self.directory / "node.log")
        self.proxy.point_at(self.service.wait_ready(ready, 120)["grpc"])

    def kill_9(self) -> None:
        assert self.service is not None
        os.kill(self.service.process.pid, signal.SIGKILL)
        self.service.process.wait()

    async def stop(self) -> None:
        if self.service is not None:
            self.service.terminate()
            await asyncio.to_thread(self.service.wait, 15)

    def audit_entry_ids(self) -> set[str]:
        connection = sqlite3.connect(f"file:{self.audit}?mode=ro", uri=True)
        try:
            return {entry_id for (entry_id,) in connection.execute("SELECT entry_id FROM entries")}
        finally:
            connection.close()


@dataclass
class GatewayProcess:
    config: Path
    directory: Path
    port: int = 0
    service: Service | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        await asyncio.to_thread(self._start)

    def _start(self) -> None:
        """Starts the gateway; a restart listens on the port the first start was given."""
        if self.port:
            self.config.write_text(
                self.config.read_text().replace('listen = "127.0.0.1:0"', f'listen = "127.0.0.1:{self.port}"', 1)
            )
        ready = self.directory / "ready.json"
        ready.unlink(missing_ok=True)
        command = fedgate_command("gateway", "serve", "--config", str(self.config), "--ready-file", str(ready))
        self.service = Service.spawn("gateway", command, self.directory / "gateway.log", cwd=self.directory)
        self.port = int(self.service.wait_ready(ready, 60)["gateway_url"].rsplit(":", 1)[1])

    async def stop(self) -> None:
        if self.service is not None:
            self.service.terminate()
            await asyncio.to_thread(self.service.wait, 15)


@dataclass
class ProcessFederation:
    nodes: dict[str, NodeProcess]
    gateway: GatewayProcess
    api: ApiClient
    config: GatewayConfig

    def token(self, country: str, **options: Any) -> str:
        return mint(self.config, country, **options)


@contextlib.asynccontextmanager
async def process_federation(
    work: Path,
    opa_binary: Path,
    issuer_keys: IssuerKeys,
    *,
    countries: tuple[str, ...] = ("FR", "DE", "GR"),
    node_extra: str = "",
) -> AsyncIterator[ProcessFederation]:
    nodes: dict[str, NodeProcess] = {}
    proxies: list[DelayProxy] = []
    try:
        for country in countries:
            directory = work / f"node-{country.lower()}"
            directory.mkdir(parents=True)
            opa = OpaServer(country, directory / "opa", opa_binary=opa_binary).start()
            opa_proxy = await DelayProxy(f"127.0.0.1:{opa.port}").start()
            proxy = await DelayProxy("127.0.0.1:1").start()
            proxies += [opa_proxy, proxy]
            extra = '[store]\npath = "records.sqlite"\naudit_path = "audit.sqlite"\nbusy_timeout_ms = 300\n'
            config = write_node_config(directory, country, f"http://{opa_proxy.address}", node_extra)
            # Like a deployment: OPA gets 500 ms, a locked store 300 ms, well inside the search's budget.
            text = config.read_text().replace('[store]\npath = "records.sqlite"\naudit_path = "audit.sqlite"\n', extra)
            config.write_text(text.replace("timeout_ms = 2000", "timeout_ms = 500"))
            with write_jsonl(directory / "records.jsonl", RECORDS_BY_COUNTRY[country]).open(encoding="utf-8") as lines:
                assert not import_lines(directory / "records.sqlite", lines, skip_invalid=False).bad_lines
            nodes[country] = NodeProcess(country, directory, config, opa, opa_proxy, proxy)
        await asyncio.gather(*(node.start() for node in nodes.values()))
        gateway_config = write_gateway_config(
            work / "gateway", {c: n.proxy.address for c, n in nodes.items()}, issuer_keys
        )
        gateway = GatewayProcess(gateway_config, work / "gateway")
        await gateway.start()
        async with aiohttp.ClientSession() as session:
            async with session.get(gateway.url + "/openapi.json") as response:
                spec = await response.json()
            yield ProcessFederation(
                nodes, gateway, ApiClient(session, gateway.url, spec), load_gateway_config(gateway_config)
            )
            await gateway.stop()
    finally:
        for node in nodes.values():
            await node.stop()
            node.opa.stop()
        for proxy in proxies:
            await proxy.stop()


async def searches_until(
    api: ApiClient, body: dict[str, Any], token: str, done: Callable[[dict[str, Any]], bool], attempts: int = 40
) -> dict[str, Any]:
    """Searches again until the answer satisfies `done` (a fault has ended); each search is a real one."""
    for _ in range(attempts):
        status, answer = await api.search(body, token)
        assert status == 200, answer
        if done(answer):
            return dict(answer)
        await asyncio.sleep(0.25)  # pacing between real searches while a country recovers
    raise AssertionError(f"the federation did not recover: {answer['countries']}")
