"""Node Search latency on synthetic Person stores: no-hit and hit queries, with the OPA call's share.

    python -m bench.node_search --records 10000 1000000 --queries 300

Runs a real OPA (France's policy bundle) and a real node process (`fedgate node serve`) per store
size; a gRPC client in this process sends one search at a time. Latency is measured at the client;
the node's own log gives each search's time in matching, in the OPA call and in the audit append.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc

from fedcli.processes import Service, fedgate_command
from fedcli.synthetic import generate_country
from fedcore import SOFTWARE_VERSION
from fedcore.opa import OPA_VERSION, OpaServer
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from node.store import import_lines

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(__file__).resolve().parent / ".cache"
COUNTRY = "FR"
SEED = 20261128
NONSENSE_SYLLABLES = ["zor", "vak", "qui", "nel", "tox", "bry", "wex", "ulm", "gad", "pim", "fyr", "sko"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build_store(records: int) -> tuple[Path, list[str]]:
    """The cached store of this size and some stored Person names to search for."""
    CACHE.mkdir(exist_ok=True)
    store = CACHE / f"{COUNTRY.lower()}-{records}-{SEED}.sqlite"
    names_file = store.with_suffix(".names.json")
    if not store.exists() or not names_file.exists():
        persons = (
            entity
            for entity in generate_country(COUNTRY, records * 3, SEED, vehicle_share=0.0)
            if entity["schema"] == "Person"
        )
        entities = itertools.islice(persons, records)
        names: list[str] = []

        def lines() -> Any:
            for entity in entities:
                if len(names) < 5000 and not entity.get("flags"):
                    names.append(entity["properties"]["name"][0])
                yield json.dumps(entity, ensure_ascii=False)

        partial = store.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        report = import_lines(partial, lines(), skip_invalid=False)
        print(f"  imported {report.imported} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        partial.replace(store)
        names_file.write_text(json.dumps(names, ensure_ascii=False))
    return store, json.loads(names_file.read_text())


def nonsense_name(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(NONSENSE_SYLLABLES) for _ in range(3)).capitalize() for _ in range(2))


def request(query_id: str, name: str) -> pb.SearchRequest:
    search = pb.SearchRequest(
        query_id=query_id,
        requester=pb.Requester(country="DE", agency="BKA", investigator_id="bench", clearance=pb.CLEARANCE_SECRET),
        purpose=pb.PURPOSE_TERRORISM,
        query=pb.EntityQuery(schema="Person"),
        limit=10,
    )
    search.query.properties["name"].values.append(name)
    return search


async def run_queries(address: str, queries: list[tuple[str, str]]) -> dict[str, tuple[float, int]]:
    """Sends the searches one at a time; returns client latency (ms) and hit count per query id."""
    results: dict[str, tuple[float, int]] = {}
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.NodeStub(channel)
        for query_id, name in queries:
            started = time.perf_counter()
            response = await stub.Search(request(query_id, name), timeout=10)
            results[query_id] = ((time.perf_counter() - started) * 1000, len(response.hits))
    return results


def node_timings(log: Path) -> dict[str, dict[str, float]]:
    timings = {}
    for line in log.read_text().splitlines():
        if '"search.answered"' in line:
            entry = json.loads(line)
            timings[entry["query_id"]] = entry
    return timings


def summarise(
    kind: str, ids: list[str], client: dict[str, tuple[float, int]], node: dict[str, dict[str, float]]
) -> dict[str, Any]:
    latency = [client[i][0] for i in ids]
    total = [node[i]["total_ms"] for i in ids]
    policy = [node[i]["policy_ms"] for i in ids]
    match = [node[i]["match_ms"] for i in ids]
    audit = [node[i]["audit_ms"] for i in ids]
    return {
        "kind": kind,
        "searches": len(ids),
        "with_hits": sum(1 for i in ids if client[i][1] > 0),
        "client_p50_ms": round(percentile(latency, 0.5), 2),
        "client_p99_ms": round(percentile(latency, 0.99), 2),
        "node_p50_ms": round(percentile(total, 0.5), 2),
        "node_p99_ms": round(percentile(total, 0.99), 2),
        "match_p50_ms": round(percentile(match, 0.5), 2),
        "opa_p50_ms": round(percentile(policy, 0.5), 2),
        "opa_p99_ms": round(percentile(policy, 0.99), 2),
        "audit_p50_ms": round(percentile(audit, 0.5), 2),
        "opa_share_of_node_time": round(sum(policy) / sum(total), 3),
    }


def measure(records: int, queries: int, work: Path) -> list[dict[str, Any]]:
    print(f"store of {records} records", file=sys.stderr)
    store, names = build_store(records)
    rng = random.Random(SEED)
    planned = [(f"hit-{n}", rng.choice(names)) for n in range(queries)]
    planned += [(f"nohit-{n}", nonsense_name(rng)) for n in range(queries)]
    rng.shuffle(planned)
    warmup = [(f"warm-{n}", name) for n, (_, name) in enumerate(planned[:20])]

    with OpaServer(COUNTRY, work / f"opa-{records}") as opa:
        node_dir = work / f"node-{records}"
        node_dir.mkdir()
        config = node_dir / "node.toml"
        config.write_text(
            f'[node]\ncountry = "{COUNTRY}"\nlisten = "127.0.0.1:0"\ncontact = "bench"\n'
            f'[store]\npath = "{store}"\naudit_path = "audit.sqlite"\n'
            f'[opa]\nurl = "{opa.url}"\ntimeout_ms = 2000\n'
        )
        ready, log = node_dir / "ready.json", node_dir / "node.log"
        node = Service.spawn(
            "node", fedgate_command("node", "serve", "--config", str(config), "--ready-file", str(ready)), log
        )
        try:
            address = node.wait_ready(ready, 120)["grpc"]
            asyncio.run(run_queries(address, warmup))
            client = asyncio.run(run_queries(address, planned))
        finally:
            node.terminate()
            node.wait(30)
    timings = node_timings(log)
    rows = []
    for kind in ("hit", "nohit"):
        ids = [query_id for query_id, _ in planned if query_id.startswith(f"{kind}-")]
        rows.append({"records": records, **summarise(kind.replace("nohit", "no_hit"), ids, client, timings)})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    header = (
        "| records | query | searches | with hits | client p50 ms | client p99 ms | node p50 ms | node p99 ms "
        "| matching p50 ms | OPA p50 ms | OPA p99 ms | audit p50 ms | OPA share |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    body = "".join(
        f"| {r['records']:,} | {r['kind']} | {r['searches']} | {r['with_hits']} | {r['client_p50_ms']} | "
        f"{r['client_p99_ms']} | {r['node_p50_ms']} | {r['node_p99_ms']} | {r['match_p50_ms']} | "
        f"{r['opa_p50_ms']} | {r['opa_p99_ms']} | {r['audit_p50_ms']} | {r['opa_share_of_node_time']:.0%} |\n"
        for r in rows
    )
    return header + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300, help="searches of each kind per store size")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="fedgate-bench-") as work:
        for records in args.records:
            rows.extend(measure(records, args.queries, Path(work)))
    result = {
        "benchmark": "node_search",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": {"fedgate": SOFTWARE_VERSION, "opa": OPA_VERSION, "grpcio": grpc.__version__},
        "layout": "one OPA (France's bundle) and one node process; client in a third process, one search at a time",
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "node_search.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(rows)
    (RESULTS / "node_search.md").write_text(f"# Node Search latency\n\n{result['layout']}.\n\n{table}")
    print(table)


if __name__ == "__main__":
    main()
