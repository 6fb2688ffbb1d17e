"""Blocking keys: what a stored record is indexed under and what a query looks up, and the store format they make."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry
from rigour.names import NamePartTag
from rigour.text.translit import ascii_text

from fedcore.query import EntityQuery
from node.matching.coarse import (
    by_ear_keys,
    chinese_written_keys,
    looked_up_by_ear_keys,
    looked_up_sound_keys,
    looked_up_written_keys,
    sound_keys,
)
from node.matching.dialects import dialect_index_keys, dialect_query_keys
from node.matching.names import SYLLABIC_SCRIPTS, AnalysedName, Properties, Side, analyse_names, name_texts
from node.matching.residue import part_ascii
from node.matching.sounds import SYLLABARIES

# The store's format: bumped when its tables change, and when the blocking keys a record gets (record_keys) do.
STORE_FORMAT = "12"
NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
# A ג, ז or צ with a geresh, as the apostrophe most write for it (or a typographic one); the breaks rigour splits
# a name's words at.
HEBREW_GERESH = re.compile("[\u05d2\u05d6\u05e6\u05e5]['\u2019\u02bc]")
APOSTROPHES = re.compile("(?<=[\u05d0-\u05ea])[\u2019\u02bc]")
WORD_BREAKS = re.compile("[^\\w\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7'\u2019\u02bc]+")
# A Latin name of more parts than this is keyed as Chinese writes it no more (its pairs of parts, each heard two
# to five ways, would make thousands of keys).
MAX_WRITTEN_PARTS = 6
# The scripts that write a Latin name by ear as node.matching.spoken.written_by_ear hears it. Not Arabic, which
# writes a Latin w as و, a w, where Hebrew writes a v (ו, וו).
BY_EAR_SCRIPTS = frozenset({"Cyrillic", "Greek", "Hebrew"})


def normalise_identifier(value: str) -> str:
    """Passport, id and registration numbers compared without spaces, dashes, dots or case."""
    return NON_ALNUM.sub("", ascii_text(value)).upper()


def name_keys(names: Iterable[AnalysedName], *, side: Side) -> set[str]:
    """Single-token keys (spelling, sound, name symbol) and token-pair keys.

    Pairs ("ivan|petrov") are what keeps candidate lists short in a large store, where a single
    common given name or surname is shared by tens of thousands of records. A part's first letter beside
    another part ("ti:i|petrov") does so where one part is an initial or misspelt (Ivna Petrov; I. Petrov):
    among thousands of Petrovs, the few with a given name in I.

    A Latin name's sounds as Chinese writes them (`chinese_written_keys`) are kept apart from its others, and meet
    only a name in Chinese (whose sounds are also keyed apart for them): Latin and Cyrillic names would share
    them by chance (Pavlovich, heard as Chinese writes it, as Boris).
    """
    keys: set[str] = set()
    for analysed in names:
        spelled: list[str] = []
        sounds: set[str] = set()
        heard: list[frozenset[str]] = []
        written: list[frozenset[str]] = []
        by_ear: list[frozenset[str]] = []
        geresh = _with_geresh(analysed.name.form)
        for part in analysed.name.parts:
            if part.tag == NamePartTag.STOP:
                continue
            if token := part_ascii(part).replace(" ", ""):
                spelled.append(token)
            if part.metaphone:
                sounds.add(part.metaphone)
            with_geresh = geresh.get(part.form)
            form, spelling = (with_geresh, ascii_text(with_geresh)) if with_geresh else (part.form, part_ascii(part))
            heard.append((looked_up_sound_keys if side == "query" else sound_keys)(form, spelling))
            written.append((looked_up_written_keys if side == "query" else chinese_written_keys)(form, spelling))
            by_ear.append((looked_up_by_ear_keys if side == "query" else by_ear_keys)(form, spelling))
        tokens = {token for token in spelled if len(token) >= 2}
        keys.update(f"t:{token}" for token in tokens)
        keys.update(f"m:{sound}" for sound in sounds)
        keys.update(f"tt:{first}|{second}" for first, second in itertools.combinations(sorted(tokens), 2))
        if SYLLABIC_SCRIPTS.isdisjoint(analysed.scripts):  # a syllable's first letter says nothing
            keys.update(f"ti:{one[0]}|{other}" for one, other in itertools.permutations(spelled, 2) if len(other) >= 2)
        keys.update(f"mm:{first}|{second}" for first, second in itertools.combinations(sorted(sounds), 2))
        keys.update(f"s:{symbol}" for symbol in analysed.name.symbols)
        own = _sound_keys(heard)
        keys.update(own)
        if any(by_ear):
            # A Latin name's sounds as Cyrillic, Greek and Hebrew write them by ear (store format 11): a query's to
            # look up a record in those scripts ("y"), a record's for a query in them to look up ("e"). A query's
            # also with its ch heard as k, its v as Hebrew's vav and its Latin nominative kept (looked up only:
            # coarse.looked_up_by_ear_keys).
            kind = "y" if side == "query" else "e"
            both = [mine | theirs for mine, theirs in zip(heard, by_ear, strict=True)]
            keys.update(f"{kind}{key}" for key in _sound_keys(both) - own)
        elif analysed.scripts and analysed.scripts <= BY_EAR_SCRIPTS:
            # And a name in those scripts: its sounds also where a Latin record keeps its own by ear ("e"), and
            # where a Latin query looks up its own ("y").
            kind = "e" if side == "query" else "y"
            keys.update(f"{kind}{key}" for key in own)
        if SYLLABARIES.isdisjoint(analysed.scripts):  # not written in Chinese characters
            if any(written) and len(written) <= MAX_WRITTEN_PARTS:
                # A Latin name's sounds as Chinese writes them: a record's for a query in Chinese to look up ("c"),
                # a query's to look up a record in Chinese ("z").
                kind = "z" if side == "query" else "c"
                both = [mine | theirs for mine, theirs in zip(heard, written, strict=True)]
                keys.update(f"{kind}{key}" for key in _sound_keys(both) - own)
        elif not analysed.name.form.isascii():
            # A name in Chinese characters (not its pinyin twin): a query's sounds are also looked up where a Latin
            # record keeps its sounds as Chinese writes them ("c"), a record's kept where a Latin query looks up
            # its own ("z").
            kind = "c" if side == "query" else "z"
            keys.update(f"{kind}{key}" for key in own)
    return keys


def _sound_keys(heard: list[frozenset[str]]) -> set[str]:
    """Sounds across scripts (node.matching.sounds): a part's alone when it says enough, and pairs of parts."""
    keys = {f"h:{sound}" for part_sounds in heard for sound in part_sounds if len(sound) >= 3}
    for first, second in itertools.combinations(heard, 2):
        keys.update(sound_pair_keys(first, second))
    return keys


def _with_geresh(form: str) -> dict[str, str]:
    """A Hebrew name's words that carry a geresh (ג'ונה Jonah: a ג with it is a j, a g without), by the form of the
    part rigour makes of each, which leaves the mark out (store format 9)."""
    if not HEBREW_GERESH.search(form):
        return {}
    words = (APOSTROPHES.sub("'", word) for word in WORD_BREAKS.split(form))
    return {_part_form(word): word for word in words if HEBREW_GERESH.search(word)}


def _part_form(word: str) -> str:
    """A word as rigour forms its part: without apostrophes or marks (niqqud)."""
    return "".join(char for char in word if char != "'" and not unicodedata.combining(char))


def sound_pair_keys(first: frozenset[str], second: frozenset[str]) -> set[str]:
    """Two parts' coarse sounds together, and with one sound of either left out: transliteration by ear drops or
    changes a sound (Ferrier Cavallini פרייר קווליני, whose vav is read as w, not v; Islam Eliach אסלאם אליאך,
    ch as k), and two names one sound apart share a key with one sound left out (or the shorter one's own)."""
    keys: set[str] = set()
    for one, other in itertools.product(first, second):
        keys.add(_pair(one, other))
        keys.update(_pair(shorter, other) for shorter in _one_left_out(one))
        keys.update(_pair(one, shorter) for shorter in _one_left_out(other))
    return keys


def _pair(first: str, second: str) -> str:
    return f"hh:{first}|{second}" if first <= second else f"hh:{second}|{first}"


@lru_cache(maxsize=65_536)
def _one_left_out(sound: str) -> frozenset[str]:
    """A part's coarse sounds with one left out, for parts of three sounds or more (two left are still a name's
    bones; one is not)."""
    if len(sound) < 3:
        return frozenset()
    return frozenset(sound[:index] + sound[index + 1 :] for index in range(len(sound)))


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

    Stores hold these keys: a change to what they are is a new STORE_FORMAT.
    """
    names = analyse_names(schema, properties, side="index")
    keys = name_keys(names, side="index")
    # Names in Chinese characters also under their Hokkien and Cantonese readings (node.matching.dialects).
    keys.update(key for analysed in names for part in analysed.name.parts for key in dialect_index_keys(part.form))
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
    analysed = analyse_names(query.schema, query.properties, side="query")
    names = name_keys(analysed, side="query")
    # Latin names whose parts may spell a name in Chinese characters in Hokkien or Cantonese (Tan Kah Kee, 陳嘉庚;
    # Tang Ka-piu, 鄧家彪): as written,
    # not their other readings (Wade-Giles read as pinyin).
    written = set(name_texts(query.schema, query.properties))
    for name in analysed:
        if name.name.original in written:
            parts = [part.form for part in name.name.parts if part.tag != NamePartTag.STOP]
            names.update(dialect_query_keys(parts))
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
