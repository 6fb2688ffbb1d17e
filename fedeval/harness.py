"""Measuring: latency percentiles at a fixed concurrency, sustained throughput, CPU seconds of processes."""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
import psutil

from fedcore import SOFTWARE_VERSION
from fedtools.opa import OPA_VERSION

Call = Callable[[], Awaitable[None]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class Measured:
    searches: int
    seconds: float
    latencies_ms: list[float]
    cpu_s: float

    @property
    def p50_ms(self) -> float:
        return round(percentile(self.latencies_ms, 0.5), 2)

    @property
    def p99_ms(self) -> float:
        return round(percentile(self.latencies_ms, 0.99), 2)

    @property
    def per_s(self) -> float:
        return round(self.searches / self.seconds, 1)

    @property
    def cpu_ms_per_search(self) -> float:
        return round(self.cpu_s / max(self.searches, 1) * 1000, 2)


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def measure(
    call: Call, *, concurrency: int, count: int | None = None, duration_s: float | None = None, pids: list[int]
) -> Measured:
    """Runs `call` from `concurrency` workers, for `count` calls or `duration_s` seconds."""
    latencies: list[float] = []
    deadline = time.monotonic() + duration_s if duration_s is not None else None
    remaining = [count if count is not None else 0]

    async def worker() -> None:
        while True:
            if deadline is not None:
                if time.monotonic() >= deadline:
                    return
            else:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    cpu_before = cpu_seconds(pids)
    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.monotonic() - started
    return Measured(len(latencies), seconds, latencies, cpu_seconds(pids) - cpu_before)


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    return {"fedgate": SOFTWARE_VERSION, "opa": OPA_VERSION, "grpcio": grpc.__version__}
