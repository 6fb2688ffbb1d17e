"""Load against the shared demo federation (tests/conftest.py): 50 investigators for 60 s; no 5xx, nothing
leaked, memory flat."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from fedeval.load import run_load
from tests.conftest import REPO


@pytest.fixture(scope="module")
def demo(shared_demo: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The shared demo (its load investigators are fedeval.load's own, load-0 … load-49)."""
    return shared_demo, shared_demo["pid"]


def assert_flat(rss: dict[str, list[float]]) -> None:
    for name, (start, end) in rss.items():
        assert end <= start * 1.25 + 30, f"{name} grew from {start:.0f} MB to {end:.0f} MB"


async def run_and_check(demo: tuple[dict[str, Any], int], duration_s: float, name: str) -> dict[str, Any]:
    ready, pid = demo
    report = await run_load(ready, pid, investigators=50, duration_s=duration_s)
    summary = report.summary()
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"{name}.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    assert summary["searches"] > 1000
    assert summary["server_errors"] == 0, summary["http_errors"]
    assert summary["http_errors"] == {}, summary["http_errors"]
    assert summary["violations"] == []
    assert summary["latency_ms"]["p99"] < 2500
    assert {"gateway", "node-FR", "node-DE", "node-GR", "node-UA", "node-AE"} <= set(summary["rss_mb_start_end"])
    assert_flat(summary["rss_mb_start_end"])
    return summary


async def test_fifty_investigators_for_a_minute(demo: tuple[dict[str, Any], int]) -> None:
    summary = await run_and_check(demo, 60.0, "load")
    hits = sum(counts.get("hit", 0) for counts in summary["statuses"].values())
    assert hits > 0


@pytest.mark.slow
async def test_soak(demo: tuple[dict[str, Any], int]) -> None:
    await run_and_check(demo, float(os.environ.get("FEDGATE_SOAK_S", "1800")), "soak")
