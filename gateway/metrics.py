"""The gateway's Prometheus metrics, in a registry of its own; every label value comes from a closed set."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram, Info

from fedcore import SOFTWARE_VERSION
from gateway.breaker import BREAKER_STATES

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry, shared_limits: bool = False) -> None:
        self.registry = registry
        self.searches = Counter(
            "fedgate_gateway_searches",
            "Searches answered, by purpose, whether any country had a hit, and whether every country answered.",
            ["purpose", "outcome", "complete"],
            registry=registry,
        )
        self.search_duration = Histogram(
            "fedgate_gateway_search_duration_seconds",
            "Time from a valid search request to its complete answer.",
            ["purpose"],
            buckets=LATENCY_BUCKETS_S,
            registry=registry,
        )
        self.node_call_duration = Histogram(
            "fedgate_gateway_node_call_duration_seconds",
            "Time of one country's part of a search, as the gateway saw it.",
            ["country"],
            buckets=LATENCY_BUCKETS_S,
            registry=registry,
        )
        self.follow_up_calls = Counter(
            "fedgate_gateway_follow_up_calls",
            "Follow-up calls answered by the owning country: filed or status, by country and the state answered "
            "(pending, overdue, released, refused, expired), or failed.",
            ["country", "call", "state"],
            registry=registry,
        )
        self.node_calls = Counter(
            "fedgate_gateway_node_calls",
            "Country answers by status (hit, no_hit, refused, policy_unavailable, timeout, unavailable, error).",
            ["country", "status"],
            registry=registry,
        )
        self.circuit_breaker = Enum(
            "fedgate_gateway_circuit_breaker",
            "Circuit breaker state per country node.",
            ["country"],
            states=list(BREAKER_STATES),
            registry=registry,
        )
        self.searches_in_flight = Gauge(
            "fedgate_gateway_searches_in_flight", "Searches being answered now.", registry=registry
        )
        self.http_requests = Counter(
            "fedgate_gateway_http_requests",
            "HTTP requests by route template, method and status code.",
            ["route", "method", "status"],
            registry=registry,
        )
        self.auth_failures = Counter(
            "fedgate_gateway_auth_failures",
            "Requests refused for want of a valid token, by reason.",
            ["reason"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "fedgate_gateway_rate_limited", "Requests refused by a rate limit, by limit.", ["limit"], registry=registry
        )
        # Exported only by a gateway whose limits are shared through Redis (the alert FedgateSharedRateLimitsDown).
        self.shared_limits_up = Gauge(
            "fedgate_gateway_shared_limits_up",
            "1 while the rate limits shared through Redis answer, 0 while this replica keeps its share in memory.",
            registry=registry if shared_limits else None,
        )
        self.open_connections = Gauge(
            "fedgate_gateway_open_connections",
            "HTTP connections open now, by listener (api, metrics).",
            ["listener"],
            registry=registry,
        )
        self.connections_refused = Counter(
            "fedgate_gateway_connections_refused",
            "HTTP connections refused at once because the listener had max_connections open, by listener.",
            ["listener"],
            registry=registry,
        )
        Info("fedgate_gateway_build", "Software version of this gateway.", registry=registry).info(
            {"version": SOFTWARE_VERSION}
        )
