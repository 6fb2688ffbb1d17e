"""Reading posting lists: which records the query's keys list, and what they weigh together."""

from __future__ import annotations

import heapq

from node.store.records import Connection, chunked


def tied_past_cut(totals: dict[str, float], max_candidates: int) -> bool:
    """Whether the record past the first `max_candidates` weighs as much as the best: the keys cannot choose."""
    if len(totals) <= max_candidates:
        return False
    best = heapq.nlargest(max_candidates + 1, totals.values())
    return best[-1] >= best[0]


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
    add = totals.get
    for chunk in chunked(list(weights)):
        marks = ",".join("?" * len(chunk))
        for key, postings in connection.execute(f"SELECT key, postings FROM key_counts WHERE key IN ({marks})", chunk):
            weight = weights[key]
            # Record ids stay text here: only the best few are ever turned into numbers.
            listed = postings.split(",", max_postings)[:max_postings]
            for rid_text in listed:
                totals[rid_text] = add(rid_text, 0.0) + weight
            if rarest and key in rarest:
                rare.update(listed)
    return totals, rare
