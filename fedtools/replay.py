"""Replays past searches from the node's audit log against a candidate policy bundle, on a real OPA, and says
what would have left differently.

The policy input of each search is rebuilt by the node's own code (node.search.policy_input) from the audit
entry (requester, purpose, query) and the node's current records; OPA evaluates many searches per request
(one ad-hoc query over a batch of inputs), and each decision is checked and applied (node.decisions.parse_decision,
node.search.rank) exactly as the node would. Nothing leaves the node: the replay reads the audit log and the
store read-only and talks to an OPA it starts on loopback.
"""

from __future__ import annotations

import http.client
import json
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fedcore.query import QueryError, validate_query
from fedcore.vocabulary import POLICY_REFUSAL_REASONS
from fedtools.opa import ensure_opa
from fedtools.replay_compare import (
    PROBE_BUDGET_EXCEEDED,
    PastSearch,
    Prepared,
    SearchReplay,
    compare,
)
from fedtools.servers import LocalServer, ServerStartError
from node.audit import audit_exists, export_entries
from node.config import NodeConfig
from node.decisions import PolicyDecision, PolicyUnavailable, parse_decision, parse_reads
from node.matching import prepare_query
from node.pgsql import DATABASE_ERRORS, Location
from node.request import ValidSearch
from node.search import Candidate, Found, find_candidates, policy_input
from node.store import Store, StoredRecord, connect, records_by_ref

# Searches per OPA request: large enough that HTTP and OPA's per-query set-up vanish, small enough that a
# batch's input stays a few megabytes.
DEFAULT_BATCH = 250
# Records kept decoded between searches (a few kilobytes each).
RECORD_CACHE_SIZE = 20_000
OPA_REQUEST_TIMEOUT_S = 120.0


class ReplayError(Exception):
    """The replay cannot run: unreadable audit log or store, unusable bundle, OPA failing."""


# --- what the audit log says was done -----------------------------------------------------------------


def past_searches(audit_path: Location, since: str, until: str) -> Iterator[PastSearch]:
    """The search entries recorded in [since, until), in chain order (read-only)."""
    if not audit_exists(audit_path):
        raise ReplayError(f"audit log {audit_path} does not exist")
    try:
        for row in export_entries(audit_path, since, until):
            if row["kind"] != "search":
                continue
            body = json.loads(row["body"])
            query = body.get("query", {})
            yield PastSearch(
                seq=row["seq"],
                recorded_at=row["recorded_at"],
                query_id=body.get("query_id", ""),
                requester=body.get("requester", {}),
                purpose=body.get("purpose", ""),
                schema=query.get("schema", ""),
                properties=query.get("properties", {}),
                limit=int(query.get("limit", 0)),
                outcome=body.get("outcome", ""),
                refusal_reason=body.get("refusal_reason", ""),
                policy_revision=body.get("policy_revision", ""),
                records=body.get("records", []),
            )
    except DATABASE_ERRORS as error:
        raise ReplayError(f"audit log {audit_path} cannot be read: {error}") from error
    except (ValueError, AttributeError) as error:
        raise ReplayError(
            f"audit log {audit_path} holds an entry that is not a search as nodes write them: {error}"
        ) from error


# --- rebuilding inputs --------------------------------------------------------------------------------


class RecordLookup:
    """The node's current records by ref, read-only. Records many searches considered (namesakes, the
    records of a busy case) are read and decoded once: the most recently used are kept, up to cache_size."""

    def __init__(self, store_path: Location, cache_size: int = RECORD_CACHE_SIZE) -> None:
        self._connection = connect(store_path, readonly=True)
        self._cache: OrderedDict[str, StoredRecord] = OrderedDict()
        self._cache_size = cache_size

    def held(self, refs: list[str]) -> dict[str, StoredRecord]:
        cache = self._cache
        missing = [ref for ref in refs if ref not in cache]
        if missing:
            cache.update(records_by_ref(self._connection, missing))
        held = {}
        for ref in refs:
            record = cache.get(ref)
            if record is not None:
                cache.move_to_end(ref)
                held[ref] = record
        while len(cache) > self._cache_size:
            cache.popitem(last=False)
        return held

    def close(self) -> None:
        self._connection.close()


def prepare(config: NodeConfig, lookup: RecordLookup, past: PastSearch, reads: frozenset[str]) -> Prepared | str:
    """The policy input the node would build for this search today, or why it cannot be rebuilt.

    An answered search is rebuilt with the records it considered then (the audit entry lists every
    candidate), as they are held today; a refused one first without records (see prepare_refused)."""
    if past.outcome == "policy_unavailable":
        return "no policy decision was made at the time (policy unavailable)"
    probed = past.outcome == "refused" and past.refusal_reason == PROBE_BUDGET_EXCEEDED
    if past.outcome == "refused" and past.refusal_reason not in POLICY_REFUSAL_REASONS and not probed:
        return f"refused by the node, not by its policy ({past.refusal_reason or 'no reason recorded'})"
    if past.outcome not in ("hit", "no_hit", "refused"):
        return f"unknown outcome {past.outcome!r}"
    try:
        query = validate_query(past.schema, past.properties, config.query_limits)
    except QueryError as error:
        return f"the recorded query is not valid today ({error.field})"
    search = ValidSearch(past.query_id, past.requester, past.purpose, query, past.limit or config.default_limit, "")
    refs = [entry["ref"] for entry in past.records if isinstance(entry.get("ref"), str)]
    if probed:
        # The entry lists only the records over budget, not the candidates: like a refusal, the search is
        # asked first without records, then searched again if the candidate policy would answer it.
        over_budget = frozenset(e["ref"] for e in past.records if e.get("probe_budget_exceeded"))
        found = Found(prepare_query(query), 0, [])
        return Prepared(past, search, found, 0, policy_input(config, search, found, reads), True, over_budget)
    held = lookup.held(refs)
    found = Found(prepare_query(query), len(refs), [Candidate(held[ref], False) for ref in refs if ref in held])
    return Prepared(
        past,
        search,
        found,
        len(refs) - len(held),
        policy_input(config, search, found, reads),
        past.outcome == "refused",
    )


def prepare_refused(config: NodeConfig, store: Store, prepared: Prepared, reads: frozenset[str]) -> Prepared:
    """A search refused then that the candidate policy would answer: its candidates, as the node finds them
    in today's store (nobody recorded them, since nothing was searched)."""
    search = prepared.search
    found = find_candidates(store, search.query, search.limit, config.matching)
    return Prepared(
        prepared.past,
        search,
        found,
        0,
        policy_input(config, search, found, reads),
        over_budget=prepared.over_budget,
        searched=True,
    )


# --- the candidate policy on a real OPA ---------------------------------------------------------------


class ReplayOpa(LocalServer):
    """A real OPA on loopback serving the candidate bundle (a .tar.gz from `opa build`, or a directory)."""

    ready_path = "/health?bundles"

    def __init__(self, bundle: Path, work_dir: Path, opa_binary: Path | None = None) -> None:
        super().__init__()
        self.name = f"OPA for the replay of {bundle.name}"
        self.bundle = bundle
        self.work_dir = work_dir
        self.opa_binary = opa_binary

    def start(self, timeout_s: float = 60.0) -> ReplayOpa:
        if not self.bundle.exists():
            raise ReplayError(f"bundle {self.bundle} does not exist")
        binary = self.opa_binary or ensure_opa()
        command = [str(binary), "run", "--server", "--addr", "127.0.0.1:0", "--disable-telemetry"]
        command += ["--shutdown-grace-period", "1", "--log-level", "error", "--bundle", str(self.bundle)]
        log = self.work_dir / "opa-replay.log"
        try:
            self.launch(command, log, timeout_s)
        except ServerStartError as error:
            # The log lives in a scratch directory that is about to go: say what it says.
            said = log.read_text(errors="replace").strip()[-1500:] if log.exists() else ""
            raise ReplayError(f"OPA would not serve {self.bundle}: {error}" + (f"\n{said}" if said else "")) from error
        return self

    def __enter__(self) -> ReplayOpa:
        return self.start()


class BatchEvaluator:
    """Evaluates one rule for many inputs in one request to OPA's query API."""

    def __init__(self, opa_url: str, decision_path: str, timeout_s: float = OPA_REQUEST_TIMEOUT_S) -> None:
        host_port = opa_url.removeprefix("http://")
        self.host, _, port = host_port.partition(":")
        self.port = int(port or 80)
        self.timeout_s = timeout_s
        self.rule = rule = "data." + ".".join(decision_path.strip("/").split("/"))
        # Keyed by position: an input for which the rule is undefined leaves a gap, never a shift.
        self.query = f"decisions := {{n: d | some n, one in input.searches; d := {rule} with input as one}}"

    def check(self) -> None:
        """Fails early, naming the rule, when the bundle does not define it (a bundle of another country?):
        country policies give their decision a default, so it is defined even for an empty input."""
        if self.evaluate([{}]) == [None]:
            raise ReplayError(f"the bundle does not define {self.rule}: is it this country's policy?")

    def declared_reads(self, reads_path: str) -> frozenset[str]:
        """The record properties whose values the bundle's policy declares it reads."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            connection.request("GET", "/v1/data/" + reads_path.strip("/"))
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise ReplayError(f"OPA at {self.host}:{self.port} did not answer: {error}") from error
        finally:
            connection.close()
        try:
            return parse_reads(json.loads(payload) if response.status == 200 else {}).properties
        except (PolicyUnavailable, ValueError) as error:
            raise ReplayError(f"the bundle does not declare which record values it reads ({reads_path})") from error

    def evaluate(self, inputs: list[dict[str, Any]]) -> list[Any]:
        """The rule's value for each input (None where undefined)."""
        body = json.dumps({"query": self.query, "input": {"searches": inputs}}, separators=(",", ":"))
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            connection.request("POST", "/v1/query", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise ReplayError(f"OPA at {self.host}:{self.port} did not answer: {error}") from error
        finally:
            connection.close()
        if response.status != 200:
            raise ReplayError(f"OPA answered HTTP {response.status}: {payload[:500].decode(errors='replace')}")
        result = json.loads(payload).get("result", [])
        decided: dict[str, Any] = result[0]["decisions"] if result else {}
        return [decided.get(str(n)) for n in range(len(inputs))]


def decide(raw: Any, prepared: Prepared) -> tuple[PolicyDecision | None, str]:
    if raw is None:
        return None, "the decision rule is undefined"
    try:
        return parse_decision({"result": raw}, [candidate.record for candidate in prepared.found.candidates]), ""
    except PolicyUnavailable as error:
        return None, error.detail


# --- the whole replay ---------------------------------------------------------------------------------


# A batch sent to OPA: the searches and the decisions to come.
_Batch = tuple[list[Prepared], Future[list[Any]]]


@dataclass
class ReplayResult:
    node_country: str
    since: str
    until: str
    bundle: str
    bundle_revision: str
    searches_read: int = 0
    searches_replayed: int = 0
    records_gone: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    changed: list[SearchReplay] = field(default_factory=list)
    elapsed_s: float = 0.0
    # Once per process, before the replay proper: the name analysis loads its tables (seconds).
    warm_up_s: float = 0.0
    # Where the time went: rebuilding inputs (store reads, matching), waiting for OPA, comparing.
    prepare_s: float = 0.0
    opa_wait_s: float = 0.0
    compare_s: float = 0.0

    @property
    def searches_per_s(self) -> float:
        return self.searches_replayed / self.elapsed_s if self.elapsed_s > 0 else 0.0


def replay(
    config: NodeConfig,
    evaluator: BatchEvaluator,
    since: str,
    until: str,
    *,
    bundle: str = "",
    batch: int = DEFAULT_BATCH,
    progress: Callable[[int], None] = lambda _: None,
) -> ReplayResult:
    """Replays every search recorded in [since, until) and keeps those whose outcome would change.

    While OPA evaluates one batch, the next batch's inputs are rebuilt: the two overlap."""
    result = ReplayResult(config.country, since, until, bundle, "")
    warming = time.perf_counter()
    prepare_query(validate_query("Person", {"name": ["Warm Up"]}))
    started = time.perf_counter()
    result.warm_up_s = started - warming
    # The candidate policy's own declaration of the record values it reads: its inputs carry those alone.
    reads = evaluator.declared_reads(config.opa.reads_path)
    store = Store(config.store, workers=1, busy_timeout_ms=config.busy_timeout_ms)
    lookup = RecordLookup(config.store)
    min_score = config.matching.min_score
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="opa-batch") as pool:
            pending: _Batch | None = None
            submitted: _Batch | None

            def settle(item: _Batch) -> list[Prepared]:
                """Compares a batch's decisions; returns the refused searches to evaluate again with records."""
                group, future = item
                waited = time.perf_counter()
                decided = future.result()
                compared = time.perf_counter()
                result.opa_wait_s += compared - waited
                again: list[Prepared] = []
                for prepared, raw in zip(group, decided, strict=True):
                    decision, problem = decide(raw, prepared)
                    if prepared.without_records and decision is not None and not decision.refused:
                        again.append(prepare_refused(config, store, prepared, reads))
                        continue
                    outcome = compare(prepared, decision, problem, min_score)
                    result.searches_replayed += 1
                    result.records_gone += outcome.records_gone
                    if outcome.new_revision and not result.bundle_revision:
                        result.bundle_revision = outcome.new_revision
                    if outcome.changed:
                        result.changed.append(outcome)
                result.compare_s += time.perf_counter() - compared
                progress(result.searches_replayed)
                return again

            def submit(group: list[Prepared]) -> _Batch:
                return group, pool.submit(evaluator.evaluate, [p.input for p in group])

            group: list[Prepared] = []
            for past in past_searches(config.audit_log, since, until):
                result.searches_read += 1
                preparing = time.perf_counter()
                prepared = prepare(config, lookup, past, reads)
                result.prepare_s += time.perf_counter() - preparing
                if isinstance(prepared, str):
                    result.skipped[prepared] += 1
                    continue
                group.append(prepared)
                if len(group) >= batch:
                    submitted = submit(group)
                    group = settle(pending) if pending is not None else []
                    pending = submitted
            while group or pending is not None:
                submitted = submit(group) if group else None
                group = settle(pending) if pending is not None else []
                pending = submitted
    finally:
        lookup.close()
        store.close()
    result.elapsed_s = time.perf_counter() - started
    return result
