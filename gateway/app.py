"""The gateway application: factory, long-lived resources, and the server loop."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.handlers
import queue
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry

from fedcore.logs import JsonFormatter, log_event
from fedcore.ratelimit import RateLimiter
from gateway.auth import TokenVerifier
from gateway.breaker import CircuitBreaker
from gateway.config import GatewayConfig
from gateway.handlers import setup_routes
from gateway.metrics import GatewayMetrics
from gateway.middlewares import auth_middleware, error_middleware
from gateway.nodes import NodeClient, Signer
from gateway.openapi import build_openapi
from gateway.page import add_security_headers, load_assets
from gateway.typedefs import API_DESCRIPTION, CONFIG, METRICS, NODES, RATE_LIMITS, VERIFIER, WEB_ASSETS

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


def create_app(config: GatewayConfig, registry: CollectorRegistry | None = None) -> web.Application:
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[error_middleware, auth_middleware])
    app[CONFIG] = config
    app[VERIFIER] = TokenVerifier(config.issuers, config.audience)
    app[METRICS] = GatewayMetrics(registry or CollectorRegistry(auto_describe=True))
    app[API_DESCRIPTION] = build_openapi(config)
    app[RATE_LIMITS] = {
        "investigator": RateLimiter(config.searches_per_investigator, config.rate_window_s),
        "country": RateLimiter(config.searches_per_country, config.rate_window_s),
    }
    app[WEB_ASSETS] = load_assets()
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(node_clients)
    setup_routes(app)
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


async def serve(config: GatewayConfig, ready_file: Path | None = None) -> None:
    """Serves until SIGTERM or SIGINT; port 0 picks a free port (written to the ready file)."""
    listener = _search_log_to_file(config.search_log) if config.search_log else None
    runner = web.AppRunner(create_app(config), access_log=None, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        site = web.TCPSite(
            runner, config.listen_host, config.listen_port, shutdown_timeout=5.0, ssl_context=config.https
        )
        await site.start()
        host, port = runner.addresses[0][:2]
        url = f"{'https' if config.https else 'http'}://{host}:{port}"
        log_event(logger, "gateway.started", url=url, countries=sorted(config.nodes))
        if ready_file is not None:
            partial = ready_file.with_suffix(ready_file.suffix + ".partial")
            partial.write_text(json.dumps({"gateway_url": url}))
            partial.replace(ready_file)
        await stop.wait()
        log_event(logger, "gateway.stopping")
    finally:
        await runner.cleanup()
        if listener is not None:
            listener.stop()
        log_event(logger, "gateway.stopped")
