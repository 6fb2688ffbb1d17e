"""Faults on a federation of real processes: answers stay honest and within budget, nothing leaks, nothing is lost."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiohttp import web

from fedcli.processes import fedgate_command
from fedtools.opa import OpaServer
from gateway.nodes import PROBLEMS
from node.audit import verify_chain
from node.server import RunningNode
from tests.conftest import node_client, search_request
from tests.federation import Federation, IssuerKeys, running_federation, searches_until, write_node_config

PETROV = {
    "schema": "Person",
    "properties": {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]},
    "purpose": "terrorism",
}
BUDGET_S = 1.5  # the test gateway's default_timeout_ms
HONEST = {"hit", "no_hit", "refused", "policy_unavailable", "timeout", "unavailable", "rate_limited", "error"}


@pytest.fixture
async def processes(
    tmp_path: Path, opa_factory: Callable[..., OpaServer], issuer_keys: IssuerKeys
) -> AsyncIterator[Federation]:
    """The federation as `fedgate` processes, each node with an OPA of its own that a test may stop."""
    async with running_federation(tmp_path, issuer_keys, opa_factory, processes=True) as federation:
        yield federation


async def timed_search(
    federation: Federation, token: str, body: dict[str, Any] = PETROV
) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    status, answer = await federation.api.search(body, token)
    assert status == 200, answer
    return time.monotonic() - started, answer


INTERNAL_DETAILS = re.compile(r"ipv[46]:|127\.0\.0\.1|localhost|StatusCode|grpc|Traceback|:\d{4,5}\b", re.IGNORECASE)


def assert_answer_is_honest(answer: dict[str, Any], elapsed_s: float) -> None:
    assert elapsed_s < BUDGET_S + 0.5, f"answered after {elapsed_s:.2f} s"
    for country, entry in answer["countries"].items():
        assert entry["status"] in HONEST
        # No internal address, port or lower-layer text reaches the investigator: closed codes, fixed messages.
        shown = json.dumps({key: value for key, value in entry.items() if key != "signature"})
        assert not INTERNAL_DETAILS.search(shown), f"{country} shows internal details: {shown}"
        if entry["status"] in ("timeout", "unavailable", "rate_limited", "error"):
            assert entry["problem"] in PROBLEMS
            assert entry["message"] == PROBLEMS[entry["problem"]]
        released = [r for r in answer["results"] if r["country"] == country]
        if entry["status"] not in ("hit",):
            assert released == [], f"{country} is {entry['status']} yet released {released}"


def all_hit(answer: dict[str, Any]) -> bool:
    return all(entry["status"] == "hit" for entry in answer["countries"].values())


def assert_audited(federation: Federation, answers: list[dict[str, Any]]) -> None:
    """Every answer a node gave is in its audit log, and every chain verifies."""
    for country, node in federation.nodes.items():
        answered = {
            a["countries"][country]["audit_entry_id"] for a in answers if "audit_entry_id" in a["countries"][country]
        }
        assert answered <= node.audit_entry_ids(), f"{country} answered searches missing from its audit log"
        assert verify_chain(node.audit).intact


async def test_kill_9_a_node_mid_stream_then_restart_it(processes: Federation) -> None:
    token = processes.token("DE")
    answers: list[dict[str, Any]] = []
    statuses: list[str] = []
    reached = {8: asyncio.Event(), 16: asyncio.Event()}

    async def stream(count: int) -> None:
        for _ in range(count):
            elapsed, answer = await timed_search(processes, token)
            assert_answer_is_honest(answer, elapsed)
            answers.append(answer)
            statuses.append(answer["countries"]["FR"]["status"])
            if len(answers) in reached:
                reached[len(answers)].set()

    running = asyncio.create_task(stream(30))
    await reached[8].wait()
    processes.nodes["FR"].kill_9()
    await reached[16].wait()
    await processes.nodes["FR"].start()
    await running
    assert statuses[:8] == ["hit"] * 8
    assert "unavailable" in statuses
    final = await searches_until(processes.api, PETROV, token, all_hit)
    answers.append(final)
    assert_audited(processes, answers)


async def test_slow_and_flaky_nodes_get_honest_statuses_within_the_budget(processes: Federation) -> None:
    token = processes.token("FR")
    processes.nodes["DE"].proxy.delay_s = 3.0
    processes.nodes["GR"].proxy.cut_every = 6
    seen: dict[str, set[str]] = {"DE": set(), "GR": set(), "FR": set()}
    answers = []
    for _ in range(12):
        elapsed, answer = await timed_search(processes, token)
        assert_answer_is_honest(answer, elapsed)
        answers.append(answer)
        for country in seen:
            seen[country].add(answer["countries"][country]["status"])
    assert seen["FR"] == {"hit"}
    assert seen["DE"] <= {"timeout", "unavailable"}
    assert "timeout" in seen["DE"]
    assert {"hit", "unavailable"} <= seen["GR"], seen["GR"]
    processes.nodes["DE"].proxy.delay_s = 0
    processes.nodes["GR"].proxy.cut_every = 0
    answers.append(await searches_until(processes.api, PETROV, token, all_hit))
    assert_audited(processes, answers)


@pytest.fixture
async def garbage_opa() -> AsyncIterator[str]:
    """An HTTP server where OPA should be, answering 200 with things that are not decisions."""
    answers = iter(
        [
            b"not json",
            b'{"result": {"refused": "maybe"}}',
            b'{"result": {"policy_revision": "x", "refused": false, "records": {"nope": {}}}}',
        ]
        * 100
    )

    async def decide(request: web.Request) -> web.Response:
        return web.Response(body=next(answers), content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", decide)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"{host}:{port}"
    await runner.cleanup()


async def test_opa_stopped_slow_or_garbage_releases_nothing_and_recovers(
    processes: Federation, garbage_opa: str, opa_binary: Path
) -> None:
    token = processes.token("DE")
    france = processes.nodes["FR"]
    answers = []

    async def expect_policy_unavailable(times: int) -> None:
        for _ in range(times):
            elapsed, answer = await timed_search(processes, token)
            assert_answer_is_honest(answer, elapsed)
            assert answer["countries"]["FR"]["status"] == "policy_unavailable"
            assert answer["countries"]["DE"]["status"] == "hit"
            assert not [r for r in answer["results"] if r["country"] == "FR"]
            answers.append(answer)

    france.opa_proxy.delay_s = 1.0  # the node's OPA budget is 500 ms
    await expect_policy_unavailable(2)
    france.opa_proxy.delay_s = 0
    upstream = f"{france.opa_proxy.upstream_host}:{france.opa_proxy.upstream_port}"
    france.opa_proxy.point_at(garbage_opa)
    await france.opa_proxy.reset()
    await expect_policy_unavailable(3)
    france.opa_proxy.point_at(upstream)
    await france.opa_proxy.reset()
    france.opa.stop()
    await expect_policy_unavailable(2)
    restarted = OpaServer("FR", france.directory / "opa-again", opa_binary=opa_binary).start()
    try:
        france.opa_proxy.point_at(f"127.0.0.1:{restarted.port}")
        answers.append(await searches_until(processes.api, PETROV, token, all_hit))
    finally:
        restarted.stop()
    assert_audited(processes, answers)


async def test_a_locked_store_is_unavailable_then_recovers(processes: Federation) -> None:
    token = processes.token("DE")
    france = processes.nodes["FR"]
    answers = []
    holder = sqlite3.connect(france.store, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('lock-test', '1')")
    try:
        for _ in range(2):
            elapsed, answer = await timed_search(processes, token)
            assert_answer_is_honest(answer, elapsed)
            assert answer["countries"]["FR"]["status"] == "unavailable"
            # The node's own words stay in the operator's log: the investigator gets a code and a fixed message.
            assert answer["countries"]["FR"]["problem"] == "node_unreachable"
            assert "store" not in answer["countries"]["FR"]["message"]
            answers.append(answer)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    answers.append(await searches_until(processes.api, PETROV, token, all_hit))

    assert_audited(processes, answers)


def test_a_node_whose_store_is_unreadable_does_not_start(tmp_path: Path) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1")
    (tmp_path / "records.sqlite").write_bytes(b"this is not a database" * 50)
    result = subprocess.run(
        fedgate_command("node", "serve", "--config", str(config)), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "records.sqlite cannot be opened: file is not a database" in result.stderr


async def test_restarting_the_gateway_finishes_searches_in_flight(processes: Federation) -> None:
    token = processes.token("DE")
    france = processes.nodes["FR"]
    # France's answers are held back on their way to the gateway (per chunk: an answer may take two or three
    # of them), well within the 1.5 s budget.
    france.proxy.delay_s = 0.3
    # Five investigators: a node lets one investigator have only two searches in progress at a time.
    tokens = [processes.token("DE", investigator_id=f"de-investigator-{n}") for n in range(5)]
    audited_before = len(france.audit_entry_ids())
    in_flight = [asyncio.create_task(timed_search(processes, each)) for each in tokens]
    # France has answered all five (each answer is audited before it leaves): they are on their way back now.
    deadline = time.monotonic() + 30
    while len(france.audit_entry_ids()) < audited_before + len(tokens):
        assert time.monotonic() < deadline, "the searches never reached France"
        await asyncio.sleep(0.01)  # polling France's audit log for the entries, not waiting on a guess
    await processes.gateway.stop()
    finished = await asyncio.gather(*in_flight)
    for elapsed, answer in finished:
        assert_answer_is_honest(answer, elapsed)
        assert all_hit(answer), {c: (e["status"], e.get("message")) for c, e in answer["countries"].items()}
    france.proxy.delay_s = 0
    await processes.gateway.start()
    elapsed, answer = await timed_search(processes, token)
    assert all_hit(answer)
    assert_audited(processes, [answer for _, answer in finished] + [answer])


async def test_a_search_that_cannot_be_audited_is_not_answered(fr_node: RunningNode) -> None:
    holder = sqlite3.connect(fr_node.config.audit_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        async with node_client(fr_node.address) as client:
            with pytest.raises(grpc.aio.AioRpcError) as failure:
                await client.Search(search_request({"name": ["Ivan Petrov"]}), timeout=10)
        assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "audit log is unavailable; nothing was released" in (failure.value.details() or "")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    async with node_client(fr_node.address) as client:
        answer = await client.Search(search_request({"name": ["Ivan Petrov"]}), timeout=10)
    assert answer.hits
    report = verify_chain(fr_node.config.audit_path)
    assert report.intact
    assert report.entries == 1
