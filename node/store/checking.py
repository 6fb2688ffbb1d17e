"""Checking import lines: each line parsed, validated as a FollowTheMoney entity and given its blocking keys, in
the importing process or, for a large import, in worker processes (the writing stays in one process).

A line is an entity (added, or replacing the entity of that id), or an operation as in the FollowTheMoney
ecosystem's delta files: `{"op": "ADD"|"MOD", "entity": {...}}` or `{"op": "DEL", "entity": {"id": ...}}`.
An entity may carry `"expires": "YYYY-MM-DD"`: it is matched up to that day and never after."""

from __future__ import annotations

import collections
import datetime
import json
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry
from followthemoney.types.common import PropertyType

from fedcore.vocabulary import RECORD_FLAGS
from node.matching import name_texts, record_keys

MAX_ENTITY_ID_LENGTH = 512
MAX_VALUE_LENGTH = 10_000
OPERATIONS = ("ADD", "MOD", "DEL")
# Lines checked together: by one worker process at a time, and written to the store together; a chunk also
# ends once its lines hold CHUNK_BYTES of text (a few huge records never make a huge chunk).
CHUNK_LINES = 1_000
CHUNK_BYTES = 16 << 20
# Values and name parts longer than this are never cached (a cache entry is kept for long).
MAX_CACHED_LENGTH = 64
# Value types whose values come from a small set and repeat in every record (days, countries, genders):
# cleaning each distinct value once gives the same result much faster.
REPEATING_TYPES = frozenset({registry.date, registry.country, registry.gender})


class InvalidEntity(ValueError):
    """An input line that is not a valid FollowTheMoney entity; the message says why."""


class WorkersUnavailable(Exception):
    """The processes that check lines could not be started (the system's limits on processes, open files or
    memory): a problem of the machine, not of the input."""


@dataclass(frozen=True)
class CheckedLine:
    """One checked line: an entity to write (its properties and flags as stored, its blocking keys), or the
    id of an entity to delete (schema None). Plain values only: it travels back from a worker process."""

    entity_id: str
    schema: str | None = None
    properties: str = "{}"
    flags: str = "[]"
    expires: str | None = None
    keys: tuple[str, ...] = ()
    # Its full names, as stored (a JSON list).
    names: str = "[]"


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


def check_line(line: str) -> CheckedLine:
    """Parses and checks one line; InvalidEntity (or json.JSONDecodeError) says what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer of more digits than Python converts
        raise InvalidEntity("not valid JSON (a number too long to read)") from None
    except RecursionError:
        raise InvalidEntity("not valid JSON (nested too deeply to read)") from None
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
            _check_unicode(entity_id)
            return CheckedLine(entity_id)
        data = entity
    entity_id, schema, properties, flags = validate_entity(data)
    stored = json.dumps(properties, ensure_ascii=False)
    _check_unicode(entity_id, stored)
    return CheckedLine(
        entity_id,
        schema.name,
        stored,
        json.dumps(flags),
        entity_expiry(data),
        tuple(sorted(record_keys(schema, properties))),
        json.dumps(name_texts(schema, properties), ensure_ascii=False),
    )


def _check_unicode(*texts: str) -> None:
    """Text the store can hold: JSON may escape an unpaired surrogate, which is no character at all."""
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEntity("holds text that is not valid Unicode (an unpaired surrogate escape)") from None


def check_chunk(lines: list[tuple[int, str]]) -> list[tuple[int, CheckedLine | str]]:
    """Each numbered line checked, or the message saying why it is not valid."""
    checked: list[tuple[int, CheckedLine | str]] = []
    for number, line in lines:
        try:
            checked.append((number, check_line(line)))
        except json.JSONDecodeError as error:
            checked.append((number, f"not valid JSON ({error.msg})"))
        except InvalidEntity as error:
            checked.append((number, str(error)))
    return checked


def checked_lines(
    chunks: Iterable[list[tuple[int, str]]], workers: int
) -> Iterator[list[tuple[int, CheckedLine | str]]]:
    """The chunks checked, in their order. With more than one worker, that many processes check them while
    this one goes on (at most two chunks per worker read ahead, so a large file is never all in memory)."""
    if workers <= 1:
        yield from map(check_chunk, chunks)
        return
    # Workers are started afresh (spawn): the importing process may run threads, which forking would not copy.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: collections.deque[Future[list[tuple[int, CheckedLine | str]]]] = collections.deque()
        try:
            for chunk in chunks:
                try:  # the processes start with the first chunk
                    future = pool.submit(check_chunk, chunk)
                except OSError as error:
                    reason = error.strerror or str(error)
                    raise WorkersUnavailable(f"the processes checking lines could not be started: {reason}") from error
                pending.append(future)
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # the import stopped early (an error): no more checking
                future.cancel()


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
            repeating = prop.type in REPEATING_TYPES and len(value) <= MAX_CACHED_LENGTH
            clean = _clean_repeating(prop.type, value) if repeating else prop.type.clean(value)
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


@lru_cache(maxsize=65_536)
def _clean_repeating(value_type: PropertyType, value: str) -> str | None:
    return value_type.clean(value)
