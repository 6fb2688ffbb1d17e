"""Which hits the node answered to whom: an index of its audit chain's search entries, written in the same
transaction as the entries, so that a follow-up can be checked against the node's own audit (a requesting agency
may follow up only a record it was answered a hit on). Derived data: built again from the chain when missing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from node.pgsql import PgConnection

HITS_SQL = """
CREATE TABLE IF NOT EXISTS hits (
    ref TEXT NOT NULL,
    country TEXT NOT NULL,
    agency TEXT NOT NULL,
    seq BIGINT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hits_by_ref ON hits (ref, country, agency, recorded_at);
"""
# A key of its own: creating the index never waits for, nor holds up, the audit table's creation.
PG_HITS_LOCK = 0x66656413


def reported_refs(body: dict[str, Any]) -> list[str]:
    """The records a search entry says were reported to its requester (any disclosure)."""
    if body.get("kind") != "search":
        return []
    return [record["ref"] for record in body.get("records", []) if record.get("reported")]


def index_hits(connection: Any, body: dict[str, Any], seq: int, recorded_at: str) -> None:
    """Inside the append's transaction: one row per record reported by this entry."""
    refs = reported_refs(body)
    if not refs:
        return
    requester = body.get("requester", {})
    rows = [(ref, requester.get("country", ""), requester.get("agency", ""), seq, recorded_at) for ref in refs]
    connection.executemany("INSERT INTO hits (ref, country, agency, seq, recorded_at) VALUES (?, ?, ?, ?, ?)", rows)


def ensure_hits_index(connection: Any) -> None:
    """Creates the index if it is missing, filled from the search entries already in the chain."""
    pg = isinstance(connection, PgConnection)
    exists_sql = (
        "SELECT to_regclass('hits') IS NOT NULL" if pg else "SELECT count(*) FROM sqlite_master WHERE name = 'hits'"
    )
    if connection.execute(exists_sql).fetchone()[0]:
        return
    connection.execute("BEGIN" if pg else "BEGIN IMMEDIATE")
    try:
        if pg:
            connection.execute("SELECT pg_advisory_xact_lock(?)", (PG_HITS_LOCK,))
            if connection.execute(exists_sql).fetchone()[0]:
                connection.execute("COMMIT")
                return
        for statement in filter(str.strip, HITS_SQL.split(";")):
            connection.execute(statement)
        rows: Iterable[tuple[int, str, str]] = connection.execute(
            "SELECT seq, recorded_at, body FROM entries WHERE kind = 'search' ORDER BY seq"
        ).fetchall()
        for seq, recorded_at, body in rows:
            index_hits(connection, json.loads(body), seq, recorded_at)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def had_hit(connection: Any, ref: str, country: str, agency: str, since: str) -> bool:
    """Whether a search answered to this agency of this country since `since` (ISO 8601 UTC) reported `ref`."""
    row = connection.execute(
        "SELECT 1 FROM hits WHERE ref = ? AND country = ? AND agency = ? AND recorded_at >= ? LIMIT 1",
        (ref, country, agency, since),
    ).fetchone()
    return row is not None
