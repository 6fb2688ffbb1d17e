"""Loading records: FollowTheMoney JSON lines, checked, written with their blocking keys in one transaction."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.schema import Schema

from fedcore.vocabulary import RECORD_FLAGS
from node.matching import record_keys
from node.store.records import chunked, connect

MAX_ENTITY_ID_LENGTH = 512
MAX_VALUE_LENGTH = 10_000


class InvalidEntity(ValueError):
    """An input line that is not a valid FollowTheMoney entity; the message says why."""


@dataclass
class ImportReport:
    imported: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


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
        for chunk in chunked(sorted(touched)):
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
