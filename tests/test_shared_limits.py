"""Rate limits shared by two gateway replicas through a real Redis (Debian's redis-server): exact across replicas;
each replica's share while Redis is stopped or hung, said by /readyz and /metrics; shared again once Redis is
back, without restarting a gateway. (The alert on it is tested by promtool with the others, in test_metrics.)"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.parser import text_string_to_metric_families

from fedcore.config import ConfigError
from fedtools.federation import SharedRateLimits
from fedtools.opa import OpaServer
from fedtools.redis_server import RedisServer, free_port
from gateway.config import load_gateway_config
from gateway.limits import LocalRateLimits, RedisRateLimits
from tests.federation import (
    ApiClient,
    Federation,
    IssuerKeys,
    replica_gateway,
    running_federation,
    write_gateway_config,
)

BODY = {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "terrorism"}
PER_INVESTIGATOR = 4
WINDOW_S = 600  # one token back every 150 s: nothing refills while a test runs
LIMITS = {"rate_limits": {"searches_per_investigator": PER_INVESTIGATOR, "searches_per_country": 1000, "window_s": 600}}
UNREACHABLE = "rate limits: per replica, Redis unreachable"


@dataclass(frozen=True)
class Replica:
    api: ApiClient
    metrics_url: str

    async def search(self, token: str) -> tuple[int, str | None, dict[str, Any]]:
        """Status, Retry-After and body of one search."""
        headers = {"Authorization": f"Bearer {token}"}
        async with self.api.session.post(f"{self.api.base_url}/v1/search", json=BODY, headers=headers) as response:
            return response.status, response.headers.get("Retry-After"), await response.json()

    async def statuses(self, token: str, searches: int) -> list[int]:
        return [(await self.search(token))[0] for _ in range(searches)]

    async def ready(self) -> dict[str, Any]:
        status, ready = await self.api.call("GET", "/readyz")  # checked against the gateway's /openapi.json
        assert status == 200, ready
        return dict(ready)

    async def shared_limits_up(self) -> float | None:
        async with self.api.session.get(self.metrics_url) as response:
            exposition = await response.text()
        for family in text_string_to_metric_families(exposition):
            if family.name == "fedgate_gateway_shared_limits_up":
                return float(family.samples[0].value)
        return None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@contextlib.asynccontextmanager
async def two_replicas(
    work: Path, issuer_keys: IssuerKeys, opa: Callable[[str], OpaServer], redis_url: str
) -> AsyncIterator[tuple[Federation, list[Replica]]]:
    """A federation (one country) whose gateway has a second replica; both share their limits through Redis."""
    shared = SharedRateLimits(redis_url, replicas=2, retry_s=0.1)
    async with (
        running_federation(
            work, issuer_keys, opa, countries=("FR",), gateway_more=LIMITS, shared_limits=shared
        ) as federation,
        replica_gateway(federation, issuer_keys, "gateway-2", gateway_more=LIMITS, shared_limits=shared) as replica,
    ):
        second, api = replica
        assert second.metrics_url is not None
        yield federation, [Replica(federation.api, federation.metrics_url), Replica(api, second.metrics_url)]


async def until_shared(replica: Replica, timeout_s: float = 10.0) -> None:
    """Polls /readyz (each call asks Redis once its retry time has passed) until the limits are shared again."""
    deadline = time.monotonic() + timeout_s
    while (await replica.ready())["rate_limits"] != "shared":
        assert time.monotonic() < deadline, "the gateway did not go back to the shared limits"
        await asyncio.sleep(0.05)  # pacing the polls of /readyz


async def test_two_replicas_on_one_redis_enforce_one_investigators_limit_exactly(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys, redis_server: RedisServer
) -> None:
    async with two_replicas(tmp_path, issuer_keys, shared_opa, redis_server.url) as (federation, replicas):
        alice = federation.token("DE", investigator_id="de-alice")
        # Three on the first replica (more than its share of 2), one on the second.
        assert [(await replicas[i // 3].search(alice))[0] for i in range(PER_INVESTIGATOR)] == [200] * 4
        for replica in replicas:
            status, retry_after, error = await replica.search(alice)
            assert (status, error["error"]["code"]) == (429, "rate_limited")
            assert "4 searches per 600 s per investigator;" in error["error"]["message"]
            assert retry_after is not None
            assert 149 <= int(retry_after) <= 150  # 600 s / 4: the in-memory limiter's answer
        # At once, on both replicas: exactly the limit gets through.
        bob = federation.token("DE", investigator_id="de-bob")
        answers = await asyncio.gather(*(replicas[i % 2].search(bob) for i in range(3 * PER_INVESTIGATOR)))
        assert sorted(status for status, _, _ in answers) == [200] * 4 + [429] * 8
        for replica in replicas:
            assert await replica.shared_limits_up() == 1.0
            ready = await replica.ready()
            assert (ready["rate_limits"], ready["detail"]) == ("shared", [])

        # Redis holds a bucket per investigator and per requesting country, named without the investigator's id,
        # each gone once it would have refilled.
        client = redis.asyncio.Redis.from_url(redis_server.url, decode_responses=True)
        try:
            keys = sorted(key if isinstance(key, str) else key.decode() for key in await client.keys("*"))
            ttls_ms = [await client.pttl(key) for key in keys]
        finally:
            await client.aclose()
        assert len(keys) == 3
        assert keys[0] == "fedgate:rate:v1:country:DE"
        assert all(key.startswith("fedgate:rate:v1:investigator:") for key in keys[1:])
        assert not any("alice" in key or "bob" in key or "de-" in key for key in keys)
        assert all(0 < ttl <= WINDOW_S * 1000 for ttl in ttls_ms)


async def test_redis_stopped_each_replica_keeps_its_share_and_the_shared_limits_come_back(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys, redis_server: RedisServer
) -> None:
    async with two_replicas(tmp_path, issuer_keys, shared_opa, redis_server.url) as (federation, replicas):
        assert (await replicas[0].search(federation.token("DE", investigator_id="de-alice")))[0] == 200
        await asyncio.to_thread(redis_server.stop)

        # Both replicas keep answering, each with half of the investigator's limit: four searches in all.
        carol = federation.token("DE", investigator_id="de-carol")
        for replica in replicas:
            assert await replica.statuses(carol, 2) == [200, 200]
            status, retry_after, error = await replica.search(carol)
            assert status == 429
            assert "2 searches per 600 s per investigator on this gateway replica" in error["error"]["message"]
            assert retry_after is not None
            assert 299 <= int(retry_after) <= 300
            ready = await replica.ready()
            assert (ready["status"], ready["reachable"]) == ("ready", ["FR"])
            assert (ready["rate_limits"], ready["detail"]) == ("per_replica", [UNREACHABLE])
            assert await replica.shared_limits_up() == 0.0

        await asyncio.to_thread(redis_server.start)  # the same port, empty
        for replica in replicas:
            await until_shared(replica)
            assert await replica.shared_limits_up() == 1.0
            assert (await replica.ready())["detail"] == []
        dave = federation.token("DE", investigator_id="de-dave")
        assert await replicas[0].statuses(dave, PER_INVESTIGATOR) == [200] * 4  # beyond a replica's share
        assert (await replicas[1].search(dave))[0] == 429


async def test_a_hung_redis_does_not_stall_searches(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys, redis_server: RedisServer
) -> None:
    async with two_replicas(tmp_path, issuer_keys, shared_opa, redis_server.url) as (federation, replicas):
        erin = federation.token("DE", investigator_id="de-erin")
        assert (await replicas[0].search(erin))[0] == 200
        redis_server.pause()
        started = time.monotonic()
        assert (await replicas[0].search(erin))[0] == 200
        assert time.monotonic() - started < 1.0  # the Redis call gave up after redis_timeout_ms (100 ms)
        assert (await replicas[0].ready())["rate_limits"] == "per_replica"
        assert await replicas[0].shared_limits_up() == 0.0
        redis_server.resume()
        await until_shared(replicas[0])
        frank = federation.token("DE", investigator_id="de-frank")
        assert await replicas[0].statuses(frank, PER_INVESTIGATOR) == [200] * 4
        assert (await replicas[1].search(frank))[0] == 429


async def test_without_redis_the_limits_are_the_gateways_own(federation: Federation) -> None:
    status, ready = await federation.api.call("GET", "/readyz")
    assert status == 200
    assert (ready["rate_limits"], ready["detail"]) == ("in_memory", [])
    async with federation.api.session.get(federation.metrics_url) as response:
        assert "fedgate_gateway_shared_limits_up" not in await response.text()


# --- the limiter itself ---------------------------------------------------------------------------------


async def test_the_redis_bucket_answers_as_the_in_memory_one(
    tmp_path: Path, issuer_keys: IssuerKeys, redis_server: RedisServer
) -> None:
    more = {"rate_limits": {"searches_per_investigator": 2, "searches_per_country": 3, "window_s": 10}}
    config = load_gateway_config(
        write_gateway_config(
            tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, more, shared_limits=SharedRateLimits(redis_server.url)
        )
    )
    assert config.shared_limits is not None
    shared = RedisRateLimits(config, config.shared_limits, Gauge("up", "up", registry=None))
    local = LocalRateLimits(2, 3, 10)
    try:
        for limits, mode in ((shared, "shared"), (local, "in_memory")):
            assert [await limits.admit("idp", "ivan", "DE") for _ in range(2)] == [None, None]
            refusal = await limits.admit("idp", "ivan", "DE")
            assert refusal is not None
            assert (refusal.limit, refusal.allowed, refusal.per_replica) == ("investigator", 2, False)
            assert refusal.retry_after_s == pytest.approx(5.0, abs=0.05)
            assert await limits.admit("idp", "olga", "DE") is None  # the country's third search
            refusal = await limits.admit("idp", "pavel", "DE")
            assert refusal is not None
            assert (refusal.limit, refusal.allowed) == ("country", 3)
            assert refusal.retry_after_s == pytest.approx(10 / 3, abs=0.05)
            assert await limits.mode() == mode
    finally:
        await shared.close()


async def test_an_unreachable_redis_at_start_means_each_replicas_share_at_once(
    tmp_path: Path, issuer_keys: IssuerKeys
) -> None:
    nobody = SharedRateLimits(f"redis://127.0.0.1:{free_port()}/0", replicas=3)
    more = {"rate_limits": {"searches_per_investigator": 7, "searches_per_country": 100}}
    config = load_gateway_config(
        write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, more, shared_limits=nobody)
    )
    assert config.shared_limits is not None
    registry = CollectorRegistry()
    limits = RedisRateLimits(config, config.shared_limits, Gauge("up", "Shared limits up.", registry=registry))
    try:
        assert await limits.mode() == "per_replica"
        assert registry.get_sample_value("up") == 0.0
        assert [await limits.admit("idp", "ivan", "DE") for _ in range(2)] == [None, None]  # 7 // 3
        refusal = await limits.admit("idp", "ivan", "DE")
        assert refusal is not None
        assert (refusal.limit, refusal.allowed, refusal.per_replica) == ("investigator", 2, True)
    finally:
        await limits.close()


@pytest.mark.parametrize(
    ("rate_limits", "message"),
    [
        ({"replicas": 2}, "rate_limits.replicas applies only to limits shared through Redis: set redis_url too"),
        ({"redis_retry_s": 2.0}, "rate_limits.redis_retry_s applies only to limits shared through Redis"),
        ({"redis_url": "http://user:s3cret@redis:6379"}, "rate_limits.redis_url must be a Redis URL"),
        ({"redis_url": "redis://redis:6379/0?socket_timeout=30"}, "rate_limits.redis_url may not set socket_timeout"),
        ({"redis_url": "redis://redis:6379/0", "replicas": 0}, "rate_limits.replicas must be at least 1, got 0"),
    ],
)
def test_bad_shared_limit_settings_name_the_key(
    tmp_path: Path, issuer_keys: IssuerKeys, rate_limits: dict[str, Any], message: str
) -> None:
    path = write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, {"rate_limits": rate_limits})
    with pytest.raises(ConfigError, match=r"gateway\.toml: ") as failure:
        load_gateway_config(path)
    assert message in str(failure.value)
    assert "s3cret" not in str(failure.value)
