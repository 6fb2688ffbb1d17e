"""A node stops the work of a search whose caller went away, refuses deadlines too short to search, and lets
one requester have only a few searches in progress at a time."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from fedeval.netfaults import DelayProxy
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.audit import verify_chain
from node.search import SearchStopped, find_candidates
from node.server import RunningNode
from node.store import STORE_THREADS, Store
from tests.conftest import NodeFactory, node_client, search_request, sign
from tests.federation import write_node_config

PETROV = {"name": ["Ivan Petrov"]}
# The longest the node may take to notice that a caller went away and stop (far less than the slow OPA's delay).
STOP_BOUND_S = 0.8


@pytest.fixture
async def opa_link(opa_fr: OpaServer) -> AsyncIterator[DelayProxy]:
    """France's OPA behind a proxy a test can slow down: the node is then busy waiting for its decision."""
    proxy = await DelayProxy(opa_fr.url.removeprefix("http://")).start()
    yield proxy
    await proxy.stop()


async def slow_policy_node(
    node_factory: NodeFactory, opa_link: DelayProxy, more: dict[str, Any] | None = None
) -> RunningNode:
    return await node_factory("FR", f"http://{opa_link.address}", more=more)


def as_investigator(investigator_id: str, properties: dict[str, list[str]] = PETROV) -> pb.SearchRequest:
    request = search_request(properties, to_country=None)
    request.requester.investigator_id = investigator_id
    return sign(request)


def in_background(call: Awaitable[pb.SearchResponse]) -> asyncio.Task[pb.SearchResponse]:
    async def wait() -> pb.SearchResponse:
        return await call

    return asyncio.create_task(wait())


def metric(node: RunningNode, name: str, labels: dict[str, str] | None = None) -> float:
    return node.metrics.registry.get_sample_value(name, labels or {}) or 0.0


async def wait_until(condition: Callable[[], bool], bound_s: float, what: str) -> None:
    """Waits (at most bound_s) for a state the node reports in its metrics: polling, not timing."""
    deadline = time.monotonic() + bound_s
    for _ in range(100_000):
        if condition():
            return
        assert time.monotonic() < deadline, f"the node never reported {what} within {bound_s} s"
        await asyncio.sleep(0.01)


@contextlib.contextmanager
def store_threads_busy(node: RunningNode) -> Iterator[threading.Event]:
    """Every store thread of the node held by other work, and the store file locked, until the event is set: the
    node is busy (a locked store sends a search to the store threads instead of reading it at once)."""
    release = threading.Event()
    locked = threading.Event()

    assert isinstance(node.store.path, Path)
    path = node.store.path

    def hold_lock() -> None:
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("PRAGMA locking_mode = EXCLUSIVE")
            holder.execute("BEGIN EXCLUSIVE")
            holder.execute("INSERT OR REPLACE INTO meta VALUES ('busy-test', '1')")
            locked.set()
            release.wait(10)
            holder.execute("ROLLBACK")
        finally:
            holder.close()

    lock_holder = threading.Thread(target=hold_lock)
    lock_holder.start()
    assert locked.wait(10), "the store could not be locked"
    held = [node.store.executor.submit(release.wait, 10) for _ in range(STORE_THREADS)]
    try:
        yield release
    finally:
        release.set()
        concurrent.futures.wait(held, timeout=10)
        lock_holder.join(10)


def audited_search_ids(audit_path: Path) -> set[str]:
    connection = sqlite3.connect(f"file:{audit_path}?mode=ro", uri=True)
    try:
        return {query_id for (query_id,) in connection.execute("SELECT query_id FROM entries WHERE kind = 'search'")}
    finally:
        connection.close()


@contextlib.contextmanager
def store_locked(node: RunningNode) -> Iterator[threading.Event]:
    """The store file locked by another connection until the event is set."""
    assert isinstance(node.store.path, Path)
    holder = sqlite3.connect(node.store.path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('busy-test', '1')")
    release = threading.Event()

    def unlock() -> None:
        release.wait(10)
        holder.execute("ROLLBACK")
        holder.close()

    unlocking = threading.Thread(target=unlock)
    unlocking.start()
    try:
        yield release
    finally:
        release.set()
        unlocking.join(10)


async def test_a_search_on_a_briefly_locked_store_waits_for_it_in_a_store_thread_and_answers(
    fr_node: RunningNode,
) -> None:
    """A search reads the store on the event loop only while nothing locks it; locked, it waits (up to the busy
    timeout) in a store thread instead of being refused."""
    request = as_investigator("inv-b")
    async with node_client(fr_node.address) as client:
        with store_locked(fr_node) as release:
            call = in_background(client.Search(request, timeout=3))
            await wait_until(lambda: metric(fr_node, "fedgate_node_searches_in_progress") == 1, 2, "the search")
            release.set()
            answer = await call
    assert answer.outcome == pb.SEARCH_OUTCOME_HIT
    assert answer.query_id in audited_search_ids(fr_node.config.audit_path)


async def test_a_search_whose_deadline_passes_while_the_node_is_busy_is_dropped_and_not_audited(
    fr_node: RunningNode,
) -> None:
    abandoned = as_investigator("inv-a")
    async with node_client(fr_node.address) as client:
        with store_threads_busy(fr_node) as release:
            call = in_background(client.Search(abandoned, timeout=0.3))
            await wait_until(lambda: metric(fr_node, "fedgate_node_searches_in_progress") == 1, 2, "the search")
            with pytest.raises(grpc.aio.AioRpcError) as failure:
                await call
            assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            release.set()
        # The store thread that picks the search up finds it stopped and does nothing; the slot comes back.
        await wait_until(lambda: metric(fr_node, "fedgate_node_searches_in_progress") == 0, STOP_BOUND_S, "it done")
        assert metric(fr_node, "fedgate_node_cancelled_searches_total") == 1
        assert abandoned.query_id not in audited_search_ids(fr_node.config.audit_path)

        started = time.monotonic()
        answer = await client.Search(as_investigator("inv-a"), timeout=2)
        assert time.monotonic() - started < 1.0
    assert answer.outcome == pb.SEARCH_OUTCOME_HIT
    assert answer.query_id in audited_search_ids(fr_node.config.audit_path)
    assert verify_chain(fr_node.config.audit_path).intact


async def test_a_cancelled_call_stops_waiting_for_the_policy(node_factory: NodeFactory, opa_link: DelayProxy) -> None:
    node = await slow_policy_node(node_factory, opa_link)
    opa_link.delay_s = 3.0  # the node's OPA budget in the tests is 2 s
    abandoned = as_investigator("inv-a")
    async with node_client(node.address) as client:
        call = in_background(client.Search(abandoned, timeout=5))
        await wait_until(lambda: metric(node, "fedgate_node_searches_in_progress") == 1, 2, "the search")
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        # It does not sit out the policy's 2 s for a caller that is gone.
        await wait_until(lambda: metric(node, "fedgate_node_searches_in_progress") == 0, STOP_BOUND_S, "it done")
    assert metric(node, "fedgate_node_cancelled_searches_total") == 1
    assert abandoned.query_id not in audited_search_ids(node.config.audit_path)


async def test_a_deadline_too_short_to_search_is_refused_at_once(
    node_factory: NodeFactory, opa_link: DelayProxy
) -> None:
    node = await slow_policy_node(node_factory, opa_link, {"limits": {"min_search_deadline_ms": 500}})
    request = as_investigator("inv-a")
    async with node_client(node.address) as client:
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await client.Search(request, timeout=0.4)
        elapsed = time.monotonic() - started
    assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "less than 500 ms, too little to search" in (failure.value.details() or "")
    assert elapsed < 0.3, "refused before any work, not after the deadline"
    assert metric(node, "fedgate_node_rejected_requests_total", {"reason": "deadline_too_short"}) == 1
    assert request.query_id not in audited_search_ids(node.config.audit_path)


async def test_one_requester_has_at_most_two_searches_in_progress_others_are_not_held_back(
    node_factory: NodeFactory, opa_link: DelayProxy
) -> None:
    node = await slow_policy_node(node_factory, opa_link)
    opa_link.delay_s = 0.5
    async with node_client(node.address) as client:
        first = [in_background(client.Search(as_investigator("inv-a"), timeout=5)) for _ in range(2)]
        await wait_until(lambda: metric(node, "fedgate_node_searches_in_progress") == 2, 2, "two searches")
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await client.Search(as_investigator("inv-a"), timeout=5)
        assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "at most 2 searches at a time per requester" in (failure.value.details() or "")
        # Another investigator is not refused while the first one's searches are in progress.
        other = await client.Search(as_investigator("inv-b"), timeout=5)
        assert other.outcome == pb.SEARCH_OUTCOME_HIT
        answers = await asyncio.gather(*first)
        assert {answer.outcome for answer in answers} == {pb.SEARCH_OUTCOME_HIT}
        # Slots come back when searches end.
        again = await client.Search(as_investigator("inv-a"), timeout=5)
    assert again.outcome == pb.SEARCH_OUTCOME_HIT
    assert metric(node, "fedgate_node_rejected_requests_total", {"reason": "too_many_concurrent"}) == 1
    assert metric(node, "fedgate_node_searches_in_progress") == 0


async def test_the_store_thread_stops_once_told(fr_node: RunningNode) -> None:
    from fedcore.query import validate_query

    store = Store(fr_node.config.store_path)
    try:
        query = validate_query("Person", PETROV)
        assert find_candidates(store, query, 10, fr_node.config.matching).candidates
        stop = threading.Event()
        stop.set()
        with pytest.raises(SearchStopped):
            find_candidates(store, query, 10, fr_node.config.matching, stop)
    finally:
        store.close()


def test_a_requester_may_not_hold_every_store_thread(tmp_path: Path) -> None:
    from fedcore.config import ConfigError
    from node.config import load_node_config

    limits = {"limits": {"concurrent_searches_per_requester": 4}}
    path = write_node_config(tmp_path, "FR", "http://127.0.0.1:8181", limits)
    with pytest.raises(ConfigError, match=r"limits\.concurrent_searches_per_requester must be at most 3"):
        load_node_config(path)
