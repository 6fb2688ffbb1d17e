"""A node's Search: `python -m bench.node_search` measures its store at scale (bench.node_scale: import rate,
store size, search latency alone and during an import, on SQLite or PostgreSQL):

    python -m bench.node_search --records 10000000 --engine sqlite|postgresql

The functions below measure a whole node Search over gRPC: a real OPA (France's policy bundle) and a real node
process (`fedgate node serve`) per store size; a gRPC client in this process sends one search at a time.
Latency is measured at the client; the node's own log gives each search's time in matching, in the OPA call
and in the audit append. `python -m bench` runs them (its section "A node alone").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc

from bench import node_scale
from fedcli.processes import Service, fedgate_command
from fedcli.synthetic import generate_country
from fedcore.assertion import make_assertion
from fedcore.keys import SigningKey, generate_signing_key, load_private_key
from fedeval.harness import percentile
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from fedtools.federation import SigningKeyFile, node_tables, write_config
from fedtools.opa import OpaServer
from node.matching import STORE_FORMAT
from node.pgsql import Location, PostgresDatabase
from node.store import connect, import_lines
from tests.pg import postgres_server

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(__file__).resolve().parent / ".cache"
COUNTRY = "FR"
SEED = 20261128
NONSENSE_SYLLABLES = ["zor", "vak", "qui", "nel", "tox", "bry", "wex", "ulm", "gad", "pim", "fyr", "sko"]


def build_store(records: int) -> tuple[Path, list[str]]:
    """The cached store of this size and some stored Person names to search for."""
    CACHE.mkdir(exist_ok=True)
    store = CACHE / f"{COUNTRY.lower()}-{records}-{SEED}-format{STORE_FORMAT}.sqlite"
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
    else:
        connect(store, readonly=False).close()  # a cached store written before records could expire is updated
    return store, json.loads(names_file.read_text())


def nonsense_name(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(NONSENSE_SYLLABLES) for _ in range(3)).capitalize() for _ in range(2))


def request(query_id: str, name: str, signer: SigningKey, limit: int = 10) -> pb.SearchRequest:
    """A search as the gateway sends it: signed requester assertion included."""
    search = pb.SearchRequest(
        query_id=query_id,
        requester=pb.Requester(country="DE", agency="BKA", investigator_id="bench", clearance=pb.CLEARANCE_SECRET),
        purpose=pb.PURPOSE_TERRORISM,
        query=pb.EntityQuery(schema="Person"),
        limit=limit,
    )
    search.query.properties["name"].values.append(name)
    search.requester_assertion = make_assertion(search, COUNTRY, signer, ttl_s=60)
    return search


async def run_queries(
    address: str, queries: list[tuple[str, str]], signer: SigningKey, limit: int = 10
) -> dict[str, tuple[float, int]]:
    """Sends the searches one at a time; returns client latency (ms) and hit count per query id."""
    results: dict[str, tuple[float, int]] = {}
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.NodeStub(channel)
        for query_id, name in queries:
            search = request(query_id, name, signer, limit)
            started = time.perf_counter()
            response = await stub.Search(search, timeout=10)
            results[query_id] = ((time.perf_counter() - started) * 1000, len(response.hits))
    return results


@contextlib.contextmanager
def running_node(store: Path, work: Path, name: str) -> Iterator[tuple[str, OpaServer, Path, SigningKey]]:
    """France's OPA and a node process over a store; yields its address, OPA, log and the assertion key."""
    with OpaServer(COUNTRY, work / f"opa-{name}") as opa:
        node_dir = work / f"node-{name}"
        node_dir.mkdir()
        keys = {key_id: generate_signing_key() for key_id in ("gw-bench", "node-bench")}
        for key_id, (private_pem, public_pem) in keys.items():
            (node_dir / f"{key_id}.pem").write_bytes(private_pem)
            (node_dir / f"{key_id}.pub.pem").write_bytes(public_pem)
        tables = node_tables(
            COUNTRY,
            opa_url=opa.url,
            signing=SigningKeyFile(Path("node-bench.pem"), "node-bench"),
            contact="bench",
            store_path=store,
            gateway_keys={"gw-bench": Path("gw-bench.pub.pem")},
            more={"limits": {"searches_per_requester": 1_000_000, "max_limit": 100}},
        )
        config = write_config(node_dir / "node.toml", tables)
        ready, log = node_dir / "ready.json", node_dir / "node.log"
        node = Service.spawn(
            "node", fedgate_command("node", "serve", "--config", str(config), "--ready-file", str(ready)), log
        )
        try:
            address = node.wait_ready(ready, 120)["grpc"]
            yield address, opa, log, SigningKey("gw-bench", load_private_key(node_dir / "gw-bench.pem"))
        finally:
            node.terminate()
            node.wait(30)


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

    with running_node(store, work, str(records)) as (address, opa, log, signer):
        asyncio.run(run_queries(address, warmup, signer))
        decisions_before = opa.decisions_served()
        client = asyncio.run(run_queries(address, planned, signer))
        decisions = opa.decisions_served() - decisions_before
    timings = node_timings(log)
    rows = []
    for kind in ("hit", "nohit"):
        ids = [query_id for query_id, _ in planned if query_id.startswith(f"{kind}-")]
        rows.append({"records": records, **summarise(kind.replace("nohit", "no_hit"), ids, client, timings)})
    for row in rows:
        row["opa_decisions_per_search"] = round(decisions / len(planned), 3)
    return rows


def measure_candidates(records: int, queries: int, work: Path, ks: tuple[int, int] = (1, 50)) -> list[dict[str, Any]]:
    """Search latency when the one OPA decision covers K = 1 and K = 50 candidate records (a quick run: fewer)."""
    store, _ = build_store(records)
    connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    # The most frequent full names: searching one of them with limit K releases K records.
    rows = connection.execute(
        "SELECT json_extract(properties, '$.name[0]') AS name, count(*) AS n FROM records "
        "WHERE flags = '[]' GROUP BY name ORDER BY n DESC LIMIT 20"
    ).fetchall()
    connection.close()
    common = [name for name, count in rows if count >= max(ks)]
    results = []
    with running_node(store, work, f"k-{records}") as (address, opa, log, signer):
        for k in ks:
            planned = [(f"k{k}-{n}", common[n % len(common)]) for n in range(queries)]
            asyncio.run(
                run_queries(address, [(f"warm-k{k}-{n}", name) for n, (_, name) in enumerate(planned[:5])], signer, k)
            )
            before = opa.decisions_served()
            client = asyncio.run(run_queries(address, planned, signer, k))
            decisions = opa.decisions_served() - before
            timings = node_timings(log)
            ids = [query_id for query_id, _ in planned]
            row = summarise(f"hit, K = {k}", ids, client, timings)
            row["records"] = records
            row["candidates_released_p50"] = sorted(client[i][1] for i in ids)[len(ids) // 2]
            row["opa_decisions_per_search"] = round(decisions / len(ids), 3)
            results.append(row)
    return results


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
    """The scale benchmark (bench.node_scale): one engine, one store size per run; figures of earlier runs kept."""
    parser = argparse.ArgumentParser(
        description=node_scale.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--queries", type=int, default=500, help="searches of each kind (hit, no hit)")
    parser.add_argument("--changes", type=int, default=node_scale.CHANGES, help="changes imported while searching")
    parser.add_argument(
        "--store-url",
        help="a PostgreSQL database to use (default: a server of its own): if empty, the records are imported and it "
        "is kept; if it holds an earlier run's records (of as many, in --out's node_search.json), its searches are "
        "measured again and that run's import kept",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes checking the import's lines (the cores)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where node_search.json and .md are written")
    parser.add_argument(
        "--store",
        type=Path,
        help="SQLite: the store file to import into and keep; if it exists (an earlier run's, of as many "
        "records, in --out's node_search.json), its searches are measured again and that run's import kept",
    )
    args = parser.parse_args()
    if args.store is not None and args.engine != "sqlite":
        parser.error("--store is an SQLite file; a PostgreSQL store is --store-url")
    json_path = args.out / "node_search.json"
    runs = json.loads(json_path.read_text())["runs"] if json_path.exists() else []
    with tempfile.TemporaryDirectory(prefix="fedgate-scale-", dir=args.out) as work:
        measure = functools.partial(
            node_scale.run, args.records, args.engine, work=Path(work), queries=args.queries, workers=args.workers
        )
        kept: Location | None = args.store
        if args.engine == "postgresql" and args.store_url:
            kept = PostgresDatabase(args.store_url)
        if kept is not None and node_scale.holds_records(kept):
            earlier = next((r for r in runs if (r["engine"], r["records"]) == (args.engine, args.records)), None)
            if earlier is None:
                parser.error(f"{json_path} holds no {args.engine} run of {args.records:,} records that imported {kept}")
            row = measure(location=kept, changes=args.changes, earlier=earlier)
        elif kept is not None:
            row = measure(location=kept, changes=args.changes)
        elif args.engine == "postgresql":
            with postgres_server(node_scale.PG_SETTINGS) as server:
                row = measure(location=server.database(), changes=args.changes, settings=node_scale.PG_SETTINGS)
        else:
            row = measure(location=Path(work) / "records.sqlite", changes=args.changes)
    args.out.mkdir(exist_ok=True)
    runs = [r for r in runs if (r["engine"], r["records"]) != (args.engine, args.records)] + [row]
    runs.sort(key=lambda r: (r["engine"], r["records"]))
    result = {"benchmark": "node_search", **node_scale.environment(), "runs": runs}
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (args.out / "node_search.md").write_text(node_scale.markdown(runs))
    print(node_scale.markdown(runs))


if __name__ == "__main__":
    main()
