"""The node's policy engine: one OPA decision per search, checked strictly; any doubt releases nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from followthemoney.types import registry
from opa_client.errors import PolicyNotFoundError
from opa_client.opa_async import AsyncOpaClient

from fedcore.vocabulary import DISCLOSURES, POLICY_REFUSAL_REASONS, WITHHOLD_REASONS
from node.config import OpaSettings
from node.store import StoredRecord

T = TypeVar("T")

GENERALISATIONS = {"year": 4, "year_month": 7}
NOT_MENTIONED = "none"
# What score a hit may carry: one over the properties released as they are, a coarse band, or none.
SCORE_KINDS = frozenset({"released", "band", "none"})
HIT_ONLY_SCORE_KINDS = frozenset({"band", "none"})


class PolicyUnavailable(Exception):
    """No usable decision: OPA unreachable, too slow, failing or answering something malformed."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind  # one of "unreachable", "timeout", "error", "malformed"
        self.detail = detail


@dataclass(frozen=True)
class RecordDecision:
    disclosure: str
    release: frozenset[str]
    generalise: dict[str, str]
    withheld: dict[str, str]
    # The query properties the record may be matched on for this requester: nothing else moves its score.
    match_on: frozenset[str] = frozenset()
    # "released", "band" or "none": see SCORE_KINDS.
    score: str = "none"

    @property
    def released_as_is(self) -> frozenset[str]:
        return self.release - self.generalise.keys()


@dataclass(frozen=True)
class PolicyDecision:
    revision: str
    refused: bool
    refusal_reason: str
    records: dict[str, RecordDecision]

    def for_record(self, ref: str) -> RecordDecision | None:
        """The record's decision; None when it must not be mentioned."""
        decision = self.records.get(ref)
        if decision is None or decision.disclosure == NOT_MENTIONED:
            return None
        return decision


def _malformed(detail: str) -> PolicyUnavailable:
    return PolicyUnavailable("malformed", detail)


def _string_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _malformed(f"{what} is not a list of strings")
    return value


def _string_map(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise _malformed(f"{what} is not an object of strings")
    return value


def parse_record_decision(raw: Any, record: StoredRecord) -> RecordDecision:
    where = f"decision for record {record.ref}"
    if not isinstance(raw, dict):
        raise _malformed(f"{where} is not an object")
    disclosure = raw.get("disclosure")
    if disclosure != NOT_MENTIONED and disclosure not in DISCLOSURES:
        raise _malformed(f"{where} has unknown disclosure {disclosure!r}")
    release = frozenset(_string_list(raw.get("release", []), f"{where}: release"))
    generalise = _string_map(raw.get("generalise", {}), f"{where}: generalise")
    withheld = _string_map(raw.get("withheld", {}), f"{where}: withheld")
    present = set(record.shareable_properties)
    if disclosure == NOT_MENTIONED:
        if release:
            raise _malformed(f"{where} releases properties of a record it says not to mention")
        return RecordDecision(NOT_MENTIONED, frozenset(), {}, {})
    if "match_on" not in raw:
        raise _malformed(f"{where} does not say which query properties it may be matched on (match_on)")
    # Query properties (a Person query's "name" may match a Passport's surname): only those asked count.
    match_on = frozenset(_string_list(raw["match_on"], f"{where}: match_on"))
    score = raw.get("score")
    allowed_scores = HIT_ONLY_SCORE_KINDS if disclosure == "hit_only" else SCORE_KINDS
    if score not in allowed_scores:
        raise _malformed(f"{where} gives score {score!r} to a {disclosure!r} record")
    if not release <= present:
        raise _malformed(f"{where} releases properties the record does not hold: {sorted(release - present)}")
    if release & withheld.keys():
        raise _malformed(f"{where} both releases and withholds {sorted(release & withheld.keys())}")
    missing = present - release - withheld.keys()
    if missing:
        raise _malformed(f"{where} gives no reason for withholding {sorted(missing)}")
    unknown_reasons = {reason for reason in withheld.values() if reason not in WITHHOLD_REASONS}
    if unknown_reasons:
        raise _malformed(f"{where} gives unknown reasons {sorted(unknown_reasons)}")
    if not withheld.keys() <= present:
        raise _malformed(f"{where} withholds properties the record does not hold")
    for name, method in generalise.items():
        if name not in release:
            raise _malformed(f"{where} generalises {name!r}, which it does not release")
        if method not in GENERALISATIONS or record.schema.properties[name].type != registry.date:
            raise _malformed(f"{where} cannot generalise {name!r} by {method!r}")
    expected = {
        "full": bool(release) and not withheld,
        "partial": bool(release) and bool(withheld),
        "hit_only": not release,
    }
    if not expected[disclosure]:
        raise _malformed(f"{where} says {disclosure!r} but releases {len(release)} and withholds {len(withheld)}")
    return RecordDecision(disclosure, release, dict(generalise), dict(withheld), match_on, str(score))


def parse_decision(raw: Any, records: list[StoredRecord]) -> PolicyDecision:
    """Checks OPA's answer against the records it was asked about; PolicyUnavailable if anything is off."""
    if not isinstance(raw, dict) or "result" not in raw:
        raise _malformed("the decision is undefined (no result)")
    result = raw["result"]
    if not isinstance(result, dict):
        raise _malformed("the decision is not an object")
    revision = result.get("policy_revision")
    refused = result.get("refused")
    reason = result.get("refusal_reason", "")
    decided = result.get("records")
    if not isinstance(revision, str) or not isinstance(refused, bool) or not isinstance(reason, str):
        raise _malformed("policy_revision, refused or refusal_reason missing or of the wrong type")
    if not isinstance(decided, dict):
        raise _malformed("records is not an object")
    if refused:
        if reason not in POLICY_REFUSAL_REASONS:
            raise _malformed(f"unknown refusal reason {reason!r}")
        if decided:
            raise _malformed("a refusal that decides on records")
        return PolicyDecision(revision, True, reason, {})
    by_ref = {record.ref: record for record in records}
    unknown = set(decided) - by_ref.keys()
    if unknown:
        raise _malformed(f"decides on {len(unknown)} record(s) it was not asked about")
    return PolicyDecision(
        revision,
        False,
        "",
        {ref: parse_record_decision(value, by_ref[ref]) for ref, value in decided.items()},
    )


@dataclass(frozen=True)
class DescribeDecision:
    """What the node may tell one requester about itself; its country and software version always leave."""

    schemata: bool
    counts: bool
    # "" when the policy does not show it.
    policy_revision: str


DESCRIBE_KEYS = frozenset({"schemata", "counts", "policy_revision"})


def parse_describe(raw: Any) -> DescribeDecision:
    """Checks OPA's describe answer: exactly {schemata, counts, policy_revision}; PolicyUnavailable otherwise."""
    if not isinstance(raw, dict) or "result" not in raw:
        raise _malformed("the describe decision is undefined (no result)")
    result = raw["result"]
    if not isinstance(result, dict) or result.keys() != DESCRIBE_KEYS:
        raise _malformed(f"the describe decision is not an object with exactly {sorted(DESCRIBE_KEYS)}")
    schemata, counts, revision = result["schemata"], result["counts"], result["policy_revision"]
    if not isinstance(schemata, bool) or not isinstance(counts, bool) or not isinstance(revision, str):
        raise _malformed("schemata, counts or policy_revision of the wrong type")
    if counts and not schemata:
        raise _malformed("the describe decision shows counts but not the schemata they count")
    return DescribeDecision(schemata, counts, revision)


@dataclass(frozen=True)
class DeclaredReads:
    """The record properties whose values the policy of one revision reads: the only values its input carries."""

    revision: str
    properties: frozenset[str]


READS_KEYS = frozenset({"policy_revision", "properties"})


def parse_reads(raw: Any) -> DeclaredReads:
    """Checks the policy's declaration of the values it reads; PolicyUnavailable when the node cannot know them."""
    if not isinstance(raw, dict) or "result" not in raw:
        raise _malformed("the policy does not declare which record values it reads (no result)")
    result = raw["result"]
    if not isinstance(result, dict) or result.keys() != READS_KEYS:
        raise _malformed(f"the declaration of the values read is not an object with exactly {sorted(READS_KEYS)}")
    revision = result["policy_revision"]
    if not isinstance(revision, str):
        raise _malformed("the declaration of the values read has no policy_revision")
    return DeclaredReads(revision, frozenset(_string_list(result["properties"], "the properties read")))


# What the node is told when the policy's revision changes: (previous revision, new revision).
RevisionListener = Callable[[str, str], Awaitable[None]]


def _rule_path(path: str) -> tuple[str, str]:
    package, _, rule = path.rpartition("/")
    return package, rule


class PolicyEngine:
    """Asks the country's own OPA server; owns one HTTP session for the node's lifetime."""

    def __init__(self, settings: OpaSettings) -> None:
        self.settings = settings
        parts = urlsplit(settings.url)
        secure = parts.scheme == "https"
        self._client = AsyncOpaClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if secure else 80),
            ssl=secure,
            # A retry would outlive the search's budget: fail once, fail closed.
            retries=0,
            timeout=settings.timeout_s,
        )
        self._stack = contextlib.AsyncExitStack()
        # The declaration the next input is built by; None: read it again before the next decision.
        self._reads: DeclaredReads | None = None
        self._revision_known = ""
        self._revision_lock = asyncio.Lock()
        self.on_revision_change: RevisionListener | None = None

    async def start(self) -> None:
        await self._stack.enter_async_context(self._client)
        with contextlib.suppress(PolicyUnavailable):
            # Read at start so that the first search need not; an OPA not up yet is asked again by that search.
            self._revision_known = (await self._read_declaration(self.settings.timeout_s)).revision

    async def close(self) -> None:
        await self._stack.aclose()

    async def _query(self, path: str, input_data: dict[str, Any], timeout_s: float) -> Any:
        package, rule = _rule_path(path)
        return await self._ask(self._client.query_rule(input_data, package, rule), timeout_s)

    async def _get(self, path: str, timeout_s: float) -> Any:
        """A GET of a rule without input: no decision is counted, and nothing of a search is logged."""
        try:
            return await self._ask(self._client.get_data(path), timeout_s)
        except PolicyNotFoundError:
            return {}

    async def _ask(self, request: Awaitable[Any], timeout_s: float) -> Any:
        try:
            return await asyncio.wait_for(request, timeout_s)
        except TimeoutError as error:
            raise PolicyUnavailable("timeout", f"no answer within {timeout_s * 1000:.0f} ms") from error
        except aiohttp.ClientResponseError as error:
            raise PolicyUnavailable("error", f"OPA answered HTTP {error.status}") from error
        except aiohttp.ClientConnectionError as error:
            raise PolicyUnavailable("unreachable", f"cannot reach OPA at {self.settings.url}") from error
        except (aiohttp.ContentTypeError, json.JSONDecodeError, ValueError) as error:
            raise _malformed("OPA's answer is not JSON") from error
        except aiohttp.ClientError as error:
            raise PolicyUnavailable("error", f"OPA request failed: {type(error).__name__}") from error

    async def decide(
        self, input_data: dict[str, Any], records: list[StoredRecord], budget_s: float | None = None
    ) -> PolicyDecision:
        """One decision covering every candidate record."""
        timeout_s = min(self.settings.timeout_s, budget_s) if budget_s is not None else self.settings.timeout_s
        if timeout_s <= 0:
            raise PolicyUnavailable("timeout", "no time left in the caller's deadline")
        raw = await self._query(self.settings.decision_path, input_data, timeout_s)
        return parse_decision(raw, records)

    async def _read_declaration(self, timeout_s: float) -> DeclaredReads:
        self._reads = None
        reads = parse_reads(await self._get(self.settings.reads_path, timeout_s))
        self._reads = reads
        return reads

    async def decide_search(
        self,
        build_input: Callable[[frozenset[str]], dict[str, Any]],
        records: list[StoredRecord],
        budget_s: float | None = None,
    ) -> PolicyDecision:
        """One decision covering every candidate, on an input holding only the record values the policy declares
        it reads (see _under_declaration)."""

        async def ask(input_data: dict[str, Any], timeout_s: float) -> PolicyDecision:
            return await self.decide(input_data, records, timeout_s)

        return await self._under_declaration(ask, attrgetter("revision"), build_input, budget_s)

    async def decide_screen(
        self, build_input: Callable[[frozenset[str]], dict[str, Any]], budget_s: float | None = None
    ) -> Any:
        """One decision covering every candidate of every query of a screening batch, as OPA gave it (node.screen
        checks it query by query, each with parse_decision), under the same declaration as a search's."""
        return await self._under_declaration(self._raw_decision, _raw_revision, build_input, budget_s)

    async def _raw_decision(self, input_data: dict[str, Any], timeout_s: float) -> Any:
        if timeout_s <= 0:
            raise PolicyUnavailable("timeout", "no time left in the caller's deadline")
        return await self._query(self.settings.decision_path, input_data, timeout_s)

    async def _under_declaration(
        self,
        ask: Callable[[dict[str, Any], float], Awaitable[T]],
        revision_of: Callable[[T], str],
        build_input: Callable[[frozenset[str]], dict[str, Any]],
        budget_s: float | None,
    ) -> T:
        """A decision on the input `build_input` makes from the declared reads. A decision of another revision than
        the declaration's means the policy changed: the declaration is read again and, if it reads other values,
        the decision is asked again; a policy that keeps changing gives no decision. Any failure drops the
        declaration, so that the next search reads it again."""
        timeout_s = min(self.settings.timeout_s, budget_s) if budget_s is not None else self.settings.timeout_s
        deadline = time.monotonic() + timeout_s
        try:
            reads = self._reads or await self._read_declaration(timeout_s)
            decision = await ask(build_input(reads.properties), deadline - time.monotonic())
            if revision_of(decision) != reads.revision:
                fresh = await self._read_declaration(max(deadline - time.monotonic(), 0.001))
                if fresh.properties != reads.properties:
                    decision = await ask(build_input(fresh.properties), deadline - time.monotonic())
                if revision_of(decision) != fresh.revision:
                    raise _malformed("the policy changed while it was deciding")
        except PolicyUnavailable:
            self._reads = None
            raise
        await self._note_revision(revision_of(decision))
        return decision

    async def _note_revision(self, revision: str) -> None:
        """Tells the listener when the revision deciding searches differs from the last one seen; the change is
        remembered only once the listener took it (a failing listener is told again by the next search)."""
        if not revision or revision == self._revision_known:
            return
        async with self._revision_lock:
            previous = self._revision_known
            if revision == previous:
                return
            if previous and self.on_revision_change is not None:
                await self.on_revision_change(previous, revision)
            self._revision_known = revision

    async def describe(self, input_data: dict[str, Any], budget_s: float | None = None) -> DescribeDecision:
        """What the node may tell this requester about itself."""
        timeout_s = min(self.settings.timeout_s, budget_s) if budget_s is not None else self.settings.timeout_s
        if timeout_s <= 0:
            raise PolicyUnavailable("timeout", "no time left in the caller's deadline")
        raw = await self._query(self.settings.describe_path, input_data, timeout_s)
        return parse_describe(raw)

    async def revision(self) -> str:
        """The policy revision OPA serves, or "" when it cannot be asked."""
        try:
            raw = await self._query(self.settings.revision_path, {}, self.settings.timeout_s)
        except PolicyUnavailable:
            return ""
        result = raw.get("result") if isinstance(raw, dict) else None
        return result if isinstance(result, str) else ""


def _raw_revision(raw: Any) -> str:
    """The policy revision of a screening batch's decision as OPA gave it; "" when it has none."""
    result = raw.get("result") if isinstance(raw, dict) else None
    revision = result.get("policy_revision") if isinstance(result, dict) else None
    return revision if isinstance(revision, str) else ""
