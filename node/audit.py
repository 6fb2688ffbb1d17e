"""The node's audit log: append-only, hash-chained entries in their own SQLite file, written before answers leave."""

from __future__ import annotations

import asyncio
import hashlib
import json
import queue
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS_HASH = "0" * 64
MAX_BATCH = 256

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS entries_are_never_updated BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_are_never_deleted BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class AuditError(Exception):
    """The audit log cannot be opened or written; a search that cannot be audited is not answered."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _open(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
        # The answer waits for the entry: it must be on disk, not in a cache, when the answer leaves.
        connection.execute("PRAGMA synchronous = FULL")
        connection.executescript(SCHEMA_SQL)
    except (sqlite3.DatabaseError, OSError) as error:
        raise AuditError(f"audit log {path} cannot be opened: {error}") from error
    return connection


@dataclass
class _Pending:
    body: dict[str, Any]
    future: asyncio.Future[str]
    loop: asyncio.AbstractEventLoop


class AuditLog:
    """Appends from any number of concurrent searches; one writer thread commits them in batches."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection = _open(path)
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="audit-writer", daemon=True)
        self._writer.start()

    async def append(self, body: dict[str, Any]) -> str:
        """Adds one entry and returns its id once it is committed to disk."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._queue.put(_Pending(body, future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join()
        self._connection.close()

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
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

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            ids = self._insert(batch)
        except (sqlite3.DatabaseError, OSError) as error:
            failure = AuditError(f"audit log {self.path} cannot be written: {error}")
            for pending in batch:
                pending.loop.call_soon_threadsafe(_settle, pending.future, None, failure)
            return
        for pending, entry_id in zip(batch, ids, strict=True):
            pending.loop.call_soon_threadsafe(_settle, pending.future, entry_id, None)

    def _insert(self, batch: list[_Pending]) -> list[str]:
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = connection.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash = row if row else (0, GENESIS_HASH)
            ids: list[str] = []
            for pending in batch:
                seq += 1
                entry_id = uuid.uuid4().hex
                body = canonical_json(
                    {
                        **pending.body,
                        "seq": seq,
                        "entry_id": entry_id,
                        "recorded_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                    }
                )
                digest = entry_hash(prev_hash, body)
                connection.execute(
                    "INSERT INTO entries (seq, entry_id, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                    (seq, entry_id, body, prev_hash, digest),
                )
                prev_hash = digest
                ids.append(entry_id)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return ids


def _settle(future: asyncio.Future[str], entry_id: str | None, error: Exception | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert entry_id is not None
        future.set_result(entry_id)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_seq: int | None = None
    broken_entry_id: str | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_chain(path: Path) -> ChainReport:
    """Walks the chain from the first entry; names the first entry that was altered, removed or moved."""
    if not path.exists():
        raise AuditError(f"audit log {path} does not exist")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        rows = connection.execute("SELECT seq, entry_id, body, prev_hash, hash FROM entries ORDER BY seq")
        return _walk(rows)
    except sqlite3.DatabaseError as error:
        raise AuditError(f"audit log {path} cannot be read: {error}") from error


def _walk(rows: Any) -> ChainReport:
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    for seq, entry_id, body, prev_hash, digest in rows:
        count += 1
        problem = _entry_problem(seq, entry_id, body, prev_hash, digest, expected_seq, expected_prev)
        if problem is not None:
            return ChainReport(count, seq, entry_id, problem)
        expected_prev, expected_seq = digest, seq + 1
    return ChainReport(count)


def _entry_problem(
    seq: int, entry_id: str, body: str, prev_hash: str, digest: str, expected_seq: int, expected_prev: str
) -> str | None:
    try:
        content = json.loads(body)
    except json.JSONDecodeError:
        return "its content is not valid JSON"
    if entry_hash(prev_hash, body) != digest:
        return "its content does not match its hash (altered)"
    if content.get("seq") != seq or content.get("entry_id") != entry_id:
        return "its position or id differs from what was hashed (moved)"
    if seq != expected_seq:
        return f"entry {expected_seq} is missing (removed)"
    if prev_hash != expected_prev:
        return "it does not follow the entry before it (an earlier entry was altered, removed or moved)"
    return None
