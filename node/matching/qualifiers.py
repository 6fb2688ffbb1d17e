"""What a record's birth dates, countries and gender say beside its names: caps, gains and factors on the score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from followthemoney.types import registry

from fedcore.query import EntityQuery
from node.matching.names import Properties
from node.matching.settings import TUNABLES, MatchKind

COUNTRY_PROPERTIES = ("nationality", "citizenship", "birthCountry", "country")

# How two sets of dates agree: a kind and its strength; kind None when they contradict each other.
DateAgreement = tuple[MatchKind | None, float]
# Evidence a qualifier adds to a match: (record property, kind, score).
Note = tuple[str, MatchKind, float]


def query_dates(query: EntityQuery) -> dict[str, list[str]]:
    """The query's date-typed properties."""
    return {
        name: values for name, values in query.properties.items() if query.schema.properties[name].type == registry.date
    }


def query_countries(query: EntityQuery) -> dict[str, set[str]]:
    return {name: set(query.values(name)) for name in COUNTRY_PROPERTIES if query.values(name)}


def date_agreement(query_dates: list[str], record_dates: list[str]) -> DateAgreement | None:
    """How a query's dates agree with a record's: (exact, 1.0); (partial, 0.5) where one is less precise
    (1979 and 1979-04-06), day and month are swapped, or one of them differs (a typo); else (None, 0.0).
    None when either side has none."""
    if not query_dates or not record_dates:
        return None
    best: DateAgreement = (None, 0.0)
    for query_date in query_dates:
        for record_date in record_dates:
            query_fields, record_fields = query_date.split("-"), record_date.split("-")
            common = min(len(query_fields), len(record_fields))
            differing = sum(q != r for q, r in zip(query_fields[:common], record_fields[:common], strict=True))
            if differing == 0:
                return (MatchKind.EXACT, 1.0) if len(query_fields) == len(record_fields) else (MatchKind.PARTIAL, 0.5)
            if query_fields[0] != record_fields[0]:
                continue
            swapped = common == 3 and query_fields[1:] == record_fields[2:0:-1]
            if swapped or differing == 1:
                best = (MatchKind.PARTIAL, 0.5)
    return best


@dataclass(frozen=True)
class Qualifiers:
    """How a record's dates, countries and gender compare with the query's, before its names are looked at."""

    dates: list[tuple[str, MatchKind | None, float]]
    countries: list[tuple[str, bool]]
    gender_mismatch: bool
    # The highest score the record can reach whatever its names.
    ceiling: float

    def apply(self, score: float) -> tuple[float, list[Note]]:
        """The names' (or identifiers') score as the record's qualifiers raise or lower it, and their evidence."""
        notes: list[Note] = []
        for prop_name, kind, strength in self.dates:
            # A date confirms a name that already matches; it never turns a different name into a match.
            if kind is None:
                score *= TUNABLES.date_mismatch_factor
            elif score >= TUNABLES.name_floor:
                score += (1 - score) * (
                    TUNABLES.date_exact_gain if kind == MatchKind.EXACT else TUNABLES.date_partial_gain
                )
            if kind is not None and strength > 0:
                notes.append((prop_name, kind, strength))
        for prop_name, agrees in self.countries:
            if agrees:
                score += (1 - score) * TUNABLES.country_gain
                notes.append((prop_name, MatchKind.EXACT, 1.0))
            else:
                score *= TUNABLES.country_mismatch_factor
        if self.gender_mismatch:
            score *= TUNABLES.gender_mismatch_factor
        return score, notes


def qualify(
    dates: Mapping[str, list[str]],
    countries: Mapping[str, set[str]],
    genders: frozenset[str],
    properties: Properties,
) -> Qualifiers:
    """The record's qualifiers against the query's `dates`, `countries` and `genders`."""
    agreements: list[tuple[str, MatchKind | None, float]] = []
    ceiling = 1.0
    for prop_name, wanted_dates in dates.items():
        agreement = date_agreement(wanted_dates, properties.get(prop_name, []))
        if agreement is not None:
            agreements.append((prop_name, *agreement))
            if agreement[0] is None:
                ceiling *= TUNABLES.date_mismatch_factor
    agreeing: list[tuple[str, bool]] = []
    for prop_name, wanted in countries.items():
        held = properties.get(prop_name)
        if held:
            agrees = not wanted.isdisjoint(held)
            agreeing.append((prop_name, agrees))
            ceiling *= 1.0 if agrees else TUNABLES.country_mismatch_factor
    held_gender = properties.get("gender")
    gender_mismatch = bool(genders and held_gender and genders.isdisjoint(held_gender))
    if gender_mismatch:
        ceiling *= TUNABLES.gender_mismatch_factor
    return Qualifiers(agreements, agreeing, gender_mismatch, ceiling)
