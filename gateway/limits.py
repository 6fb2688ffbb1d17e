"""The gateway's search rate limits (per investigator, per requesting country): in this process, or shared by every
replica through Redis, with each replica's share kept in memory while Redis is unreachable.

Both are token buckets (fedcore.ratelimit's rule): `limit` searches per `window_s`, refilled continuously, a
search taking one token from the investigator's bucket and then one from its country's, refused at the first
empty one with the time until it holds a token again. In Redis one Lua script (BUCKETS_SCRIPT, one EVALSHA per
search) checks and takes both in that order, atomically, on Redis's clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Literal, Protocol

from prometheus_client import Gauge
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from fedcore.logs import log_event
from fedcore.ratelimit import RateLimiter
from gateway.config import GatewayConfig, SharedLimitsConfig

logger = logging.getLogger("fedgate.gateway")

Limit = Literal["investigator", "country"]
LIMITS: tuple[Limit, ...] = ("investigator", "country")  # the order a search takes its tokens in
# How the limits are kept now: this process's own (one gateway), shared through Redis, or each replica's share.
RateLimitsMode = Literal["in_memory", "shared", "per_replica"]
RATE_LIMITS_MODES: tuple[RateLimitsMode, ...] = ("in_memory", "shared", "per_replica")
REDIS_UNREACHABLE = "rate limits: per replica, Redis unreachable"
KEY_PREFIX = "fedgate:rate:v1:"

# KEYS: the buckets in the order tokens are taken; ARGV: each bucket's limit and window (microseconds), in turn,
# then how many tokens the request takes from each (a screening batch: one per query).
# A bucket is a hash (tokens, at_us); an absent one is full, so each expires once it would have refilled.
# Answers {0, 0} when every bucket gave a token, else {i, microseconds until bucket i holds one}.
BUCKETS_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local cost = tonumber(ARGV[2 * #KEYS + 1])
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i - 1])
  local rate = limit / tonumber(ARGV[2 * i])
  local bucket = redis.call('HMGET', key, 'tokens', 'at_us')
  local tokens = limit
  if bucket[1] then
    tokens = math.min(limit, tonumber(bucket[1]) + math.max(0, now - tonumber(bucket[2])) * rate)
  end
  if tokens < cost then
    return {i, math.ceil((cost - tokens) / rate)}
  end
  tokens = tokens - cost
  redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'at_us', string.format('%.0f', now))
  redis.call('PEXPIRE', key, math.ceil((limit - tokens) / rate / 1000))
end
return {0, 0}
"""


def investigator_key(issuer: str, investigator_id: str) -> str:
    """An investigator's bucket, named by a hash: Redis learns who searches no more than it must."""
    digest = hashlib.sha256(json.dumps([issuer, investigator_id]).encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}investigator:{digest}"


def country_key(country: str) -> str:
    """A requesting country's bucket (a verified token's ISO 3166-1 code: a closed set)."""
    return f"{KEY_PREFIX}country:{country}"


@dataclass(frozen=True)
class Refusal:
    """A search refused by a limit: which one, how many searches per window it allows, when to come back."""

    limit: Limit
    allowed: int
    retry_after_s: float
    per_replica: bool = False  # the replica's share, while the shared limits are unreachable


class RateLimits(Protocol):
    """What the handlers ask of the limits, however they are kept."""

    async def admit(self, issuer: str, investigator_id: str, country: str, cost: int = 1) -> Refusal | None:
        """None when the search may go ahead (and is counted), else why not. `cost`: how many searches the
        request counts as (a screening batch: one per query)."""
        ...

    async def mode(self) -> RateLimitsMode: ...

    async def close(self) -> None: ...


class LocalRateLimits:
    """The limits in this process's memory: a single gateway's, or a replica's share of the shared ones."""

    def __init__(self, per_investigator: int, per_country: int, window_s: float, *, per_replica: bool = False) -> None:
        self._limiters: dict[Limit, RateLimiter] = {
            "investigator": RateLimiter(per_investigator, window_s),
            "country": RateLimiter(per_country, window_s),
        }
        self._per_replica = per_replica

    def take(self, issuer: str, investigator_id: str, country: str, cost: int = 1) -> Refusal | None:
        keys: dict[Limit, Hashable] = {"investigator": (issuer, investigator_id), "country": country}
        for limit in LIMITS:
            limiter, key = self._limiters[limit], keys[limit]
            retry_after_s = limiter.acquire(key, cost)
            if retry_after_s > 0:
                return Refusal(limit, limiter.limit, retry_after_s, self._per_replica)
        return None

    def count(self, issuer: str, investigator_id: str, country: str, cost: int = 1) -> None:
        """Takes a token from both buckets, refusing nothing: a search the shared limits let through on this
        replica, so that its share is already spent in part if Redis becomes unreachable now."""
        self._limiters["investigator"].acquire((issuer, investigator_id), cost)
        self._limiters["country"].acquire(country, cost)

    async def admit(self, issuer: str, investigator_id: str, country: str, cost: int = 1) -> Refusal | None:
        return self.take(issuer, investigator_id, country, cost)

    async def mode(self) -> RateLimitsMode:
        return "in_memory"

    async def close(self) -> None:
        return None


class RedisRateLimits:
    """The limits in Redis, shared by every replica. Each Redis call is bounded by `timeout_s`; a failed one
    (unreachable, timed out, refused) switches this replica to its share of every limit (1/replicas, in memory)
    until a call `retry_s` later succeeds — never open beyond that share, never closed for everyone."""

    def __init__(
        self, config: GatewayConfig, shared: SharedLimitsConfig, up: Gauge, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = shared
        self._allowed: dict[Limit, int] = {
            "investigator": config.searches_per_investigator,
            "country": config.searches_per_country,
        }
        window_us = round(config.rate_window_s * 1_000_000)
        self._arguments = [value for limit in LIMITS for value in (self._allowed[limit], window_us)]
        self._share = LocalRateLimits(
            max(1, config.searches_per_investigator // shared.replicas),
            max(1, config.searches_per_country // shared.replicas),
            config.rate_window_s,
            per_replica=True,
        )
        # No retries inside the client: a failure is answered from the share at once, Redis is tried again later.
        pool = BlockingConnectionPool.from_url(
            shared.redis_url,
            max_connections=shared.max_connections,
            timeout=shared.timeout_s,
            socket_timeout=shared.timeout_s,
            socket_connect_timeout=shared.timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        self._redis = Redis(connection_pool=pool)
        self._script = self._redis.register_script(BUCKETS_SCRIPT)
        self._up = up
        self._clock = clock
        self._shared = True
        self._retry_at = 0.0  # when Redis is tried again, while it is unreachable

    async def admit(self, issuer: str, investigator_id: str, country: str, cost: int = 1) -> Refusal | None:
        if self._due():
            keys = [investigator_key(issuer, investigator_id), country_key(country)]
            try:
                async with asyncio.timeout(self._settings.timeout_s):
                    refused, retry_after_us = await self._script(keys=keys, args=[*self._arguments, cost])
            except (RedisError, OSError, TimeoutError) as error:
                self._unreachable(error)
            else:
                self._reachable()
                if not refused:
                    self._share.count(issuer, investigator_id, country, cost)
                    return None
                limit = LIMITS[int(refused) - 1]
                return Refusal(limit, self._allowed[limit], int(retry_after_us) / 1_000_000)
        return self._share.take(issuer, investigator_id, country, cost)

    async def mode(self) -> RateLimitsMode:
        """Shared or per replica, as Redis answers a PING now (unless it failed less than retry_s ago)."""
        if self._due():
            try:
                async with asyncio.timeout(self._settings.timeout_s):
                    await self._redis.ping()
            except (RedisError, OSError, TimeoutError) as error:
                self._unreachable(error)
            else:
                self._reachable()
        return "shared" if self._shared else "per_replica"

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)

    def _due(self) -> bool:
        """Whether to call Redis now: always while it answers; after a failure, once per retry_s — that call
        tries it, the searches meanwhile keep to this replica's share."""
        if self._shared:
            return True
        now = self._clock()
        if now < self._retry_at:
            return False
        self._retry_at = now + self._settings.retry_s
        return True

    def _unreachable(self, error: BaseException) -> None:
        self._retry_at = self._clock() + self._settings.retry_s
        self._up.set(0)
        if self._shared:
            self._shared = False
            # The error's kind only: its text could carry the URL, and with it a password.
            log_event(logger, "rate_limits.per_replica", logging.WARNING, error=type(error).__name__)

    def _reachable(self) -> None:
        self._up.set(1)
        if not self._shared:
            self._shared = True
            log_event(logger, "rate_limits.shared")


def rate_limits(config: GatewayConfig, shared_limits_up: Gauge) -> RateLimits:
    """The limits the configuration asks for: shared through Redis when it names one, else in memory."""
    if config.shared_limits is None:
        return LocalRateLimits(config.searches_per_investigator, config.searches_per_country, config.rate_window_s)
    return RedisRateLimits(config, config.shared_limits, shared_limits_up)
