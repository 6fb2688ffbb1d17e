"""Checking a run of audit entries: each entry's hash, its place, and its link to the one before."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def entry_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_seq: int | None = None
    broken_entry_id: str | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def walk_chain(entries: Iterable[dict[str, Any]], *, anchored: bool = True) -> ChainReport:
    """Checks entries in order. anchored=False (an export) trusts the first entry's link to what came before."""
    expected_prev: str | None = GENESIS_HASH if anchored else None
    expected_seq: int | None = 1 if anchored else None
    count = 0
    for entry in entries:
        count += 1
        problem = _entry_problem(entry, expected_seq, expected_prev)
        if problem is not None:
            return ChainReport(count, entry.get("seq"), entry.get("entry_id"), problem)
        expected_prev, expected_seq = entry["hash"], entry["seq"] + 1
    return ChainReport(count)


def _entry_problem(entry: dict[str, Any], expected_seq: int | None, expected_prev: str | None) -> str | None:
    try:
        content = json.loads(entry["body"])
    except (KeyError, TypeError, json.JSONDecodeError):
        return "its content is not valid JSON"
    if entry_hash(entry["prev_hash"], entry["body"]) != entry["hash"]:
        return "its content does not match its hash (altered)"
    if content.get("seq") != entry["seq"] or content.get("entry_id") != entry["entry_id"]:
        return "its position or id differs from what was hashed (moved)"
    columns = (content.get("kind"), content.get("query_id", ""), content.get("recorded_at"))
    if columns != (entry["kind"], entry["query_id"], entry["recorded_at"]):
        return "its indexed columns differ from its hashed content (altered)"
    if expected_seq is not None and entry["seq"] != expected_seq:
        return f"entry {expected_seq} is missing (removed)"
    if expected_prev is not None and entry["prev_hash"] != expected_prev:
        return "it does not follow the entry before it (an earlier entry was altered, removed or moved)"
    return None


__all__ = ["GENESIS_HASH", "ChainReport", "entry_hash", "walk_chain"]
