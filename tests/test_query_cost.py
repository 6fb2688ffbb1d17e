"""The query cost bounds (fedcore.query): what one query may make a node do, checked before any search."""

from __future__ import annotations

import pytest

from fedcore.query import QueryError, QueryLimits, name_part_count, validate_query


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ivan Petrov", 2),
        ("Maria de los Angeles Fernandez-Garcia", 6),
        ("O'Neil", 2),  # counted generously: never fewer parts than the matcher compares
        ("习近平", 3),  # Han characters are transliterated syllable by syllable
        ("Xi 近平", 3),
        ("", 0),
    ],
)
def test_name_parts_are_counted_as_the_matcher_would_split_them(name: str, parts: int) -> None:
    assert name_part_count(name) == parts


def test_a_query_at_every_bound_is_accepted() -> None:
    limits = QueryLimits(max_total_values=4, max_total_characters=40, max_name_parts=3, max_total_name_parts=9)
    query = validate_query("Person", {"name": ["a b c", "d e f"], "alias": ["g h i"], "birthDate": ["1970"]}, limits)
    assert query.values("alias") == ["g h i"]


@pytest.mark.parametrize(
    ("properties", "field", "bound"),
    [
        ({"name": ["a", "b", "c"], "alias": ["d", "e"]}, "properties", "max_total_values"),
        ({"name": ["a" * 30, "b" * 11]}, "properties", "max_total_characters"),
        ({"name": ["a b c d"]}, "properties.name", "max_name_parts"),
        ({"firstName": ["a b"], "lastName": ["c d"]}, "properties", "max_name_parts"),
        ({"name": ["a b c", "d e f"], "alias": ["g h i", "j"]}, "properties", "max_total_name_parts"),
    ],
)
def test_a_query_over_a_cost_bound_names_the_bound(properties: dict[str, list[str]], field: str, bound: str) -> None:
    limits = QueryLimits(max_total_values=4, max_total_characters=40, max_name_parts=3, max_total_name_parts=9)
    with pytest.raises(QueryError) as failure:
        validate_query("Person", properties, limits)
    assert failure.value.field == field
    assert bound in failure.value.message


def test_repeated_values_count_once_towards_the_characters() -> None:
    limits = QueryLimits(max_total_characters=40)
    assert validate_query("Person", {"name": ["a" * 30, "a" * 30]}, limits).values("name") == ["a" * 30]
