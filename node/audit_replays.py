"""Replays refused where every node process of a country sees them: in the audit chain's own append transaction.

Each process keeps the query ids it answered in memory (node.admission.ReplayGuard), which stops a replay to the
same process before any work. Two processes on one PostgreSQL database share only the chain: a requester
assertion replayed to the other process is caught here, when its search entry is about to be appended after an
entry of the same query id within the replay window. Appends are serialised (the database's append lock, the
SQLite file's write lock), so of two copies of a request sent at once to two processes exactly one is answered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

# How long a query id stays unusable after it was answered (beyond any assertion's lifetime).
REPLAY_WINDOW_S = 600.0

QUERY_ID_INDEX_SQL = "CREATE INDEX IF NOT EXISTS entries_query_id ON entries (query_id)"


class QueryReplayed(Exception):
    """A search of this query id was already answered within the replay window (by this process or another)."""


def replay_window_start(now: datetime | None = None) -> str:
    """The earliest recorded_at (ISO 8601 UTC, as entries carry it) that still makes a query id used."""
    return ((now or datetime.now(UTC)) - timedelta(seconds=REPLAY_WINDOW_S)).isoformat(timespec="microseconds")


def is_replay(connection: Any, body: dict[str, Any], since: str, batch: set[str]) -> bool:
    """Inside the append's transaction: whether this search entry's query id was answered since `since` (or is
    earlier in the same batch). Entries of other kinds are never replays here."""
    if body.get("kind") != "search":
        return False
    query_id = body.get("query_id", "")
    if query_id in batch:
        return True
    batch.add(query_id)
    row = connection.execute(
        "SELECT 1 FROM entries WHERE query_id = ? AND kind = 'search' AND recorded_at >= ? LIMIT 1",
        (query_id, since),
    ).fetchone()
    return row is not None


__all__ = ["QUERY_ID_INDEX_SQL", "REPLAY_WINDOW_S", "QueryReplayed", "is_replay", "replay_window_start"]
