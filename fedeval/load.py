"""Bounded load against a running federation: N investigators searching concurrently for D seconds.

    python -m fedeval.load --ready-file demo-ready.json --investigators 50 --duration 60

Each investigator has a token of their own (minted with the demo's issuer key) and searches, thinks
for a moment, searches again. Every answer is checked: no 5xx, statuses from the closed set, no
property both released and withheld, nothing released in a hit-only result. The RSS of every process
of the federation is read after warm-up and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from fedcli.synthetic import PERSONS_OF_INTEREST
from fedeval.harness import percentile
from gateway.auth import issue_token
from gateway.config import load_gateway_config

STATUSES = {"hit", "no_hit", "refused", "policy_unavailable", "timeout", "unavailable", "rate_limited", "error"}
PURPOSES = ["terrorism", "fugitive", "drug_trafficking", "organised_crime"]
UNKNOWN_NAMES = ["Zorvak Quinnel", "Bryxa Tolmund", "Wexley Ulmgard", "Fyrra Skolbeck", "Pimdal Gadrun"]


@dataclass
class LoadReport:
    investigators: int
    duration_s: float
    searches: int = 0
    http_errors: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    rss_mb: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.http_errors.items() if status.startswith("5"))

    def summary(self) -> dict[str, Any]:
        def pct(share: float) -> float:
            return round(percentile(self.latencies_ms, share), 1)

        return {
            "investigators": self.investigators,
            "duration_s": self.duration_s,
            "searches": self.searches,
            "searches_per_s": round(self.searches / self.duration_s, 1),
            "http_errors": self.http_errors,
            "server_errors": self.server_errors,
            "violations": self.violations[:20],
            "latency_ms": {
                "p50": pct(0.5),
                "p99": pct(0.99),
                "max": pct(1.0),
                "mean": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else 0.0,
            },
            "statuses": self.statuses,
            "rss_mb_start_end": {name: [round(a, 1), round(b, 1)] for name, (a, b) in sorted(self.rss_mb.items())},
        }


def check_answer(answer: dict[str, Any]) -> list[str]:
    """Invariants every answer keeps, whatever the load: what a violation would look like, in words."""
    problems = []
    for country, entry in answer["countries"].items():
        if entry["status"] not in STATUSES:
            problems.append(f"{country}: unknown status {entry['status']!r}")
        released = [r for r in answer["results"] if r["country"] == country]
        if entry["status"] != "hit" and released:
            problems.append(f"{country}: results although its status is {entry['status']}")
    for result in answer["results"]:
        both = set(result["properties"]) & set(result["withheld"])
        if both:
            problems.append(f"{result['country']}: {sorted(both)} both released and withheld")
        if result["disclosure"] == "hit_only" and result["properties"]:
            problems.append(f"{result['country']}: a hit-only result releases properties")
    return problems


def federation_processes(root_pid: int) -> dict[str, psutil.Process]:
    """The demo's children by role: gateway, node-XX, opa-N."""
    named: dict[str, psutil.Process] = {}
    opa = 0
    for child in psutil.Process(root_pid).children(recursive=True):
        command = " ".join(child.cmdline())
        if "gateway serve" in command:
            named["gateway"] = child
        elif "node serve" in command:
            country = command.split("/nodes/")[1][:2].upper() if "/nodes/" in command else str(child.pid)
            named[f"node-{country}"] = child
        elif "opa" in child.name():
            opa += 1
            named[f"opa-{opa}"] = child
    return named


def rss_mb(processes: dict[str, psutil.Process]) -> dict[str, float]:
    return {name: process.memory_info().rss / 2**20 for name, process in processes.items() if process.is_running()}


def mint_tokens(ready: dict[str, Any], investigators: int) -> list[str]:
    config = load_gateway_config(Path(ready["work_dir"]) / "gateway" / "gateway.toml")
    issuer = config.issuers["fedgate-demo"]
    countries = ready["countries"]
    return [
        issue_token(
            issuer,
            config.audience,
            investigator_id=f"load-{n}",
            country=countries[n % len(countries)],
            agency="load test",
            clearance="confidential",
            purposes=PURPOSES,
            ttl_s=3600,
        )
        for n in range(investigators)
    ]


async def investigator(
    session: aiohttp.ClientSession, url: str, token: str, deadline: float, rng: random.Random, report: LoadReport
) -> None:
    while time.monotonic() < deadline:
        if rng.random() < 0.7:
            person = rng.choice(PERSONS_OF_INTEREST)
            name = rng.choice(list(person.names.values()))
        else:
            name = rng.choice(UNKNOWN_NAMES)
        body = {"schema": "Person", "properties": {"name": [name]}, "purpose": rng.choice(PURPOSES)}
        started = time.monotonic()
        async with session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as response:
            payload = await response.read()
            status = response.status
        report.latencies_ms.append((time.monotonic() - started) * 1000)
        report.searches += 1
        if status != 200:
            report.http_errors[str(status)] = report.http_errors.get(str(status), 0) + 1
        else:
            answer = json.loads(payload)
            report.violations.extend(check_answer(answer))
            for country, entry in answer["countries"].items():
                counts = report.statuses.setdefault(country, {})
                counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        await asyncio.sleep(rng.uniform(0.3, 1.2))  # the investigator reads the answer before the next search


async def run_load(
    ready: dict[str, Any],
    root_pid: int,
    *,
    investigators: int = 50,
    duration_s: float = 60.0,
    warmup_s: float = 10.0,
    seed: int = 1,
) -> LoadReport:
    report = LoadReport(investigators, duration_s)
    tokens = mint_tokens(ready, investigators)
    processes = federation_processes(root_pid)
    url = ready["gateway_url"] + "/v1/search"
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=investigators)) as session:
        warm_deadline = time.monotonic() + warmup_s
        warm = LoadReport(investigators, warmup_s)
        await asyncio.gather(
            *(
                investigator(session, url, t, warm_deadline, random.Random(f"{seed}:warm:{n}"), warm)
                for n, t in enumerate(tokens)
            )
        )
        start_rss = rss_mb(processes)
        deadline = time.monotonic() + duration_s
        await asyncio.gather(
            *(
                investigator(session, url, t, deadline, random.Random(f"{seed}:{n}"), report)
                for n, t in enumerate(tokens)
            )
        )
        end_rss = rss_mb(processes)
    report.rss_mb = {name: (start_rss[name], end_rss.get(name, 0.0)) for name in start_rss}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ready-file", type=Path, required=True, help="the ready file of a running `fedgate demo`")
    parser.add_argument("--demo-pid", type=int, required=True, help="the pid of that `fedgate demo`")
    parser.add_argument("--investigators", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of measured load (after warm-up)")
    args = parser.parse_args()
    ready = json.loads(args.ready_file.read_text())
    report = asyncio.run(run_load(ready, args.demo_pid, investigators=args.investigators, duration_s=args.duration))
    print(json.dumps(report.summary(), indent=2))


if __name__ == "__main__":
    main()
