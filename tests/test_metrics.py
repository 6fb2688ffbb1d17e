"""Operators see the federation: a real Prometheus scrapes a real gateway and nodes, with fedgate's rules."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from fedtools.opa import OpaServer
from fedtools.prometheus import DEPLOY_DIR, PrometheusServer
from tests.conftest import REPO
from tests.federation import IssuerKeys, running_federation
from tests.samples import SECRET_VALUES

PETROV = {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}}
DASHBOARD = REPO / "deploy" / "grafana" / "fedgate-dashboard.json"
RULE_FILES = [DEPLOY_DIR / "rules" / "recording.yml", DEPLOY_DIR / "rules" / "alerts.yml"]


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], input=stdin, capture_output=True, text=True, timeout=120)


def expressions() -> list[str]:
    """Every PromQL expression of the rules and of the dashboard's panels."""
    found: list[str] = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            found.extend(rule["expr"] for rule in group["rules"])
    dashboard = json.loads(DASHBOARD.read_text())
    found.extend(target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", []))
    return found


def as_query(expression: str) -> str:
    """Grafana's variables as a user would see them: every country, a one-minute rate window."""
    return expression.replace("$country", ".*").replace("$__rate_interval", "1m")


async def wait_for(
    prometheus: PrometheusServer, condition: Callable[[], bool], what: str, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, f"Prometheus never showed {what}"
        await asyncio.sleep(0.5)  # polling Prometheus's API, not synchronisation by time


def vector(prometheus: PrometheusServer, expression: str) -> dict[str, float]:
    answer = prometheus.query(expression)
    assert answer["status"] == "success", answer
    return {json.dumps(item["metric"], sort_keys=True): float(item["value"][1]) for item in answer["data"]["result"]}


def by_country(prometheus: PrometheusServer, expression: str) -> dict[str, float]:
    answer = prometheus.query(expression)
    return {item["metric"].get("country", ""): float(item["value"][1]) for item in answer["data"]["result"]}


async def test_prometheus_sees_latency_refusals_and_a_node_going_down(
    tmp_path: Path, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> None:
    metrics = {"metrics": {"listen": "127.0.0.1:0"}}
    async with running_federation(tmp_path, issuer_keys, shared_opa, node_more=metrics) as federation:
        gateway_target = federation.metrics_url.removeprefix("http://").removesuffix("/metrics")
        node_targets = {c: node.metrics_url.removeprefix("http://").removesuffix("/metrics")  # type: ignore[union-attr]
                        for c, node in federation.nodes.items()}  # fmt: skip
        with PrometheusServer(tmp_path / "prom", [gateway_target], node_targets, interval_s=1) as prometheus:
            released: set[str] = set()
            for _ in range(3):
                status, answer = await federation.api.search({**PETROV, "purpose": "terrorism"}, federation.token("FR"))
                assert status == 200
                released |= {v for r in answer["results"] for values in r["properties"].values() for v in values}
                # The Emirates are refused by Germany (not trusted) and by Greece (purpose not accepted).
                status, answer = await federation.api.search({**PETROV, "purpose": "terrorism"}, federation.token("AE"))
                assert {c: e["status"] for c, e in answer["countries"].items()} == {
                    "FR": "hit",
                    "DE": "refused",
                    "GR": "refused",
                }

            await wait_for(
                prometheus,
                lambda: (
                    by_country(prometheus, "sum by (country) (fedgate_gateway_node_call_duration_seconds_count)")
                    == {"FR": 6.0, "DE": 6.0, "GR": 6.0}
                ),
                "six node calls per country",
            )
            buckets = vector(prometheus, 'fedgate_gateway_node_call_duration_seconds_bucket{country="FR"}')
            assert len(buckets) >= 10
            assert max(buckets.values()) == 6.0
            p99 = by_country(
                prometheus,
                "histogram_quantile(0.99, sum by (country, le) (fedgate_gateway_node_call_duration_seconds_bucket))",
            )
            assert set(p99) == {"FR", "DE", "GR"}
            assert all(0 < value < 5 for value in p99.values())
            refusals = by_country(prometheus, 'sum by (country) (fedgate_gateway_node_calls_total{status="refused"})')
            assert refusals == {"DE": 3.0, "GR": 3.0}
            await wait_for(
                prometheus,
                lambda: (
                    by_country(prometheus, 'fedgate_node_searches_total{outcome="refused", requester_country="AE"}')
                    == {"DE": 3.0, "GR": 3.0}
                ),
                "the nodes' own refusal counts",
            )

            for expression in expressions():
                answer = prometheus.query(as_query(expression))
                assert answer["status"] == "success", f"{expression}: {answer.get('error')}"

            async with aiohttp.ClientSession() as session:
                for url in (federation.metrics_url, federation.nodes["FR"].metrics_url):
                    async with session.get(url) as response:  # type: ignore[arg-type]
                        exposition = await response.text()
                    check = promtool("check", "metrics", stdin=exposition)
                    assert check.returncode == 0, check.stdout + check.stderr
                    assert check.stdout + check.stderr == ""
                    leaked = [value for value in {*released, *SECRET_VALUES} if len(value) >= 4 and value in exposition]
                    assert leaked == [], f"{url} exposes record content: {leaked}"

            await federation.nodes["GR"].stop(0)

            def node_down_fires() -> bool:
                alerts = prometheus.get("/api/v1/alerts")["data"]["alerts"]
                return any(
                    a["labels"].get("alertname") == "FedgateNodeDown"
                    and a["labels"].get("country") == "GR"
                    and a["state"] == "firing"
                    for a in alerts
                )

            await wait_for(prometheus, node_down_fires, "FedgateNodeDown firing for GR", timeout_s=90)
            firing = {
                a["labels"]["country"]
                for a in prometheus.get("/api/v1/alerts")["data"]["alerts"]
                if a["state"] == "firing"
            }
            assert firing == {"GR"}


def test_rules_and_configuration_pass_promtool() -> None:
    config = promtool("check", "config", "--lint=all", str(DEPLOY_DIR / "prometheus.yml"))
    assert config.returncode == 0, config.stdout + config.stderr
    rules = promtool("check", "rules", *map(str, RULE_FILES))
    assert rules.returncode == 0, rules.stdout + rules.stderr
    tests = promtool("test", "rules", str(DEPLOY_DIR / "rules" / "alerts_test.yml"))
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_every_alert_has_a_unit_test() -> None:
    alerts = {rule["alert"] for group in yaml.safe_load(RULE_FILES[1].read_text())["groups"] for rule in group["rules"]}
    tested = set(re.findall(r"alertname: (\w+)", (DEPLOY_DIR / "rules" / "alerts_test.yml").read_text()))
    assert alerts == tested
    assert {"FedgateNodeDown", "FedgateCountryTimingOut", "FedgateOpaFailing", "FedgateErrorRatioHigh",
            "FedgateSearchLatencyOverBudget", "FedgateCountryRefusesEverything"} <= alerts  # fmt: skip


def test_dashboard_has_overview_country_and_policy_panels() -> None:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    rows = [panel["title"] for panel in dashboard["panels"] if panel["type"] == "row"]
    assert rows == ["Federation overview", "Countries", "Policy"]
    exprs = " ".join(expressions())
    for metric in (
        "fedgate_node_properties_withheld_total",
        "fedgate_gateway_node_calls_total",
        "fedgate_node_opa_failures_total",
    ):
        assert metric in exprs
    assert len(dashboard["panels"]) >= 20
