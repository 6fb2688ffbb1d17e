"""The node's policy engine: one OPA decision per search, checked strictly (node.decisions); any doubt releases
nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from operator import attrgetter
from typing import Any, TypeVar

from node.config import OpaSettings
from node.decisions import (
    DeclaredReads,
    DescribeDecision,
    PolicyDecision,
    PolicyUnavailable,
    malformed,
    parse_decision,
    parse_describe,
    parse_reads,
)
from node.opahttp import OpaHttp, OpaProtocolError, OpaResponse
from node.store import StoredRecord

T = TypeVar("T")


# What the node is told when the policy's revision changes: (previous revision, new revision).
RevisionListener = Callable[[str, str], Awaitable[None]]


class PolicyEngine:
    """Asks the country's own OPA server; owns one HTTP session for the node's lifetime."""

    def __init__(self, settings: OpaSettings) -> None:
        self.settings = settings
        # No retries: a retry would outlive the search's budget. Fail once, fail closed.
        self._client = OpaHttp(settings.url)
        # The declaration the next input is built by; None: read it again before the next decision.
        self._reads: DeclaredReads | None = None
        self._revision_known = ""
        self._revision_lock = asyncio.Lock()
        self.on_revision_change: RevisionListener | None = None

    async def start(self) -> None:
        with contextlib.suppress(PolicyUnavailable):
            # Read at start so that the first search need not; an OPA not up yet is asked again by that search.
            self._revision_known = (await self._read_declaration(self.settings.timeout_s)).revision

    async def close(self) -> None:
        await self._client.close()

    async def _query(self, path: str, input_data: dict[str, Any], timeout_s: float) -> Any:
        body = json.dumps({"input": input_data}, ensure_ascii=False, separators=(",", ":")).encode()
        return await self._ask(self._client.post(f"v1/data/{path}", body), timeout_s)

    async def _get(self, path: str, timeout_s: float) -> Any:
        """A GET of a rule without input: no decision is counted, and nothing of a search is logged."""
        return await self._ask(self._client.get(f"v1/data/{path}"), timeout_s)

    async def _ask(self, request: Awaitable[OpaResponse], timeout_s: float) -> Any:
        try:
            async with asyncio.timeout(timeout_s):
                response = await request
        except TimeoutError as error:
            raise PolicyUnavailable("timeout", f"no answer within {timeout_s * 1000:.0f} ms") from error
        except OpaProtocolError as error:
            raise PolicyUnavailable("error", f"OPA request failed: {error}") from error
        except OSError as error:
            raise PolicyUnavailable("unreachable", f"cannot reach OPA at {self.settings.url}") from error
        if response.status != 200:
            raise PolicyUnavailable("error", f"OPA answered HTTP {response.status}")
        try:
            return json.loads(response.body)
        except ValueError as error:
            raise malformed("OPA's answer is not JSON") from error

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

    async def decide_follow_up(
        self, build_input: Callable[[frozenset[str]], dict[str, Any]], budget_s: float | None = None
    ) -> Any:
        """A follow-up's decision as OPA gave it (node.followups.policy checks it), on an input holding only the record
        values the policy declares it reads, as a search's."""
        return await self._under_declaration(self._raw_follow_up, _raw_revision, build_input, budget_s)

    async def _raw_follow_up(self, input_data: dict[str, Any], timeout_s: float) -> Any:
        if timeout_s <= 0:
            raise PolicyUnavailable("timeout", "no time left in the caller's deadline")
        return await self._query(self.settings.follow_up_path, input_data, timeout_s)

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
                    raise malformed("the policy changed while it was deciding")
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
