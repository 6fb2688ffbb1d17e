"""Replays past searches from the node's audit log against a candidate policy bundle, on a real OPA, and says
what would have left differently.

The policy input of each search is rebuilt by the node's own code (node.search.policy_input) from the audit
entry (requester, purpose, query) and the node's current records; OPA evaluates many searches per request
(one ad-hoc query over a batch of inputs), and each decision is checked and applied (node.policy.parse_decision,
node.search.rank) exactly as the node would. Nothing leaves the node: the replay reads the audit log and the
store read-only and talks to an OPA it starts on loopback.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
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
from fedtools.servers import LocalServer, ServerStartError
from node.audit import export_entries
from node.config import NodeConfig
from node.disclosure import score_shown
from node.matching import prepare_query, query_keys, record_keys
from node.policy import PolicyDecision, PolicyUnavailable, RecordDecision, parse_decision
from node.request import ValidSearch
from node.search import Candidate, Found, find_candidates, policy_input, rank
from node.store import Store, StoredRecord, connect, records_by_ref

# Searches per OPA request: large enough that HTTP and OPA's per-query set-up vanish, small enough that a
# batch's input stays a few megabytes.
DEFAULT_BATCH = 250
# Records kept decoded between searches (a few kilobytes each).
RECORD_CACHE_SIZE = 20_000
OPA_REQUEST_TIMEOUT_S = 120.0

NOT_REPORTED = "none"
# Change kinds. Property changes: what happened to one property of one record in one search.
RELEASED_TO_WITHHELD = "released -> withheld"
WITHHELD_TO_RELEASED = "withheld -> released"
AS_IS_TO_GENERALISED = "released -> generalised"
GENERALISED_TO_AS_IS = "generalised -> released"
GENERALISATION_CHANGED = "generalisation changed"
PROPERTY_KINDS = (
    RELEASED_TO_WITHHELD,
    WITHHELD_TO_RELEASED,
    AS_IS_TO_GENERALISED,
    GENERALISED_TO_AS_IS,
    GENERALISATION_CHANGED,
)
# Search changes.
REFUSAL_GAINED = "refusal gained"
REFUSAL_LOST = "refusal lost"
REFUSAL_REASON_CHANGED = "refusal reason changed"
NO_DECISION = "no usable decision"
SEARCH_KINDS = (REFUSAL_GAINED, REFUSAL_LOST, REFUSAL_REASON_CHANGED, NO_DECISION)
LEVELS = ("none", "hit_only", "partial", "full")
# Record changes: "<old disclosure> -> <new disclosure>", "none" meaning not reported.
DISCLOSURE_KINDS = tuple(f"{old} -> {new}" for old in LEVELS for new in LEVELS if old != new)
# How a record reported before and after shows its score (node.disclosure.score_shown), least first.
SCORES_SHOWN = ("none", "band", "released")
SCORE_KINDS = tuple(f"score {old} -> {new}" for old in SCORES_SHOWN for new in SCORES_SHOWN if old != new)
CHANGE_KINDS = frozenset(PROPERTY_KINDS + SEARCH_KINDS + DISCLOSURE_KINDS + SCORE_KINDS)
PROBE_BUDGET_EXCEEDED = "probe_budget_exceeded"


class ReplayError(Exception):
    """The replay cannot run: unreadable audit log or store, unusable bundle, OPA failing."""


def change_kind(text: str) -> str:
    """A change kind as a person types it ("withheld → released", "Hit_only->partial"); ValueError if unknown."""
    words = text.strip().lower().replace("→", "->").replace("->", " -> ").split()
    kind = " ".join(words)
    if kind not in CHANGE_KINDS:
        raise ValueError(f"{text!r} is not a change kind; known: {', '.join(sorted(CHANGE_KINDS))}")
    return kind


# --- what the audit log says was done -----------------------------------------------------------------


@dataclass(frozen=True)
class PastSearch:
    """One search entry of the audit log, as far as the replay needs it."""

    seq: int
    recorded_at: str
    query_id: str
    requester: dict[str, str]
    purpose: str
    schema: str
    properties: dict[str, list[str]]
    limit: int
    outcome: str
    refusal_reason: str
    policy_revision: str
    records: list[dict[str, Any]]


def past_searches(audit_path: Path, since: str, until: str) -> Iterator[PastSearch]:
    """The search entries recorded in [since, until), in chain order (read-only)."""
    if not audit_path.exists():
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
    except sqlite3.DatabaseError as error:
        raise ReplayError(f"audit log {audit_path} cannot be read: {error}") from error
    except (ValueError, AttributeError) as error:
        raise ReplayError(
            f"audit log {audit_path} holds an entry that is not a search as nodes write them: {error}"
        ) from error


# --- one search's replay ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyChange:
    ref: str
    property: str
    kind: str
    # Why it is withheld now (released -> withheld), why it was (withheld -> released), or the generalisation.
    detail: str
    # The record's values of the property today: shown only when the DPO asks (--show-values).
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordChange:
    ref: str
    schema: str
    old: str  # disclosure, "none" when not reported
    new: str
    properties: list[PropertyChange]
    # How its score was shown and would be, where it is reported both times (and the audit entry says).
    old_score: str = ""
    new_score: str = ""

    @property
    def kind(self) -> str | None:
        return f"{self.old} -> {self.new}" if self.old != self.new else None

    @property
    def score_kind(self) -> str | None:
        return f"score {self.old_score} -> {self.new_score}" if self.old_score != self.new_score else None


@dataclass
class SearchReplay:
    """What the candidate policy would have done with one past search, beside what was done."""

    past: PastSearch
    old_state: str  # "answered" or "refused (<reason>)"
    new_state: str  # likewise, or "no usable decision (<problem>)"
    search_kind: str | None
    records: list[RecordChange]
    records_gone: int
    new_revision: str

    @property
    def changed(self) -> bool:
        return self.search_kind is not None or bool(self.records)

    def kinds(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        if self.search_kind:
            counts[self.search_kind] += 1
        for record in self.records:
            if record.kind:
                counts[record.kind] += 1
            if record.score_kind:
                counts[record.score_kind] += 1
            counts.update(change.kind for change in record.properties)
        return counts


@dataclass
class Prepared:
    past: PastSearch
    search: ValidSearch
    found: Found
    records_gone: int
    input: dict[str, Any]
    # Refused then: evaluated first without records (a refusal depends on who asks, why and how, not on
    # records); only a search the candidate policy would answer is searched again (see prepare_refused).
    without_records: bool = False
    # Refused then by the node's probing budget: the records the requester had tried too many queries
    # against. The node refuses again if the candidate policy would still report one of them.
    over_budget: frozenset[str] = frozenset()
    # The candidates were found in today's store as the node finds them (not rebuilt from the audit entry).
    searched: bool = False


@dataclass(frozen=True)
class _Shown:
    """What one record showed the requester: its disclosure and, per property, how it left (if it did)."""

    disclosure: str
    # property -> "" (as it is), or the generalisation method
    released: dict[str, str]
    # property -> reason
    withheld: dict[str, str]
    # How the score is shown (node.disclosure.score_shown); "" where the audit entry does not say (entries
    # written before nodes recorded it).
    score: str = ""


def _old_view(past: PastSearch) -> dict[str, _Shown]:
    shown: dict[str, _Shown] = {}
    for entry in past.records:
        if not entry.get("reported") or entry.get("disclosure", NOT_REPORTED) == NOT_REPORTED:
            continue
        generalised = entry.get("generalised", {})
        shown[entry["ref"]] = _Shown(
            entry["disclosure"],
            {name: generalised.get(name, "") for name in entry.get("released", [])},
            dict(entry.get("withheld", {})),
            entry.get("score_shown", ""),
        )
    return shown


def _new_view(reported: list[RecordDecision], refs: list[str]) -> dict[str, _Shown]:
    return {
        ref: _Shown(
            d.disclosure,
            {name: d.generalise.get(name, "") for name in d.release},
            dict(d.withheld),
            score_shown(d),
        )
        for ref, d in zip(refs, reported, strict=True)
    }


def _old_state(past: PastSearch) -> str:
    return f"refused ({past.refusal_reason})" if past.outcome == "refused" else "answered"


def _not_shown_reason(state: str) -> str:
    return f"search {state}" if state.startswith("refused") else "record not reported"


def _property_changes(
    ref: str, record: StoredRecord, old: _Shown | None, new: _Shown | None, old_state: str, new_state: str
) -> list[PropertyChange]:
    changes: list[PropertyChange] = []
    for name, values in sorted(record.shareable_properties.items()):
        before = old.released.get(name) if old else None
        after = new.released.get(name) if new else None
        if before == after:
            continue
        if after is None:
            reason = new.withheld.get(name, "") if new else _not_shown_reason(new_state)
            kind, detail = RELEASED_TO_WITHHELD, reason or "withheld"
        elif before is None:
            reason = old.withheld.get(name, "") if old else _not_shown_reason(old_state)
            kind, detail = WITHHELD_TO_RELEASED, f"was: {reason or 'withheld'}" + (f"; now as {after}" if after else "")
        elif not before:
            kind, detail = AS_IS_TO_GENERALISED, f"as {after}"
        elif not after:
            kind, detail = GENERALISED_TO_AS_IS, f"was: as {before}"
        else:
            kind, detail = GENERALISATION_CHANGED, f"as {before} -> as {after}"
        changes.append(PropertyChange(ref, name, kind, detail, tuple(values)))
    return changes


def _ranked_alike(entry: dict[str, Any], decision: RecordDecision | None) -> bool:
    """Whether the node would score and cut this record as it did: a record's score and whether it is kept
    depend on the decision only through whether it may be mentioned and what it may be matched on."""
    was_mentioned = entry.get("disclosure", NOT_REPORTED) != NOT_REPORTED
    is_mentioned = decision is not None and decision.disclosure != NOT_REPORTED
    if not (was_mentioned and is_mentioned):
        return bool(was_mentioned == is_mentioned)
    assert decision is not None
    return bool(entry.get("match_on") == sorted(decision.match_on))


def _found_again(prepared: Prepared) -> Found:
    """The candidates as the node's ranking needs them: which ones only a full birth date brought in (those
    sharing no name or identifier key with the query) is worked out again from the blocking keys."""
    found = prepared.found
    if prepared.searched:
        return found
    query = prepared.search.query
    keys = query_keys(query)
    if not keys.date_keys:
        return found
    anchors = set(keys.name_keys) | set(keys.identifier_keys)
    found.candidates = [
        Candidate(c.record, not (record_keys(c.record.schema, c.record.properties) & anchors)) for c in found.candidates
    ]
    return found


def compare(prepared: Prepared, decision: PolicyDecision | None, problem: str, min_score: float) -> SearchReplay:
    """Sets what the candidate policy would have shown beside what the audit entry says was shown."""
    past = prepared.past
    old_state = _old_state(past)
    records = {candidate.record.ref: candidate.record for candidate in prepared.found.candidates}
    if decision is None:
        return SearchReplay(past, old_state, f"no usable decision ({problem})", NO_DECISION, [], 0, "")
    old = _old_view(past)
    if decision.refused:
        new_state = f"refused ({decision.refusal_reason})"
        new: dict[str, _Shown] = {}
    elif prepared.over_budget:
        matches = rank(_found_again(prepared), decision, prepared.search.limit, min_score)
        if prepared.over_budget & {m.record.ref for m in matches}:
            # A record the requester had probed too often would still be reported: the node refuses again.
            new_state, new = old_state, {}
        else:
            new_state = "answered"
            new = _new_view([m.decision for m in matches], [m.record.ref for m in matches])
    elif old_state == "answered" and all(
        _ranked_alike(entry, decision.records.get(entry["ref"])) for entry in past.records if entry["ref"] in records
    ):
        # The same records would be reported (ranking would repeat itself), each as its new decision says.
        new_state = "answered"
        reported = [ref for ref in old if ref in records]
        new = _new_view([decision.records[ref] for ref in reported], reported)
    else:
        new_state = "answered"
        matches = rank(_found_again(prepared), decision, prepared.search.limit, min_score)
        new = _new_view([m.decision for m in matches], [m.record.ref for m in matches])
    if old_state == new_state:
        search_kind = None
    elif old_state == "answered":
        search_kind = REFUSAL_GAINED
    elif new_state == "answered":
        search_kind = REFUSAL_LOST
    else:
        search_kind = REFUSAL_REASON_CHANGED
    changes: list[RecordChange] = []
    for ref in sorted(old.keys() | new.keys()):
        record = records.get(ref)
        if record is None:
            continue  # no longer held: counted in records_gone, not compared
        before, after = old.get(ref), new.get(ref)
        properties = _property_changes(ref, record, before, after, old_state, new_state)
        level_before = before.disclosure if before else NOT_REPORTED
        level_after = after.disclosure if after else NOT_REPORTED
        # A score is compared where the record is reported both times and the audit entry says how.
        scores = (before.score, after.score) if before and after and before.score else ("", "")
        if properties or level_before != level_after or scores[0] != scores[1]:
            changes.append(RecordChange(ref, record.schema.name, level_before, level_after, properties, *scores))
    return SearchReplay(past, old_state, new_state, search_kind, changes, prepared.records_gone, decision.revision)


# --- rebuilding inputs --------------------------------------------------------------------------------


class RecordLookup:
    """The node's current records by ref, read-only. Records many searches considered (namesakes, the
    records of a busy case) are read and decoded once: the most recently used are kept, up to cache_size."""

    def __init__(self, store_path: Path, cache_size: int = RECORD_CACHE_SIZE) -> None:
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


def prepare(config: NodeConfig, lookup: RecordLookup, past: PastSearch) -> Prepared | str:
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
        return Prepared(past, search, found, 0, policy_input(config, search, found), True, over_budget)
    held = lookup.held(refs)
    found = Found(prepare_query(query), len(refs), [Candidate(held[ref], False) for ref in refs if ref in held])
    return Prepared(
        past, search, found, len(refs) - len(held), policy_input(config, search, found), past.outcome == "refused"
    )


def prepare_refused(config: NodeConfig, store: Store, prepared: Prepared) -> Prepared:
    """A search refused then that the candidate policy would answer: its candidates, as the node finds them
    in today's store (nobody recorded them, since nothing was searched)."""
    search = prepared.search
    found = find_candidates(store, search.query, search.limit, config.matching)
    return Prepared(
        prepared.past,
        search,
        found,
        0,
        policy_input(config, search, found),
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
    store = Store(config.store_path, workers=1, busy_timeout_ms=config.busy_timeout_ms)
    lookup = RecordLookup(config.store_path)
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
                        again.append(prepare_refused(config, store, prepared))
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
            for past in past_searches(config.audit_path, since, until):
                result.searches_read += 1
                preparing = time.perf_counter()
                prepared = prepare(config, lookup, past)
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
