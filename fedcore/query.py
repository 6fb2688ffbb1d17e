"""Validation of an entity query against the FollowTheMoney model, shared by gateway and node."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from followthemoney import model
from followthemoney.property import Property
from followthemoney.schema import Schema
from followthemoney.types import registry

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


@dataclass(frozen=True)
class QueryLimits:
    max_properties: int = 20
    max_values_per_property: int = 10
    max_value_length: int = 200


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
        clean_values: list[str] = []
        for value in values:
            clean = _clean_value(prop, value, field, limits)
            if clean not in clean_values:
                clean_values.append(clean)
        cleaned[name] = clean_values
    if not any(is_anchor(schema.properties[name]) for name in cleaned):
        raise QueryError("properties", "query needs at least one name or identifier property")
    return EntityQuery(schema=schema, properties=cleaned)
