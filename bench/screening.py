"""`python -m bench.screening`: 100 persons screened in one /v1/screen request against 100 single /v1/search
calls of the same persons, at 8 countries, in the same run on the same federation.

Figures: persons per second (end to end, through the gateway's HTTP API), and node CPU per person (the node
processes' user+system CPU over the run, from psutil, divided by the persons screened; OPA's CPU apart). Targets
(issue 20): at least 10x the persons per second, at most 1/5 of a single search's node CPU per person.

Writes bench/results/screening.json and bench/results/screening.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.federation import BenchFederation, bench_federation
from fedcli.synthetic import generate_country
from fedeval.harness import cpu_seconds, machine, versions

RESULTS = Path(__file__).resolve().parent / "results"
COUNTRIES = ["FR", "DE", "GR", "UA", "AE", "IT", "ES", "NL"]
PERSONS = 100
TIMEOUT_MS = 10_000


def persons(records: int) -> list[dict[str, Any]]:
    """100 persons as a screening list looks: a few are in some country's records, most in none (names and birth
    dates of another country's synthetic population, which share first and last names with every country's)."""
    found = [e for e in generate_country("FR", records, 11) if e["schema"] == "Person"][:10]
    others = [e for e in generate_country("PT", 4 * PERSONS, 97, plant=False) if e["schema"] == "Person"]
    chosen = found + others[: PERSONS - len(found)]
    return [
        {
            "schema": "Person",
            "properties": {
                name: values[:1]
                for name, values in entity["properties"].items()
                if name in ("name", "birthDate") and values
            },
        }
        for entity in chosen
    ]


class Phase:
    """CPU of the node processes and of OPA, and wall time, over one phase of the run."""

    def __init__(self, federation: BenchFederation) -> None:
        self.node_pids = [service.process.pid for service in federation.services if service.name.startswith("nodes")]
        self.opa_pids = [opa.process.pid for opa in federation.opa if opa.process is not None]

    async def run(self, work: Any) -> dict[str, float]:
        node_before, opa_before = cpu_seconds(self.node_pids), cpu_seconds(self.opa_pids)
        started = time.perf_counter()
        await work()
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "node_cpu_s": cpu_seconds(self.node_pids) - node_before,
            "opa_cpu_s": cpu_seconds(self.opa_pids) - opa_before,
        }


async def run(records: int, rounds: int, work: Path) -> dict[str, Any]:
    queries = persons(records)
    async with bench_federation(work, COUNTRIES, records=records, per_process=4, timeout_ms=TIMEOUT_MS) as fed:
        tokens = itertools.cycle(fed.tokens)
        phase = Phase(fed)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:

            async def singles() -> None:
                for query in queries:
                    body = {**query, "purpose": "terrorism", "timeout_ms": TIMEOUT_MS}
                    headers = {"Authorization": f"Bearer {next(tokens)}"}
                    async with session.post(fed.gateway_url + "/v1/search", json=body, headers=headers) as response:
                        payload = await response.read()
                        if response.status != 200:
                            raise RuntimeError(f"/v1/search answered {response.status}: {payload[:300]!r}")

            async def batch() -> None:
                body = {"queries": queries, "purpose": "terrorism", "timeout_ms": TIMEOUT_MS}
                headers = {"Authorization": f"Bearer {next(tokens)}"}
                async with session.post(fed.gateway_url + "/v1/screen", json=body, headers=headers) as response:
                    payload = await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"/v1/screen answered {response.status}: {payload[:300]!r}")
                lines = [json.loads(line) for line in payload.splitlines()]
                summary = lines[-1]
                missing = [o["index"] for o in summary["queries"] if o["partial"]]
                if missing:
                    raise RuntimeError(f"queries {missing[:5]} have countries missing: raise the time budget")

            await singles()  # warm-up: connections, OPA, the stores' caches
            await batch()
            single_runs, batch_runs = [], []
            for _ in range(rounds):
                single_runs.append(await phase.run(singles))
                batch_runs.append(await phase.run(batch))
    return {"layout": fed.layout, "single": single_runs, "batch": batch_runs}


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    def totals(runs: list[dict[str, float]]) -> dict[str, float]:
        seconds = sum(r["seconds"] for r in runs)
        count = PERSONS * len(runs)
        return {
            "persons": count,
            "seconds": round(seconds, 3),
            "persons_per_s": round(count / seconds, 1),
            "node_cpu_ms_per_person": round(sum(r["node_cpu_s"] for r in runs) / count * 1000, 3),
            "opa_cpu_ms_per_person": round(sum(r["opa_cpu_s"] for r in runs) / count * 1000, 3),
        }

    single, batch = totals(raw["single"]), totals(raw["batch"])
    speedup = round(batch["persons_per_s"] / single["persons_per_s"], 2)
    cpu_share = round(batch["node_cpu_ms_per_person"] / single["node_cpu_ms_per_person"], 3)
    return {
        "single": single,
        "batch": batch,
        "speedup": speedup,
        "node_cpu_share": cpu_share,
        "targets": [
            {
                "name": "persons per second, batch over single",
                "wanted": ">= 10x",
                "measured": speedup,
                "met": speedup >= 10,
            },
            {
                "name": "node CPU per person, batch over single",
                "wanted": "<= 0.2",
                "measured": cpu_share,
                "met": cpu_share <= 0.2,
            },
        ],
    }


def markdown(result: dict[str, Any]) -> str:
    single, batch = result["single"], result["batch"]
    lines = [
        "# Screening: 100 persons in one request against 100 single searches",
        "",
        f"`python -m bench.screening` — {result['layout']}; {result['rounds']} rounds of each, same run.",
        "",
        "| | persons | seconds | persons/s | node CPU ms/person | OPA CPU ms/person |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in (("100 single searches (one after another)", single), ("one /v1/screen of 100", batch)):
        lines.append(
            f"| {name} | {row['persons']} | {row['seconds']} | {row['persons_per_s']} | "
            f"{row['node_cpu_ms_per_person']} | {row['opa_cpu_ms_per_person']} |"
        )
    lines += ["", "| target | wanted | measured | |", "|---|---|---|---|"]
    for target in result["targets"]:
        lines.append(
            f"| {target['name']} | {target['wanted']} | {target['measured']} | {'met' if target['met'] else 'MISSED'} |"
        )
    lines += [
        "",
        "Where the time goes, and why a batch saves what it saves: "
        "[`docs/screening.md`](../../docs/screening.md#where-the-time-goes).",
        "",
        f"Machine: {result['machine']}",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=5_000, help="synthetic records per country")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fedgate-screening-") as work:
        raw = asyncio.run(run(args.records, args.rounds, Path(work)))
    result = {**summarise(raw), "layout": raw["layout"], "rounds": args.rounds, "raw": raw}
    result.update(machine=machine(), versions=versions())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "screening.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "screening.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
