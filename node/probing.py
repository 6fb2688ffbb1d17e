"""Probe budgets: how many distinct queries one requester may try against one record before the node stops answering.

An oracle attack varies one property (say, nineteen birth dates) against the same record and learns a withheld
value from which variant matches or how the answer changes. Repeating a search is not probing, and neither is
rewording it trivially: a query counts once per distinct `query_variant` within the window.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable

Requester = tuple[str, str, str]  # (country, agency, investigator)


def _canonical_value(value: str) -> str:
    # NFKC and case folding make "IVAN", "ivan" and full-width "ｉｖａｎ" one value; runs of spaces are one space.
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def query_variant(schema: str, properties: dict[str, list[str]]) -> str:
    """SHA-256 (hex) of the query's canonical form: equal for queries that differ only in case, spacing or order."""
    canonical: list[list[str]] = []
    for name in sorted(properties):
        values = sorted({_canonical_value(value) for value in properties[name]} - {""})
        if values:
            canonical.append([name, *values])
    encoded = json.dumps([schema, canonical], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class ProbeBudget:
    """Distinct query variants per (requester, record) within a sliding window, refused beyond a budget.

    A variant stays in a record's window for `window_s` after the requester last used it. At most `max_tracked`
    (requester, record) pairs are remembered; beyond that the pair used least recently is forgotten, and its
    requester's budget against that record starts afresh. Forgetting can only let a search through that would
    have been refused, never refuse one that would not: keep `max_tracked` above the pairs a node sees in a
    window. Memory stays below `max_tracked` * `variants_per_record` variants, since a pair never holds more.

    Not thread-safe: the node calls it from its event loop. `now` is monotonic seconds and never decreases.
    """

    def __init__(self, variants_per_record: int, window_s: float, max_tracked: int = 100_000) -> None:
        if variants_per_record < 1:
            raise ValueError(f"variants_per_record must be at least 1, got {variants_per_record}")
        if window_s <= 0:
            raise ValueError(f"window_s must be greater than 0, got {window_s}")
        if max_tracked < 1:
            raise ValueError(f"max_tracked must be at least 1, got {max_tracked}")
        self.variants_per_record = variants_per_record
        self.window_s = window_s
        self.max_tracked = max_tracked
        # (requester, record ref) -> {variant: when last used}; both ordered oldest first, so that expiry and
        # eviction only ever look at the front.
        self._seen: OrderedDict[tuple[Requester, str], dict[str, float]] = OrderedDict()

    def admit(self, requester: Requester, variant: str, record_refs: Iterable[str], now: float) -> list[str]:
        """The refs whose budget this search would exceed (then nothing is recorded); [] once it is recorded."""
        refs = list(dict.fromkeys(record_refs))
        self._forget_expired(now)
        over = [ref for ref in refs if self._would_exceed((requester, ref), variant, now)]
        if over:
            return over
        for ref in refs:
            key = (requester, ref)
            variants = self._seen.pop(key, {})
            variants.pop(variant, None)  # re-inserted last: the variants stay ordered by when they were used
            variants[variant] = now
            self._seen[key] = variants
        while len(self._seen) > self.max_tracked:
            self._seen.popitem(last=False)
        return []

    def _would_exceed(self, key: tuple[Requester, str], variant: str, now: float) -> bool:
        variants = self._seen.get(key)
        if variants is None:
            return False
        cutoff = now - self.window_s
        for old_variant, used_at in list(variants.items()):
            if used_at > cutoff:
                break
            del variants[old_variant]
        if variant in variants:
            return False
        return len(variants) >= self.variants_per_record

    def _forget_expired(self, now: float) -> None:
        """Drops pairs none of whose variants is in the window any more: they hold no budget."""
        cutoff = now - self.window_s
        while self._seen:
            key, variants = next(iter(self._seen.items()))
            if variants and next(reversed(variants.values())) > cutoff:
                return
            del self._seen[key]


__all__ = ["ProbeBudget", "Requester", "query_variant"]
