"""Name analysis (tokens, transliteration, sounds, name symbols) and the comparison of two names, part by part."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import attrgetter
from typing import Literal

from followthemoney.schema import Schema
from followthemoney.types import registry
from rigour.names import (
    Alignment,
    Name,
    NamePart,
    NamePartTag,
    NameTypeTag,
    Symbol,
    align_person_name_order,
    analyze_names,
    compare_parts,
    pair_symbols,
)
from rigour.names.compare import CompareConfig
from rigour.text.scripts import text_scripts
from rigour.text.translit import ascii_text

from node.matching.abjad import ends_in_vowel_letter, has_article, is_abjad, spells, strip_article
from node.matching.dialects import cantonese_as_pinyin, dialect_pairs
from node.matching.pairing import best_pairing
from node.matching.residue import PartScore, is_stop, part_ascii, residue_scores
from node.matching.settings import TUNABLES, MatchKind
from node.matching.sounds import Reading, onsets_agree, same_onset, sound_similarity, sounds_heard
from node.matching.spoken import as_read, heard_spellings
from node.matching.titles import ordinal_apart, tag_titles, title_weight
from node.matching.wadegiles import name_ascii, pinyin_variants

Properties = Mapping[str, list[str]]

# Name parts a person's full name is composed of, in display order.
NAME_PART_ORDERS = (
    ("firstName", "secondName", "middleName", "fatherName", "lastName"),
    ("givenName", "surname"),
)
COMPARE_CONFIG = CompareConfig()
SYLLABIC_SCRIPTS = frozenset({"Han", "Hangul", "Hiragana", "Katakana"})
ARTICLES = frozenset({"al", "el", "ul"})
LATIN = frozenset({"Latin"})


@cache
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
def name_properties(schema: Schema) -> tuple[str, ...]:
    return tuple(name for name, prop in schema.properties.items() if prop.type == registry.name)


@cache
def part_orders(schema: Schema) -> tuple[tuple[str, ...], ...]:
    """NAME_PART_ORDERS, of the properties the schema has."""
    return tuple(
        kept for order in NAME_PART_ORDERS if (kept := tuple(name for name in order if name in schema.properties))
    )


def name_strings(schema: Schema, properties: Properties) -> list[SourcedName]:
    """The full names an entity (or a query) carries: name-typed values and names composed of parts."""
    return [SourcedName(text, sources) for text, sources in _full_names(schema, properties)]


def name_texts(schema: Schema, properties: Properties) -> list[str]:
    """The distinct full names of name_strings, without their sources (a name and the same name composed of
    its parts are one): what a quick look at a record's names compares, at every candidate of a search."""
    return list(dict.fromkeys(text for text, _ in _full_names(schema, properties)))


def _full_names(schema: Schema, properties: Properties) -> list[tuple[str, tuple[str, ...]]]:
    found: list[tuple[str, tuple[str, ...]]] = [
        (value, (prop_name,)) for prop_name in name_properties(schema) for value in properties.get(prop_name, ())
    ]
    for order in part_orders(schema):
        if present := tuple(name for name in order if properties.get(name)):
            found.append((" ".join(properties[name][0] for name in present), present))
    return found


# Whose names are analysed: a query's, a record's for its blocking keys, or a record's to be scored.
Side = Literal["query", "index", "record"]


@lru_cache(maxsize=65_536)
def _analyse(tag: NameTypeTag, text: str, side: Side) -> tuple[Name, ...]:
    names = analyze_names(tag, name_variants(text, side), infer_initials=side == "query")
    # Titles and ordinals in other tongues as compared (node.matching.titles), not as a store's keys.
    return tuple(names if side == "index" else map(tag_titles, names))


def name_variants(text: str, side: Side) -> list[str]:
    """A name and the other spellings it is searched, indexed or scored under."""
    # The geresh (ג׳) as an apostrophe (rigour splits a word at the mark); compared, a Chinese regnal number apart.
    text = text.replace("\u05f3", "'") if side == "index" else ordinal_apart(text.replace("\u05f3", "'"))
    variants = [text]
    if not text.isascii():
        han = "Han" in text_scripts(text)
        latin = name_ascii(text)
        if han or side != "record":
            # An ASCII twin: more keys for the index and the query (scoring compares the original, whose
            # parts are romanised one by one: residue.part_ascii, or spelt out in node.abjad).
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
    # Scripts the name was written in (before any transliteration): tells MatchKind.EXACT from MatchKind.TRANSLITERATED.
    scripts: frozenset[str]


def analyse_names(schema: Schema, properties: Properties, *, side: Side) -> list[AnalysedName]:
    tag = name_type(schema)
    return [one for text, sources in _full_names(schema, properties) for one in _analysed(tag, text, sources, side)]


@lru_cache(maxsize=65_536)
def _analysed(tag: NameTypeTag, text: str, sources: tuple[str, ...], side: Side) -> tuple[AnalysedName, ...]:
    # Once per name and sources: a record's names are analysed at every search it is a candidate of.
    scripts = frozenset(text_scripts(text))
    return tuple(AnalysedName(name, sources, scripts) for name in _analyse(tag, text, side))


def _same_script_kind(alignment: Alignment) -> MatchKind | None:
    if alignment.qstr == alignment.rstr:
        return MatchKind.EXACT
    query_ascii = " ".join(part_ascii(part) for part in alignment.qps)
    record_ascii = " ".join(part_ascii(part) for part in alignment.rps)
    if query_ascii == record_ascii:
        return MatchKind.TRANSLITERATED
    return None


def _alignment_kind(alignment: Alignment) -> MatchKind:
    kind = _same_script_kind(alignment)
    if kind is not None:
        return kind
    if alignment.symbol is not None:
        # The same known name: written in another script, or a variant spelling of it (Mohammed, Muhammad).
        query_latin = all(part_ascii(part) == part.form for part in alignment.qps)
        record_latin = all(part_ascii(part) == part.form for part in alignment.rps)
        return MatchKind.TRANSLITERATED if query_latin != record_latin else MatchKind.PHONETIC
    query_sounds = [part.metaphone for part in alignment.qps]
    if query_sounds and None not in query_sounds and query_sounds == [part.metaphone for part in alignment.rps]:
        return MatchKind.PHONETIC
    return MatchKind.FUZZY


def _is_initial(part: NamePart) -> bool:
    return len(part.form) == 1 and part.form.isalpha()


def _initial_pairs(query_rest: list[NamePart], record_rest: list[NamePart], scores: list[PartScore]) -> None:
    """An initial ("M.") agrees with a part of the other name that starts with it ("Monika"): partly."""
    for initials, others in ((query_rest, record_rest), (record_rest, query_rest)):
        for initial in [part for part in initials if _is_initial(part)]:
            letter = part_ascii(initial)[:1].lower()
            other = next(
                (p for p in others if not _is_initial(p) and part_ascii(p)[:1].lower() == letter),
                None,
            )
            if other is not None:
                initials.remove(initial)
                others.remove(other)
                scores.append((1.0, TUNABLES.initial_score, MatchKind.PARTIAL))


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
                scores.append((1.0, TUNABLES.abjad_score, MatchKind.TRANSLITERATED))
                break
    if article_dropped:
        # "Al" in "Aisha Al-Qasim" was part of القاسم, already compared.
        for parts in (query_rest, record_rest):
            for part in [p for p in parts if p.tag == NamePartTag.STOP and part_ascii(p).lower() in ARTICLES]:
                parts.remove(part)


def _part_sounds(part: NamePart, reading: Reading) -> tuple[str, ...]:
    """The sounds a part may be read as: an Arabic part with its article also without it (الورتاني is
    Ouertani as often as Al-Ouertani), a Latin one as other tongues say it (node.matching.spoken).
    None for a romanised part read as pinyin."""
    if reading == "pinyin" and part.form.isascii():
        return ()  # romanised already, its syllables run together: read from the characters only
    return _heard(part.form, part_ascii(part).lower(), reading)


@lru_cache(maxsize=65_536)
def _heard(form: str, spelling: str, reading: Reading) -> tuple[str, ...]:
    """`_part_sounds` of a part written `form` and romanised `spelling`: once per part, not per comparison."""
    spellings = [as_read(spelling, reading)]
    if reading == "abjad":
        if has_article(form):
            spellings.append(ascii_text(strip_article(form)).lower())
        if ends_in_vowel_letter(form, spelling):
            spellings += [spelled[:-1] for spelled in spellings]
    elif reading == "pinyin" and (cantonese := cantonese_as_pinyin(form)):
        spellings.append(cantonese)  # a foreign name as Hong Kong writes it
    elif text_scripts(form) <= LATIN:
        # A part written in Latin letters (with or without marks: François) is also heard as other tongues say it.
        spellings += heard_spellings(spelling, reading)
    return tuple(dict.fromkeys(heard for spelled in spellings for heard in sounds_heard(spelled, reading) if heard))


def _known_names(name: Name) -> dict[NamePart, set[Symbol]]:
    """The known names (rigour's name symbols) each single part of a name is."""
    known: dict[NamePart, set[Symbol]] = {}
    for span in name.spans:
        if span.symbol.category == Symbol.Category.NAME and len(span.parts) == 1:
            known.setdefault(span.parts[0], set()).add(span.symbol)
    return known


def _sound_pairs(
    known_names: tuple[dict[NamePart, set[Symbol]], dict[NamePart, set[Symbol]]],
    rests: tuple[list[NamePart], list[NamePart]],
    scores: list[PartScore],
    readings: tuple[Reading, Reading],
) -> None:
    """Parts written in different scripts that sound alike (Hurwicz, гурвич; Cousteau, 庫斯托) pair, those most alike
    together (node.matching.pairing). Not parts spelled alike in ASCII (left to rigour); nor two parts rigour knows
    as different names: beside an alphabet unless they sound the same (Oksana is not Ксения; but Wikidata keeps an
    item per spelling, and Majid is Маджид); beside an abjad (which writes few vowels) when one is a common name
    known under `sound_common_name` items or more, whose spellings its symbols already pair (Mahmoud is not محمد,
    Muhammad; Hila is not יעל, Yael), unless the other is rarer and they sound the same (its data links few Hebrew
    spellings to Latin ones: Lindsay is לינדזי)."""
    query_rest, record_rest = rests
    # How many items a known name needs before its disjointness counts: any beside an alphabet (rigour knows
    # Cyrillic and Greek forms well), sound_common_name beside an abjad, never beside Chinese (few forms known).
    gate = 1 if "letters" in readings else TUNABLES.sound_common_name if "abjad" in readings else 0
    query_known, record_known = known_names if gate else ({}, {})
    candidates = []
    # A part spelled alike in ASCII on both sides (left to rigour, after these) pairs surely too; unless one side
    # has more parts (rigour may join two: Kara Giousouf, Karagiousouf).
    spelled_alike, same_count = False, len(query_rest) == len(record_rest)
    record_sides = [(part, part_ascii(part).lower(), _part_sounds(part, readings[1])) for part in record_rest]
    query_sides = [(part, part_ascii(part).lower()) for part in query_rest]
    # Nor is either of such twins paired with another part by sound (Tomoe Tome, томоэ томэ: Tome is томэ, never
    # томоэ).
    twins = {spelled for _, spelled in query_sides if len(spelled) > 1} & {spelled for _, spelled, _ in record_sides}
    for query_part, query_spelling in query_sides:
        query_sounds = _part_sounds(query_part, readings[0])
        # A particle (Des, Al, Van) pairs only a part it surely sounds like: a given name (Des 德斯), or itself apart.
        stop = query_part.tag == NamePartTag.STOP
        floor = TUNABLES.sound_sure_similarity if stop else TUNABLES.sound_min_similarity
        if not query_sounds:
            continue
        for record_part, record_spelling, record_sounds in record_sides:
            if query_spelling == record_spelling:
                spelled_alike |= same_count and len(query_spelling) > 1 and not stop  # not a particle
                continue
            spellings = (query_spelling, record_spelling)
            if not record_sounds or set(spellings) & twins or not onsets_agree(spellings, readings):
                continue
            similarity = max(sound_similarity(mine, theirs) for mine in query_sounds for theirs in record_sounds)
            known = query_known.get(query_part, set()), record_known.get(record_part, set())
            fewest, most = sorted(map(len, known))
            if (
                fewest
                and most >= gate
                and known[0].isdisjoint(known[1])
                and not (similarity >= TUNABLES.sound_same_similarity and (readings[0] == "letters" or fewest < gate))
            ):
                continue
            if similarity < TUNABLES.sound_sure_similarity and not any(
                same_onset(mine, theirs) for mine in query_sounds for theirs in record_sounds
            ):
                continue
            if similarity >= floor:
                candidates.append((similarity, query_part, record_part))
    strong = TUNABLES.sound_sure_similarity * TUNABLES.sound_score
    for similarity, query_part, record_part in sorted(best_pairing(candidates), key=lambda item: -item[0]):
        if similarity < TUNABLES.sound_sure_similarity and not (
            spelled_alike or any(weight == 1.0 and score >= strong for weight, score, _ in scores)
        ):
            continue  # loosely alike parts only beside a part that pairs surely: not a name of loose likenesses
        if query_part in query_rest and record_part in record_rest:
            query_rest.remove(query_part)
            record_rest.remove(record_part)
            scores.append((1.0, similarity * TUNABLES.sound_score, MatchKind.PHONETIC))


def _kind(how: MatchKind | Alignment) -> MatchKind:
    return how if isinstance(how, MatchKind) else _alignment_kind(how)


def compare_names(
    query: Name,
    record: Name,
    *,
    syllabic: bool = False,
    abjad: bool = False,
    readings: tuple[Reading, Reading] | None = None,
) -> tuple[float, MatchKind]:
    """Score in [0, 1] of two analysed names, and the weakest kind of evidence the best pairing used.

    `syllabic` names (one side written in Chinese characters…) have romanised parts that are syllables:
    only (near) exact syllables pair. `abjad`: one name is written in Arabic or Hebrew and the other not,
    so that Latin spellings of its parts are looked for. `readings`: the names are written in different
    scripts, whose parts are compared by sound when read so.
    """
    best_score, best_scores = 0.0, None
    # Which known names each part is: read once, whichever pairing of symbols is tried.
    known_names = (
        (_known_names(query), _known_names(record)) if readings is not None and "pinyin" not in readings else ({}, {})
    )
    for edges in pair_symbols(query, record):
        scores: list[PartScore] = []
        used_query: set[NamePart] = set()
        used_record: set[NamePart] = set()
        for edge in edges:
            if (weight := title_weight(edge, query, record)) is None:
                continue  # two known names, not two titles (node.matching.titles)
            used_query.update(edge.qps)
            used_record.update(edge.rps)
            scores.append((TUNABLES.stopword_weight if is_stop(edge) else weight, 1.0, edge))
        query_rest = [part for part in query.parts if part not in used_query]
        record_rest = [part for part in record.parts if part not in used_record]
        if query_rest and record_rest:
            if any(len(part.form) == 1 for part in query_rest) or any(len(part.form) == 1 for part in record_rest):
                _initial_pairs(query_rest, record_rest, scores)
            if abjad and query_rest and record_rest:
                _abjad_pairs(query_rest, record_rest, scores)
            if syllabic and readings is not None and query_rest and record_rest:
                dialect_pairs(query_rest, record_rest, scores)  # 陳嘉庚 read in Hokkien: Tan Kah Kee
            if readings is not None and query_rest and record_rest:
                _sound_pairs(known_names, (query_rest, record_rest), scores, readings)
        substituted = False
        if query_rest or record_rest:
            query_rest, record_rest = align_person_name_order(query_rest, record_rest)
            residue = compare_parts(query_rest, record_rest, COMPARE_CONFIG)
            substituted = residue_scores(residue, scores, syllabic=syllabic)
        total_weight = total = 0.0
        for weight, score, _ in scores:
            total_weight += weight
            total += weight * score
        score = total / total_weight if total_weight else 0.0
        if substituted and not (syllabic and readings is not None):
            # Another given name (patronymic…) beside the same others: a sibling's name, whatever else agrees.
            # Not across scripts in a syllabic name, whose syllables are read in other tongues than pinyin (何鴻燊
            # is Ho Hung Sun in Cantonese, He Hongshen in pinyin).
            score = min(score, TUNABLES.substituted_name_cap)
        if score > best_score:
            best_score, best_scores = score, scores
            if score >= 1.0:
                break
    if best_scores is None:
        return 0.0, MatchKind.FUZZY
    kinds = [_kind(how) for _, score, how in best_scores if score > 0]
    return best_score, max(kinds, key=attrgetter("weakness"), default=MatchKind.FUZZY)
