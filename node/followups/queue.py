"""The node's follow-up queue: every follow-up filed with it, its state and, once decided, what was released.

In its own SQLite file beside the audit log (audit.sqlite → audit-follow-ups.sqlite), or in the node's
PostgreSQL database, shared by every node process of the country. Only the owning node holds a follow-up's
reasons and released values; the gateway keeps its id, state and times.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fedgate.v1 import node_pb2 as pb
from node.pgsql import DATABASE_ERRORS, Location, PgConnection, PostgresDatabase, pg_connect, with_schema_lock

# Open states: waiting for the officer. Closed: released, refused, expired.
PENDING = "pending"
CLOSED_STATES = frozenset({"released", "refused", "expired"})
STATES = frozenset({PENDING}) | CLOSED_STATES

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS follow_ups (
    id TEXT PRIMARY KEY,
    requester_country TEXT NOT NULL,
    requester_agency TEXT NOT NULL,
    requester TEXT NOT NULL,
    purpose TEXT NOT NULL,
    record_ref TEXT NOT NULL,
    case_reference TEXT NOT NULL,
    reasons TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    requested TEXT NOT NULL,
    urgency TEXT NOT NULL,
    assertion TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL,
    refusal TEXT NOT NULL DEFAULT '',
    policy_refusal_reason TEXT NOT NULL DEFAULT '',
    officer_refusal TEXT NOT NULL DEFAULT '',
    duplicate_of TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    officer TEXT NOT NULL DEFAULT '',
    approved TEXT NOT NULL DEFAULT '[]',
    officer_note TEXT NOT NULL DEFAULT '',
    released TEXT NOT NULL DEFAULT '',
    policy_revision TEXT NOT NULL DEFAULT '',
    collected_at TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS follow_ups_one_open ON follow_ups (record_ref, requester_country, requester_agency)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS follow_ups_by_state ON follow_ups (state, due_at);
"""
PG_SCHEMA_LOCK = 0x66656414
COLUMNS = (
    "id, requester_country, requester_agency, requester, purpose, record_ref, case_reference, reasons, legal_basis,"
    " requested, urgency, assertion, filed_at, due_at, expires_at, state, refusal, policy_refusal_reason,"
    " officer_refusal, duplicate_of, decided_at, officer, approved, officer_note, released, policy_revision,"
    " collected_at"
)


class QueueError(Exception):
    """The follow-up queue cannot be opened, read or written."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second ("2026-12-04T10:00:00Z"): how times are stored, compared and shown."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FollowUp:
    id: str
    requester: dict[str, str]
    purpose: str
    record_ref: str
    case_reference: str
    reasons: str
    legal_basis: str
    requested: list[str]
    urgency: str
    assertion: str
    filed_at: str
    due_at: str
    expires_at: str
    state: str = PENDING
    refusal: str = ""
    policy_refusal_reason: str = ""
    officer_refusal: str = ""
    duplicate_of: str = ""
    decided_at: str = ""
    officer: str = ""
    approved: list[str] = field(default_factory=list)
    officer_note: str = ""
    # The released hit (fedgate.v1.Hit, serialised); None until released.
    released: pb.Hit | None = None
    policy_revision: str = ""
    collected_at: str = ""

    def shown_state(self, now: datetime) -> str:
        """Its state as both sides see it: a pending follow-up past its due time is overdue."""
        if self.state == PENDING and iso(now) >= self.due_at:
            return "overdue"
        return self.state

    def row(self) -> tuple[Any, ...]:
        released = base64.b64encode(self.released.SerializeToString()).decode() if self.released is not None else ""
        return (
            self.id,
            self.requester["country"],
            self.requester["agency"],
            json.dumps(self.requester, sort_keys=True),
            self.purpose,
            self.record_ref,
            self.case_reference,
            self.reasons,
            self.legal_basis,
            json.dumps(self.requested),
            self.urgency,
            self.assertion,
            self.filed_at,
            self.due_at,
            self.expires_at,
            self.state,
            self.refusal,
            self.policy_refusal_reason,
            self.officer_refusal,
            self.duplicate_of,
            self.decided_at,
            self.officer,
            json.dumps(self.approved),
            self.officer_note,
            released,
            self.policy_revision,
            self.collected_at,
        )

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> FollowUp:
        values = list(row)
        released = pb.Hit.FromString(base64.b64decode(values[24])) if values[24] else None
        return cls(
            id=values[0],
            requester=json.loads(values[3]),
            purpose=values[4],
            record_ref=values[5],
            case_reference=values[6],
            reasons=values[7],
            legal_basis=values[8],
            requested=json.loads(values[9]),
            urgency=values[10],
            assertion=values[11],
            filed_at=values[12],
            due_at=values[13],
            expires_at=values[14],
            state=values[15],
            refusal=values[16],
            policy_refusal_reason=values[17],
            officer_refusal=values[18],
            duplicate_of=values[19],
            decided_at=values[20],
            officer=values[21],
            approved=json.loads(values[22]),
            officer_note=values[23],
            released=released,
            policy_revision=values[25],
            collected_at=values[26],
        )


def due_times(filed: datetime, due_hours: float, expire_hours: float) -> tuple[str, str]:
    """When a follow-up filed at `filed` is due, and when it expires undecided (never before it is due)."""
    return iso(filed + timedelta(hours=due_hours)), iso(filed + timedelta(hours=max(expire_hours, due_hours)))


class FollowUpQueue:
    """One connection; every change is one transaction. Used from one thread at a time."""

    def __init__(self, location: Location) -> None:
        self.location = location
        try:
            self._connection = _open(location)
        except DATABASE_ERRORS as error:
            raise QueueError(f"follow-up queue {location} cannot be opened: {error}") from error

    def close(self) -> None:
        self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction: SQLite's file lock, or PostgreSQL's; rolled back on any error."""
        connection = self._connection
        try:
            connection.execute("BEGIN" if isinstance(connection, PgConnection) else "BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except DATABASE_ERRORS as error:
            raise QueueError(f"follow-up queue {self.location} cannot be written: {error}") from error

    def get(self, follow_up_id: str) -> FollowUp | None:
        try:
            row = self._connection.execute(f"SELECT {COLUMNS} FROM follow_ups WHERE id = ?", (follow_up_id,)).fetchone()
        except DATABASE_ERRORS as error:
            raise QueueError(f"follow-up queue {self.location} cannot be read: {error}") from error
        return FollowUp.from_row(row) if row else None

    def open_on(self, connection: Any, record_ref: str, country: str, agency: str) -> str | None:
        """The id of this agency's open follow-up on this record, if any (inside a transaction)."""
        row = connection.execute(
            "SELECT id FROM follow_ups WHERE record_ref = ? AND requester_country = ? AND requester_agency = ?"
            " AND state = 'pending'",
            (record_ref, country, agency),
        ).fetchone()
        return row[0] if row else None

    @staticmethod
    def insert(connection: Any, follow_up: FollowUp) -> None:
        marks = ", ".join("?" * len(follow_up.row()))
        connection.execute(f"INSERT INTO follow_ups ({COLUMNS}) VALUES ({marks})", follow_up.row())

    @staticmethod
    def update(connection: Any, follow_up: FollowUp, expected_state: str) -> None:
        """Writes the follow-up back if it is still in `expected_state` (another process may have decided or
        expired it meanwhile); QueueError otherwise."""
        names = [name.strip() for name in COLUMNS.split(",")][1:]
        assignments = ", ".join(f"{name} = ?" for name in names)
        cursor = connection.execute(
            f"UPDATE follow_ups SET {assignments} WHERE id = ? AND state = ?",
            (*follow_up.row()[1:], follow_up.id, expected_state),
        )
        if cursor.rowcount != 1:
            raise QueueError(f"follow-up {follow_up.id} changed meanwhile: it is no longer {expected_state}")

    def listing(self, states: frozenset[str] = STATES, limit: int = 200) -> list[FollowUp]:
        """Follow-ups in these stored states, the soonest due first."""
        marks = ", ".join("?" * len(states))
        try:
            rows = self._connection.execute(
                f"SELECT {COLUMNS} FROM follow_ups WHERE state IN ({marks}) ORDER BY due_at, id LIMIT ?",
                (*sorted(states), limit),
            ).fetchall()
        except DATABASE_ERRORS as error:
            raise QueueError(f"follow-up queue {self.location} cannot be read: {error}") from error
        return [FollowUp.from_row(row) for row in rows]

    def counts(self, now: datetime) -> dict[tuple[str, str], int]:
        """(requesting country, state as shown) → how many: what the metric counts."""
        try:
            rows = self._connection.execute(
                "SELECT requester_country, CASE WHEN state = 'pending' AND due_at <= ? THEN 'overdue' ELSE state END,"
                " count(*) FROM follow_ups GROUP BY 1, 2",
                (iso(now),),
            ).fetchall()
        except DATABASE_ERRORS as error:
            raise QueueError(f"follow-up queue {self.location} cannot be read: {error}") from error
        return {(country, state): int(count) for country, state, count in rows}

    def expirable(self, now: datetime) -> list[FollowUp]:
        """Pending follow-ups past their expiry time."""
        try:
            rows = self._connection.execute(
                f"SELECT {COLUMNS} FROM follow_ups WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at",
                (iso(now),),
            ).fetchall()
        except DATABASE_ERRORS as error:
            # A QueueError, which the node's expiry loop logs and survives (a bare database error would end it).
            raise QueueError(f"follow-up queue {self.location} cannot be read: {error}") from error
        return [FollowUp.from_row(row) for row in rows]


def follow_ups_location(audit_log: Location) -> Location:
    """Beside the audit log's SQLite file, or in the node's PostgreSQL database."""
    if isinstance(audit_log, PostgresDatabase):
        return audit_log
    return audit_log.with_name(f"{audit_log.stem}-follow-ups.sqlite")


def _open(location: Location) -> sqlite3.Connection | PgConnection:
    if isinstance(location, PostgresDatabase):
        pg = pg_connect(location, application="fedgate-follow-ups")
        if not pg.execute("SELECT to_regclass('follow_ups') IS NOT NULL").fetchone()[0]:
            with_schema_lock(pg, PG_SCHEMA_LOCK, SCHEMA_SQL)
        return pg
    assert isinstance(location, Path)
    location.parent.mkdir(parents=True, exist_ok=True)
    return _open_sqlite(location)


def _open_sqlite(location: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(location, timeout=5.0, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.executescript(SCHEMA_SQL)
    return connection
