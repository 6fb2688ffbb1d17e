"""A record's score against a query and its evidence per property, the spelling tie-breaks, restrict and score_bound."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from fedmatch import letters_likeness_many
from followthemoney.schema import Schema
from rapidfuzz.fuzz import token_sort_ratio
from rigour.text.scripts import text_scripts

from fedcore.query import EntityQuery
from node.matching.abjad import ABJAD_SCRIPTS
from node.matching.keys import identifier_values
from node.matching.names import (
    NAME_PART_ORDERS,
    SYLLABIC_SCRIPTS,
    AnalysedName,
    Properties,
    analyse_names,
    compare_names,
    name_properties,
    name_strings,
    name_texts,
)
from node.matching.qualifiers import qualify, query_countries, query_dates
from node.matching.settings import TUNABLES, MatchKind
from node.matching.sounds import SOUND_TABLE, Reading, readings, sounds
from node.matching.spoken import respelled
from node.matching.wadegiles import name_ascii

# Scripts whose ASCII transliteration keeps a name's letters, so that spellings compare.
LETTER_SCRIPTS = frozenset({"Latin", "Cyrillic", "Greek"})
# What separates the parts of a name as written (Chinese writes a middle dot between a foreign name's parts).
PART_SEPARATORS = re.compile(r"[\s\-‐·・•.,]+")


@dataclass
class Evidence:
    """How one record property matched: the best kind and score seen for it."""

    kind: MatchKind
    score: float


@dataclass
class MatchResult:
    score: float
    matched: dict[str, Evidence] = field(default_factory=dict)

    def note(self, prop: str, kind: MatchKind, score: float) -> None:
        seen = self.matched.get(prop)
        if seen is None or score > seen.score:
            self.matched[prop] = Evidence(kind, score)


@dataclass(frozen=True)
class PreparedQuery:
    """A query analysed once for all the candidates it is scored against."""

    query: EntityQuery
    names: list[AnalysedName]
    identifiers: frozenset[str]
    dates: dict[str, list[str]]
    countries: dict[str, set[str]]
    genders: frozenset[str]
    # The query's names in lower-case ASCII, for the cheap look at records that share no name key.
    spellings: tuple[str, ...] = ()
    # Whether every name of the query is written in a script whose ASCII spelling keeps its letters.
    spelled_in_letters: bool = True
    # The query's names as heard across scripts: each name's scripts and its parts' ASCII spellings.
    heard: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = ()
    # Name comparisons already made for this query: namesakes (many records, one name) are compared once.
    compared: dict[tuple[int, object, str, bool, bool, tuple[Reading, Reading] | None], tuple[float, MatchKind]] = (
        field(default_factory=dict)
    )
    # How alike each record name already looked at is to the query's: namesakes are looked at once.
    likeness: dict[str, float] = field(default_factory=dict)


def prepare_query(query: EntityQuery) -> PreparedQuery:
    names = name_strings(query.schema, query.properties)
    return PreparedQuery(
        query=query,
        spellings=tuple(
            heard for sourced in names for heard in (_spelling(sourced.text), *respelled(_spelling(sourced.text)))
        ),
        spelled_in_letters=all(LETTER_SCRIPTS.issuperset(text_scripts(sourced.text)) for sourced in names),
        heard=tuple(_heard(sourced.text) for sourced in names),
        names=analyse_names(query.schema, query.properties, side="query"),
        identifiers=frozenset(
            value for values in identifier_values(query.schema, query.properties).values() for value in values
        ),
        dates=query_dates(query),
        countries=query_countries(query),
        genders=frozenset(query.values("gender")),
    )


@lru_cache(maxsize=65_536)
def _spelling(text: str) -> str:
    """A name (or a name part) in lower-case ASCII."""
    return name_ascii(text).lower()


def _spelling_ratio(prepared: PreparedQuery, texts: Iterable[str]) -> float:
    """The best rapidfuzz token-sort ratio (0 to 100) between the query's and the names' ASCII spellings, each also
    as Cyrillic writes a Japanese or Chinese name (Chiaki Тиаки, Xiaodong Сяодун: `respelled`)."""
    spelled = [heard for text in texts for heard in (_spelling(text), *respelled(_spelling(text)))]
    return max((token_sort_ratio(query, theirs) for theirs in spelled for query in prepared.spellings), default=0.0)


@lru_cache(maxsize=65_536)
def _heard(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    # A part with no ASCII spelling (a sign, not a letter) is no part to compare.
    parts = tuple(spelled for part in PART_SEPARATORS.split(text) if part and (spelled := _spelling(part)))
    return frozenset(text_scripts(text)), parts


def spelling_similarities(prepared: PreparedQuery, records: list[list[str]]) -> list[float]:
    """How alike each record's full names (name_texts) are to the query's (0 to 1), the best of its names: a cheap
    way to choose among the records the blocking keys find, before any is scored.

    Each query name's parts beside the record name part most like them, over the larger number of parts, where a
    part less alike than TUNABLES.likeness_floor to every record part counts nothing (scoring would leave it
    unpaired); and when the two have different numbers of parts (陈大文 and Chen Da Wen, initials, joined names),
    the whole names too. Letter for letter in the same script; across scripts, by sound (node.matching.sounds).
    Cruder than the comparison of scoring, and far cheaper: the names are grouped by their scripts and each group
    compared in one compiled call (native/), each record name once per query (namesakes are many)."""
    known = prepared.likeness
    new = set(itertools.chain.from_iterable(records)).difference(known)
    if new:
        known.update(_likeness(prepared.heard, new))
    look_up = known.__getitem__
    return [max(map(look_up, names), default=0.0) for names in records]


def _likeness(mine: tuple[tuple[frozenset[str], tuple[str, ...]], ...], texts: set[str]) -> dict[str, float]:
    by_scripts: dict[frozenset[str], list[tuple[str, tuple[str, ...]]]] = {}
    for text in texts:
        scripts, parts = _heard(text)
        by_scripts.setdefault(scripts, []).append((text, parts))
    best = dict.fromkeys(texts, 0.0)
    floor = TUNABLES.likeness_floor
    for my_scripts, my_parts in mine:
        if not my_parts:
            continue
        for scripts, names in by_scripts.items():
            read = readings(my_scripts, scripts)
            if read is None:
                values = letters_likeness_many(my_parts, [parts for _, parts in names], floor, TUNABLES.initial_score)
            else:
                mine_read, theirs_read = read
                count = len(my_parts)
                theirs = [
                    (
                        _parts_sounds(text, theirs_read),
                        # The whole name's sounds only where the numbers of parts differ (only read then).
                        _whole_sounds(text, theirs_read) if len(parts) != count else "",
                    )
                    for text, parts in names
                ]
                my_sounds = [sounds(part, mine_read) for part in my_parts]
                values = SOUND_TABLE.likeness_many(my_sounds, sounds(" ".join(my_parts), mine_read), theirs, floor)
            for (text, _), value in zip(names, values, strict=True):
                if value > best[text]:
                    best[text] = value
    return best


@lru_cache(maxsize=65_536)
def _parts_sounds(text: str, reading: Reading) -> list[str]:
    """Each part's sounds of a name (_heard): a record name of a shortlist is looked at by many searches. Only
    read, never changed (the compiled likeness_many takes a list)."""
    return [sounds(part, reading) for part in _heard(text)[1]]


@lru_cache(maxsize=65_536)
def _whole_sounds(text: str, reading: Reading) -> str:
    return sounds(" ".join(_heard(text)[1]), reading)


def spelled_alike(prepared: PreparedQuery, schema: Schema, properties: Properties) -> bool:
    """Whether a record that shares no name key with the query (a candidate for its birth date or an
    identifier only) has a name spelled like one of the query's: with typos in every part of a name, the
    only way it can still match. A look at the letters, far cheaper than analysing the record's names."""
    if not prepared.spellings or not prepared.spelled_in_letters:
        # The query's names in Arabic, Hebrew, Chinese…: their ASCII letters say too little; names are compared.
        return True
    texts = name_texts(schema, properties)
    if any(not LETTER_SCRIPTS.issuperset(text_scripts(text)) for text in texts):
        # So are the record's.
        return True
    return _spelling_ratio(prepared, texts) >= TUNABLES.spelled_alike_ratio


def score_record(
    prepared: PreparedQuery, schema: Schema, properties: Properties, *, min_score: float = 0.0
) -> MatchResult | None:
    """How well a stored record matches the query, with the evidence per record property.

    None when the record cannot reach `min_score` whatever its names: its birth date, nationality or
    gender contradicts the query's, and names are not compared at all (they are the costly part).
    """
    result = MatchResult(score=0.0)

    # What the record's other properties say, before its names.
    qualifiers = qualify(prepared.dates, prepared.countries, prepared.genders, properties)
    if qualifiers.ceiling < min_score:
        return None

    if prepared.identifiers:
        for prop_name, values in identifier_values(schema, properties).items():
            if not values.isdisjoint(prepared.identifiers):
                result.note(prop_name, MatchKind.EXACT, 1.0)
    identifier_matched = bool(result.matched)

    name_score = _name_score(prepared, schema, properties, result) if prepared.names else 0.0
    if identifier_matched:
        score = max(TUNABLES.identifier_score, name_score) if prepared.names else 1.0
    elif prepared.names:
        score = name_score
    else:
        return result

    score, notes = qualifiers.apply(score)
    for prop_name, kind, strength in notes:
        result.note(prop_name, kind, strength)
    result.score = round(min(score, 1.0), 4)
    return result


def _name_score(prepared: PreparedQuery, schema: Schema, properties: Properties, result: MatchResult) -> float:
    """The best score of the record's names against the query's, noting each name's evidence in `result`."""
    name_score = 0.0
    for record_name in analyse_names(schema, properties, side="record"):
        for index, query_name in enumerate(prepared.names):
            syllabic, abjad, read = _pair_scripts(query_name.scripts, record_name.scripts)
            key = (index, record_name.name.tag, record_name.name.original, syllabic, abjad, read)
            compared = prepared.compared.get(key)
            if compared is None:
                compared = compare_names(
                    query_name.name, record_name.name, syllabic=syllabic, abjad=abjad, readings=read
                )
                prepared.compared[key] = compared
            score, kind = compared
            if kind == MatchKind.EXACT and query_name.scripts != record_name.scripts:
                kind = MatchKind.TRANSLITERATED
            if score > 0:
                for source in record_name.sources:
                    result.note(source, kind, score)
            name_score = max(name_score, score)
            if score >= 1.0:
                break
    return name_score


@lru_cache(maxsize=4096)
def _pair_scripts(
    query_scripts: frozenset[str], record_scripts: frozenset[str]
) -> tuple[bool, bool, tuple[Reading, Reading] | None]:
    """How two names in these scripts are compared (compare_names): syllabic, abjad, readings."""
    syllabic = not SYLLABIC_SCRIPTS.isdisjoint(query_scripts | record_scripts)
    abjad = not ABJAD_SCRIPTS.isdisjoint(query_scripts ^ record_scripts)
    return syllabic, abjad, readings(query_scripts, record_scripts)


def restrict(prepared: PreparedQuery, allowed: frozenset[str]) -> PreparedQuery:
    """The query as one record may be matched on it: only the `allowed` properties, as its country's policy
    decided for this requester. Names already analysed (and compared) are kept when all of them are allowed."""
    properties = prepared.query.properties
    if allowed.issuperset(properties):
        return prepared
    kept = {name: values for name, values in properties.items() if name in allowed}
    query = EntityQuery(prepared.query.schema, kept)
    name_sources = {*name_properties(query.schema), *itertools.chain.from_iterable(NAME_PART_ORDERS)}
    if not all(name in allowed for name in name_sources if name in properties):
        return prepare_query(query)
    return PreparedQuery(
        query=query,
        spellings=prepared.spellings,
        names=prepared.names,
        compared=prepared.compared,
        identifiers=frozenset(value for values in identifier_values(query.schema, kept).values() for value in values),
        dates={name: values for name, values in prepared.dates.items() if name in allowed},
        countries={name: values for name, values in prepared.countries.items() if name in allowed},
        genders=prepared.genders if "gender" in allowed else frozenset(),
    )


def score_bound(prepared: PreparedQuery, core: PreparedQuery, schema: Schema, properties: Properties) -> float:
    """The highest score the record could reach under any part of the query a policy may let it be matched
    on (`core`: the query's names and identifiers alone). A record below the threshold here is no hit
    whatever the policy decides, so its country's policy is not even asked about it."""
    result = score_record(core, schema, properties)
    if result is None:
        return 0.0
    # Only a query's identifiers note a record's (score_record): without them, no identifier is looked up.
    if result.score >= TUNABLES.name_floor or (
        core.identifiers and any(name in result.matched for name in identifier_values(schema, properties))
    ):
        return 1.0  # an agreeing date may add to it
    # Below the name floor dates add nothing; agreeing countries may add a little each.
    return 1 - (1 - result.score) * (1 - TUNABLES.country_gain) ** len(prepared.countries)
