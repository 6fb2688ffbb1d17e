"""fedgate against the real floor (issue 24): what the gateway and a node spend beyond the work they must do.

    python -m bench.floor [--quick] [--no-profile]    # writes bench/results/floor.json and floor.md

(a) The gateway's own CPU per country answer (8 countries, one node process each, no-hit searches at
    concurrency 1), beside a bare grpc.aio client in this process sending the same signed SearchRequest to the
    same nodes with asyncio.gather over reused channels (assertions made before the measured phase).
(b) A node's CPU per no-hit search (its own process, its OPA apart), beside the sum of its necessary parts each
    run alone in this process: the Ed25519 check of the assertion with its claims decoded, one OPA decision
    round trip on a kept-alive HTTP/1.1 connection, one store lookup inline, one fsynced audit append, one
    answer signature.
(c) Searches per second at concurrency 16: one gateway without Redis against two replicas sharing their rate
    limits on one Redis, the load spread round-robin; and one investigator's limit held exactly over both.

`python -m bench` runs the same three (its section "Against the real floor").
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import http.client
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import grpc
import psutil

from bench import node_search
from bench.federation import NO_HIT_NAME, BenchFederation, GatewaySearch, bench_federation, no_hit_body
from fedcore.answers import sign_response
from fedcore.assertion import make_assertion, request_digest, verify_assertion
from fedcore.keys import SigningKey, load_private_key
from fedeval.harness import cpu_seconds, measure
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from fedtools.redis_server import RedisServer
from node.audit import AuditLog
from node.config import NodeConfig, load_node_config
from node.decisions import parse_reads
from node.policy import PolicyEngine
from node.request import validate_search
from node.search import build_answer, find_candidates, policy_input, search_audit_body
from node.store.search import Store

RESULTS = Path(__file__).resolve().parent / "results"
COUNTRIES = ["FR", "DE", "GR", "UA", "AE", "AT", "BE", "BG"]
NODE_RECORDS = 10_000
TOP_FUNCTIONS = 12
# Token buckets refill continuously: over a day, a check of a few seconds sees its bucket refill by ~0.03 of a search.
RATE_WINDOW_S = 86_400.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] floor: {message}", file=sys.stderr, flush=True)


def _us(seconds: float, count: int) -> float:
    return round(seconds / count * 1e6, 1) if count else 0.0


def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else 0.0


# --- profiles ------------------------------------------------------------------------------------------------


def py_spy() -> str | None:
    local = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


class Profile:
    """`py-spy record --gil --format raw` attached to one process for a phase; its top functions by own time."""

    def __init__(self, pid: int, out: Path, duration_s: float) -> None:
        self.out = out
        self.process: subprocess.Popen[bytes] | None = None
        self.problem = ""
        binary = py_spy()
        if binary is None:
            self.problem = "py-spy is not installed"
            return
        command = [binary, "record", "--pid", str(pid), "--gil", "--format", "raw", "--rate", "200"]
        command += ["--duration", str(max(int(duration_s), 1)), "--nonblocking", "--output", str(out)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def summary(self) -> dict[str, Any]:
        if self.process is None:
            return {"problem": self.problem}
        try:
            _, stderr = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return {"problem": "py-spy did not finish"}
        if self.process.returncode != 0 or not self.out.exists():
            return {"problem": f"py-spy failed: {stderr.decode(errors='replace').strip()[-300:]}"}
        own: collections.Counter[str] = collections.Counter()
        for line in self.out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                own[stack.split(";")[-1]] += int(count)
        total = sum(own.values())
        top = [{"function": name, "own_share": round(n / total, 3)} for name, n in own.most_common(TOP_FUNCTIONS)]
        return {"samples": total, "top": top}


def _start_profile(enabled: bool, pid: int, out: Path, duration_s: float) -> Profile | None:
    return Profile(pid, out, duration_s) if enabled else None


# --- requests ------------------------------------------------------------------------------------------------


def signed_requests(countries: list[str], signer: SigningKey, count: int) -> list[list[pb.SearchRequest]]:
    """`count` no-hit searches, each one request per country, assertions made now (fresh query ids: the nodes
    refuse a replayed one), as the gateway sends them."""
    searches = []
    for _ in range(count):
        search = pb.SearchRequest(
            query_id=str(uuid.uuid4()),
            requester=pb.Requester(
                country=countries[0], agency="bench", investigator_id="bench-floor", clearance=pb.CLEARANCE_SECRET
            ),
            purpose=pb.PURPOSE_TERRORISM,
            query=pb.EntityQuery(schema="Person"),
            limit=10,
        )
        search.query.properties["name"].values.append(NO_HIT_NAME)
        digest = request_digest(search)
        per_country = []
        for country in countries:
            request = pb.SearchRequest()
            request.CopyFrom(search)
            request.requester_assertion = make_assertion(request, country, signer, ttl_s=3600, digest=digest)
            per_country.append(request)
        searches.append(per_country)
    return searches


def cpu_times(pid: int) -> tuple[float, float, int]:
    process = psutil.Process(pid)
    times, switches = process.cpu_times(), process.num_ctx_switches()
    return times.user, times.system, switches.voluntary + switches.involuntary


# --- (a) gateway against a bare grpc.aio client ---------------------------------------------------------------


async def _bare_client(federation: BenchFederation, countries: list[str], count: int) -> dict[str, Any]:
    signer = SigningKey("gw-bench", load_private_key(federation.keys / "gw-bench.pem"))
    warm = signed_requests(countries, signer, 20)
    searches = signed_requests(countries, signer, count)
    channels = [grpc.aio.insecure_channel(federation.addresses[c]) for c in countries]
    stubs = [pb_grpc.NodeStub(channel) for channel in channels]
    try:
        for requests in warm:
            await asyncio.gather(*(stub.Search(r, timeout=5) for stub, r in zip(stubs, requests, strict=True)))
        started_cpu, started = time.process_time(), time.perf_counter()
        for requests in searches:
            answers = await asyncio.gather(
                *(stub.Search(r, timeout=5) for stub, r in zip(stubs, requests, strict=True))
            )
        cpu_s, wall_s = time.process_time() - started_cpu, time.perf_counter() - started
    finally:
        for channel in channels:
            await channel.close(None)
    if any(answer.hits for answer in answers):
        raise RuntimeError("the bare client's no-hit search found hits")
    return {"searches": count, "seconds": round(wall_s, 2), "us_per_country_answer": _us(cpu_s, count * len(countries))}


async def gateway_floor(
    federation: BenchFederation, duration_s: float, profile: bool, work: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a), and the one-gateway throughput at concurrency 16 for (c) on the same federation."""
    countries = federation.countries
    gateway_pid = federation.gateways[0].process.pid
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        search = GatewaySearch(session, federation, no_hit_body())
        for _ in range(20):
            await search()
        profiler = _start_profile(profile, gateway_pid, work / "gateway-profile.txt", duration_s)
        before, count, started = cpu_times(gateway_pid), 0, time.perf_counter()
        while time.perf_counter() - started < duration_s:
            await search()
            count += 1
        after = cpu_times(gateway_pid)
        gateway_profile = profiler.summary() if profiler is not None else None
        single = await _throughput(session, federation, [federation.gateway_url], duration_s)
    gateway_s = after[0] + after[1] - before[0] - before[1]
    bare = await _bare_client(federation, countries, count)
    gateway_us = _us(gateway_s, count * len(countries))
    result: dict[str, Any] = {
        "countries": len(countries),
        "searches": count,
        "gateway_us_per_country_answer": gateway_us,
        "bare_client_us_per_country_answer": bare["us_per_country_answer"],
        "ratio": _ratio(gateway_us, bare["us_per_country_answer"]),
        "bare_client": bare,
    }
    if gateway_profile is not None:
        result["gateway_profile"] = gateway_profile
    return result, single


# --- (b) a node against the sum of its necessary parts ----------------------------------------------------------


def _node_pid(config_path: Path) -> int:
    for child in psutil.Process().children(recursive=True):
        if str(config_path) in child.cmdline():
            return child.pid
    raise RuntimeError(f"no node process serving {config_path}")


def _loop(iterations: int, work: Callable[[int], object]) -> float:
    """CPU seconds of this process (every thread, user and system) per iteration of `work`."""
    started = time.process_time()
    for index in range(iterations):
        work(index)
    return (time.process_time() - started) / iterations


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _verify_floor(config: NodeConfig, tokens: list[str]) -> Callable[[int], object]:
    key = config.gateway_keys["gw-bench"]

    def verify(index: int) -> object:
        token = tokens[index % len(tokens)]
        signing_input, _, signature = token.rpartition(".")
        key.verify(_b64(signature), signing_input.encode())
        return json.loads(_b64(signing_input.partition(".")[2]))

    return verify


class OpaRoundTrip:
    """One decision as plain HTTP/1.1 on a kept-alive connection: the client's floor for an OPA call."""

    def __init__(self, url: str, path: str, input_data: dict[str, Any]) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
        self.path = f"/v1/data/{path}"
        self.input = input_data

    def __call__(self, _: int) -> object:
        self.connection.request(
            "POST", self.path, json.dumps({"input": self.input}).encode(), {"Content-Type": "application/json"}
        )
        response = self.connection.getresponse()
        body = json.loads(response.read())
        if response.status != 200 or "result" not in body:
            raise RuntimeError(f"OPA answered {response.status}")
        return body

    def get(self, path: str) -> Any:
        self.connection.request("GET", f"/v1/data/{path}")
        response = self.connection.getresponse()
        return json.loads(response.read())


async def node_parts(
    config: NodeConfig, requests: list[pb.SearchRequest], iterations: int, work: Path
) -> dict[str, Any]:
    """Each necessary part of a no-hit search alone, CPU µs per call, in this process with nothing else running."""
    parts: dict[str, float] = {}
    beside: dict[str, float] = {}
    tokens = [request.requester_assertion for request in requests]
    parts["assertion_verify"] = _loop(iterations, _verify_floor(config, tokens))
    beside["fedcore_verify_assertion"] = _loop(
        iterations, lambda i: verify_assertion(requests[i % len(requests)], config.country, config.gateway_keys)
    )
    search = validate_search(requests[0], config)
    store = Store(config.store)
    try:
        found = find_candidates(store, search.query, search.limit, config.matching)
        parts["store_lookup"] = _loop(
            iterations, lambda _: find_candidates(store, search.query, search.limit, config.matching)
        )
    finally:
        store.close()
    opa = OpaRoundTrip(config.opa.url, config.opa.decision_path, {})
    reads = parse_reads(opa.get(config.opa.reads_path)).properties
    opa.input = policy_input(config, search, found, reads)
    try:
        parts["opa_round_trip"] = _loop(iterations, opa)
    finally:
        opa.connection.close()
    engine = PolicyEngine(config.opa)
    await engine.start()
    records = [candidate.record for candidate in found.candidates]
    try:
        decision = await engine.decide_search(lambda r: policy_input(config, search, found, r), records)
        started = time.process_time()
        for _ in range(iterations):
            await engine.decide_search(lambda r: policy_input(config, search, found, r), records)
        beside["policy_engine_decide"] = (time.process_time() - started) / iterations
    finally:
        await engine.close()
    answer = build_answer(config, search, found, decision, [], [])
    body = search_audit_body(search, answer, found.examined, "")
    audit = AuditLog(work / "floor-audit.sqlite")
    try:
        await audit.append(body)
        audit_iterations = max(iterations // 4, 50)
        # Each entry its own query id, as each search's is (the chain refuses a search entry of an answered one).
        bodies = [{**body, "query_id": f"floor-{index}"} for index in range(audit_iterations)]
        started = time.process_time()
        for each in bodies:
            await audit.append(each)
        parts["audit_append_fsync"] = (time.process_time() - started) / audit_iterations
    finally:
        audit.close()
    parts["answer_signature"] = _loop(iterations, lambda _: sign_response(answer.response, config.signing_key))
    return {
        "iterations": iterations,
        "audit_iterations": audit_iterations,
        "candidates": len(found.candidates),
        "parts_us": {name: round(value * 1e6, 1) for name, value in parts.items()},
        "beside_us": {name: round(value * 1e6, 1) for name, value in beside.items()},
        "floor_us": round(sum(parts.values()) * 1e6, 1),
    }


async def node_floor(work: Path, duration_s: float, iterations: int, profile: bool) -> dict[str, Any]:
    store_path, _ = node_search.build_store(NODE_RECORDS)
    with node_search.running_node(store_path, work, "floor") as (address, opa, _, signer):
        config_path = work / "node-floor" / "node.toml"
        node_pid = _node_pid(config_path)
        assert opa.process is not None
        opa_pid = opa.process.pid
        config = load_node_config(config_path)
        budget = int(duration_s * 1000) + 200  # more than a node can answer in the phase
        searches = [group[0] for group in signed_requests([node_search.COUNTRY], signer, budget + 20)]
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.NodeStub(channel)
            for request in searches[:20]:
                await stub.Search(request, timeout=5)
            profiler = _start_profile(profile, node_pid, work / "node-profile.txt", duration_s)
            node_before, opa_before = cpu_times(node_pid), cpu_times(opa_pid)
            count, started = 0, time.perf_counter()
            for request in searches[20:]:
                answer = await stub.Search(request, timeout=5)
                count += 1
                if time.perf_counter() - started >= duration_s:
                    break
            node_after, opa_after = cpu_times(node_pid), cpu_times(opa_pid)
        node_profile = profiler.summary() if profiler is not None else None
        if answer.hits:
            raise RuntimeError("the node's no-hit search found hits")
        parts = await node_parts(config, searches, iterations, work)
    user_s, system_s = node_after[0] - node_before[0], node_after[1] - node_before[1]
    node_us = _us(user_s + system_s, count)
    result: dict[str, Any] = {
        "records": NODE_RECORDS,
        "searches": count,
        "node_us_per_search": node_us,
        "node_user_us_per_search": _us(user_s, count),
        "node_system_us_per_search": _us(system_s, count),
        "node_context_switches_per_search": round((node_after[2] - node_before[2]) / count, 1),
        "opa_us_per_search": _us(opa_after[0] + opa_after[1] - opa_before[0] - opa_before[1], count),
        **parts,
        "ratio": _ratio(node_us, parts["floor_us"]),
    }
    if node_profile is not None:
        result["node_profile"] = node_profile
    return result


# --- (c) two replicas with Redis against one without ------------------------------------------------------------


class RoundRobinSearch:
    """No-hit searches spread over the gateways in turn, by every bench investigator."""

    def __init__(self, session: aiohttp.ClientSession, urls: list[str], tokens: list[str]) -> None:
        self.session = session
        self.urls = itertools.cycle([url + "/v1/search" for url in urls])
        self.headers = itertools.cycle([{"Authorization": f"Bearer {token}"} for token in tokens])
        self.body = no_hit_body()

    async def __call__(self) -> None:
        async with self.session.post(next(self.urls), json=self.body, headers=next(self.headers)) as response:
            payload = await response.read()
            if response.status != 200:
                raise RuntimeError(f"the gateway answered {response.status}: {payload[:300]!r}")


def _groups(federation: BenchFederation, redis: RedisServer | None) -> dict[str, list[int]]:
    gateways = [service.process.pid for service in federation.gateways]
    nodes = [s.process.pid for s in federation.services if s.process.pid not in gateways]
    groups = {
        "nodes": nodes,
        "opa": [o.process.pid for o in federation.opa if o.process is not None],
        "gateways": gateways,
        "load_client": [psutil.Process().pid],
    }
    if redis is not None and redis.process is not None:
        groups["redis"] = [redis.process.pid]
    return groups


async def _throughput(
    session: aiohttp.ClientSession,
    federation: BenchFederation,
    urls: list[str],
    duration_s: float,
    redis: RedisServer | None = None,
) -> dict[str, Any]:
    search = RoundRobinSearch(session, urls, federation.tokens)
    await measure(search, concurrency=16, count=100, pids=[])
    groups = _groups(federation, redis)
    before = {name: cpu_seconds(pids) for name, pids in groups.items()}
    run = await measure(search, concurrency=16, duration_s=duration_s, pids=[])
    spent = {name: cpu_seconds(pids) - before[name] for name, pids in groups.items()}
    total = sum(spent.values())
    return {
        "gateways": len(urls),
        "per_s": round(run.per_s, 1),
        "p50_ms": run.p50_ms,
        "cpu_share_by_group": {name: round(value / total, 3) for name, value in spent.items()} if total else {},
        "cores_busy": round(total / run.seconds, 2),
    }


async def exact_limit(session: aiohttp.ClientSession, federation: BenchFederation, limit: int) -> dict[str, Any]:
    """limit + 5 searches of one investigator (one used nowhere else), alternating over both replicas. The
    federation's rate window is a day, so the bucket refills by a negligible fraction of a search during the check."""
    headers = {"Authorization": f"Bearer {federation.spare_token}"}
    statuses: collections.Counter[int] = collections.Counter()
    retry_after = 0
    for index in range(limit + 5):
        url = federation.gateway_urls[index % len(federation.gateway_urls)] + "/v1/search"
        async with session.post(url, json=no_hit_body(), headers=headers) as response:
            await response.read()
            statuses[response.status] += 1
            if response.status == 429 and response.headers.get("Retry-After"):
                retry_after += 1
    exact = statuses[200] == limit and statuses[429] == 5 and retry_after == 5
    return {"limit": limit, "sent": limit + 5, "ok_200": statuses[200], "limited_429": statuses[429],
            "with_retry_after": retry_after, "other": sum(n for s, n in statuses.items() if s not in (200, 429)),
            "exact": exact}  # fmt: skip


PINNING = (
    "no taskset pinning: the machine's cores are shared by the nodes, their OPAs, the gateways, Redis and the "
    "load client alike. Pinning nodes and OPA to one core and the gateways to the other would cap both runs' "
    "gateways at one core and so test nothing about scaling; with two cores there is no core left for the "
    "nodes alone. The CPU share of each process group during each run is measured and shown."
)


async def replicas_floor(
    federation: BenchFederation, redis: RedisServer, duration_s: float, limit: int, single: dict[str, Any]
) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        double = await _throughput(session, federation, federation.gateway_urls, duration_s, redis)
        exact = await exact_limit(session, federation, limit)
    return {
        "countries": len(federation.countries),
        "one_gateway": single,
        "two_replicas_redis": double,
        "ratio": _ratio(double["per_s"], single["per_s"]),
        "machine_cores": psutil.cpu_count() or 0,
        "pinning": PINNING,
        "rate_limit": exact,
    }


# --- the section --------------------------------------------------------------------------------------------------


async def floor_section(work: Path, quick: bool, profile: bool) -> dict[str, Any]:
    """In a full run, (a) and the single gateway of (c) on a federation of one node process per country without
    Redis, then (b), then a second such federation with two replicas on Redis. A quick run starts one federation
    (one process for the eight nodes, two replicas on Redis) and takes its first replica as the single gateway."""
    duration_s = 2.0 if quick else 10.0
    iterations = 300 if quick else 2000
    limit = 60 if quick else 500
    # A quick run is a smoke run: two countries in one node process start in a fraction of the time.
    countries = COUNTRIES[:2] if quick else COUNTRIES
    per_process = len(countries) if quick else 1
    redis = RedisServer(work / "redis").start()
    try:
        log(f"(a) gateway against a bare grpc.aio client, {len(countries)} countries")
        async with bench_federation(
            work / "floor-gateway", countries, records=200, per_process=per_process,
            searches_per_investigator=limit, rate_window_s=RATE_WINDOW_S, replicas=2 if quick else 1, redis_url=redis.url if quick else None,
        ) as federation:  # fmt: skip
            gateway, single = await gateway_floor(federation, duration_s, profile, work)
            if quick:
                replicas = await replicas_floor(federation, redis, duration_s, limit, single)
                replicas["note"] = "quick run: the single gateway is the first of the two replicas, on Redis too"
        log(
            f"  gateway {gateway['gateway_us_per_country_answer']} µs, bare {gateway['bare_client_us_per_country_answer']} µs"
        )
        log("(b) a node against its necessary parts")
        node = await node_floor(work, duration_s, iterations, profile)
        log(f"  node {node['node_us_per_search']} µs vs floor {node['floor_us']} µs")
        if not quick:
            log("(c) two replicas with Redis against one without")
            async with bench_federation(
                work / "floor-replicas", COUNTRIES, records=200, per_process=per_process, replicas=2,
                redis_url=redis.url, searches_per_investigator=limit, rate_window_s=RATE_WINDOW_S,
            ) as federation:  # fmt: skip
                replicas = await replicas_floor(federation, redis, duration_s, limit, single)
        log(f"  {replicas['one_gateway']['per_s']} vs {replicas['two_replicas_redis']['per_s']} searches/s")
    finally:
        redis.stop()
    return {"quick": quick, "gateway": gateway, "node": node, "replicas": replicas}


def targets(floor: dict[str, Any]) -> list[dict[str, Any]]:
    gateway, node, replicas = floor["gateway"]["ratio"], floor["node"]["ratio"], floor["replicas"]["ratio"]
    exact = floor["replicas"]["rate_limit"]["exact"]
    countries = floor["gateway"]["countries"]
    return [
        {"target": f"gateway CPU per country answer / bare grpc.aio client ({countries} countries)", "wanted": "≤ 1.5×",
         "measured": gateway, "met": gateway <= 1.5},
        {"target": "node CPU per no-hit search / sum of its necessary parts alone", "wanted": "≤ 1.5×",
         "measured": node, "met": node <= 1.5},
        {"target": f"searches/s, two gateway replicas on Redis / one without ({countries} countries, c = 16)", "wanted": "≥ 1.8×",
         "measured": replicas, "met": replicas >= 1.8},
        {"target": "one investigator's rate limit over both replicas", "wanted": "exactly L, then 429",
         "measured": "exact" if exact else "not exact", "met": exact},
    ]  # fmt: skip


def _profile_lines(title: str, profile: dict[str, Any] | None) -> list[str]:
    if profile is None:
        return []
    if "problem" in profile:
        return ["", f"{title}: no profile ({profile['problem']})."]
    lines = [
        "",
        f"{title} (py-spy --gil, {profile['samples']} samples), own time:",
        "",
        "| function | share |",
        "|---|---:|",
    ]
    return lines + [f"| `{row['function']}` | {row['own_share']:.1%} |" for row in profile["top"]]


def markdown(floor: dict[str, Any]) -> str:
    g, n, r = floor["gateway"], floor["node"], floor["replicas"]
    lines = [
        f"(a) Gateway, {g['countries']} countries (one node process each in a full run), no-hit searches at "
        "concurrency 1: "
        f"{g['gateway_us_per_country_answer']} µs of gateway CPU per country answer over {g['searches']} searches; "
        f"a bare grpc.aio client (this process, pre-made assertions, asyncio.gather over reused channels) to the "
        f"same nodes: {g['bare_client_us_per_country_answer']} µs. Ratio **{g['ratio']}×**.",
        *_profile_lines("Gateway during (a)", g.get("gateway_profile")),
        "",
        f"(b) One node ({n['records']} records, its OPA apart), no-hit searches over gRPC at concurrency 1: "
        f"**{n['node_us_per_search']} µs** of node CPU per search ({n['node_user_us_per_search']} user, "
        f"{n['node_system_us_per_search']} system, {n['node_context_switches_per_search']} context switches); "
        f"its OPA {n['opa_us_per_search']} µs (not counted). Its necessary parts alone "
        f"({n['iterations']} iterations each, {n['audit_iterations']} for the audit append):",
        "",
        "| part | CPU µs |",
        "|---|---:|",
        *(f"| {name} | {value} |" for name, value in n["parts_us"].items()),
        f"| **floor (sum)** | **{n['floor_us']}** |",
        *(f"| beside: {name} | {value} |" for name, value in n["beside_us"].items()),
        "",
        f"Node / floor: **{n['ratio']}×**.",
        *_profile_lines("Node during (b)", n.get("node_profile")),
        "",
        f"(c) {r['countries']} countries, concurrency 16: one gateway without Redis {r['one_gateway']['per_s']} searches/s, two "
        f"replicas sharing one Redis {r['two_replicas_redis']['per_s']} searches/s: **{r['ratio']}×** on "
        f"{r['machine_cores']} cores. {r['pinning']} {r.get('note', '')}",
        "",
        "| run | searches/s | cores busy | CPU share by group |",
        "|---|---:|---:|---|",
    ]
    for name, run in (("one gateway", r["one_gateway"]), ("two replicas + Redis", r["two_replicas_redis"])):
        shares = ", ".join(f"{group} {share:.0%}" for group, share in run["cpu_share_by_group"].items())
        lines.append(f"| {name} | {run['per_s']} | {run['cores_busy']} | {shares} |")
    limit = r["rate_limit"]
    lines += [
        "",
        f"Rate limit over both replicas: {limit['sent']} searches of one investigator alternating, limit "
        f"{limit['limit']}: {limit['ok_200']} answered 200, {limit['limited_429']} answered 429 "
        f"({limit['with_retry_after']} with Retry-After), {limit['other']} other: "
        f"{'exact' if limit['exact'] else '**not exact**'}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short phases, few iterations, no profile")
    parser.add_argument("--no-profile", action="store_true", help="no py-spy capture in a full run")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where results are written (default {RESULTS})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fedgate-floor-") as work:
        floor = asyncio.run(floor_section(Path(work), args.quick, not (args.quick or args.no_profile)))
    floor["targets"] = targets(floor)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "floor-quick" if args.quick else "floor"
    (args.out / f"{name}.json").write_text(json.dumps(floor, indent=2) + "\n")
    (args.out / f"{name}.md").write_text(markdown(floor))
    print(markdown(floor))


if __name__ == "__main__":
    main()
