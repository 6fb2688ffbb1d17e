"""Policy replay speed: searches replayed per second from a 10,000-search audit log, OPA included.

    python -m bench.policy_replay --searches 10000 --records 10000

Writes the audit log the honest way: a real node process (France's policy on a real OPA) answers
`--searches` searches over gRPC from several countries, purposes and investigators (half of them
hits). Then replays that log against a candidate bundle (France stops sending Ukraine birth dates and
starts trusting the United States) with `fedtools.replay.replay`, in this process, pinned with its OPA to
one CPU core (GOMAXPROCS=1), for several batch sizes. Writes bench/results/policy_replay.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc

from bench.node_search import COUNTRY, SEED, build_store, nonsense_name, running_node
from fedcore.assertion import make_assertion
from fedcore.keys import SigningKey
from fedcore.query import validate_query
from fedeval.harness import cpu_seconds, machine, versions
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from fedtools.bundles import make_bundle
from fedtools.opa import DEFAULT_POLICIES_DIR
from fedtools.replay import BatchEvaluator, ReplayOpa, replay
from fedtools.replay_report import summarise
from node.config import load_node_config
from node.matching import prepare_query

RESULTS = Path(__file__).resolve().parent / "results"
REQUESTERS = [("DE", "terrorism"), ("GR", "fugitive"), ("UA", "fugitive"), ("AE", "terrorism"), ("US", "fugitive")]
REQUESTERS += [("FR", "drug_trafficking"), ("UA", "drug_trafficking")]
CONCURRENCY = 8


def planned_searches(names: list[str], count: int) -> list[pb.SearchRequest]:
    rng = random.Random(SEED)
    searches = []
    for n in range(count):
        country, purpose = rng.choice(REQUESTERS)
        search = pb.SearchRequest(
            query_id=f"replay-bench-{n}",
            requester=pb.Requester(
                country=country,
                agency=f"{country} police",
                investigator_id=f"{country.lower()}-{rng.randrange(40)}",
                clearance=pb.CLEARANCE_CONFIDENTIAL,
            ),
            purpose=f"PURPOSE_{purpose.upper()}",
            query=pb.EntityQuery(schema="Person"),
            limit=10,
        )
        search.query.properties["name"].values.append(rng.choice(names) if n % 2 == 0 else nonsense_name(rng))
        searches.append(search)
    return searches


async def send_all(address: str, searches: list[pb.SearchRequest], signer: SigningKey) -> float:
    """Sends the searches CONCURRENCY at a time; one requester's searches one after another, in one worker
    (a node lets one requester have only two searches in progress)."""
    lanes: list[list[pb.SearchRequest]] = [[] for _ in range(CONCURRENCY)]
    requesters: dict[tuple[str, str], int] = {}
    for search in searches:
        requester = (search.requester.country, search.requester.investigator_id)
        lanes[requesters.setdefault(requester, len(requesters) % CONCURRENCY)].append(search)
    started = time.perf_counter()
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.NodeStub(channel)

        async def worker(lane: list[pb.SearchRequest]) -> None:
            for search in lane:
                search.requester_assertion = make_assertion(search, COUNTRY, signer, ttl_s=60)
                await stub.Search(search, timeout=30)

        await asyncio.gather(*(worker(lane) for lane in lanes))
    return time.perf_counter() - started


def candidate_bundle(work: Path, trust_us: bool) -> Path:
    """France's policy with Ukraine's profile no longer listing birthDate and, if trust_us, the United States
    trusted (its searches, refused then, are searched again in the store: the costly case)."""
    name = "fr-narrower-and-trusting-us" if trust_us else "fr-narrower"
    policies = work / name
    shutil.copytree(DEFAULT_POLICIES_DIR, policies)
    data_path = policies / "fedgate" / "countries" / "fr" / "data.json"
    data = json.loads(data_path.read_text())
    settings = data["settings"]
    partner = settings["profiles"]["partner"]
    partner["properties"]["Person"] = [p for p in partner["properties"]["Person"] if p != "birthDate"]
    if trust_us:
        settings["partners"]["US"] = {"profile": "partner", "purposes": ["fugitive", "terrorism"]}
    data_path.write_text(json.dumps(data))
    bundle = work / f"{name}.tar.gz"
    make_bundle(COUNTRY, bundle, policies, revision=name)
    return bundle


def pin_to_one_core() -> int:
    """This process and every child it starts from now on (OPA) share one CPU; Go uses one thread for Rego."""
    core = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {core})
    os.environ["GOMAXPROCS"] = "1"
    return core


def measure_replay(node_toml: Path, bundle: Path, work: Path, batch: int, until: str | None) -> dict[str, Any]:
    config = load_node_config(node_toml)
    with ReplayOpa(bundle, work / f"opa-batch-{batch}") as opa:
        evaluator = BatchEvaluator(opa.url, config.opa.decision_path)
        # Once per process: the name analysis loads its tables (seconds), OPA compiles the query.
        warming = time.perf_counter()
        prepare_query(validate_query("Person", {"name": ["Ivan Petrov"]}))
        evaluator.evaluate([{}])
        warm_s = time.perf_counter() - warming
        assert opa.process is not None
        # CPU time of this process and of OPA: on a shared machine, what the replay itself costs.
        pids = [os.getpid(), opa.process.pid]
        cpu_before = cpu_seconds(pids)
        result = replay(config, evaluator, "2000-01-01", until or "2100-01-01", batch=batch)
        cpu_s = cpu_seconds(pids) - cpu_before
    summary = summarise(result)
    return {
        "candidate": bundle.name.removesuffix(".tar.gz"),
        "batch": batch,
        "searches_replayed": result.searches_replayed,
        "seconds": round(result.elapsed_s, 2),
        "searches_per_s": round(result.searches_per_s, 1),
        "cpu_seconds": round(cpu_s, 2),
        "searches_per_cpu_second": round(result.searches_replayed / cpu_s, 1) if cpu_s else None,
        "searches_changed": summary["totals"]["searches_changed"],
        "changes": summary["totals"]["changes"],
        "seconds_rebuilding_inputs": round(result.prepare_s, 2),
        "seconds_waiting_for_opa": round(result.opa_wait_s, 2),
        "seconds_comparing": round(result.compare_s, 2),
        "seconds_warming_up_once": round(warm_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batches", type=int, nargs="+", default=[250, 50])
    parser.add_argument("--unbatched-searches", type=int, default=500, help="searches replayed with batch 1")
    parser.add_argument("--keep", type=Path, help="work in this (empty) directory and keep it, for profiling")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where policy_replay.{json,md} are written")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fedgate-replay-bench-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        store, names = build_store(args.records)
        print(f"writing a {args.searches}-search audit log through a real node…", file=sys.stderr)
        with running_node(store, work, "audit") as (address, _opa, _log, signer):
            send_s = asyncio.run(send_all(address, planned_searches(names, args.searches), signer))
        node_toml = work / "node-audit" / "node.toml"
        narrower, trusting = candidate_bundle(work, False), candidate_bundle(work, True)
        core = pin_to_one_core()
        print(f"replaying on CPU core {core} (OPA included)…", file=sys.stderr)
        rows = [measure_replay(node_toml, trusting, work, batch, None) for batch in args.batches]
        rows.append(measure_replay(node_toml, narrower, work, args.batches[0], None))
        # Batch 1 (one OPA request per search) on the first searches only: it is slow.
        audit = load_node_config(node_toml).audit_path
        connection = sqlite3.connect(f"file:{audit}?mode=ro", uri=True)
        row = connection.execute(
            "SELECT recorded_at FROM entries WHERE kind = 'search' ORDER BY seq LIMIT 1 OFFSET ?",
            (args.unbatched_searches,),
        ).fetchone()
        connection.close()
        rows.append(measure_replay(node_toml, trusting, work, 1, row[0] if row else None))
    result = {
        "benchmark": "policy_replay",
        "audit_searches": args.searches,
        "store_records": args.records,
        "audit_log_written_s": round(send_s, 1),
        "one_core": True,
        "runs": rows,
        "machine": machine(),
        "load_average": os.getloadavg(),
        "versions": versions(),
    }
    (args.out / "policy_replay.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Policy replay speed",
        "",
        f"Audit log: {args.searches} searches (half hits) answered by a real FR node over a {args.records}-record "
        f"store. Candidates: `fr-narrower` (Ukraine no longer receives birth dates), `fr-narrower-and-trusting-us` "
        f"(also trusts the United States, whose searches were refused: each is searched again in the store). "
        f"Replay pinned to one CPU core with its OPA (GOMAXPROCS=1). "
        f"Machine: {result['machine']}; load average while measuring: "
        f"{', '.join(f'{x:.1f}' for x in result['load_average'])} (shared machine).",
        "",
        "| candidate | batch (searches per OPA request) | searches replayed | searches changed | seconds | searches/s "
        "| CPU s (replay + OPA) | searches per CPU s | rebuilding inputs s | waiting for OPA s | comparing s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in rows:
        lines.append(
            f"| {run['candidate']} | {run['batch']} | {run['searches_replayed']} | {run['searches_changed']} | "
            f"{run['seconds']} | **{run['searches_per_s']}** | {run['cpu_seconds']} | **{run['searches_per_cpu_second']}** | "
            f"{run['seconds_rebuilding_inputs']} | {run['seconds_waiting_for_opa']} | {run['seconds_comparing']} |"
        )
    lines += [""]
    found: dict[str, Any] = {}
    for run in rows:  # the first run of each candidate replays the whole log
        found.setdefault(run["candidate"], run["changes"])
    lines += [f"Changes found by `{candidate}`: {changes}" for candidate, changes in sorted(found.items())]
    lines += [
        "",
        "Rebuilding inputs: reading the audit log and the records each search considered, the node's own "
        "policy input. Waiting for OPA: time the replay waited for a batch's decisions (the next batch is "
        "rebuilt meanwhile). Searches per CPU second: searches over the CPU time of the replay process and its OPA "
        "together, which other work on a shared core does not inflate. Comparing: checking each decision as the node does, ranking where a decision "
        "changes what may be matched, searching the store again for searches refused then and answered now.",
        "",
    ]
    (args.out / "policy_replay.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
