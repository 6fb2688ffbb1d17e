"""The gateway's per-node circuit breaker: its states (with an injected clock) and which call outcomes count."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from fedcore.config import ConfigError
from gateway.breaker import CircuitBreaker
from gateway.config import load_gateway_config
from gateway.nodes import breaker_verdict
from tests.federation import IssuerKeys, write_gateway_config


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def open_breaker(clock: FakeClock, failures: int = 3, cooldown_s: float = 10.0) -> CircuitBreaker:
    breaker = CircuitBreaker(failures, cooldown_s, clock=clock)
    for _ in range(failures):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "open"
    return breaker


def state_of(breaker: CircuitBreaker) -> str:
    """The breaker's state read afresh (a type checker would keep an earlier comparison's narrowing)."""
    return breaker.state


def test_it_opens_after_the_configured_failures_in_a_row() -> None:
    breaker = CircuitBreaker(3, 10.0, clock=FakeClock())
    for _ in range(2):
        breaker.record_failure()
    assert breaker.state == "closed"
    assert breaker.allow()
    breaker.record_success()  # a success in between starts the count again
    for _ in range(2):
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert state_of(breaker) == "open"
    assert not breaker.allow()


def test_it_stays_open_for_the_cool_down_then_lets_one_probe_through() -> None:
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow(), "the first call after the cool-down is the probe"
    assert breaker.state == "half_open"
    assert not breaker.allow(), "one probe at a time"
    assert not breaker.allow()


def test_a_successful_probe_closes_it() -> None:
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert all(breaker.allow() for _ in range(5))


def test_a_failed_probe_opens_it_for_another_cool_down() -> None:
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.now += 10
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()


def test_a_probe_without_a_verdict_lets_the_next_call_probe() -> None:
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.now += 10
    assert breaker.allow()
    assert not breaker.allow()
    breaker.release_probe()  # cancelled, or an outcome that says nothing about the node
    assert breaker.state == "half_open"
    assert breaker.allow()
    assert not breaker.allow()


CALLER_CAUSED = [
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.FAILED_PRECONDITION,
]
NODE_OWN = [
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.DATA_LOSS,
    grpc.StatusCode.UNIMPLEMENTED,
]


@pytest.mark.parametrize("code", CALLER_CAUSED, ids=lambda code: code.name)
def test_what_a_caller_can_cause_never_counts(code: grpc.StatusCode) -> None:
    assert breaker_verdict(code, call_timeout_s=5.0, min_deadline_s=1.0) == "neutral"


@pytest.mark.parametrize("code", NODE_OWN, ids=lambda code: code.name)
def test_the_nodes_own_failures_count_whatever_the_deadline(code: grpc.StatusCode) -> None:
    assert breaker_verdict(code, call_timeout_s=0.01, min_deadline_s=1.0) == "failure"


@pytest.mark.parametrize(
    ("call_timeout_s", "verdict"),
    [(0.05, "neutral"), (0.999, "neutral"), (0.0, "neutral"), (1.0, "failure"), (5.0, "failure")],
)
def test_a_missed_deadline_counts_only_when_the_node_was_given_the_minimum(call_timeout_s: float, verdict: str) -> None:
    assert breaker_verdict(grpc.StatusCode.DEADLINE_EXCEEDED, call_timeout_s, min_deadline_s=1.0) == verdict


def test_an_answer_is_a_success() -> None:
    assert breaker_verdict(None, call_timeout_s=0.05, min_deadline_s=1.0) == "success"


def test_the_minimum_deadline_is_configured_for_all_nodes_and_per_node(tmp_path: Path, issuer_keys: IssuerKeys) -> None:
    nodes = {"FR": "127.0.0.1:1", "DE": "127.0.0.1:2"}
    default = load_gateway_config(write_gateway_config(tmp_path / "default", nodes, issuer_keys))
    assert {entry.breaker_min_deadline_ms for entry in default.nodes.values()} == {1000}
    more = {"resilience": {"breaker_min_deadline_ms": 400}, "nodes": {"DE": {"breaker_min_deadline_ms": 2500}}}
    path = write_gateway_config(tmp_path / "set", nodes, issuer_keys, more)
    configured = load_gateway_config(path)
    assert configured.nodes["FR"].breaker_min_deadline_ms == 400
    assert configured.nodes["DE"].breaker_min_deadline_ms == 2500


def test_a_bad_minimum_deadline_names_the_key(tmp_path: Path, issuer_keys: IssuerKeys) -> None:
    more = {"resilience": {"breaker_min_deadline_ms": 0}}
    path = write_gateway_config(tmp_path, {"FR": "127.0.0.1:1"}, issuer_keys, more)
    with pytest.raises(ConfigError, match=r"resilience\.breaker_min_deadline_ms must be at least 1"):
        load_gateway_config(path)
