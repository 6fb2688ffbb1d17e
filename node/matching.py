"""Matching: blocking keys for the store's index, and explainable scores of a record against a query.

Names are analysed with rigour (tokenisation, transliteration, phonetics and name symbols that
tie "Иван" to "Ivan" and "Mohammed" to "Muhammad"); the residue is compared with rigour's
edit-cost model. Identifiers match exactly after normalisation.
"""

from __future__ import annotations

import gc
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry
from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import token_sort_ratio
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
from rigour.names.compare import CompareConfig
from rigour.text.scripts import text_scripts
from rigour.text.translit import ascii_text

from fedcore.query import EntityQuery
from node.abjad import ABJAD_SCRIPTS, has_article, is_abjad, spells
from node.wadegiles import pinyin_variants

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

KIND_RANK = {"exact": 0, "transliterated": 1, "phonetic": 2, "fuzzy": 3, "partial": 4}
# Below this a name does not match, whatever else agrees; above it, birth dates confirm or contradict.
NAME_FLOOR = 0.6
DATE_EXACT_GAIN = 0.6
DATE_PARTIAL_GAIN = 0.35
# A contradicting birth date sinks even an identical name below the default threshold: a namesake.
DATE_MISMATCH_FACTOR = 0.65
COUNTRY_GAIN = 0.1
COUNTRY_MISMATCH_FACTOR = 0.9
GENDER_MISMATCH_FACTOR = 0.8


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


@cache
def _name_properties(schema: Schema) -> tuple[str, ...]:
    return tuple(name for name, prop in schema.properties.items() if prop.type == registry.name)


def name_strings(schema: Schema, properties: Properties) -> list[SourcedName]:
    """The full names an entity (or a query) carries: name-typed values and names composed of parts."""
    found: list[SourcedName] = []
    for prop_name in _name_properties(schema):
        for value in properties.get(prop_name, ()):
            found.append(SourcedName(value, (prop_name,)))
    for order in NAME_PART_ORDERS:
        present = [name for name in order if properties.get(name)]
        if present:
            text = " ".join(properties[name][0] for name in present)
            found.append(SourcedName(text, tuple(present)))
    return found


# Whose names are analysed: a query's, a record's for its blocking keys, or a record's to be scored.
Side = Literal["query", "index", "record"]


@lru_cache(maxsize=65_536)
def _analyse(tag: NameTypeTag, text: str, side: Side) -> tuple[Name, ...]:
    return tuple(analyze_names(tag, name_variants(text, side), infer_initials=side == "query"))


def name_variants(text: str, side: Side) -> list[str]:
    """A name and the other spellings it is searched, indexed or scored under."""
    variants = [text]
    if not text.isascii():
        han = "Han" in text_scripts(text)
        latin = ascii_text(text)
        if han or side != "record":
            # An ASCII twin: more keys for the index and the query (scoring compares the original, whose
            # parts rigour transliterates itself, or spells out in node.abjad).
            variants.append(latin)
        if han:
            # Pinyin as names are written: the family syllable, then the given name in one word.
            syllables = latin.split()
            if len(syllables) > 2:
                variants.append(f"{syllables[0]} {''.join(syllables[1:])}")
    elif side == "query":
        variants.extend(pinyin_variants(text))
    return variants


@dataclass(frozen=True)
class AnalysedName:
    name: Name
    sources: tuple[str, ...]
    # Scripts the name was written in (before any transliteration): tells "exact" from "transliterated".
    scripts: frozenset[str]


def analyse_names(schema: Schema, properties: Properties, *, side: Side) -> list[AnalysedName]:
    tag = name_type(schema)
    return [
        AnalysedName(name, sourced.sources, frozenset(text_scripts(sourced.text)))
        for sourced in name_strings(schema, properties)
        for name in _analyse(tag, sourced.text, side)
    ]


def warm_up() -> None:
    """Readies the process for searching: builds rigour's name tagger (about 5 s, once per process) so that
    no search pays for it, then settles the heap.

    Searches allocate many short-lived objects while the tagger, the model and the matcher's caches hold
    many long-lived ones; with Python's default collector thresholds a third of a search went to cyclic
    garbage collection scanning them (docs/matching.md). What exists now is frozen out of the scans, and
    young objects are collected every 50,000 allocations instead of 700.
    """
    for tag in (NameTypeTag.PER, NameTypeTag.ORG, NameTypeTag.OBJ):
        analyze_names(tag, ["Ivan Petrov"])
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)


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


def date_keys(schema: Schema, properties: Properties, *, swapped: bool) -> set[str]:
    """Full birth dates are highly selective keys; a query's may also be read with day and month swapped."""
    keys: set[str] = set()
    if "birthDate" not in schema.properties:
        return keys
    for value in properties.get("birthDate", []):
        if len(value) != 10:
            continue
        keys.add(f"d:{value}")
        year, month, day = value[:4], value[5:7], value[8:10]
        if swapped and day != month and int(day) <= 12:
            keys.add(f"d:{year}-{day}-{month}")
    return keys


def record_keys(schema: Schema, properties: Properties) -> set[str]:
    """Blocking keys of a stored record, prefixed by its schema.

    Stores hold these keys: a change to what they are is a new node.store.STORE_FORMAT.
    """
    keys = name_keys(analyse_names(schema, properties, side="index"))
    keys |= date_keys(schema, properties, swapped=False)
    for values in identifier_values(schema, properties).values():
        keys.update(f"i:{value}" for value in values)
    return {f"{schema.name}|{key}" for key in keys}


@cache
def matching_schemata(schema: Schema) -> tuple[Schema, ...]:
    """Record schemata a query of this schema may find: itself and its descendants."""
    return tuple(
        candidate for candidate in model.schemata.values() if candidate.is_a(schema) and not candidate.abstract
    )


@dataclass(frozen=True)
class QueryKeys:
    identifier_keys: list[str]
    name_keys: list[str]
    # Full birth dates: a handful of records each, so a record sharing one is always worth scoring.
    date_keys: list[str] = field(default_factory=list)


def query_keys(query: EntityQuery) -> QueryKeys:
    names = name_keys(analyse_names(query.schema, query.properties, side="query"))
    dates = date_keys(query.schema, query.properties, swapped=True)
    identifiers = {
        f"i:{value}" for values in identifier_values(query.schema, query.properties).values() for value in values
    }
    schemata = [schema.name for schema in matching_schemata(query.schema)]
    return QueryKeys(
        identifier_keys=sorted(f"{schema}|{key}" for schema in schemata for key in identifiers),
        name_keys=sorted(f"{schema}|{key}" for schema in schemata for key in names),
        date_keys=sorted(f"{schema}|{key}" for schema in schemata for key in dates),
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
        # The same known name: written in another script, or a variant spelling of it (Mohammed, Muhammad).
        query_latin = all(_part_ascii(part) == part.form for part in alignment.qps)
        record_latin = all(_part_ascii(part) == part.form for part in alignment.rps)
        return "transliterated" if query_latin != record_latin else "phonetic"
    query_sounds = [part.metaphone for part in alignment.qps]
    if query_sounds and None not in query_sounds and query_sounds == [part.metaphone for part in alignment.rps]:
        return "phonetic"
    return "fuzzy"


COMPARE_CONFIG = CompareConfig()
# Two typos (an insertion, a swap of neighbours…) in a name part of five letters or more, one in a shorter
# part, still spell the same name: rigour's edit budget is stricter, so such parts are paired after it.
TYPO_MIN_LENGTH = 3
TWO_TYPOS_MIN_LENGTH = 5
# Romanised Chinese (Japanese, Korean) name parts are syllables: a near spelling is another name.
SYLLABLE_MIN_SCORE = 0.9
SYLLABIC_SCRIPTS = frozenset({"Han", "Hangul", "Hiragana", "Katakana"})
INITIAL_SCORE = 0.6
SPELLED_ALIKE_RATIO = 60
GC_YOUNG_THRESHOLD = 50_000
# Scripts whose ASCII transliteration keeps a name's letters, so that spellings compare.
LETTER_SCRIPTS = frozenset({"Latin", "Cyrillic", "Greek"})
ABJAD_SCORE = 0.9
ARTICLES = frozenset({"al", "el", "ul"})


# One aligned cluster of name parts: (weight in the name's score, score, how it matched). "How" is a kind,
# or the rigour alignment to derive it from (only for the pairing that wins).
PartScore = tuple[float, float, "str | Alignment"]


def _is_initial(part: NamePart) -> bool:
    return len(part.form) == 1 and part.form.isalpha()


def _initial_pairs(query_rest: list[NamePart], record_rest: list[NamePart], scores: list[PartScore]) -> None:
    """An initial ("M.") agrees with a part of the other name that starts with it ("Monika"): partly."""
    for initials, others in ((query_rest, record_rest), (record_rest, query_rest)):
        for initial in [part for part in initials if _is_initial(part)]:
            letter = _part_ascii(initial)[:1].lower()
            other = next(
                (p for p in others if not _is_initial(p) and _part_ascii(p)[:1].lower() == letter),
                None,
            )
            if other is not None:
                initials.remove(initial)
                others.remove(other)
                scores.append((1.0, INITIAL_SCORE, "partial"))


@lru_cache(maxsize=65_536)
def _abjad_form(form: str) -> bool:
    return is_abjad(form)


def _abjad_pairs(query_rest: list[NamePart], record_rest: list[NamePart], scores: list[PartScore]) -> None:
    """A part written in Arabic or Hebrew on one side agrees with a Latin spelling of it on the other."""
    article_dropped = False
    for query_part in list(query_rest):
        query_abjad = _abjad_form(query_part.form)
        for record_part in record_rest:
            if query_abjad == _abjad_form(record_part.form):
                continue
            abjad, latin = (query_part, record_part) if query_abjad else (record_part, query_part)
            if spells(abjad.form, latin.form):
                query_rest.remove(query_part)
                record_rest.remove(record_part)
                article_dropped |= has_article(abjad.form)
                scores.append((1.0, ABJAD_SCORE, "transliterated"))
                break
    if article_dropped:
        # "Al" in "Aisha Al-Qasim" was part of القاسم, already compared.
        for parts in (query_rest, record_rest):
            for part in [p for p in parts if p.tag == NamePartTag.STOP and _part_ascii(p).lower() in ARTICLES]:
                parts.remove(part)


def _typo_score(query_text: str, record_text: str) -> float | None:
    """The score of two parts one or two typos apart (Damerau: a swap of neighbours is one), else None."""
    if min(len(query_text), len(record_text)) < TYPO_MIN_LENGTH:
        return None
    longest = max(len(query_text), len(record_text))
    allowed = 2 if longest >= TWO_TYPOS_MIN_LENGTH else 1
    distance = OSA.distance(query_text, record_text, score_cutoff=allowed)
    return 1 - distance / longest if distance <= allowed else None


def _residue_text(parts: Iterable[NamePart]) -> str:
    return "".join(_part_ascii(part) for part in parts).lower()


def _is_stop(alignment: Alignment) -> bool:
    return all(part.tag == NamePartTag.STOP for part in alignment.qps) and all(
        part.tag == NamePartTag.STOP for part in alignment.rps
    )


def _residue_scores(residue: list[Alignment], scores: list[PartScore], *, syllabic: bool) -> None:
    """Scores of rigour's residue alignments; parts its edit budget kept apart are paired again when they
    are one or two typos apart (not in syllabic names, where a near spelling is another name)."""
    query_solo: list[Alignment] = []
    record_solo: list[Alignment] = []
    for alignment in residue:
        weight = STOPWORD_WEIGHT if _is_stop(alignment) else 1.0
        if not alignment.rps:
            if weight == 1.0 and len(alignment.qps) == 1 and not syllabic:
                query_solo.append(alignment)
            else:
                scores.append((weight * EXTRA_QUERY_PART_WEIGHT, 0.0, "fuzzy"))
        elif not alignment.qps:
            if weight == 1.0 and len(alignment.rps) == 1 and not syllabic:
                record_solo.append(alignment)
            else:
                scores.append((weight * EXTRA_RECORD_PART_WEIGHT, 0.0, "fuzzy"))
        else:
            score = alignment.score
            if syllabic and score < SYLLABLE_MIN_SCORE:
                score = 0.0
            elif score == 0 and not syllabic and len(alignment.qps) == 1 and len(alignment.rps) == 1:
                typo = _typo_score(_residue_text(alignment.qps), _residue_text(alignment.rps))
                if typo is not None:
                    scores.append((weight, typo, "fuzzy"))
                    continue
            scores.append((weight, score, alignment))
    for query_item in query_solo:
        best: tuple[float, Alignment] | None = None
        if record_solo:
            query_text = _residue_text(query_item.qps)
            for record_item in record_solo:
                typo = _typo_score(query_text, _residue_text(record_item.rps))
                if typo is not None and (best is None or typo > best[0]):
                    best = (typo, record_item)
        if best is None:
            scores.append((EXTRA_QUERY_PART_WEIGHT, 0.0, "fuzzy"))
        else:
            record_solo.remove(best[1])
            scores.append((1.0, best[0], "fuzzy"))
    scores.extend((EXTRA_RECORD_PART_WEIGHT, 0.0, "fuzzy") for _ in record_solo)


def _kind(how: str | Alignment) -> str:
    return how if isinstance(how, str) else _alignment_kind(how)


def compare_names(query: Name, record: Name, *, syllabic: bool = False, abjad: bool = False) -> tuple[float, str]:
    """Score in [0, 1] of two analysed names, and the weakest kind of evidence the best pairing used.

    `syllabic` names (one side written in Chinese characters…) have romanised parts that are syllables:
    only (near) exact syllables pair. `abjad`: one name is written in Arabic or Hebrew and the other not,
    so that Latin spellings of its parts are looked for.
    """
    best_score, best_scores = 0.0, None
    for edges in pair_symbols(query, record):
        scores: list[PartScore] = []
        used_query: set[NamePart] = set()
        used_record: set[NamePart] = set()
        for edge in edges:
            used_query.update(edge.qps)
            used_record.update(edge.rps)
            scores.append((STOPWORD_WEIGHT if _is_stop(edge) else 1.0, 1.0, edge))
        query_rest = [part for part in query.parts if part not in used_query]
        record_rest = [part for part in record.parts if part not in used_record]
        if query_rest and record_rest:
            if any(len(part.form) == 1 for part in query_rest) or any(len(part.form) == 1 for part in record_rest):
                _initial_pairs(query_rest, record_rest, scores)
            if abjad and query_rest and record_rest:
                _abjad_pairs(query_rest, record_rest, scores)
        if query_rest or record_rest:
            query_rest, record_rest = align_person_name_order(query_rest, record_rest)
            _residue_scores(compare_parts(query_rest, record_rest, COMPARE_CONFIG), scores, syllabic=syllabic)
        total_weight = total = 0.0
        for weight, score, _ in scores:
            total_weight += weight
            total += weight * score
        score = total / total_weight if total_weight else 0.0
        if score > best_score:
            best_score, best_scores = score, scores
            if score >= 1.0:
                break
    if best_scores is None:
        return 0.0, "fuzzy"
    kinds = [_kind(how) for _, score, how in best_scores if score > 0]
    return best_score, max(kinds, key=KIND_RANK.__getitem__, default="fuzzy")


def _date_agreement(query_dates: list[str], record_dates: list[str]) -> tuple[str, float] | None:
    """How a query's dates agree with a record's: ("exact", 1.0); ("partial", 0.5) where one is less precise
    (1979 and 1979-04-06), day and month are swapped, or one of them differs (a typo); else ("mismatch", 0.0)."""
    if not query_dates or not record_dates:
        return None
    best: tuple[str, float] = ("mismatch", 0.0)
    for query_date in query_dates:
        for record_date in record_dates:
            query_fields, record_fields = query_date.split("-"), record_date.split("-")
            common = min(len(query_fields), len(record_fields))
            differing = sum(q != r for q, r in zip(query_fields[:common], record_fields[:common], strict=True))
            if differing == 0:
                return ("exact", 1.0) if len(query_fields) == len(record_fields) else ("partial", 0.5)
            if query_fields[0] != record_fields[0]:
                continue
            swapped = common == 3 and query_fields[1:] == record_fields[2:0:-1]
            if swapped or differing == 1:
                best = ("partial", 0.5)
    return best


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
    # Name comparisons already made for this query: namesakes (many records, one name) are compared once.
    compared: dict[tuple[int, object, str, bool, bool], tuple[float, str]] = field(default_factory=dict)


def prepare_query(query: EntityQuery) -> PreparedQuery:
    return PreparedQuery(
        query=query,
        spellings=tuple(_spelling(sourced.text) for sourced in name_strings(query.schema, query.properties)),
        names=analyse_names(query.schema, query.properties, side="query"),
        identifiers=frozenset(
            value for values in identifier_values(query.schema, query.properties).values() for value in values
        ),
        dates={
            name: values
            for name, values in query.properties.items()
            if query.schema.properties[name].type == registry.date
        },
        countries={name: set(query.values(name)) for name in COUNTRY_PROPERTIES if query.values(name)},
        genders=frozenset(query.values("gender")),
    )


def _spelling(text: str) -> str:
    return ascii_text(text).lower()


def _spelling_ratio(prepared: PreparedQuery, names: list[SourcedName]) -> float:
    """The best rapidfuzz token-sort ratio (0 to 100) between the query's and the names' ASCII spellings."""
    return max(
        (token_sort_ratio(query, _spelling(sourced.text)) for sourced in names for query in prepared.spellings),
        default=0.0,
    )


def spelling_similarity(prepared: PreparedQuery, schema: Schema, properties: Properties) -> float:
    """How alike, letter for letter in ASCII, the record's names are to the query's (0 to 1): a cheap way to
    choose among records that share the same blocking keys, before any is scored."""
    return _spelling_ratio(prepared, name_strings(schema, properties)) / 100


def spelled_alike(prepared: PreparedQuery, schema: Schema, properties: Properties) -> bool:
    """Whether a record that shares no name key with the query (a candidate for its birth date or an
    identifier only) has a name spelled like one of the query's: with typos in every part of a name, the
    only way it can still match. A look at the letters, far cheaper than analysing the record's names."""
    if not prepared.spellings:
        return True
    names = name_strings(schema, properties)
    if any(not LETTER_SCRIPTS.issuperset(text_scripts(sourced.text)) for sourced in names):
        # Arabic, Hebrew, Chinese…: their ASCII letters say too little; the names are compared.
        return True
    return _spelling_ratio(prepared, names) >= SPELLED_ALIKE_RATIO


def score_record(
    prepared: PreparedQuery, schema: Schema, properties: Properties, *, min_score: float = 0.0
) -> MatchResult | None:
    """How well a stored record matches the query, with the evidence per record property.

    None when the record cannot reach `min_score` whatever its names: its birth date, nationality or
    gender contradicts the query's, and names are not compared at all (they are the costly part).
    """
    result = MatchResult(score=0.0)

    # What the record's other properties say, before its names.
    dates: list[tuple[str, str, float]] = []
    ceiling = 1.0
    for prop_name, query_dates in prepared.dates.items():
        agreement = _date_agreement(query_dates, properties.get(prop_name, []))
        if agreement is not None:
            dates.append((prop_name, *agreement))
            if agreement[0] == "mismatch":
                ceiling *= DATE_MISMATCH_FACTOR
    countries: list[tuple[str, bool]] = []
    for prop_name, wanted in prepared.countries.items():
        held = properties.get(prop_name)
        if held:
            agrees = not wanted.isdisjoint(held)
            countries.append((prop_name, agrees))
            ceiling *= 1.0 if agrees else COUNTRY_MISMATCH_FACTOR
    held_gender = properties.get("gender")
    gender_mismatch = bool(prepared.genders and held_gender and prepared.genders.isdisjoint(held_gender))
    if gender_mismatch:
        ceiling *= GENDER_MISMATCH_FACTOR
    if ceiling < min_score:
        return None

    if prepared.identifiers:
        for prop_name, values in identifier_values(schema, properties).items():
            if not values.isdisjoint(prepared.identifiers):
                result.note(prop_name, "exact", 1.0)
    identifier_matched = bool(result.matched)

    name_score = 0.0
    if prepared.names:
        for record_name in analyse_names(schema, properties, side="record"):
            for index, query_name in enumerate(prepared.names):
                scripts = query_name.scripts | record_name.scripts
                syllabic = not SYLLABIC_SCRIPTS.isdisjoint(scripts)
                abjad = not ABJAD_SCRIPTS.isdisjoint(query_name.scripts ^ record_name.scripts)
                key = (index, record_name.name.tag, record_name.name.original, syllabic, abjad)
                compared = prepared.compared.get(key)
                if compared is None:
                    compared = compare_names(query_name.name, record_name.name, syllabic=syllabic, abjad=abjad)
                    prepared.compared[key] = compared
                score, kind = compared
                if kind == "exact" and query_name.scripts != record_name.scripts:
                    kind = "transliterated"
                if score > 0:
                    for source in record_name.sources:
                        result.note(source, kind, score)
                name_score = max(name_score, score)
                if score >= 1.0:
                    break

    if identifier_matched:
        score = max(0.95, name_score) if prepared.names else 1.0
    elif prepared.names:
        score = name_score
    else:
        return result

    for prop_name, kind, strength in dates:
        # A date confirms a name that already matches; it never turns a different name into a match.
        if kind == "mismatch":
            score *= DATE_MISMATCH_FACTOR
        elif score >= NAME_FLOOR:
            score += (1 - score) * (DATE_EXACT_GAIN if kind == "exact" else DATE_PARTIAL_GAIN)
        if strength > 0:
            result.note(prop_name, kind, strength)
    for prop_name, agrees in countries:
        if agrees:
            score += (1 - score) * COUNTRY_GAIN
            result.note(prop_name, "exact", 1.0)
        else:
            score *= COUNTRY_MISMATCH_FACTOR
    if gender_mismatch:
        score *= GENDER_MISMATCH_FACTOR

    result.score = round(min(score, 1.0), 4)
    return result


def restrict(prepared: PreparedQuery, allowed: frozenset[str]) -> PreparedQuery:
    """The query as one record may be matched on it: only the `allowed` properties, as its country's policy
    decided for this requester. Names already analysed (and compared) are kept when all of them are allowed."""
    properties = prepared.query.properties
    if allowed.issuperset(properties):
        return prepared
    kept = {name: values for name, values in properties.items() if name in allowed}
    query = EntityQuery(prepared.query.schema, kept)
    name_sources = {*_name_properties(query.schema), *itertools.chain.from_iterable(NAME_PART_ORDERS)}
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
    if result.score >= NAME_FLOOR or any(name in result.matched for name in identifier_values(schema, properties)):
        return 1.0  # an agreeing date may add to it
    # Below the name floor dates add nothing; agreeing countries may add a little each.
    return 1 - (1 - result.score) * (1 - COUNTRY_GAIN) ** len(prepared.countries)
