"""Matching: blocking keys for the store's index, and explainable scores of a record against a query.

Names are analysed with rigour (tokenisation, transliteration, phonetics and name symbols that
tie "Иван" to "Ivan" and "Mohammed" to "Muhammad"); the residue is compared with rigour's
edit-cost model. Identifiers match exactly after normalisation.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry
from rigour.names import (
    Alignment,
    Name,
    NamePart,
    NamePartTag,
    NameTypeTag,
    align_person_name_order,
    analyze_names,
    compare_parts,
    pair_symbols,
)
from rigour.text.scripts import text_scripts
from rigour.text.translit import ascii_text

from fedcore.query import EntityQuery

Properties = Mapping[str, list[str]]

# Name parts a person's full name is composed of, in display order.
NAME_PART_ORDERS = (
    ("firstName", "secondName", "middleName", "fatherName", "lastName"),
    ("givenName", "surname"),
)
COUNTRY_PROPERTIES = ("nationality", "citizenship", "birthCountry", "country")
NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)

# Weights of unmatched name parts: a query part the record lacks weighs more than a record part
# the query did not mention (records often hold middle names and patronymics a query leaves out).
EXTRA_QUERY_PART_WEIGHT = 1.0
EXTRA_RECORD_PART_WEIGHT = 0.4
STOPWORD_WEIGHT = 0.3

KIND_RANK = {"exact": 0, "transliterated": 1, "phonetic": 2, "fuzzy": 3}


def normalise_identifier(value: str) -> str:
    """Passport, id and registration numbers compared without spaces, dashes, dots or case."""
    return NON_ALNUM.sub("", ascii_text(value)).upper()


def name_type(schema: Schema) -> NameTypeTag:
    if schema.is_a("Person") or schema.is_a("Identification"):
        return NameTypeTag.PER
    if schema.is_a("Organization"):
        return NameTypeTag.ORG
    if schema.is_a("LegalEntity"):
        return NameTypeTag.ENT
    return NameTypeTag.OBJ


@dataclass(frozen=True)
class SourcedName:
    """A name string and the properties it was taken from."""

    text: str
    sources: tuple[str, ...]


def name_strings(schema: Schema, properties: Properties) -> list[SourcedName]:
    """The full names an entity (or a query) carries: name-typed values and names composed of parts."""
    found: list[SourcedName] = []
    for prop_name, values in properties.items():
        prop = schema.properties.get(prop_name)
        if prop is not None and prop.type == registry.name:
            found.extend(SourcedName(value, (prop_name,)) for value in values)
    for order in NAME_PART_ORDERS:
        present = [name for name in order if properties.get(name)]
        if present:
            text = " ".join(properties[name][0] for name in present)
            found.append(SourcedName(text, tuple(present)))
    return found


@lru_cache(maxsize=65_536)
def _analyse(tag: NameTypeTag, text: str, is_query: bool) -> tuple[Name, ...]:
    variants = [text]
    if not text.isascii():
        # Scripts rigour does not transliterate itself (Arabic, Hebrew, Han…) get an ASCII twin.
        variants.append(ascii_text(text))
    return tuple(analyze_names(tag, variants, infer_initials=is_query))


@dataclass(frozen=True)
class AnalysedName:
    name: Name
    sources: tuple[str, ...]
    # Scripts the name was written in (before any transliteration): tells "exact" from "transliterated".
    scripts: frozenset[str]


def analyse_names(schema: Schema, properties: Properties, *, is_query: bool) -> list[AnalysedName]:
    tag = name_type(schema)
    return [
        AnalysedName(name, sourced.sources, frozenset(text_scripts(sourced.text)))
        for sourced in name_strings(schema, properties)
        for name in _analyse(tag, sourced.text, is_query)
    ]


def warm_up() -> None:
    """Builds rigour's name tagger (about 5 s, once per process) so that no search pays for it."""
    for tag in (NameTypeTag.PER, NameTypeTag.ORG, NameTypeTag.OBJ):
        analyze_names(tag, ["Ivan Petrov"])


def _part_ascii(part: NamePart) -> str:
    return part.ascii or ascii_text(part.form)


def name_keys(names: Iterable[AnalysedName]) -> set[str]:
    """Single-token keys (spelling, sound, name symbol) and token-pair keys.

    Pairs ("ivan|petrov") are what keeps candidate lists short in a large store, where a single
    common given name or surname is shared by tens of thousands of records.
    """
    keys: set[str] = set()
    for analysed in names:
        tokens: set[str] = set()
        sounds: set[str] = set()
        for part in analysed.name.parts:
            if part.tag == NamePartTag.STOP:
                continue
            token = _part_ascii(part).replace(" ", "")
            if len(token) >= 2:
                tokens.add(token)
            if part.metaphone:
                sounds.add(part.metaphone)
        keys.update(f"t:{token}" for token in tokens)
        keys.update(f"m:{sound}" for sound in sounds)
        keys.update(f"tt:{first}|{second}" for first, second in itertools.combinations(sorted(tokens), 2))
        keys.update(f"mm:{first}|{second}" for first, second in itertools.combinations(sorted(sounds), 2))
        keys.update(f"s:{symbol}" for symbol in analysed.name.symbols)
    return keys


def identifier_values(schema: Schema, properties: Properties) -> dict[str, set[str]]:
    """Normalised identifiers by property name."""
    found: dict[str, set[str]] = {}
    for prop_name, values in properties.items():
        prop = schema.properties.get(prop_name)
        if prop is not None and prop.type == registry.identifier:
            normalised = {normalise_identifier(value) for value in values}
            normalised.discard("")
            if normalised:
                found[prop_name] = normalised
    return found


def record_keys(schema: Schema, properties: Properties) -> set[str]:
    """Blocking keys of a stored record, prefixed by its schema."""
    keys = name_keys(analyse_names(schema, properties, is_query=False))
    for values in identifier_values(schema, properties).values():
        keys.update(f"i:{value}" for value in values)
    return {f"{schema.name}|{key}" for key in keys}


def matching_schemata(schema: Schema) -> list[Schema]:
    """Record schemata a query of this schema may find: itself and its descendants."""
    return [candidate for candidate in model.schemata.values() if candidate.is_a(schema) and not candidate.abstract]


@dataclass(frozen=True)
class QueryKeys:
    identifier_keys: list[str]
    name_keys: list[str]


def query_keys(query: EntityQuery) -> QueryKeys:
    names = name_keys(analyse_names(query.schema, query.properties, is_query=True))
    identifiers = {
        f"i:{value}" for values in identifier_values(query.schema, query.properties).values() for value in values
    }
    schemata = [schema.name for schema in matching_schemata(query.schema)]
    return QueryKeys(
        identifier_keys=sorted(f"{schema}|{key}" for schema in schemata for key in identifiers),
        name_keys=sorted(f"{schema}|{key}" for schema in schemata for key in names),
    )


def key_weight(postings: int, total_records: int) -> float:
    """Inverse document frequency: rare keys say more."""
    return math.log(1 + total_records / max(postings, 1))


@dataclass
class Evidence:
    """How one record property matched: the best kind and score seen for it."""

    kind: str
    score: float


@dataclass
class MatchResult:
    score: float
    matched: dict[str, Evidence] = field(default_factory=dict)

    def note(self, prop: str, kind: str, score: float) -> None:
        seen = self.matched.get(prop)
        if seen is None or score > seen.score:
            self.matched[prop] = Evidence(kind, score)


def _same_script_kind(alignment: Alignment) -> str:
    if alignment.qstr == alignment.rstr:
        return "exact"
    query_ascii = " ".join(_part_ascii(part) for part in alignment.qps)
    record_ascii = " ".join(_part_ascii(part) for part in alignment.rps)
    if query_ascii == record_ascii:
        return "transliterated"
    return ""


def _alignment_kind(alignment: Alignment) -> str:
    kind = _same_script_kind(alignment)
    if kind:
        return kind
    if alignment.symbol is not None:
        return "phonetic"
    query_sounds = [part.metaphone for part in alignment.qps]
    if query_sounds and None not in query_sounds and query_sounds == [part.metaphone for part in alignment.rps]:
        return "phonetic"
    return "fuzzy"


def compare_names(query: Name, record: Name) -> tuple[float, str]:
    """Score in [0, 1] of two analysed names, and the weakest kind of evidence the best pairing used."""
    best_score, best_kind = 0.0, "fuzzy"
    for edges in pair_symbols(query, record):
        alignments: list[Alignment] = list(edges)
        used_query = {part for edge in edges for part in edge.qps}
        used_record = {part for edge in edges for part in edge.rps}
        query_rest = [part for part in query.parts if part not in used_query]
        record_rest = [part for part in record.parts if part not in used_record]
        if query_rest or record_rest:
            query_rest, record_rest = align_person_name_order(query_rest, record_rest)
            alignments.extend(compare_parts(query_rest, record_rest))
        total_weight = total_score = 0.0
        kind_rank = 0
        for alignment in alignments:
            if not alignment.rps:
                weight, score = EXTRA_QUERY_PART_WEIGHT, 0.0
            elif not alignment.qps:
                weight, score = EXTRA_RECORD_PART_WEIGHT, 0.0
            else:
                weight = 1.0
                score = 1.0 if alignment.symbol is not None else alignment.score
                if score > 0:
                    kind_rank = max(kind_rank, KIND_RANK[_alignment_kind(alignment)])
            if all(part.tag == NamePartTag.STOP for part in alignment.qps + alignment.rps):
                weight *= STOPWORD_WEIGHT
            total_weight += weight
            total_score += weight * score
        score = total_score / total_weight if total_weight else 0.0
        if score > best_score:
            best_score = score
            best_kind = next(kind for kind, rank in KIND_RANK.items() if rank == kind_rank)
    return best_score, best_kind


def _date_agreement(query_dates: list[str], record_dates: list[str]) -> tuple[str, float] | None:
    """("exact", 1.0), ("partial", 0.5) for the same year or swapped day and month, ("mismatch", 0.0)."""
    if not query_dates or not record_dates:
        return None
    best: tuple[str, float] = ("mismatch", 0.0)
    for query_date in query_dates:
        for record_date in record_dates:
            shorter = min(len(query_date), len(record_date))
            if query_date[:shorter] == record_date[:shorter]:
                return ("exact", 1.0) if len(query_date) == len(record_date) else ("partial", 0.5)
            swapped = len(query_date) == len(record_date) == 10 and (
                query_date[:4] == record_date[:4]
                and query_date[5:7] == record_date[8:10]
                and query_date[8:10] == record_date[5:7]
            )
            if swapped or query_date[:4] == record_date[:4]:
                best = ("partial", 0.5)
    return best


def score_record(
    query: EntityQuery, query_names: list[AnalysedName], schema: Schema, properties: Properties
) -> MatchResult:
    """How well a stored record matches the query, with the evidence per record property."""
    result = MatchResult(score=0.0)

    query_ids = {value for values in identifier_values(query.schema, query.properties).values() for value in values}
    if query_ids:
        for prop_name, values in identifier_values(schema, properties).items():
            if values & query_ids:
                result.note(prop_name, "exact", 1.0)
    identifier_matched = bool(result.matched)

    name_score = 0.0
    if query_names:
        for record_name in analyse_names(schema, properties, is_query=False):
            for query_name in query_names:
                score, kind = compare_names(query_name.name, record_name.name)
                if kind == "exact" and query_name.scripts != record_name.scripts:
                    kind = "transliterated"
                if score > 0:
                    for source in record_name.sources:
                        result.note(source, kind, score)
                name_score = max(name_score, score)

    if identifier_matched:
        score = max(0.95, name_score) if query_names else 1.0
    elif query_names:
        score = name_score
    else:
        return result

    for prop_name, query_dates in query.properties.items():
        prop = query.schema.properties[prop_name]
        if prop.type != registry.date:
            continue
        agreement = _date_agreement(query_dates, properties.get(prop_name, []))
        if agreement is None:
            continue
        kind, strength = agreement
        if kind == "exact":
            score += (1 - score) * 0.5
        elif kind == "partial":
            score += (1 - score) * 0.15
        else:
            score *= 0.75
        if strength > 0:
            result.note(prop_name, kind, strength)

    for prop_name in COUNTRY_PROPERTIES:
        wanted = set(query.values(prop_name))
        held = set(properties.get(prop_name, []))
        if wanted and held:
            if wanted & held:
                score += (1 - score) * 0.1
                result.note(prop_name, "exact", 1.0)
            else:
                score *= 0.9

    wanted_gender = set(query.values("gender"))
    held_gender = set(properties.get("gender", []))
    if wanted_gender and held_gender and not wanted_gender & held_gender:
        score *= 0.8

    result.score = round(min(score, 1.0), 4)
    return result
