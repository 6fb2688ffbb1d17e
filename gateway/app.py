"""The gateway application: factory, long-lived resources, and the server loop."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.handlers
import queue
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler

from fedcore.logs import JsonFormatter, log_event
from fedcore.query import load_vocabularies
from gateway import ecosystem
from gateway.api import search_request_model
from gateway.auth import TokenVerifier
from gateway.breaker import CircuitBreaker
from gateway.config import GatewayConfig
from gateway.followups import setup_follow_up_routes
from gateway.front import CappedSite, ConnectionCount, handler_args
from gateway.handlers import setup_routes
from gateway.limits import rate_limits
from gateway.metrics import GatewayMetrics
from gateway.middlewares import auth_middleware, error_middleware
from gateway.nodes import NodeClient, Signer
from gateway.openapi import build_openapi
from gateway.page import add_security_headers, load_assets
from gateway.screen import screen
from gateway.typedefs import (
    API_DESCRIPTION,
    CONFIG,
    METRICS,
    NODES,
    RATE_LIMITS,
    SEARCH_REQUEST,
    VERIFIER,
    WEB_ASSETS,
)

logger = logging.getLogger("fedgate.gateway")


async def node_clients(app: web.Application) -> AsyncIterator[None]:
    """One long-lived gRPC channel per country node, closed when the gateway stops."""
    config = app[CONFIG]
    signer = Signer(config.assertion_key, config.assertion_ttl_s)
    app[NODES] = {
        country: NodeClient(
            entry,
            config.max_concurrent_calls_per_node,
            CircuitBreaker(config.breaker_failures, config.breaker_cooldown_s),
            signer,
            config.tls,
        )
        for country, entry in sorted(config.nodes.items())
    }
    for country in app[NODES]:
        app[METRICS].circuit_breaker.labels(country).state("closed")
    yield
    await asyncio.gather(*(client.close() for client in app[NODES].values()))


async def search_rate_limits(app: web.Application) -> AsyncIterator[None]:
    """The rate limits (with Redis, its connections), closed when the gateway stops. Shared ones ask Redis at
    once: /metrics says from the start whether they are shared, and an unreachable Redis is logged."""
    app[RATE_LIMITS] = rate_limits(app[CONFIG], app[METRICS].shared_limits_up)
    try:
        await app[RATE_LIMITS].mode()
        yield
    finally:
        await app[RATE_LIMITS].close()


def create_app(config: GatewayConfig, registry: CollectorRegistry | None = None) -> web.Application:
    load_vocabularies()  # the first search naming a country must not pay seconds for reading the territory data
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[error_middleware, auth_middleware])
    app[CONFIG] = config
    app[VERIFIER] = TokenVerifier(
        config.issuers, config.audience, config.max_token_lifetime_s, config.max_tracked_tokens
    )
    app[METRICS] = GatewayMetrics(
        registry or CollectorRegistry(auto_describe=True), shared_limits=config.shared_limits is not None
    )
    app[SEARCH_REQUEST] = search_request_model(config)
    app[API_DESCRIPTION] = build_openapi(config, app[SEARCH_REQUEST])
    app[WEB_ASSETS] = load_assets()
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(search_rate_limits)
    app.cleanup_ctx.append(node_clients)
    setup_routes(app)
    setup_follow_up_routes(app)
    app.router.add_post("/v1/screen", screen)
    ecosystem.setup_routes(app)
    return app


def _search_log_to_file(path: Path) -> logging.handlers.QueueListener:
    """The search log also goes to its own file, written by a background thread (no blocking in handlers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(JsonFormatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    logging.getLogger("fedgate.gateway.searches").addHandler(logging.handlers.QueueHandler(records))
    listener = logging.handlers.QueueListener(records, file_handler)
    listener.start()
    return listener


@dataclass
class RunningGateway:
    """A started gateway: the investigators' listener and, apart from it, the operators' /metrics listener."""

    url: str
    metrics_url: str | None
    runner: web.AppRunner
    metrics_runner: web.AppRunner | None

    async def stop(self) -> None:
        try:
            if self.metrics_runner is not None:
                await self.metrics_runner.cleanup()
        finally:
            await self.runner.cleanup()


async def _listen(
    app: web.Application, host: str, port: int, config: GatewayConfig, metrics: GatewayMetrics, listener: str
) -> tuple[web.AppRunner, str]:
    """Serves `app` behind the front's timeouts and connection cap (gateway/front.py); returns its base URL."""
    handler_kwargs = handler_args(config)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=5.0, **handler_kwargs)
    await runner.setup()
    try:
        count = ConnectionCount(
            config.max_connections,
            metrics.open_connections.labels(listener),
            metrics.connections_refused.labels(listener),
        )
        site = CappedSite(
            runner,
            host,
            port,
            count,
            handler_kwargs=handler_kwargs,
            handshake_timeout_s=config.header_timeout_s,
            ssl_context=config.https,
        )
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    return runner, f"{'https' if config.https else 'http'}://{bound_host}:{bound_port}"


async def start_gateway(config: GatewayConfig, registry: CollectorRegistry | None = None) -> RunningGateway:
    """Binds the API (and /metrics, when `[metrics] listen` is set) on their ports; port 0 picks a free one."""
    app = create_app(config, registry)
    metrics = app[METRICS]
    runner, url = await _listen(app, config.listen_host, config.listen_port, config, metrics, "api")
    if config.metrics_listen is None:
        return RunningGateway(url, None, runner, None)
    try:
        # The operators' port: /metrics only, so that per-country counters never reach investigators.
        metrics_app = web.Application()
        metrics_app.router.add_get("/metrics", make_aiohttp_handler(metrics.registry))
        host, port = config.metrics_listen
        metrics_runner, metrics_base = await _listen(metrics_app, host, port, config, metrics, "metrics")
    except BaseException:
        await runner.cleanup()
        raise
    return RunningGateway(url, f"{metrics_base}/metrics", runner, metrics_runner)


async def serve(config: GatewayConfig, ready_file: Path | None = None) -> None:
    """Serves until SIGTERM or SIGINT; the ready file says where (gateway_url, metrics_url)."""
    listener = _search_log_to_file(config.search_log) if config.search_log else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        gateway = await start_gateway(config)
        try:
            log_event(
                logger,
                "gateway.started",
                url=gateway.url,
                metrics_url=gateway.metrics_url,
                countries=sorted(config.nodes),
            )
            if ready_file is not None:
                partial = ready_file.with_suffix(ready_file.suffix + ".partial")
                partial.write_text(json.dumps({"gateway_url": gateway.url, "metrics_url": gateway.metrics_url}))
                partial.replace(ready_file)
            await stop.wait()
            log_event(logger, "gateway.stopping")
        finally:
            await gateway.stop()
    finally:
        if listener is not None:
            listener.stop()
        log_event(logger, "gateway.stopped")
