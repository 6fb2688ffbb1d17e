"""fedgate_follow_ups{requester_country, state}: the follow-ups in the node's queue by requesting country and state
(overdue: pending past its due time), read from the queue at each scrape, so that every node process of a country
shows the same figures; Prometheus adds the owning `country` of the node target. Labels from closed sets: country
codes and the contract's follow-up states."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from fedcore.vocabulary import FOLLOW_UP_STATES, is_country_code
from node.followups.queue import FollowUpQueue, QueueError, now_utc
from node.pgsql import Location

NAME = "fedgate_follow_ups"
HELP = "Follow-ups in this node's queue, by requesting country and state (overdue: pending past its due time)."


class FollowUpCollector(Collector):
    def __init__(self, location: Location, country: str) -> None:
        self.location = location
        self.country = country
        self._queue: FollowUpQueue | None = None
        self._lock = threading.Lock()

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(NAME, HELP, labels=["requester_country", "state"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(NAME, HELP, labels=["requester_country", "state"])
        with self._lock:
            try:
                if self._queue is None:
                    self._queue = FollowUpQueue(self.location)
                counts = self._queue.counts(now_utc())
            except QueueError:
                # A scrape that cannot read the queue shows no figures rather than stale ones.
                self.close_queue()
                counts = {}
        for (country, state), count in sorted(counts.items()):
            if is_country_code(country) and state in FOLLOW_UP_STATES:
                family.add_metric([country, state], count)
        yield family

    def close_queue(self) -> None:
        if self._queue is not None:
            self._queue.close()
            self._queue = None
