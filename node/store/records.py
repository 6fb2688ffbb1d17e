"""What the store holds and how it is opened: its tables (SQLite or PostgreSQL), a stored record, reading records."""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import orjson
from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry

from node.matching import STORE_FORMAT
from node.pgsql import DATABASE_ERRORS, Location, PgConnection, PostgresDatabase, pg_connect, with_schema_lock

T = TypeVar("T")

MMAP_BYTES = 4 << 30
CACHE_KIB = 32 << 10

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY,
    entity_id TEXT NOT NULL UNIQUE,
    ref TEXT NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    properties TEXT NOT NULL,
    flags TEXT NOT NULL,
    expires TEXT,
    -- Its full names (a JSON list, node.matching.name_texts): what a search's shortlist compares, never parsing
    -- the properties of records it will not keep.
    names TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_schema ON records (schema);
CREATE TABLE IF NOT EXISTS keys (key TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (key, rid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_rid ON keys (rid);
CREATE TABLE IF NOT EXISTS key_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL, postings TEXT NOT NULL) WITHOUT ROWID;
-- Each key's count in a narrow row, where a search looks them up: a key_counts row holds its posting list, so
-- that table's own b-tree holds few keys a page (ten million records: 15 million keys, 7 levels).
CREATE INDEX IF NOT EXISTS key_counts_n ON key_counts (key, n);
"""
# A search reads the counts from it when the store has it (a writer adds it to a store made before it).
COUNTS_INDEX = "key_counts_n"

# The same tables in PostgreSQL: record ids are an identity column; postings list record ids in order.
PG_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    rid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_id TEXT NOT NULL UNIQUE,
    ref TEXT NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    properties TEXT NOT NULL,
    flags TEXT NOT NULL,
    expires TEXT,
    names TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_schema ON records (schema);
CREATE INDEX IF NOT EXISTS records_expires ON records (expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS keys (key TEXT NOT NULL, rid BIGINT NOT NULL, PRIMARY KEY (key, rid));
CREATE INDEX IF NOT EXISTS keys_rid ON keys (rid);
CREATE TABLE IF NOT EXISTS key_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL, postings TEXT NOT NULL);
"""
# Advisory lock keys (any two fixed numbers): one creates the store's tables, one serialises its writers.
PG_SCHEMA_LOCK = 0x66656401
PG_WRITE_LOCK = 0x66656402

# A connection to either engine: both take the same statements (node.pgsql).
Connection = sqlite3.Connection | PgConnection


class StoreError(Exception):
    """The store (its SQLite file or PostgreSQL database) is missing, unreadable, locked or of an unknown format."""


@dataclass(frozen=True)
class Candidates:
    """A search's candidates: found by names and identifiers, and further ones found by a full birth date."""

    by_name: list[StoredRecord]
    by_date: list[StoredRecord]

    @property
    def all(self) -> list[StoredRecord]:
        return self.by_name + self.by_date


@dataclass(frozen=True)
class StoredRecord:
    rid: int
    ref: str
    schema: Schema
    properties: dict[str, list[str]]
    flags: list[str]
    # As a search candidate: the weight of the name keys it shares with the query (0: found otherwise).
    name_key_weight: float = field(default=0.0, compare=False)

    @cached_property
    def shareable_properties(self) -> dict[str, list[str]]:
        """Properties that can be considered for release: references to other records never leave.
        Worked out once per record: the policy input, the decision check and the hit all read it."""
        return {
            name: values
            for name, values in self.properties.items()
            if values and self.schema.properties[name].type != registry.entity
        }


def connect(location: Location, *, readonly: bool, busy_timeout_ms: int = 5000) -> Connection:
    """Opens the store; a writer creates (or brings up to date) its tables first."""
    if isinstance(location, PostgresDatabase):
        return _connect_postgres(location, readonly=readonly, busy_timeout_ms=busy_timeout_ms)
    return _connect_sqlite(location, readonly=readonly, busy_timeout_ms=busy_timeout_ms)


def _connect_postgres(database: PostgresDatabase, *, readonly: bool, busy_timeout_ms: int) -> PgConnection:
    try:
        connection = pg_connect(database, application="fedgate-store")
    except DATABASE_ERRORS as error:
        raise StoreError(f"store {database} cannot be opened: {error}") from error
    try:
        if readonly:
            # A search waits at most this long for the database (PostgreSQL readers never wait for writers).
            connection.execute(f"SET statement_timeout = {int(busy_timeout_ms)}")
            connection.execute("SET default_transaction_read_only = on")
        else:
            # A writer waits at most this long for another writer (an import, a purge), as with SQLite.
            connection.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
            with_schema_lock(connection, PG_SCHEMA_LOCK, PG_SCHEMA_SQL)
            connection.execute("INSERT INTO meta VALUES ('format', ?) ON CONFLICT (name) DO NOTHING", (STORE_FORMAT,))
        tables = connection.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
        row = connection.execute("SELECT value FROM meta WHERE name = 'format'").fetchone() if tables[0] else None
    except DATABASE_ERRORS as error:
        connection.close()
        raise StoreError(f"store {database} cannot be opened: {error}") from error
    if row is None and readonly:
        connection.close()
        raise StoreError(f"store {database} holds no records; import records first with `fedgate node import`")
    _check_format(connection, str(database), row)
    return connection


def _check_format(connection: Connection, where: str, row: tuple[str] | None) -> None:
    if row is None or row[0] != STORE_FORMAT:
        connection.close()
        found = row[0] if row else "none"
        raise StoreError(
            f"store {where} has format {found}, this node reads format {STORE_FORMAT}: "
            "import the records into a new store"
        )


def _connect_sqlite(path: Path, *, readonly: bool, busy_timeout_ms: int) -> sqlite3.Connection:
    if readonly and not path.exists():
        raise StoreError(f"store {path} does not exist; import records first with `fedgate node import`")
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    try:
        connection = sqlite3.connect(
            uri, uri=True, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        # Searches read postings all over the index: map the file (no read call and copy per page) and keep
        # a larger page cache than SQLite's 2 MB default.
        connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if not readonly:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(SCHEMA_SQL)
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (STORE_FORMAT,))
            if not _has_expiry(connection):  # a store written before records could expire
                connection.execute("ALTER TABLE records ADD COLUMN expires TEXT")
            connection.execute(EXPIRY_INDEX_SQL)
        row = connection.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        expiring = _has_expiry(connection)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"store {path} cannot be opened: {error}") from error
    _check_format(connection, str(path), row)
    if not expiring:
        raise StoreError(f"store {path} predates record expiry: run `fedgate node import` once to bring it up to date")
    return connection


EXPIRY_INDEX_SQL = "CREATE INDEX IF NOT EXISTS records_expires ON records (expires) WHERE expires IS NOT NULL"


def _has_expiry(connection: sqlite3.Connection) -> bool:
    return any(row[1] == "expires" for row in connection.execute("PRAGMA table_info(records)"))


def today() -> str:
    """The day records' expiry is judged by (UTC): a record is matched up to and including its `expires` day."""
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def known_schema(name: str) -> Schema:
    """The schema of a stored record; a store written by a FollowTheMoney version with schemata this one lacks
    cannot be searched."""
    schema = model.schemata.get(name)
    if schema is None:
        raise StoreError(f"the store holds a record of schema {name!r}, which this FollowTheMoney version lacks")
    return schema


RecordRow = tuple[int, str, str, str, str]
RECORD_COLUMNS = "rid, ref, schema, properties, flags"


def record_from_row(row: RecordRow, name_key_weight: float = 0.0) -> StoredRecord:
    """A record as read from `SELECT {RECORD_COLUMNS} FROM records`."""
    rid, ref, schema_name, properties, flags = row
    return StoredRecord(
        rid,
        ref,
        known_schema(schema_name),
        orjson.loads(properties),
        [] if flags == "[]" else list(orjson.loads(flags)),
        name_key_weight,
    )


def records_by_ref(connection: Connection, refs: list[str]) -> dict[str, StoredRecord]:
    """The records still held under these references (a reference that is gone is simply absent)."""
    found: dict[str, StoredRecord] = {}
    for chunk in chunked(refs):
        marks = ",".join("?" * len(chunk))
        query = f"SELECT {RECORD_COLUMNS} FROM records WHERE ref IN ({marks})"
        for row in connection.execute(query, chunk):
            record = record_from_row(row)
            found[record.ref] = record
    return found


def chunked(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
