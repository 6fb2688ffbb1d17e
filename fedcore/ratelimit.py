"""Token-bucket rate limits by key (investigator, country, requester), kept in memory."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class RateLimiter:
    """At most `limit` acquisitions per `window_s` per key, refilled continuously."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._rate = limit / window_s
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[Hashable, tuple[float, float]] = {}

    def acquire(self, key: Hashable, cost: int = 1) -> float:
        """0 when allowed (and counted); otherwise the seconds until the next acquisition would be allowed.
        `cost`: how many acquisitions this one counts as (a screening batch counts one per query)."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + (now - last) * self._rate)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            if len(self._buckets) > self._max_keys:
                self._forget_idle(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (cost - tokens) / self._rate

    def _forget_idle(self, now: float) -> None:
        """Drops keys whose bucket has refilled completely: they hold no information any more."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self._rate >= self.limit:
                del self._buckets[key]
