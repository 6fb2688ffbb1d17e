"""Which hits the node answered to whom: indexes of its audit chain's search entries, written in the same
transaction as the entries. `hits`: a requesting agency may follow up only a record it was answered a hit on
(node.followups). `notifications`: the hits on records whose country wants to hear of them (flag "notify" and the
policy's "notify_on_hit"), the officer's notification queue. Derived data: built again from the chain when missing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from node.pgsql import PgConnection

TABLES = {
    "hits": """
CREATE TABLE IF NOT EXISTS hits (
    ref TEXT NOT NULL,
    country TEXT NOT NULL,
    agency TEXT NOT NULL,
    seq BIGINT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hits_by_ref ON hits (ref, country, agency, recorded_at)
""",
    "notifications": """
CREATE TABLE IF NOT EXISTS notifications (
    seq BIGINT NOT NULL,
    ref TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    query_id TEXT NOT NULL,
    requester TEXT NOT NULL,
    purpose TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_by_time ON notifications (recorded_at)
""",
}
# A key of its own: creating the indexes never waits for, nor holds up, the audit table's creation.
PG_INDEX_LOCK = 0x66656413


def reported(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a search entry says were reported to its requester (any disclosure)."""
    if body.get("kind") != "search":
        return []
    return [record for record in body.get("records", []) if record.get("reported")]


def index_hits(
    connection: Any, body: dict[str, Any], seq: int, recorded_at: str, tables: Iterable[str] = TABLES
) -> None:
    """Inside the append's transaction: one row per record reported by this entry (and per notified one)."""
    records = reported(body)
    if not records:
        return
    requester = body.get("requester", {})
    if "hits" in tables:
        connection.executemany(
            "INSERT INTO hits (ref, country, agency, seq, recorded_at) VALUES (?, ?, ?, ?, ?)",
            [(r["ref"], requester.get("country", ""), requester.get("agency", ""), seq, recorded_at) for r in records],
        )
    notified = [record["ref"] for record in records if record.get("notify")]
    if notified and "notifications" in tables:
        who, purpose, query_id = (
            json.dumps(requester, sort_keys=True),
            body.get("purpose", ""),
            body.get("query_id", ""),
        )
        connection.executemany(
            "INSERT INTO notifications (seq, ref, recorded_at, query_id, requester, purpose) VALUES (?, ?, ?, ?, ?, ?)",
            [(seq, ref, recorded_at, query_id, who, purpose) for ref in notified],
        )


def _exists(connection: Any, table: str) -> bool:
    if isinstance(connection, PgConnection):
        return bool(connection.execute("SELECT to_regclass(?) IS NOT NULL", (table,)).fetchone()[0])
    return bool(connection.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])


def ensure_hits_index(connection: Any) -> None:
    """Creates the indexes that are missing, each filled from the search entries already in the chain."""
    if all(_exists(connection, table) for table in TABLES):
        return
    pg = isinstance(connection, PgConnection)
    connection.execute("BEGIN" if pg else "BEGIN IMMEDIATE")
    try:
        if pg:
            connection.execute("SELECT pg_advisory_xact_lock(?)", (PG_INDEX_LOCK,))
        missing = [table for table in TABLES if not _exists(connection, table)]
        for table in missing:
            for statement in filter(str.strip, TABLES[table].split(";")):
                connection.execute(statement)
        if missing:
            rows = connection.execute(
                "SELECT seq, recorded_at, body FROM entries WHERE kind = 'search' ORDER BY seq"
            ).fetchall()
            for seq, recorded_at, body in rows:
                index_hits(connection, json.loads(body), seq, recorded_at, missing)
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


def notifications(connection: Any, since: str, limit: int = 500) -> list[dict[str, Any]]:
    """The hits on records the country wants to hear of, since `since`, oldest first: who looked, when, why."""
    rows = connection.execute(
        "SELECT seq, ref, recorded_at, query_id, requester, purpose FROM notifications"
        " WHERE recorded_at >= ? ORDER BY seq LIMIT ?",
        (since, limit),
    ).fetchall()
    return [
        {"audit_seq": seq, "record_ref": ref, "recorded_at": at, "query_id": query_id, "requester": json.loads(who),
         "purpose": purpose}
        for seq, ref, at, query_id, who, purpose in rows
    ]  # fmt: skip
