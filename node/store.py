"""The node's record store: FollowTheMoney entities in one SQLite file (WAL) with a blocking-key index."""

from __future__ import annotations

import heapq
import json
import math
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry

from fedcore.vocabulary import RECORD_FLAGS
from node.matching import STORE_FORMAT, TUNABLES, QueryKeys, key_weight, record_keys

T = TypeVar("T")
# Ranking weight of an identifier key beside the name keys' (at most a few hundred together).
IDENTIFIER_WEIGHT = 1e9
SINGLE_TOKEN_KEY = re.compile(r"\|(t|m|s):")
MMAP_BYTES = 4 << 30
CACHE_KIB = 32 << 10
MAX_ENTITY_ID_LENGTH = 512
MAX_VALUE_LENGTH = 10_000

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY,
    entity_id TEXT NOT NULL UNIQUE,
    ref TEXT NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    properties TEXT NOT NULL,
    flags TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_schema ON records (schema);
CREATE TABLE IF NOT EXISTS keys (key TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (key, rid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_rid ON keys (rid);
CREATE TABLE IF NOT EXISTS key_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL, postings TEXT NOT NULL) WITHOUT ROWID;
"""


class StoreError(Exception):
    """The store file is missing, unreadable, locked or of an unknown format."""


class InvalidEntity(ValueError):
    """An input line that is not a valid FollowTheMoney entity; the message says why."""


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


@dataclass
class ImportReport:
    imported: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def connect(path: Path, *, readonly: bool, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
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
        row = connection.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
    except sqlite3.DatabaseError as error:
        raise StoreError(f"store {path} cannot be opened: {error}") from error
    if row is None or row[0] != STORE_FORMAT:
        found = row[0] if row else "none"
        raise StoreError(
            f"store {path} has format {found}, this node reads format {STORE_FORMAT}: "
            "import the records into a new store"
        )
    return connection


def validate_entity(data: Any) -> tuple[str, Schema, dict[str, list[str]], list[str]]:
    """Checks one FtM entity (as parsed JSON) and returns its id, schema, cleaned properties and flags."""
    if not isinstance(data, dict):
        raise InvalidEntity("not a JSON object")
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise InvalidEntity("missing entity id")
    if len(entity_id) > MAX_ENTITY_ID_LENGTH:
        raise InvalidEntity(f"entity id longer than {MAX_ENTITY_ID_LENGTH} characters")
    schema_name = data.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        raise InvalidEntity(f"unknown schema {schema_name!r}")
    if schema.abstract:
        raise InvalidEntity(f"schema {schema.name!r} is abstract")
    raw_properties = data.get("properties", {})
    if not isinstance(raw_properties, dict):
        raise InvalidEntity("properties must be an object")
    properties: dict[str, list[str]] = {}
    for prop_name, values in raw_properties.items():
        prop = schema.properties.get(prop_name)
        if prop is None or prop.stub:
            raise InvalidEntity(f"schema {schema.name!r} has no property {prop_name!r}")
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise InvalidEntity(f"property {prop_name!r} must be a list of strings")
        cleaned: list[str] = []
        for value in values:
            if len(value) > MAX_VALUE_LENGTH:
                raise InvalidEntity(f"a value of {prop_name!r} is longer than {MAX_VALUE_LENGTH} characters")
            clean = prop.type.clean(value)
            if clean is None:
                raise InvalidEntity(f"{prop_name!r} holds a value that is not a valid {prop.type.name}")
            if clean not in cleaned:
                cleaned.append(clean)
        if cleaned:
            properties[prop_name] = cleaned
    flags = data.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
        raise InvalidEntity("flags must be a list of strings")
    unknown = sorted(set(flags) - RECORD_FLAGS)
    if unknown:
        raise InvalidEntity(f"unknown flags {unknown}; known flags are {sorted(RECORD_FLAGS)}")
    return entity_id, schema, properties, sorted(set(flags))


def _known_schema(name: str) -> Schema:
    schema = model.get(name)
    if schema is None:
        raise StoreError(f"the store holds a record of schema {name!r}, which this FollowTheMoney version lacks")
    return schema


def _flags(stored: str) -> list[str]:
    return [] if stored == "[]" else list(json.loads(stored))


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_lines(path: Path, lines: Iterable[str], *, skip_invalid: bool) -> ImportReport:
    """Loads FtM JSON lines in one transaction: all good lines, or (without skip_invalid) nothing."""
    report = ImportReport()
    connection = connect(path, readonly=False)
    touched: set[str] = set()
    seen: dict[str, int] = {}
    try:
        connection.execute("BEGIN IMMEDIATE")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                entity_id, schema, properties, flags = validate_entity(data)
                if entity_id in seen:
                    raise InvalidEntity(f"entity id already given on line {seen[entity_id]}")
            except (json.JSONDecodeError, InvalidEntity) as error:
                message = f"not valid JSON ({error.msg})" if isinstance(error, json.JSONDecodeError) else str(error)
                report.bad_lines.append((number, message))
                continue
            seen[entity_id] = number
            touched.update(_upsert(connection, entity_id, schema, properties, flags))
            report.imported += 1
        if report.bad_lines and not skip_invalid:
            connection.execute("ROLLBACK")
            report.imported = 0
            return report
        for chunk in _chunks(sorted(touched)):
            marks = ",".join("?" * len(chunk))
            connection.execute(f"DELETE FROM key_counts WHERE key IN ({marks})", chunk)
            connection.execute(
                "INSERT INTO key_counts SELECT key, count(*), group_concat(rid) "
                f"FROM keys WHERE key IN ({marks}) GROUP BY key",
                chunk,
            )
        total = connection.execute("SELECT count(*) FROM records").fetchone()[0]
        connection.execute("INSERT OR REPLACE INTO meta VALUES ('records', ?)", (str(total),))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()
    return report


def _upsert(
    connection: sqlite3.Connection, entity_id: str, schema: Schema, properties: dict[str, list[str]], flags: list[str]
) -> set[str]:
    """Writes one record and its keys; returns every key whose count changed."""
    touched: set[str] = set()
    row = connection.execute("SELECT rid, ref FROM records WHERE entity_id = ?", (entity_id,)).fetchone()
    if row is not None:
        rid, ref = row
        touched.update(key for (key,) in connection.execute("SELECT key FROM keys WHERE rid = ?", (rid,)))
        connection.execute("DELETE FROM keys WHERE rid = ?", (rid,))
        connection.execute(
            "UPDATE records SET schema = ?, properties = ?, flags = ? WHERE rid = ?",
            (schema.name, json.dumps(properties, ensure_ascii=False), json.dumps(flags), rid),
        )
    else:
        ref = secrets.token_hex(12)
        cursor = connection.execute(
            "INSERT INTO records (entity_id, ref, schema, properties, flags) VALUES (?, ?, ?, ?, ?)",
            (entity_id, ref, schema.name, json.dumps(properties, ensure_ascii=False), json.dumps(flags)),
        )
        rid = cursor.lastrowid
    keys = record_keys(schema, properties)
    connection.executemany("INSERT INTO keys (key, rid) VALUES (?, ?)", [(key, rid) for key in keys])
    touched.update(keys)
    return touched


# Threads that search the store (and match); one requester may hold fewer than these (node.config).
STORE_THREADS = 4


class Store:
    """Read access for searches: each worker thread keeps its own read-only connection."""

    def __init__(self, path: Path, *, workers: int = STORE_THREADS, busy_timeout_ms: int = 1000) -> None:
        self.path = path
        # A search waits at most this long for a locked store, then reports it unavailable.
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="store")
        connect(path, readonly=True).close()  # fail at start-up, not at the first search

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self.path, readonly=True, busy_timeout_ms=self.busy_timeout_ms)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _forget_connection(self) -> None:
        """After a failure the thread's connection is dropped: the next search opens a fresh one."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)
            connection.close()

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return work(self._connection())
        except sqlite3.DatabaseError as error:
            self._forget_connection()
            raise StoreError(f"store {self.path} cannot be read: {error}") from error

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    def schema_counts(self) -> dict[str, int]:
        rows = self._read(lambda c: c.execute("SELECT schema, count(*) FROM records GROUP BY schema").fetchall())
        return {schema: count for schema, count in rows}

    def candidates(
        self,
        keys: QueryKeys,
        *,
        max_candidates: int,
        max_postings: int,
        tie_breaker: Callable[[StoredRecord], float] | None = None,
    ) -> Candidates:
        """Records sharing the most (and rarest) blocking keys with the query, never a scan of the store.

        `by_name` are found by the query's name and identifier keys alone, so nothing else the query says
        (a birth date a country may not let the requester match on) changes which records they are.
        `by_date` are the further records born on one of the query's full dates: the node keeps them only
        where the policy lets the requester match on the date.

        `tie_breaker` (a similarity in [0, 1] to the query's names) chooses among records the keys cannot
        tell apart: when a query has no identifier and more than `max_candidates` records share the best
        key weight (a misspelt family name beside a common given name), up to TUNABLES.shortlist of them are read
        and the most alike kept.
        """
        return self._read(lambda c: self._candidates(c, keys, max_candidates, max_postings, tie_breaker))

    def _candidates(
        self,
        connection: sqlite3.Connection,
        keys: QueryKeys,
        max_candidates: int,
        max_postings: int,
        tie_breaker: Callable[[StoredRecord], float] | None = None,
    ) -> Candidates:
        # Every key read adds its weight to the records it lists. Records with the query's identifier come
        # first, then the records with the most (and rarest) name keys in common.
        weights: dict[str, float] = {key: IDENTIFIER_WEIGHT for key in keys.identifier_keys}
        if keys.name_keys:
            total_row = connection.execute("SELECT value FROM meta WHERE name = 'records'").fetchone()
            total = int(total_row[0]) if total_row else 1
            counts: list[tuple[str, int]] = []
            for chunk in _chunks(keys.name_keys):
                marks = ",".join("?" * len(chunk))
                counts.extend(connection.execute(f"SELECT key, n FROM key_counts WHERE key IN ({marks})", chunk))
            counts.sort(key=lambda item: item[1])
            budget = max_postings
            tied: dict[int, list[str]] = {}
            for index, (key, postings) in enumerate(counts):
                # The rarest key is always read; the others only while they fit the posting budget.
                if index > 0 and postings > budget:
                    break
                if SINGLE_TOKEN_KEY.search(key):
                    # One name part yields several single-part keys (its spelling, its sound, the symbols of
                    # the names it may be: Vera, Вера…) that list the same records: those weigh, and count
                    # against the budget, once. Equal counts alone do not make them the same records (a
                    # given and a family name may list as many): that is checked below.
                    group = tied.setdefault(postings, [])
                    group.append(key)
                    if len(group) > 1:
                        continue
                budget -= postings
                weights[key] = key_weight(postings, total)
            for postings, group in tied.items():
                if len(group) > 1:
                    for key in _other_records(connection, group):
                        weights[key] = key_weight(postings, total)
        totals = _weigh(connection, weights, max_postings)
        by_name = self._by_name(connection, keys, totals, max_candidates, tie_breaker)
        by_date: list[StoredRecord] = []
        if keys.date_keys:
            # Born on a query's date (a handful of records per day), ranked by the name keys they share.
            found = {record.rid for record in by_name}
            dated = _weigh(connection, dict.fromkeys(keys.date_keys, 0.0), max_postings)
            extra = [(rid_text, totals.get(rid_text, 0.0)) for rid_text in dated if int(rid_text) not in found]
            if extra:
                by_date = _read_records(connection, heapq.nlargest(max_candidates, extra, key=itemgetter(1)))
        return Candidates(by_name, by_date)

    def _by_name(
        self,
        connection: sqlite3.Connection,
        keys: QueryKeys,
        totals: dict[str, float],
        max_candidates: int,
        tie_breaker: Callable[[StoredRecord], float] | None,
    ) -> list[StoredRecord]:
        if not totals:
            return []
        if tie_breaker is not None and not keys.identifier_keys and len(totals) > max_candidates:
            shortlist = heapq.nlargest(max(TUNABLES.shortlist, max_candidates + 1), totals.items(), key=itemgetter(1))
            # Only when even the best weight is shared beyond the cut: the keys cannot pick the best.
            if shortlist[0][1] == shortlist[max_candidates][1]:
                first = _read_records(connection, shortlist[: max_candidates + 1])
                likeness = {record.rid: tie_breaker(record) for record in first}
                if all(value >= 1.0 for value in likeness.values()):
                    return first[:max_candidates]  # namesakes, all spelt as asked: any of them will do
                records = first + _read_records(connection, shortlist[max_candidates + 1 :])
                likeness.update((record.rid, tie_breaker(record)) for record in records[len(first) :])
                top = shortlist[0][1] or 1.0
                records.sort(key=lambda r: -(likeness[r.rid] + TUNABLES.tie_key_share * r.name_key_weight / top))
                return records[:max_candidates]
        return _read_records(connection, heapq.nlargest(max_candidates, totals.items(), key=itemgetter(1)))


def _other_records(connection: sqlite3.Connection, keys: list[str]) -> list[str]:
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


def _weigh(connection: sqlite3.Connection, weights: dict[str, float], max_postings: int) -> dict[str, float]:
    """Each record listed under the keys, with the sum of the weights of the keys that list it."""
    totals: dict[str, float] = {}
    add = totals.get
    for chunk in _chunks(list(weights)):
        marks = ",".join("?" * len(chunk))
        for key, postings in connection.execute(f"SELECT key, postings FROM key_counts WHERE key IN ({marks})", chunk):
            weight = weights[key]
            # Record ids stay text here: only the best few are ever turned into numbers.
            for rid_text in postings.split(",", max_postings)[:max_postings]:
                totals[rid_text] = add(rid_text, 0.0) + weight
    return totals


def _read_records(connection: sqlite3.Connection, ranked: list[tuple[str, float]]) -> list[StoredRecord]:
    """The records of (rid, key weight) pairs, in that order."""
    best = [(int(rid_text), math.fmod(total, IDENTIFIER_WEIGHT)) for rid_text, total in ranked]
    name_weights = dict(best)
    rids = [rid for rid, _ in best]
    marks = ",".join("?" * len(rids))
    rows = connection.execute(
        f"SELECT rid, ref, schema, properties, flags FROM records WHERE rid IN ({marks})", rids
    ).fetchall()
    order = {rid: position for position, rid in enumerate(rids)}
    records = [
        StoredRecord(rid, ref, _known_schema(schema_name), json.loads(properties), _flags(flags), name_weights[rid])
        for rid, ref, schema_name, properties, flags in rows
    ]
    records.sort(key=lambda record: order[record.rid])
    return records
