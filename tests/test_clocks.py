"""The rate limiter and the replay guard against a fake clock: window boundaries, retry-after values, expiry, memory.

The probe budget takes `now` on every call and is tested the same way in tests/test_probing.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fedcore.ratelimit import RateLimiter
from node.admission import ReplayGuard


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


# Rate limiter: a token bucket of `limit` tokens refilled at limit / window_s per second.


def test_a_fresh_key_gets_its_whole_limit_at_once_and_the_next_is_refused() -> None:
    limiter = RateLimiter(limit=3, window_s=60.0, clock=FakeClock())
    assert [limiter.acquire("ivan") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("ivan") == pytest.approx(20.0)  # one token comes back every 60 / 3 s


def test_retry_after_shrinks_as_the_bucket_refills() -> None:
    clock = FakeClock()
    limiter = RateLimiter(limit=3, window_s=60.0, clock=clock)
    for _ in range(3):
        limiter.acquire("ivan")
    clock.advance(5.0)
    assert limiter.acquire("ivan") == pytest.approx(15.0)
    clock.advance(14.0)
    assert limiter.acquire("ivan") == pytest.approx(1.0)


def test_a_refused_acquisition_spends_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(limit=2, window_s=10.0, clock=clock)
    limiter.acquire("ivan")
    limiter.acquire("ivan")
    for _ in range(5):
        assert limiter.acquire("ivan") > 0
    clock.advance(5.0)
    assert limiter.acquire("ivan") == 0.0


def test_the_acquisition_is_allowed_exactly_when_retry_after_has_passed() -> None:
    clock = FakeClock()
    limiter = RateLimiter(limit=4, window_s=2.0, clock=clock)
    for _ in range(4):
        limiter.acquire("ivan")
    retry_after_s = limiter.acquire("ivan")
    assert retry_after_s == pytest.approx(0.5)
    clock.advance(retry_after_s * 0.99)
    assert limiter.acquire("ivan") > 0
    clock.advance(retry_after_s * 0.01)
    assert limiter.acquire("ivan") == 0.0


def test_an_idle_key_never_saves_up_more_than_its_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(limit=3, window_s=60.0, clock=clock)
    limiter.acquire("ivan")
    clock.advance(3600.0)
    assert [limiter.acquire("ivan") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("ivan") == pytest.approx(20.0)


def test_keys_have_buckets_of_their_own() -> None:
    limiter = RateLimiter(limit=1, window_s=60.0, clock=FakeClock())
    assert limiter.acquire(("FR", "ivan")) == 0.0
    assert limiter.acquire(("FR", "ivan")) > 0
    assert limiter.acquire(("FR", "olga")) == 0.0
    assert limiter.acquire(("DE", "ivan")) == 0.0


def test_beyond_max_keys_the_keys_whose_bucket_has_refilled_are_forgotten() -> None:
    clock = FakeClock()
    limiter = RateLimiter(limit=2, window_s=10.0, clock=clock, max_keys=100)
    for n in range(100):
        limiter.acquire(f"idle-{n}")
    clock.advance(10.0)  # every one of them has refilled completely
    limiter.acquire("busy")
    limiter.acquire("busy")
    limiter.acquire("new")
    assert set(limiter._buckets) == {"busy", "new"}  # memory is the point here: no public view of it


def test_forgetting_an_idle_key_changes_nothing_it_is_allowed() -> None:
    clock = FakeClock()
    limiter = RateLimiter(limit=2, window_s=10.0, clock=clock, max_keys=1)
    limiter.acquire("ivan")
    clock.advance(10.0)
    limiter.acquire("olga")  # over max_keys: ivan, refilled, is forgotten
    assert "ivan" not in limiter._buckets
    assert [limiter.acquire("ivan") for _ in range(2)] == [0.0, 0.0]
    assert limiter.acquire("ivan") == pytest.approx(5.0)


def test_keys_still_refilling_are_kept_even_beyond_max_keys() -> None:
    # Forgetting one would hand its requester a full bucket early.
    limiter = RateLimiter(limit=1, window_s=60.0, clock=FakeClock(), max_keys=10)
    for n in range(20):
        limiter.acquire(f"requester-{n}")
    assert len(limiter._buckets) == 20
    assert all(limiter.acquire(f"requester-{n}") > 0 for n in range(20))


# Replay guard: a query id answered once is refused for `window_s`.


def test_a_query_id_is_claimed_once_within_the_window() -> None:
    guard = ReplayGuard(window_s=600.0)
    assert guard.claim("q-1", now=1000.0)
    assert not guard.claim("q-1", now=1000.0)
    assert not guard.claim("q-1", now=1599.9)
    assert guard.claim("q-2", now=1599.9)


def test_a_query_id_is_usable_again_exactly_when_its_window_ends() -> None:
    guard = ReplayGuard(window_s=600.0)
    guard.claim("q-1", now=1000.0)
    assert not guard.claim("q-1", now=1599.999)
    assert guard.claim("q-1", now=1600.0)


def test_a_refused_replay_does_not_extend_the_window() -> None:
    guard = ReplayGuard(window_s=600.0)
    guard.claim("q-1", now=1000.0)
    assert not guard.claim("q-1", now=1500.0)
    assert guard.claim("q-1", now=1600.0)


def test_query_ids_answered_before_a_restart_stay_refused_for_the_rest_of_their_window() -> None:
    guard = ReplayGuard(window_s=600.0)
    wall_now = datetime.now(UTC)
    guard.seed(
        [
            ("answered-100-s-ago", (wall_now - timedelta(seconds=100)).isoformat()),
            ("answered-700-s-ago", (wall_now - timedelta(seconds=700)).isoformat()),
        ],
        now=50.0,
    )
    assert guard.claim("answered-700-s-ago", now=50.0)
    assert not guard.claim("answered-100-s-ago", now=50.0)
    assert not guard.claim("answered-100-s-ago", now=50.0 + 490.0)  # 10 s of its window left (less wall drift)
    assert guard.claim("answered-100-s-ago", now=50.0 + 510.0)


def test_beyond_ten_thousand_query_ids_the_expired_ones_are_forgotten() -> None:
    guard = ReplayGuard(window_s=600.0)
    for n in range(10_001):
        guard.claim(f"old-{n}", now=0.0)
    guard.claim("recent", now=500.0)
    guard.claim("new", now=700.0)  # the old ones expired at 600
    assert set(guard._until) == {"recent", "new"}  # memory is the point here: no public view of it
    assert not guard.claim("recent", now=700.0)
