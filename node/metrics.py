"""The node's Prometheus metrics, in a registry of its own; label values come only from closed sets."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from fedcore import SOFTWARE_VERSION

FAST_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class NodeMetrics:
    def __init__(self, registry: CollectorRegistry, country: str) -> None:
        self.registry = registry
        self.searches = Counter(
            "fedgate_node_searches",
            "Searches answered, by requesting country and outcome (hit, no_hit, refused, policy_unavailable).",
            ["requester_country", "outcome"],
            registry=registry,
        )
        self.rejected_requests = Counter(
            "fedgate_node_rejected_requests",
            "Requests refused before any search: client not allowed, assertion missing/expired/invalid, replay, rate, "
            "too many searches at a time, deadline too short.",
            ["reason"],
            registry=registry,
        )
        self.probe_refusals = Counter(
            "fedgate_node_probe_refusals",
            "Searches refused because the requester tried too many distinct queries against one record (probing).",
            ["requester_country"],
            registry=registry,
        )
        self.searches_in_progress = Gauge(
            "fedgate_node_searches_in_progress",
            "Searches admitted and not yet finished (a cancelled one counts until its work has stopped).",
            registry=registry,
        )
        self.cancelled_searches = Counter(
            "fedgate_node_cancelled_searches",
            "Searches whose caller went away (cancelled, or its deadline passed) before the answer; their work stops.",
            registry=registry,
        )
        self.invalid_requests = Counter(
            "fedgate_node_invalid_requests",
            "Requests refused as INVALID_ARGUMENT before any search.",
            registry=registry,
        )
        self.search_duration = Histogram(
            "fedgate_node_search_duration_seconds",
            "Time to answer a valid search, audit entry included.",
            buckets=FAST_BUCKETS_S,
            registry=registry,
        )
        self.store_lookup_duration = Histogram(
            "fedgate_node_store_lookup_duration_seconds",
            "Time to find and score candidates in the store.",
            buckets=FAST_BUCKETS_S,
            registry=registry,
        )
        self.opa_decision_duration = Histogram(
            "fedgate_node_opa_decision_duration_seconds",
            "Time of the one OPA decision per search, failed ones included.",
            buckets=FAST_BUCKETS_S,
            registry=registry,
        )
        self.opa_failures = Counter(
            "fedgate_node_opa_failures",
            "OPA decisions that could not be used, by kind (unreachable, timeout, error, malformed).",
            ["kind"],
            registry=registry,
        )
        self.records_released = Counter(
            "fedgate_node_records_released",
            "Records that left the node, by disclosure level.",
            ["disclosure"],
            registry=registry,
        )
        self.properties_withheld = Counter(
            "fedgate_node_properties_withheld",
            "Properties of matching records that did not leave the node, by FtM property name and reason.",
            ["property", "reason"],
            registry=registry,
        )
        self.audit_append_duration = Histogram(
            "fedgate_node_audit_append_duration_seconds",
            "Time to commit a search's audit entry.",
            buckets=FAST_BUCKETS_S,
            registry=registry,
        )
        self.policy = Info("fedgate_node_policy", "Revision of the policy that decided last.", registry=registry)
        Info("fedgate_node_build", "Software version and country of this node.", registry=registry).info(
            {"version": SOFTWARE_VERSION, "country": country}
        )
