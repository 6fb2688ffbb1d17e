"""Searching the store: candidates by blocking keys, read by a pool of threads with their own connections."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from math import fmod
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

import orjson

from node.matching import TUNABLES, QueryKeys, key_weight
from node.pgsql import DATABASE_ERRORS, Location, PgConnection
from node.store.postings import other_records, rarest_keys, tied_past_cut, weigh
from node.store.records import (
    COUNTS_INDEX,
    RECORD_COLUMNS,
    Candidates,
    Connection,
    StoredRecord,
    StoreError,
    chunked,
    connect,
    record_from_row,
    records_by_ref,
    today,
)

T = TypeVar("T")
# Ranking weight of an identifier key beside the name keys' (at most a few hundred together).
IDENTIFIER_WEIGHT = 1e9
SINGLE_TOKEN_KEY = re.compile(r"\|(t|m|s):")
# A single name part's coarse sound (node.matching.keys): all a made-up name shares with thousands of records.
SINGLE_SOUND_KEY = re.compile(r"\|[czey]?h:")  # and as Chinese, or by ear, writes it (node.matching.keys)


# Threads that search the store (and match); one requester may hold fewer than these (node.config).
STORE_THREADS = 4


class StoreBusy(StoreError):
    """The store is locked right now; reading it means waiting (in a store thread)."""


def _is_busy(error: BaseException | None) -> bool:
    # The primary result code (an extended one, SQLITE_BUSY_SNAPSHOT say, carries it in its low byte).
    return isinstance(error, sqlite3.OperationalError) and error.sqlite_errorcode & 0xFF in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


class Store:
    """Read access for searches: each worker thread keeps its own read-only connection."""

    def __init__(self, path: Location, *, workers: int = STORE_THREADS, busy_timeout_ms: int = 1000) -> None:
        self.path = path
        # A search waits at most this long for a locked store, then reports it unavailable.
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="store")
        probe = connect(path, readonly=True)  # fail at start-up, not at the first search
        try:
            self._counts_from = _counts_from(probe)
        finally:
            probe.close()

    @property
    def reads_at_once(self) -> bool:
        """Whether read_at_once may be tried: an SQLite file, whose reads never wait on a network."""
        return isinstance(self.path, Path)

    def read_at_once(self, work: Callable[[], T]) -> T:
        """`work` on the calling thread (the node's event loop), on a connection that never waits for a lock: a
        locked store raises StoreBusy at once, and the caller takes the search to a store thread, which waits up
        to the busy timeout. Handing a search to a thread costs the node more CPU than the search's own reads."""
        self._local.at_once = True
        try:
            return work()
        finally:
            self._local.at_once = False

    def _connection(self) -> Connection:
        at_once = getattr(self._local, "at_once", False)
        name = "connection_at_once" if at_once else "connection"
        connection: Connection | None = getattr(self._local, name, None)
        if connection is None:
            busy_timeout_ms = 0 if at_once else self.busy_timeout_ms
            connection = connect(self.path, readonly=True, busy_timeout_ms=busy_timeout_ms)
            setattr(self._local, name, connection)
            with self._lock:
                self._connections.append(connection)
        return connection

    def _forget_connection(self) -> None:
        """After a failure the thread's connection is dropped: the next search opens a fresh one."""
        name = "connection_at_once" if getattr(self._local, "at_once", False) else "connection"
        connection: Connection | None = getattr(self._local, name, None)
        setattr(self._local, name, None)
        if connection is not None:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)
            connection.close()

    def _read(self, work: Callable[[Connection], T]) -> T:
        at_once = getattr(self._local, "at_once", False)
        try:
            connection = self._connection()
        except StoreError as error:
            if at_once and _is_busy(error.__cause__):
                raise StoreBusy(f"store {self.path} is locked") from error
            raise
        try:
            return work(connection)
        except DATABASE_ERRORS as error:
            if at_once and _is_busy(error):
                raise StoreBusy(f"store {self.path} is locked") from error
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

    def held(self, refs: list[str]) -> dict[str, StoredRecord]:
        """The records held under these references and not past their expiry day (a reference that is gone, or
        expired, is absent)."""

        def work(connection: Connection) -> dict[str, StoredRecord]:
            expired = _expired(connection)
            return {
                ref: record
                for ref, record in records_by_ref(connection, refs).items()
                if str(record.rid) not in expired
            }

        return self._read(work)

    def candidates(
        self,
        keys: QueryKeys,
        *,
        max_candidates: int,
        max_postings: int,
        tie_breaker: Callable[[list[list[str]]], list[float]] | None = None,
    ) -> Candidates:
        """Records sharing the most (and rarest) blocking keys with the query, never a scan of the store.

        `by_name` are found by the query's name and identifier keys alone, so nothing else the query says
        (a birth date a country may not let the requester match on) changes which records they are.
        `by_date` are the further records born on one of the query's full dates: the node keeps them only
        where the policy lets the requester match on the date.

        `tie_breaker` (a similarity in [0, 1] of each record's full names to the query's, for many records at once;
        namesakes' names are passed once) chooses among records the keys cannot tell apart: when a query has no
        identifier and the record past the first `max_candidates` shares TUNABLES.close_weight_share of the best key
        weight or more (a misspelt family name beside a common given name; a name in another script, which shares only
        coarse keys by sound; close_weight_share_spelt when one of the first is spelt as asked), up to
        TUNABLES.shortlist records' names are read and the most alike records kept (for a names-only query, the most
        alike of the next TUNABLES.shortlist_more heaviest beside them when none of them is surely the name asked and
        few are like it: `_more_alike`); with them the records of the query's rarest keys, up to
        TUNABLES.rare_key_records together, whatever they weigh (one rare key may be all a name in another script
        shares with its record, beside records sharing several common ones). Unless the query shares no more than
        single parts' coarse sounds with any record (SINGLE_SOUND_KEY): then no shortlist is read, and where more
        records than `max_candidates` tie on the best weight, no record by name at all.
        """
        return self._read(
            lambda c: _in_one_snapshot(c, lambda: self._candidates(c, keys, max_candidates, max_postings, tie_breaker))
        )

    def _candidates(
        self,
        connection: Connection,
        keys: QueryKeys,
        max_candidates: int,
        max_postings: int,
        tie_breaker: Callable[[list[list[str]]], list[float]] | None = None,
    ) -> Candidates:
        # Every key read adds its weight to the records it lists. Records with the query's identifier come
        # first, then the records with the most (and rarest) name keys in common.
        weights: dict[str, float] = {key: IDENTIFIER_WEIGHT for key in keys.identifier_keys}
        rarest: set[str] = set()  # keys
        if keys.name_keys:
            total_row = connection.execute("SELECT value FROM meta WHERE name = 'records'").fetchone()
            total = int(total_row[0]) if total_row else 1
            counts: list[tuple[str, int]] = []
            for chunk in chunked(keys.name_keys):
                marks = ",".join("?" * len(chunk))
                counts.extend(
                    connection.execute(f"SELECT key, n FROM {self._counts_from} WHERE key IN ({marks})", chunk)
                )
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
                    for key in other_records(connection, group):
                        weights[key] = key_weight(postings, total)
            rarest = rarest_keys(counts, weights, TUNABLES.rare_key_records)
        totals, rare = weigh(connection, weights, max_postings, rarest)
        # Every key read is a single part's coarse sound: no record they list is known to share a second part
        # with the query to pair by names alone (records born on the query's date come below all the same).
        single_sounds = all(SINGLE_SOUND_KEY.search(key) for key in weights)
        # Records past their expiry day (until the purge deletes them) take no candidate slot and are never
        # matched: the one expiry check of a search (every record read below is one of `totals` or `dated`).
        expired = _expired(connection)
        for rid_text in expired:
            totals.pop(rid_text, None)
        if single_sounds and tied_past_cut(totals, max_candidates):
            # And more records than the candidates share the best weight (one part's sound, often thousands in a
            # national store): which of them would be read is arbitrary (the oldest), so none is
            # (docs/matching.md).
            by_name: list[StoredRecord] = []
        else:
            by_name = self._by_name(
                connection, keys, totals, rare, max_candidates, None if single_sounds else tie_breaker
            )
        by_date: list[StoredRecord] = []
        if keys.date_keys:
            # Born on a query's date (a handful of records per day), ranked by the name keys they share.
            found = {record.rid for record in by_name}
            dated, _ = weigh(connection, dict.fromkeys(keys.date_keys, 0.0), max_postings)
            extra = [
                (rid_text, totals.get(rid_text, 0.0))
                for rid_text in dated
                if int(rid_text) not in found and rid_text not in expired
            ]
            if extra:
                by_date = _read_records(connection, _heaviest(extra, max_candidates))
        return Candidates(by_name, by_date)

    def _by_name(
        self,
        connection: Connection,
        keys: QueryKeys,
        totals: dict[str, float],
        rare: set[str],
        max_candidates: int,
        tie_breaker: Callable[[list[list[str]]], list[float]] | None,
    ) -> list[StoredRecord]:
        if not totals:
            return []
        if tie_breaker is not None and not keys.identifier_keys and len(totals) > max_candidates:
            shortlist = _heaviest(totals.items(), max(TUNABLES.shortlist, max_candidates + 1))
            listed = {rid_text for rid_text, _ in shortlist}
            # In the order the records were stored (a set's order would vary from process to process, and so would
            # which of equally alike records are kept).
            rest = sorted(rare - listed, key=int)
            shortlist.extend((rid_text, totals[rid_text]) for rid_text in rest if rid_text in totals)
            # Only when the weight past the cut is close to the best: the keys cannot pick the best. Closer with a
            # birth date, whose records (found apart) are the candidates that count most.
            share = TUNABLES.close_weight_share_dated if keys.date_keys else TUNABLES.close_weight_share
            if shortlist[max_candidates][1] >= share * shortlist[0][1]:
                # The shortlisted records' names alone are read to choose; only the chosen records whole.
                first = shortlist[: max_candidates + 1]
                likeness = _names_likeness(connection, first, tie_breaker)
                # Namesakes, all spelt as asked: any of them will do. Or one of them is spelt as asked, and the keys
                # set the rest apart enough: they choose.
                namesakes = all(value >= 1.0 for value in likeness.values())
                spelt = any(likeness.get(rid_text, 0.0) >= 1.0 for rid_text, _ in first[:max_candidates])
                apart = shortlist[max_candidates][1] < TUNABLES.close_weight_share_spelt * shortlist[0][1]
                if namesakes or (spelt and apart):
                    return _read_records(connection, first[:max_candidates])
                likeness.update(_names_likeness(connection, shortlist[max_candidates + 1 :], tie_breaker))
                top = shortlist[0][1] or 1.0
                key_share = TUNABLES.tie_key_share
                alike = [item for item in shortlist if item[0] in likeness]
                alike.sort(key=lambda item: -(likeness[item[0]] + key_share * fmod(item[1], IDENTIFIER_WEIGHT) / top))
                chosen = alike[:max_candidates]
                if not keys.date_keys:  # with a birth date, the records born that day are candidates besides
                    chosen += _more_alike(connection, totals, likeness, max_candidates, tie_breaker)
                return _read_records(connection, chosen)
        return _read_records(connection, _heaviest(totals.items(), max_candidates))


def _more_alike(
    connection: Connection,
    totals: dict[str, float],
    likeness: dict[str, float],
    max_candidates: int,
    tie_breaker: Callable[[list[list[str]]], list[float]],
) -> list[tuple[str, float]]:
    """When no record of a shortlist (`likeness`) is surely the name asked and few are like it, the records among
    the next heaviest that are like it, kept beside the shortlist's choice (not instead of any): the record of a
    name in another script may share only one pair of sounds with it, which weighs less than a common part's many
    keys."""
    sure = max(likeness.values(), default=0.0) >= TUNABLES.shortlist_sure
    found = sum(value >= TUNABLES.shortlist_found for value in likeness.values())
    if sure or found >= max_candidates or len(totals) <= len(likeness):
        return []
    more = _heaviest(
        ((rid_text, total) for rid_text, total in totals.items() if rid_text not in likeness), TUNABLES.shortlist_more
    )
    more_likeness = _names_likeness(connection, more, tie_breaker)
    alike = [item for item in more if more_likeness[item[0]] >= TUNABLES.shortlist_found]
    alike.sort(key=lambda item: -more_likeness[item[0]])
    return alike[: TUNABLES.shortlist_more_kept]


def _counts_from(connection: Connection) -> str:
    """Where a search reads its keys' counts: in SQLite, the narrow index beside the posting lists when the store has
    it (SQLite would take the table's own b-tree: a lookup 7 levels deep at ten million records); PostgreSQL's
    table keeps long posting lists apart (TOAST) by itself."""
    if isinstance(connection, PgConnection):
        return "key_counts"
    found = connection.execute("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?", (COUNTS_INDEX,))
    return f"key_counts INDEXED BY {COUNTS_INDEX}" if found.fetchone() else "key_counts"


def _expired(connection: Connection) -> set[str]:
    """The ids (as text, like postings) of records past their expiry day: none, mostly (the purge removes them)."""
    rows = connection.execute("SELECT rid FROM records WHERE expires IS NOT NULL AND expires < ?", (today(),))
    return {str(rid) for (rid,) in rows}


def _in_one_snapshot(connection: Connection, work: Callable[[], T]) -> T:
    """Runs several reads in one read transaction: an import committed meanwhile is seen entirely or not at all
    (keys, postings and records of one moment). PostgreSQL's default (a snapshot per statement) would not do."""
    if isinstance(connection, PgConnection):
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        connection.execute("BEGIN")
    try:
        return work()
    finally:
        connection.execute("COMMIT")


def _names_likeness(
    connection: Connection, ranked: list[tuple[str, float]], tie_breaker: Callable[[list[list[str]]], list[float]]
) -> dict[str, float]:
    """How alike each record of (rid, key weight) pairs is to the query (`tie_breaker`), by its stored names."""
    if not ranked:  # `IN ()` is SQLite's, not PostgreSQL's: a shortlist of exactly max_candidates + 1 has no rest
        return {}
    rids = [int(rid_text) for rid_text, _ in ranked]
    marks = ",".join("?" * len(rids))
    rows = connection.execute(f"SELECT rid, names FROM records WHERE rid IN ({marks})", rids).fetchall()
    # Namesakes store the same names: each is read and compared once.
    distinct = list(dict.fromkeys(names for _, names in rows))
    alike = dict(zip(distinct, tie_breaker(list(map(orjson.loads, distinct))), strict=True))
    return {str(rid): alike[names] for rid, names in rows}


def _name_weight(total: float) -> float:
    """The weight of a record's name keys, of the total its keys add up to (an identifier key weighs far more)."""
    return fmod(total, IDENTIFIER_WEIGHT)


def _heaviest(ranked: Iterable[tuple[str, float]], count: int) -> list[tuple[str, float]]:
    """The `count` heaviest (rid, key weight) pairs, the first listed first among equals (as heapq.nlargest has
    them, which costs more at a shortlist's size)."""
    return sorted(ranked, key=itemgetter(1), reverse=True)[:count]


def _read_records(connection: Connection, ranked: list[tuple[str, float]]) -> list[StoredRecord]:
    """The records of (rid, key weight) pairs, in that order."""
    if not ranked:
        return []
    best = [(int(rid_text), _name_weight(total)) for rid_text, total in ranked]
    name_weights = dict(best)
    rids = [rid for rid, _ in best]
    marks = ",".join("?" * len(rids))
    # Records past their expiry day were left out of `ranked` (`_expired`, read in the same snapshot).
    rows = connection.execute(f"SELECT {RECORD_COLUMNS} FROM records WHERE rid IN ({marks})", rids).fetchall()
    order = {rid: position for position, rid in enumerate(rids)}
    records = [record_from_row(row, name_weights[row[0]]) for row in rows]
    records.sort(key=lambda record: order[record.rid])
    return records
