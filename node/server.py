"""Starts and stops a node: gRPC server (Node, health, reflection), store, policy engine and audit log."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import signal
from dataclasses import dataclass
from pathlib import Path

import grpc
from aiohttp import web
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler
from rigour.names import NameTypeTag, analyze_names

from fedcore.logs import log_event
from fedcore.query import load_vocabularies
from node.admission import Admission
from node.audit import AuditError, AuditLog
from node.checkpoints import Checkpointer
from node.config import NodeConfig
from node.decisions import PolicyUnavailable
from node.followups.metrics import FollowUpCollector
from node.followups.queue import QueueError
from node.followups.web import start_operator_page
from node.lifecycle import purge_audited
from node.matching import load_readings
from node.metrics import NodeMetrics
from node.policy import PolicyEngine, RevisionListener
from node.rpc import node_rpc_handler
from node.service import NODE_SERVICE, NodeService
from node.store import Store, StoreError

logger = logging.getLogger("fedgate.node")
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
FOLLOW_UP_EXPIRY_EVERY_S = 60.0
# Young objects are collected every this many allocations once the node is warm (Python's default: 700).
GC_YOUNG_THRESHOLD = 50_000


def warm_up() -> None:
    """Readies the process for searching: builds rigour's name tagger (about 5 s, once per process) and loads
    the country vocabulary (about 4 s) and the Hokkien readings of Chinese characters so that no search pays
    for them, then settles the heap.

    Searches allocate many short-lived objects while the tagger, the model and the matcher's caches hold
    many long-lived ones; with Python's default collector thresholds a third of a search went to cyclic
    garbage collection scanning them (docs/matching.md). What exists now is frozen out of the scans, and
    young objects are collected every 50,000 allocations instead of 700.
    """
    for tag in (NameTypeTag.PER, NameTypeTag.ORG, NameTypeTag.OBJ):
        analyze_names(tag, ["Ivan Petrov"])
    load_vocabularies()
    load_readings()
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)


@dataclass
class RunningNode:
    config: NodeConfig
    server: grpc.aio.Server
    port: int
    store: Store
    policy: PolicyEngine
    audit: AuditLog
    metrics: NodeMetrics
    metrics_runner: web.AppRunner | None
    purging: asyncio.Task[None] | None = None
    service: NodeService | None = None
    expiring: asyncio.Task[None] | None = None
    # The officers' review page ([operator]); None without one.
    operator_runner: web.AppRunner | None = None

    @property
    def address(self) -> str:
        return f"{self.config.listen_host}:{self.port}"

    @property
    def metrics_url(self) -> str | None:
        if self.metrics_runner is None:
            return None
        host, port = self.metrics_runner.addresses[0][:2]
        return f"http://{host}:{port}/metrics"

    @property
    def operator_url(self) -> str | None:
        if self.operator_runner is None:
            return None
        host, port = self.operator_runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def stop(self, grace_s: float | None = None) -> None:
        """Finishes in-flight searches within the grace period, then releases every resource."""
        try:
            for task in (self.purging, self.expiring):
                if task is not None:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            await self.server.stop(self.config.grace_s if grace_s is None else grace_s)
        finally:
            for runner in (self.metrics_runner, self.operator_runner):
                if runner is not None:
                    await runner.cleanup()
            await self.policy.close()
            if self.service is not None:
                self.service.close()
            self.store.close()
            self.audit.close()


async def start_metrics_server(metrics: NodeMetrics, host: str, port: int) -> web.AppRunner:
    app = web.Application()
    app.router.add_get("/metrics", make_aiohttp_handler(metrics.registry))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def revision_auditor(audit: AuditLog) -> RevisionListener:
    """Writes each change of the policy's revision into the audit chain, before any answer under the new one."""

    async def record(previous: str, revision: str) -> None:
        log_event(logger, "policy.revision_changed", previous=previous, revision=revision)
        try:
            await audit.append({"kind": "policy_revision", "previous": previous, "revision": revision})
        except AuditError as error:
            raise PolicyUnavailable("error", "the change of the policy's revision cannot be audited") from error

    return record


async def start_node(config: NodeConfig) -> RunningNode:
    """Opens store, audit log and policy engine, then binds the gRPC server (port 0 picks a free port)."""
    store = Store(config.store, busy_timeout_ms=config.busy_timeout_ms)
    checkpointer = Checkpointer(
        config.audit.checkpoints_path,
        config.signing_key,
        config.country,
        config.audit.checkpoint_every_entries,
        config.audit.checkpoint_every_s,
    )
    audit = AuditLog(config.audit_log, checkpointer)
    policy = PolicyEngine(config.opa)
    policy.on_revision_change = revision_auditor(audit)
    metrics = NodeMetrics(CollectorRegistry(auto_describe=True), config.country)
    metrics_runner: web.AppRunner | None = None
    operator_runner: web.AppRunner | None = None
    try:
        await asyncio.get_running_loop().run_in_executor(store.executor, warm_up)
        await policy.start()
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ]
        )
        admission = Admission(config, audit, metrics)
        await asyncio.get_running_loop().run_in_executor(None, admission.remember_answered)
        service = NodeService(config, store, policy, audit, metrics, admission)
        metrics.registry.register(FollowUpCollector(service.follow_ups.queue.location, config.country))
        server.add_generic_rpc_handlers((node_rpc_handler(service),))
        health_servicer = health.aio.HealthServicer()  # type: ignore[attr-defined]  # set at import, not declared
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        reflection.enable_server_reflection([NODE_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
        address = f"{config.listen_host}:{config.listen_port}"
        if config.tls is None:
            log_event(logger, "node.tls_disabled", logging.WARNING, detail="no [tls] section: plaintext gRPC")
            port = server.add_insecure_port(address)
        else:
            credentials = grpc.ssl_server_credentials(
                [(config.tls.private_key, config.tls.certificate_chain)],
                root_certificates=config.tls.trusted_cas,
                require_client_auth=True,
            )
            port = server.add_secure_port(address, credentials)
        if port == 0:
            raise OSError(f"cannot listen on {config.listen_host}:{config.listen_port}")
        await server.start()
        for name in ("", NODE_SERVICE):
            await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        if config.metrics_listen is not None:
            metrics_runner = await start_metrics_server(metrics, *config.metrics_listen)
        if config.operator is not None:
            operator_runner = await start_operator_page(config, config.operator)
    except BaseException:
        for runner in (metrics_runner, operator_runner):
            if runner is not None:
                await runner.cleanup()
        await policy.close()
        store.close()
        audit.close()
        raise
    node = RunningNode(
        config,
        server,
        port,
        store,
        policy,
        audit,
        metrics,
        metrics_runner,
        service=service,
        operator_runner=operator_runner,
    )
    if config.purge_every_s > 0:
        node.purging = asyncio.create_task(purge_expired_records(config), name="purge-expired")
    node.expiring = asyncio.create_task(expire_open_follow_ups(config, service), name="expire-follow-ups")
    log_event(logger, "node.started", country=config.country, address=node.address, metrics_url=node.metrics_url)
    return node


async def purge_expired_records(config: NodeConfig) -> None:
    """Deletes the records past their expiry day now and then (each purge audited); a failure is logged and
    tried again at the next turn: expired records are never matched meanwhile."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            purged = await loop.run_in_executor(None, purge_audited, config)
        except (AuditError, StoreError) as error:
            log_event(logger, "records.purge_failed", logging.ERROR, problem=str(error))
        else:
            if purged:
                log_event(logger, "records.purged", records=len(purged))
        await asyncio.sleep(config.purge_every_s)


async def expire_open_follow_ups(config: NodeConfig, service: NodeService) -> None:
    """Closes follow-ups left undecided past their expiry time, each audited; checked every minute."""
    while True:
        try:
            await asyncio.to_thread(service.follow_ups.expire)
        except (AuditError, QueueError) as error:
            log_event(logger, "follow_ups.expiry_failed", logging.ERROR, problem=str(error))
        await asyncio.sleep(FOLLOW_UP_EXPIRY_EVERY_S)


async def serve(config: NodeConfig, ready_file: Path | None = None) -> None:
    """Runs until SIGTERM or SIGINT, then shuts down gracefully."""
    node = await start_node(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if ready_file is not None:
            partial = ready_file.with_suffix(ready_file.suffix + ".partial")
            partial.write_text(
                json.dumps(
                    {
                        "country": config.country,
                        "grpc": node.address,
                        "metrics_url": node.metrics_url,
                        "operator_url": node.operator_url,
                    }
                )
            )
            partial.replace(ready_file)
        await stop.wait()
        log_event(logger, "node.stopping", country=config.country)
    finally:
        await node.stop()
        log_event(logger, "node.stopped", country=config.country)
