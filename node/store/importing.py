"""Loading records: FollowTheMoney JSON lines (node.store.checking says what a line may be), checked and
written with their blocking keys in one transaction, a chunk of lines at a time."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from node.pgsql import DATABASE_ERRORS, Location, PgConnection
from node.store.checking import CHUNK_BYTES, CHUNK_LINES, CheckedLine, checked_lines
from node.store.records import PG_WRITE_LOCK, Connection, StoreError, chunked, connect

# The writer's page cache during an import (SQLite): a national store's key index is written all over.
IMPORT_CACHE_KIB = 1 << 20
# Past this many keys touched, an import counts every key at the end instead (as into an empty store).
MAX_TRACKED_KEYS = 1_000_000


@dataclass
class ImportReport:
    # Entities added or replaced.
    imported: int = 0
    # References of the records deleted (what answers called them), in the order of the lines.
    deleted: list[str] = field(default_factory=list)
    # Deletions of entity ids the store does not hold (already deleted, or never imported).
    not_held: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    # SHA-256 of every line read, as read (UTF-8): which file this was, for the audit log.
    digest: str = ""


def import_lines(
    path: Location,
    lines: Iterable[str],
    *,
    skip_invalid: bool,
    before_commit: Callable[[ImportReport], None] | None = None,
    workers: int = 1,
) -> ImportReport:
    """Applies FtM JSON lines in one transaction: all good lines, or (without skip_invalid) nothing. A search
    sees the store as it was before or after, never halfway. `before_commit` runs with the changes made
    and not yet committed (the node's audit entry): if it raises, nothing is changed. With `workers` > 1,
    that many processes check the lines and compute their keys while this one writes."""
    report = ImportReport()
    seen: dict[str, int] = {}
    digest = hashlib.sha256()
    with _write_transaction(path) as connection:
        # Into an empty store, every key is counted once at the end rather than each key a record touches
        # tracked on the way (millions of them in a national import).
        empty = connection.execute("SELECT 1 FROM records LIMIT 1").fetchone() is None
        touched: set[str] | None = None if empty else set()
        for chunk in checked_lines(_numbered_chunks(lines, digest), workers):
            batch: list[CheckedLine] = []
            for number, checked in chunk:
                if isinstance(checked, str):
                    report.bad_lines.append((number, checked))
                elif checked.entity_id in seen:
                    report.bad_lines.append((number, f"entity id already given on line {seen[checked.entity_id]}"))
                else:
                    seen[checked.entity_id] = number
                    batch.append(checked)
            if not report.bad_lines or skip_invalid:  # else it is all rolled back: the rest is only read
                _write(connection, batch, report, touched)
                if touched is not None and len(touched) > MAX_TRACKED_KEYS:
                    touched = None
        report.digest = digest.hexdigest()
        if report.bad_lines and not skip_invalid:
            connection.execute("ROLLBACK")
            report.imported, report.deleted, report.not_held = 0, [], 0
            return report
        _recount(connection, touched)
        if before_commit is not None:
            before_commit(report)
    return report


def _numbered_chunks(lines: Iterable[str], digest: hashlib._Hash) -> Iterator[list[tuple[int, str]]]:
    """The non-blank lines with their line numbers, CHUNK_LINES (or CHUNK_BYTES) at a time; every line read goes
    into the digest."""
    chunk: list[tuple[int, str]] = []
    size = 0
    for number, line in enumerate(lines, start=1):
        digest.update(line.encode("utf-8", "surrogatepass"))
        if line.strip():
            chunk.append((number, line))
            size += len(line)
            if len(chunk) == CHUNK_LINES or size >= CHUNK_BYTES:
                yield chunk
                chunk, size = [], 0
    if chunk:
        yield chunk


@contextlib.contextmanager
def _write_transaction(path: Location) -> Iterator[Connection]:
    """The store's write lock for the block: committed at its end unless rolled back; rolled back on error.
    PostgreSQL: one writer at a time too (an advisory lock), so two imports never recount the same keys at once."""
    connection = connect(path, readonly=False)
    try:
        if isinstance(connection, PgConnection):
            connection.execute("BEGIN")
            connection.execute("SELECT pg_advisory_xact_lock(?)", (PG_WRITE_LOCK,))
        else:
            connection.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
            connection.execute("BEGIN IMMEDIATE")
        yield connection
        if connection.in_transaction:
            connection.execute("COMMIT")
    except BaseException as error:
        with contextlib.suppress(*DATABASE_ERRORS):  # a connection that was lost has nothing to roll back
            if connection.in_transaction:
                connection.execute("ROLLBACK")
        if isinstance(error, DATABASE_ERRORS):
            raise StoreError(f"store {path} cannot be written: {error}") from error
        raise
    finally:
        connection.close()


def _recount(connection: Connection, touched: set[str] | None) -> None:
    """Rewrites the postings of every key whose records changed (a key no record has any more disappears);
    every key's, when `touched` is None."""
    # SQLite lists a key's records in the order of its (key, rid) index; PostgreSQL is told that order.
    postings = (
        "string_agg(rid::text, ',' ORDER BY rid)" if isinstance(connection, PgConnection) else "group_concat(rid)"
    )
    if touched is None:
        connection.execute("DELETE FROM key_counts")
        connection.execute(f"INSERT INTO key_counts SELECT key, count(*), {postings} FROM keys GROUP BY key")
        if isinstance(connection, PgConnection):  # the planner's statistics, for tables that were empty
            connection.execute("ANALYZE records, keys, key_counts")
    else:
        for chunk in chunked(sorted(touched)):
            marks = ",".join("?" * len(chunk))
            connection.execute(f"DELETE FROM key_counts WHERE key IN ({marks})", chunk)
            counted = f"SELECT key, count(*), {postings} FROM keys WHERE key IN ({marks}) GROUP BY key"
            connection.execute(f"INSERT INTO key_counts {counted}", chunk)
    total = connection.execute("SELECT count(*) FROM records").fetchone()[0]
    connection.execute(
        "INSERT INTO meta VALUES ('records', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", (str(total),)
    )


def _write(connection: Connection, batch: list[CheckedLine], report: ImportReport, touched: set[str] | None) -> None:
    """Writes a chunk of checked lines (distinct entity ids): deletions, replacements and new records, with their
    keys, in a few statements for the whole chunk."""
    held: dict[str, tuple[int, str]] = {}
    for ids in chunked([line.entity_id for line in batch]):
        marks = ",".join("?" * len(ids))
        query = f"SELECT entity_id, rid, ref FROM records WHERE entity_id IN ({marks})"
        held.update((entity_id, (rid, ref)) for entity_id, rid, ref in connection.execute(query, ids))
    for rids in chunked([rid for rid, _ in held.values()]):
        marks = ",".join("?" * len(rids))
        if touched is not None:
            touched.update(key for (key,) in connection.execute(f"SELECT key FROM keys WHERE rid IN ({marks})", rids))
        connection.execute(f"DELETE FROM keys WHERE rid IN ({marks})", rids)
    gone: list[int] = []
    replaced: list[tuple[str | None, str, str, str | None, str, int]] = []
    added: list[CheckedLine] = []
    for line in batch:
        old = held.get(line.entity_id)
        if line.schema is None:
            if old is None:
                report.not_held += 1
            else:
                report.deleted.append(old[1])
                gone.append(old[0])
        elif old is None:
            added.append(line)
        else:
            replaced.append((line.schema, line.properties, line.flags, line.expires, line.names, old[0]))
    for rids in chunked(gone):
        connection.execute(f"DELETE FROM records WHERE rid IN ({','.join('?' * len(rids))})", rids)
    if replaced:
        connection.executemany(
            "UPDATE records SET schema = ?, properties = ?, flags = ?, expires = ?, names = ? WHERE rid = ?", replaced
        )
    rid_of = {entity_id: rid for entity_id, (rid, _) in held.items()}
    for lines in _insert_batches(added):
        rows = ",".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(lines))
        values = [
            value
            for line in lines
            for value in (
                line.entity_id,
                secrets.token_hex(12),
                line.schema,
                line.properties,
                line.flags,
                line.expires,
                line.names,
            )
        ]
        columns = "entity_id, ref, schema, properties, flags, expires, names"
        query = f"INSERT INTO records ({columns}) VALUES {rows} RETURNING entity_id, rid"
        rid_of.update(connection.execute(query, values).fetchall())
    keys = sorted((key, rid_of[line.entity_id]) for line in batch if line.schema is not None for key in line.keys)
    if isinstance(connection, PgConnection):
        connection.copy_rows("keys", ("key", "rid"), keys)
    else:
        connection.executemany("INSERT INTO keys (key, rid) VALUES (?, ?)", keys)
    if touched is not None:
        touched.update(key for key, _ in keys)
    report.imported += len(added) + len(replaced)


def purge_expired(path: Location, today: str, before_commit: Callable[[list[str]], None] | None = None) -> list[str]:
    """Deletes every record whose expiry day is before `today` (ISO date); returns their references.
    `before_commit` gets them before the deletion is committed (the node's audit entry)."""
    report = ImportReport()
    with _write_transaction(path) as connection:
        rows = connection.execute(
            "SELECT entity_id FROM records WHERE expires IS NOT NULL AND expires < ? ORDER BY rid", (today,)
        ).fetchall()
        touched: set[str] = set()
        # The same deletion as an import's, a chunk of records at a time.
        for ids in chunked([entity_id for (entity_id,) in rows], CHUNK_LINES):
            _write(connection, [CheckedLine(entity_id) for entity_id in ids], report, touched)
        if report.deleted:
            _recount(connection, touched)
            if before_commit is not None:
                before_commit(report.deleted)
    return report.deleted


def _insert_batches(added: list[CheckedLine]) -> Iterator[list[CheckedLine]]:
    """New records, at most 500 and CHUNK_BYTES of properties and names per INSERT (PostgreSQL refuses 1 GB)."""
    batch: list[CheckedLine] = []
    size = 0
    for line in added:
        if batch and (len(batch) == 500 or size + len(line.properties) + len(line.names) > CHUNK_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(line)
        size += len(line.properties) + len(line.names)
    if batch:
        yield batch
