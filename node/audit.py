"""The node's audit log: append-only, hash-chained entries, written before answers leave; in their own SQLite
file, or in the store's PostgreSQL database, where every node process of the country appends to one chain.

Its head is signed now and then as a checkpoint (node/checkpoints.py) for custodians off the node; each
answer carries its entry's place and hash; node/audit_verify.py checks the chain against both."""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from fedcore.canonical import canonical_json
from node.audit_chain import GENESIS_HASH, ChainReport, entry_hash, walk_chain
from node.audit_hits import ensure_hits_index, index_hits
from node.audit_replays import QueryReplayed, is_replay, replay_window_start
from node.checkpoints import Checkpointer
from node.pgsql import (
    DATABASE_ERRORS,
    STORAGE_ERRORS,
    Location,
    PgConnection,
    PostgresDatabase,
    pg_connect,
    with_schema_lock,
)

MAX_BATCH = 256

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    query_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_recorded_at ON entries (recorded_at);
CREATE INDEX IF NOT EXISTS entries_query_id ON entries (query_id);
CREATE TRIGGER IF NOT EXISTS entries_are_never_updated BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_are_never_deleted BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
# The same in PostgreSQL; a change is refused as an integrity violation, as SQLite refuses it.
PG_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS entries (
    seq BIGINT PRIMARY KEY,
    entry_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    query_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_recorded_at ON entries (recorded_at);
CREATE INDEX IF NOT EXISTS entries_query_id ON entries (query_id);
CREATE OR REPLACE FUNCTION entries_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END $$;
CREATE OR REPLACE TRIGGER entries_are_never_updated BEFORE UPDATE ON entries
FOR EACH ROW EXECUTE FUNCTION entries_are_append_only();
CREATE OR REPLACE TRIGGER entries_are_never_deleted BEFORE DELETE ON entries
FOR EACH ROW EXECUTE FUNCTION entries_are_append_only();
CREATE OR REPLACE TRIGGER entries_are_never_truncated BEFORE TRUNCATE ON entries
FOR EACH STATEMENT EXECUTE FUNCTION entries_are_append_only();
"""
PG_TRIGGERS = 3
# Advisory lock keys: one creates the audit table, one serialises appends (every process of the country).
PG_SCHEMA_LOCK = 0x66656411
PG_APPEND_LOCK = 0x66656412
APPEND_LOCK_TIMEOUT_MS = 2000

AuditConnection = sqlite3.Connection | PgConnection


class AuditError(Exception):
    """The audit log cannot be opened or written; a search that cannot be audited is not answered."""


def _open(path: Location) -> AuditConnection:
    if isinstance(path, PostgresDatabase):
        return _open_postgres(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A lock held elsewhere (an export, an operator) delays a search by at most this long.
        connection = sqlite3.connect(path, timeout=2.0, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
        # The answer waits for the entry: it must be on disk, not in a cache, when the answer leaves.
        connection.execute("PRAGMA synchronous = FULL")
        connection.executescript(SCHEMA_SQL)
        ensure_hits_index(connection)
    except (sqlite3.DatabaseError, OSError) as error:
        raise AuditError(f"audit log {path} cannot be opened: {error}") from error
    return connection


def _open_postgres(database: PostgresDatabase) -> PgConnection:
    try:
        connection = pg_connect(database, application="fedgate-audit")
    except DATABASE_ERRORS as error:
        raise AuditError(f"audit log {database} cannot be opened: {error}") from error
    try:
        # The answer waits for the entry: its commit must be flushed to disk even where the database's
        # default says otherwise.
        connection.execute("SET synchronous_commit = on")
        # An append waits at most this long for another process's (as for the SQLite file's lock).
        connection.execute(f"SET lock_timeout = {APPEND_LOCK_TIMEOUT_MS}")
        triggers, indexed = connection.execute(
            "SELECT count(*), to_regclass('entries_query_id') IS NOT NULL FROM pg_trigger"
            " WHERE tgrelid = to_regclass('entries') AND tgname LIKE 'entries_are_%'"
        ).fetchone()
        if triggers < PG_TRIGGERS or not indexed:
            with_schema_lock(connection, PG_SCHEMA_LOCK, PG_SCHEMA_SQL)
        ensure_hits_index(connection)
    except DATABASE_ERRORS as error:
        connection.close()
        raise AuditError(f"audit log {database} cannot be opened: {error}") from error
    return connection


def open_for_reading(path: Location) -> AuditConnection:
    """A connection that only reads the chain (an SQLite file opened read-only)."""
    if isinstance(path, PostgresDatabase):
        return pg_connect(path, application="fedgate-audit-reader")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def audit_exists(path: Location) -> bool:
    """Whether the audit log was ever opened for writing (an SQLite file, or PostgreSQL's table)."""
    if not isinstance(path, PostgresDatabase):
        return path.exists()
    try:
        connection = pg_connect(path, application="fedgate-audit-reader")
    except DATABASE_ERRORS as error:
        raise AuditError(f"audit log {path} cannot be read: {error}") from error
    try:
        return bool(connection.execute("SELECT to_regclass('entries') IS NOT NULL").fetchone()[0])
    finally:
        connection.close()


class AppendedEntry(NamedTuple):
    """A committed entry: its id, its place in the chain and its chain hash (what an answer carries)."""

    entry_id: str
    seq: int
    hash: str


@dataclass
class _Pending:
    body: dict[str, Any]
    future: asyncio.Future[AppendedEntry]
    loop: asyncio.AbstractEventLoop


class AuditLog:
    """Appends from any number of concurrent searches; one writer thread commits them in batches."""

    def __init__(self, path: Location, checkpointer: Checkpointer | None = None) -> None:
        self.path = path
        self._connection = _open(path)
        self._checkpointer = checkpointer
        if checkpointer is not None:
            row = self._connection.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
            checkpointer.start(*(row if row else (0, GENESIS_HASH)))
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="audit-writer", daemon=True)
        self._writer.start()

    def answered_since(self, since: datetime) -> list[tuple[str, str]]:
        """(query id, recorded_at) of searches and describes answered since a moment: replays across restarts."""
        connection = open_for_reading(self.path)
        try:
            rows = connection.execute(
                "SELECT query_id, recorded_at FROM entries WHERE kind IN ('search', 'describe') AND recorded_at >= ?",
                (since.isoformat(timespec="microseconds"),),
            ).fetchall()
        finally:
            connection.close()
        return [(query_id, recorded_at) for query_id, recorded_at in rows]

    async def append(self, body: dict[str, Any]) -> AppendedEntry:
        """Adds one entry and returns its id, seq and hash once it is committed to disk."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[AppendedEntry] = loop.create_future()
        self._queue.put(_Pending(body, future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join()
        self._connection.close()

    def _write_loop(self) -> None:
        checkpointer = self._checkpointer
        while True:
            try:
                first = self._queue.get(timeout=checkpointer.wait_s() if checkpointer else None)
            except queue.Empty:
                assert checkpointer is not None
                checkpointer.sign_if_due()
                continue
            if first is None:
                if checkpointer is not None:
                    checkpointer.sign_if_due(closing=True)
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            self._commit(batch)
            # After the batch's searches have their entries: a checkpoint never holds an answer back.
            if checkpointer is not None:
                checkpointer.sign_if_due()

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            appended = self._insert(batch)
        except (AuditError, *STORAGE_ERRORS) as error:
            failure = (
                error
                if isinstance(error, AuditError)
                else AuditError(f"audit log {self.path} cannot be written: {error}")
            )
            for pending in batch:
                pending.loop.call_soon_threadsafe(_settle, pending.future, None, failure)
            return
        for pending, entry in zip(batch, appended, strict=True):
            refused = QueryReplayed(pending.body.get("query_id", "")) if entry is None else None
            pending.loop.call_soon_threadsafe(_settle, pending.future, entry, refused)
        written = [entry for entry in appended if entry is not None]
        if self._checkpointer is not None and written:
            self._checkpointer.advanced(written[-1].seq, written[-1].hash)

    def _insert(self, batch: list[_Pending]) -> list[AppendedEntry | None]:
        if isinstance(self._connection, PgConnection) and self._connection.broken:
            # The database went away (a restart, a fail-over): the next batch tries a new connection.
            self._connection.close()
            self._connection = _open(self._connection.database)
        return _insert(self._connection, [pending.body for pending in batch], replays=True)


def _insert(
    connection: AuditConnection, bodies: list[dict[str, Any]], *, replays: bool = False
) -> list[AppendedEntry | None]:
    """Appends entries in one transaction, after the chain's head as it is in the file (another process — an
    import, a purge — may have appended since): appends are serialised by the file's write lock, never forked.
    In PostgreSQL, by a lock every node process of the country takes, held until the commit."""
    if isinstance(connection, PgConnection):
        connection.execute("BEGIN")
        connection.execute("SELECT pg_advisory_xact_lock(?)", (PG_APPEND_LOCK,))
    else:
        connection.execute("BEGIN IMMEDIATE")
    try:
        row = connection.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = row if row else (0, GENESIS_HASH)
        appended: list[AppendedEntry | None] = []
        since, batch = replay_window_start(), set[str]()
        for given in bodies:
            if replays and is_replay(connection, given, since, batch):
                appended.append(None)  # nothing appended: node.audit_replays
                continue
            seq += 1
            entry_id = uuid.uuid4().hex
            recorded_at = datetime.now(UTC).isoformat(timespec="microseconds")
            body = canonical_json({**given, "seq": seq, "entry_id": entry_id, "recorded_at": recorded_at})
            digest = entry_hash(prev_hash, body)
            connection.execute(
                "INSERT INTO entries (seq, entry_id, kind, query_id, recorded_at, body, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, entry_id, given["kind"], given.get("query_id", ""), recorded_at, body, prev_hash, digest),
            )
            index_hits(connection, given, seq, recorded_at)
            prev_hash = digest
            appended.append(AppendedEntry(entry_id, seq, digest))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return appended


def append_now(path: Location, body: dict[str, Any]) -> AppendedEntry:
    """Appends one entry from outside the serving node (a records import, a deletion, a purge), committed to
    disk when this returns; AuditError if it cannot be written."""
    connection = _open(path)
    try:
        entry = _insert(connection, [body])[0]
        assert entry is not None
        return entry
    except STORAGE_ERRORS as error:
        raise AuditError(f"audit log {path} cannot be written: {error}") from error
    finally:
        connection.close()


def _settle(future: asyncio.Future[AppendedEntry], entry: AppendedEntry | None, error: Exception | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert entry is not None
        future.set_result(entry)


EXPORT_COLUMNS = ("seq", "entry_id", "kind", "query_id", "recorded_at", "body", "prev_hash", "hash")


def verify_chain(path: Location) -> ChainReport:
    """Walks the chain from the first entry; names the first entry that was altered, removed or moved."""
    if not audit_exists(path):
        raise AuditError(f"audit log {path} does not exist")
    try:
        connection = open_for_reading(path)
        try:
            rows = connection.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM entries ORDER BY seq")
            return walk_chain(dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows)
        finally:
            connection.close()
    except DATABASE_ERRORS as error:
        raise AuditError(f"audit log {path} cannot be read: {error}") from error


def export_entries(path: Location, since: str, until: str) -> Iterator[dict[str, Any]]:
    """The entries recorded in [since, until) (ISO 8601 UTC), in chain order, as JSON-ready rows."""
    connection = open_for_reading(path)
    try:
        rows = connection.execute(
            f"SELECT {', '.join(EXPORT_COLUMNS)} FROM entries WHERE recorded_at >= ? AND recorded_at < ? ORDER BY seq",
            (since, until),
        )
        for row in rows:
            yield dict(zip(EXPORT_COLUMNS, row, strict=True))
    finally:
        connection.close()
