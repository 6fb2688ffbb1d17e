"""Reading posting lists: which records the query's keys list, and what they weigh together."""

from __future__ import annotations

from itertools import repeat
from operator import add

from node.store.records import Connection, chunked


def tied_past_cut(totals: dict[str, float], max_candidates: int) -> bool:
    """Whether the record past the first `max_candidates` weighs as much as the best: the keys cannot choose."""
    if len(totals) <= max_candidates:
        return False
    best = sorted(totals.values(), reverse=True)
    return best[max_candidates] >= best[0]


def other_records(connection: Connection, keys: list[str]) -> list[str]:
    """Of keys listing as many records as the first, those that list other records than every key before."""
    marks = ",".join("?" * len(keys))
    listed = dict(connection.execute(f"SELECT key, postings FROM key_counts WHERE key IN ({marks})", keys))
    seen = {listed.get(keys[0])}
    others: list[str] = []
    for key in keys[1:]:
        postings = listed.get(key)
        if postings not in seen:
            seen.add(postings)
            others.append(key)
    return others


def rarest_keys(counts: list[tuple[str, int]], read: dict[str, float], budget: int) -> set[str]:
    """Of the keys read, the rarest (`counts` lists them rarest first) that list `budget` records at most
    together."""
    rarest: set[str] = set()
    left = budget
    for key, postings in counts:
        if key in read:
            if postings > left:
                break
            left -= postings
            rarest.add(key)
    return rarest


def weigh(
    connection: Connection, weights: dict[str, float], max_postings: int, rarest: set[str] | None = None
) -> tuple[dict[str, float], set[str]]:
    """Each record listed under the keys, with the sum of the weights of the keys that list it; and the records
    listed under the `rarest` of them."""
    totals: dict[str, float] = {}
    rare: set[str] = set()
    listed_weight = totals.get
    for chunk in chunked(list(weights)):
        marks = ",".join("?" * len(chunk))
        for key, postings in connection.execute(f"SELECT key, postings FROM key_counts WHERE key IN ({marks})", chunk):
            weight = weights[key]
            # Record ids stay text here: only the best few are ever turned into numbers.
            listed = postings.split(",", max_postings)[:max_postings]
            # One record at a time, as a loop would (a record listed twice adds twice), without the loop's cost.
            totals.update(zip(listed, map(add, map(listed_weight, listed, repeat(0.0)), repeat(weight)), strict=True))
            if rarest and key in rarest:
                rare.update(listed)
    return totals, rare
