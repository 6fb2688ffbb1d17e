"""Loading records: FollowTheMoney JSON lines, checked, written with their blocking keys in one transaction.

A line is an entity (added, or replacing the entity of that id), or an operation as in the FollowTheMoney
ecosystem's delta files: `{"op": "ADD"|"MOD", "entity": {...}}` or `{"op": "DEL", "entity": {"id": ...}}`.
An entity may carry `"expires": "YYYY-MM-DD"`: it is matched up to that day and never after."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from followthemoney import model
from followthemoney.schema import Schema

from fedcore.vocabulary import RECORD_FLAGS
from node.matching import record_keys
from node.pgsql import DATABASE_ERRORS, Location, PgConnection
from node.store.records import PG_WRITE_LOCK, Connection, StoreError, chunked, connect

MAX_ENTITY_ID_LENGTH = 512
MAX_VALUE_LENGTH = 10_000


class InvalidEntity(ValueError):
    """An input line that is not a valid FollowTheMoney entity; the message says why."""


OPERATIONS = ("ADD", "MOD", "DEL")


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


def entity_expiry(data: dict[str, Any]) -> str | None:
    """The entity's `expires` day (ISO 8601 date), or None; InvalidEntity if it is not a date."""
    expires = data.get("expires")
    if expires is None:
        return None
    try:
        if not isinstance(expires, str) or len(expires) != len("YYYY-MM-DD"):
            raise ValueError
        return datetime.date.fromisoformat(expires).isoformat()
    except ValueError:
        raise InvalidEntity(f"expires must be a date (YYYY-MM-DD), not {expires!r}") from None


@dataclass(frozen=True)
class _Line:
    """One checked line: an entity to write, or an entity id to delete (schema None)."""

    entity_id: str
    schema: Schema | None = None
    properties: dict[str, list[str]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    expires: str | None = None


def _parse_line(data: Any) -> _Line:
    if isinstance(data, dict) and "op" in data:
        op, entity = data.get("op"), data.get("entity")
        if op not in OPERATIONS:
            raise InvalidEntity(f"op must be one of {', '.join(OPERATIONS)}, not {op!r}")
        if not isinstance(entity, dict):
            raise InvalidEntity(f"an {op} line needs an entity object")
        if op == "DEL":
            entity_id = entity.get("id")
            if not isinstance(entity_id, str) or not entity_id.strip():
                raise InvalidEntity("a DEL line needs the entity's id")
            return _Line(entity_id)
        data = entity
    entity_id, schema, properties, flags = validate_entity(data)
    return _Line(entity_id, schema, properties, flags, entity_expiry(data))


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


def import_lines(
    path: Location,
    lines: Iterable[str],
    *,
    skip_invalid: bool,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Applies FtM JSON lines in one transaction: all good lines, or (without skip_invalid) nothing. A search
    sees the store as it was before or after, never halfway. `before_commit` runs with the changes made
    and not yet committed (the node's audit entry): if it raises, nothing is changed."""
    report = ImportReport()
    touched: set[str] = set()
    seen: dict[str, int] = {}
    digest = hashlib.sha256()
    with _write_transaction(path) as connection:
        for number, line in enumerate(lines, start=1):
            digest.update(line.encode("utf-8", "surrogatepass"))
            if not line.strip():
                continue
            try:
                parsed = _parse_line(json.loads(line))
                if parsed.entity_id in seen:
                    raise InvalidEntity(f"entity id already given on line {seen[parsed.entity_id]}")
            except (json.JSONDecodeError, InvalidEntity) as error:
                message = f"not valid JSON ({error.msg})" if isinstance(error, json.JSONDecodeError) else str(error)
                report.bad_lines.append((number, message))
                continue
            seen[parsed.entity_id] = number
            if parsed.schema is None:
                ref, keys = _delete(connection, parsed.entity_id)
                if ref is None:
                    report.not_held += 1
                else:
                    report.deleted.append(ref)
                    touched.update(keys)
                continue
            touched.update(
                _upsert(connection, parsed.entity_id, parsed.schema, parsed.properties, parsed.flags, parsed.expires)
            )
            report.imported += 1
        report.digest = digest.hexdigest()
        if report.bad_lines and not skip_invalid:
            connection.execute("ROLLBACK")
            report.imported, report.deleted, report.not_held = 0, [], 0
            return report
        _recount(connection, touched)
        if before_commit is not None:
            before_commit(report)
    return report


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


def _recount(connection: Connection, touched: set[str]) -> None:
    """Rewrites the postings of every key whose records changed (a key no record has any more disappears)."""
    # SQLite lists a key's records in the order of its (key, rid) index; PostgreSQL is told that order.
    postings = (
        "string_agg(rid::text, ',' ORDER BY rid)" if isinstance(connection, PgConnection) else "group_concat(rid)"
    )
    for chunk in chunked(sorted(touched)):
        marks = ",".join("?" * len(chunk))
        connection.execute(f"DELETE FROM key_counts WHERE key IN ({marks})", chunk)
        connection.execute(
            f"INSERT INTO key_counts SELECT key, count(*), {postings} FROM keys WHERE key IN ({marks}) GROUP BY key",
            chunk,
        )
    total = connection.execute("SELECT count(*) FROM records").fetchone()[0]
    connection.execute(
        "INSERT INTO meta VALUES ('records', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", (str(total),)
    )


def _delete(connection: Connection, entity_id: str) -> tuple[str | None, set[str]]:
    """Removes one record and its keys; its reference (None if not held) and the keys whose count changed."""
    row = connection.execute("SELECT rid, ref FROM records WHERE entity_id = ?", (entity_id,)).fetchone()
    if row is None:
        return None, set()
    rid, ref = row
    keys = {key for (key,) in connection.execute("SELECT key FROM keys WHERE rid = ?", (rid,))}
    connection.execute("DELETE FROM keys WHERE rid = ?", (rid,))
    connection.execute("DELETE FROM records WHERE rid = ?", (rid,))
    return ref, keys


def purge_expired(path: Location, today: str, before_commit: Callable[[list[str]], None] | None = None) -> list[str]:
    """Deletes every record whose expiry day is before `today` (ISO date); returns their references.
    `before_commit` gets them before the deletion is committed (the node's audit entry)."""
    purged: list[str] = []
    with _write_transaction(path) as connection:
        rows = connection.execute(
            "SELECT entity_id FROM records WHERE expires IS NOT NULL AND expires < ? ORDER BY rid", (today,)
        ).fetchall()
        touched: set[str] = set()
        for (entity_id,) in rows:
            ref, keys = _delete(connection, entity_id)
            if ref is not None:
                purged.append(ref)
                touched.update(keys)
        if purged:
            _recount(connection, touched)
            if before_commit is not None:
                before_commit(purged)
    return purged


def _upsert(
    connection: Connection,
    entity_id: str,
    schema: Schema,
    properties: dict[str, list[str]],
    flags: list[str],
    expires: str | None,
) -> set[str]:
    """Writes one record and its keys; returns every key whose count changed."""
    touched: set[str] = set()
    row = connection.execute("SELECT rid, ref FROM records WHERE entity_id = ?", (entity_id,)).fetchone()
    if row is not None:
        rid, ref = row
        touched.update(key for (key,) in connection.execute("SELECT key FROM keys WHERE rid = ?", (rid,)))
        connection.execute("DELETE FROM keys WHERE rid = ?", (rid,))
        connection.execute(
            "UPDATE records SET schema = ?, properties = ?, flags = ?, expires = ? WHERE rid = ?",
            (schema.name, json.dumps(properties, ensure_ascii=False), json.dumps(flags), expires, rid),
        )
    else:
        ref = secrets.token_hex(12)
        rid = connection.execute(
            "INSERT INTO records (entity_id, ref, schema, properties, flags, expires) VALUES (?, ?, ?, ?, ?, ?)"
            " RETURNING rid",
            (entity_id, ref, schema.name, json.dumps(properties, ensure_ascii=False), json.dumps(flags), expires),
        ).fetchone()[0]
    keys = record_keys(schema, properties)
    # One statement per 500 keys rather than one per key: on PostgreSQL each is a round trip to the server.
    for chunk in chunked(sorted(keys)):
        rows = ",".join(["(?, ?)"] * len(chunk))
        connection.execute(
            f"INSERT INTO keys (key, rid) VALUES {rows}", [value for key in chunk for value in (key, rid)]
        )
    touched.update(keys)
    return touched
