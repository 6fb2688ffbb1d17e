"""Validation of an entity query against the FollowTheMoney model, shared by gateway and node."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Self

from followthemoney import model
from followthemoney.property import Property
from followthemoney.schema import Schema
from followthemoney.types import registry
from pydantic import Field, model_validator

from fedcore.config import Table, key_problem

# Plain-string properties that hold parts of a person's name: a query on them is a name query.
NAME_PART_PROPERTIES = frozenset(
    {"firstName", "secondName", "middleName", "lastName", "fatherName", "motherName", "surname", "givenName"}
)
# Types whose values can be searched: names, identifiers, dates, countries, gender and short strings. Not
# references to other records, long free text, or machine values (URLs, checksums, addresses…).
SEARCHABLE_TYPES = frozenset(
    {registry.name, registry.identifier, registry.date, registry.country, registry.gender, registry.string}
)
DATE_LENGTHS = frozenset({4, 7, 10})


class QueryError(ValueError):
    """A query that cannot be searched; `field` names the offending part (e.g. "properties.birthDate")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class QueryCostExceeded(QueryError):
    """A well-formed query bigger than the bounds on what one search may cost a node."""


# The most queries one screening batch (/v1/screen, the Screen RPC) may carry: part of the contract, the same at
# the gateway and at every node.
MAX_SCREEN_QUERIES = 100


class QueryLimits(Table):
    """How big a query may be. The totals and the name-part count bound the node's work per search: the
    matcher's cost grows with the number of names times their parts squared (docs/reliability.md). The bounds
    are what a configuration file may set."""

    max_properties: int = Field(20, ge=1, le=200)
    max_values_per_property: int = Field(10, ge=1, le=100)
    max_value_length: int = Field(200, ge=8, le=10_000)
    # Across all the query's properties.
    max_total_values: int = Field(20, ge=1, le=2000)
    max_total_characters: int = Field(1000, ge=8, le=1_000_000)
    # Parts of one name value, and of the name-part properties (firstName, lastName…) together.
    max_name_parts: int = Field(12, ge=2, le=100)
    # Parts of all the query's names together: what the matcher's cost grows with.
    max_total_name_parts: int = Field(48, ge=2, le=10_000)


class SearchLimits(QueryLimits):
    """A query's bounds and how many hits a search may ask for (`default_limit` when it does not say)."""

    max_limit: int = Field(100, ge=1, le=1000)
    default_limit: int = Field(20, ge=1)

    @model_validator(mode="after")
    def _default_within_max(self) -> Self:
        if self.default_limit > self.max_limit:
            raise key_problem("default_limit", f"must be at most {self.max_limit}, got {self.default_limit}")
        return self


# A run of letters or digits; Han, kana and hangul characters are name parts one each (they are
# transliterated syllable by syllable), so a name written without spaces cannot hide its length.
WORD = re.compile(r"[^\W_]+")
SYLLABIC_BLOCKS = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))


def _syllabic(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in SYLLABIC_BLOCKS) or point >= 0x20000


def name_part_count(text: str) -> int:
    """How many parts a name has, counted generously (never fewer than the matcher will compare)."""
    count = 0
    for word in WORD.findall(text):
        syllables = sum(1 for char in word if _syllabic(char))
        count += syllables + (1 if syllables < len(word) else 0)
    return count


@dataclass(frozen=True)
class EntityQuery:
    """A validated query: a searchable schema and cleaned values of its properties."""

    schema: Schema
    properties: dict[str, list[str]]

    def values(self, prop: str) -> list[str]:
        return self.properties.get(prop, [])


def searchable_schema(name: str) -> Schema:
    schema = model.get(name) if name else None
    if schema is None:
        raise QueryError("schema", f"unknown schema {name!r}; use a FollowTheMoney schema such as 'Person'")
    if schema.abstract or schema.edge:
        raise QueryError("schema", f"schema {name!r} cannot be searched (abstract or a relationship)")
    if not any(is_anchor(prop) for prop in schema.properties.values()):
        raise QueryError("schema", f"schema {name!r} has no name or identifier to search on")
    return schema


def is_searchable(prop: Property) -> bool:
    return prop.type in SEARCHABLE_TYPES and not prop.stub


def searchable_properties(schema: Schema) -> list[Property]:
    return [prop for _, prop in sorted(schema.properties.items()) if is_searchable(prop)]


def is_anchor(prop: Property) -> bool:
    """A property that can locate a record by itself: a name or an identifier."""
    return prop.type in (registry.name, registry.identifier) or prop.name in NAME_PART_PROPERTIES


def _clean_value(prop: Property, raw: object, field: str, limits: QueryLimits) -> str:
    if not isinstance(raw, str):
        raise QueryError(field, f"values must be strings, got {type(raw).__name__}")
    if len(raw) > limits.max_value_length:
        raise QueryError(field, f"value is longer than {limits.max_value_length} characters")
    if any(unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") for char in raw):
        raise QueryError(field, "value contains a control or unassigned character")
    text = raw.strip()
    if not text:
        raise QueryError(field, "value is empty")
    if prop.type == registry.date:
        cleaned = registry.date.clean(text)
        if cleaned is None or len(cleaned) not in DATE_LENGTHS or cleaned != text[: len(cleaned)]:
            raise QueryError(field, f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        return cleaned
    if prop.type in (registry.country, registry.gender):
        cleaned = prop.type.clean(text)
        if cleaned is None:
            raise QueryError(field, f"{text!r} is not a valid {prop.type.label.lower()}")
        return cleaned
    return text


def load_vocabularies() -> None:
    """Loads the country and gender vocabularies (seconds, once per process) so that no query pays for it:
    the first country name to clean reads followthemoney's territory data."""
    registry.country.clean("Atlantis")
    registry.gender.clean("unknown")


def validate_query(
    schema_name: str, properties: Mapping[str, Sequence[object]], limits: QueryLimits | None = None
) -> EntityQuery:
    """Checks a query before anything is searched; raises QueryError naming the first problem."""
    limits = limits or QueryLimits()
    schema = searchable_schema(schema_name)
    if not properties:
        raise QueryError("properties", "query is empty: give at least a name or an identifier")
    if len(properties) > limits.max_properties:
        raise QueryError("properties", f"at most {limits.max_properties} properties may be queried")
    cleaned: dict[str, list[str]] = {}
    total_values = 0
    for name, values in properties.items():
        field = f"properties.{name}"
        prop = schema.properties.get(name)
        if prop is None:
            raise QueryError(field, f"schema {schema.name!r} has no property {name!r}")
        if not is_searchable(prop):
            raise QueryError(field, f"property {name!r} cannot be searched")
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise QueryError(field, "must be a list of values")
        if not values:
            raise QueryError(field, "has no values")
        if len(values) > limits.max_values_per_property:
            raise QueryError(field, f"at most {limits.max_values_per_property} values per property")
        total_values += len(values)
        if total_values > limits.max_total_values:
            raise QueryError("properties", f"at most {limits.max_total_values} values in all (max_total_values)")
        clean_values: list[str] = []
        for value in values:
            clean = _clean_value(prop, value, field, limits)
            if clean not in clean_values:
                clean_values.append(clean)
        cleaned[name] = clean_values
    if not any(is_anchor(schema.properties[name]) for name in cleaned):
        raise QueryError("properties", "query needs at least one name or identifier property")
    _check_cost(cleaned, schema, limits)
    return EntityQuery(schema=schema, properties=cleaned)


def _check_cost(properties: dict[str, list[str]], schema: Schema, limits: QueryLimits) -> None:
    """The bounds on what one query may cost a node, checked on the cleaned values."""
    total_characters = sum(len(value) for values in properties.values() for value in values)
    if total_characters > limits.max_total_characters:
        raise QueryCostExceeded(
            "properties",
            f"at most {limits.max_total_characters} characters in all values together (max_total_characters)",
        )
    composed = total = 0
    for name, values in properties.items():
        if name in NAME_PART_PROPERTIES:
            composed += sum(map(name_part_count, values))
        elif schema.properties[name].type == registry.name:
            for value in values:
                parts = name_part_count(value)
                if parts > limits.max_name_parts:
                    raise QueryCostExceeded(
                        f"properties.{name}", f"a name has at most {limits.max_name_parts} parts (max_name_parts)"
                    )
                total += parts
    if composed > limits.max_name_parts:
        raise QueryCostExceeded(
            "properties",
            f"the name-part properties ({', '.join(sorted(NAME_PART_PROPERTIES & set(properties)))}) hold at most "
            f"{limits.max_name_parts} parts together (max_name_parts)",
        )
    if total + composed > limits.max_total_name_parts:
        raise QueryCostExceeded(
            "properties",
            f"the query's names hold at most {limits.max_total_name_parts} parts in all (max_total_name_parts)",
        )
