"""A per-node circuit breaker: a node that keeps failing is skipped at once, then probed after a cool-down."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]
BREAKER_STATES: tuple[BreakerState, ...] = ("closed", "open", "half_open")


class CircuitBreaker:
    def __init__(self, failures_to_open: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures_to_open = failures_to_open
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._state: BreakerState = "closed"
        self._probing = False

    @property
    def state(self) -> BreakerState:
        return self._state

    def allow(self) -> bool:
        """Whether a call may go to the node now; in half-open state only one probe at a time."""
        if self._state == "open" and self._clock() - self._opened_at >= self.cooldown_s:
            self._state = "half_open"
        if self._state == "closed":
            return True
        if self._state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def release_probe(self) -> None:
        """A call ended without a verdict (cancelled): let the next call probe instead."""
        self._probing = False

    def record_success(self) -> None:
        self._failures = 0
        self._probing = False
        self._state = "closed"

    def record_failure(self) -> None:
        self._probing = False
        self._failures += 1
        if self._state == "half_open" or self._failures >= self.failures_to_open:
            self._state = "open"
            self._opened_at = self._clock()
