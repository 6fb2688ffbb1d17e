"""A search's (or a screen's) store work, run in the store's threads as the caller's cancellation and the store's
failures demand: one place for both, so they cannot drift apart."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from fedcore.logs import log_event
from node.errors import abort
from node.search import SearchStopped
from node.store import Store, StoreBusy, StoreError

logger = logging.getLogger("fedgate.node")
T = TypeVar("T")
# How long a cancelled caller's slot is held while its thread stops at the next candidate.
STOP_WAIT_S = 1.0


async def in_store(
    store: Store,
    work: Callable[[threading.Event], T],
    context: grpc.aio.ServicerContext[Any, Any],
    event: str,
    query_id: str,
    *,
    at_once: bool = False,
) -> T:
    """`work(stop)` in a store thread. Cancelled: the thread stops at its next candidate, and the requester's slot
    is held until it has (bounded), so one requester's abandoned searches never pile up in the store's threads.
    The store failing: the call ends UNAVAILABLE/STORE_UNAVAILABLE, logged as `<event>.store_unavailable`.

    `at_once`: one search's reads (bounded by the matching's candidate and posting limits) are first tried on the
    event loop itself where the store allows it (Store.read_at_once); only a locked store sends them to a thread."""
    stop = threading.Event()
    try:
        if at_once and store.reads_at_once:
            try:
                return store.read_at_once(functools.partial(work, stop))
            except StoreBusy:
                pass
        future = asyncio.get_running_loop().run_in_executor(store.executor, work, stop)
        return await _awaited(future, stop, event)
    except StoreError as error:
        log_event(logger, f"{event}.store_unavailable", logging.ERROR, query_id=query_id, problem=str(error))
        await abort(
            context,
            grpc.StatusCode.UNAVAILABLE,
            "STORE_UNAVAILABLE",
            "the node's record store is unavailable; nothing was searched",
        )


async def _awaited(future: asyncio.Future[T], stop: threading.Event, event: str) -> T:
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        stop.set()
        future.add_done_callback(functools.partial(_retrieve, event))
        await asyncio.wait([future], timeout=STOP_WAIT_S)
        raise


def _retrieve(event: str, future: asyncio.Future[Any]) -> None:
    """Collects how an abandoned search's thread ended (SearchStopped, mostly): nobody waits for it any more."""
    if future.cancelled():
        return
    problem = future.exception()
    if problem is not None and not isinstance(problem, SearchStopped):
        log_event(logger, f"{event}.abandoned_failure", logging.WARNING, problem=type(problem).__name__)


__all__ = ["STOP_WAIT_S", "in_store"]
