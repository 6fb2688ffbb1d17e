"""Chinese names as Singapore, Malaysia and the Philippines spell them, in Hokkien (and Teochew-like) readings:
陳嘉庚 Tan Kah Kee, 林文慶 Lim Boon Keng, 許文輝 Koh Boon Hwee.

Chinese people there carry the romanisation of their family's tongue, not pinyin: 陳 is Chen in pinyin and Tan in
Hokkien. Each character's Hokkien readings come from taibun (MIT; its data, the Taiwanese-Chinese Online
Dictionary and iTaigi via ChhoeTaigi, CC BY-SA 4.0), in Tâi-lô. A Latin syllable and a reading are compared as
the same sounds once both are written one way (`syllable_key`): without tones, nasal marks or aspiration, and with
the English spellings those names took (ee for i, oo for u, oh for a final o: Kee ki, Boon bun, Koh kho). A name
in characters pairs with as many Latin parts, one syllable a character, the family name first or last.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources

import msgpack
from rigour.names import NamePart
from rigour.text.scripts import text_scripts
from rigour.text.translit import ascii_text

from node.matching.residue import PartScore, part_ascii
from node.matching.settings import TUNABLES, MatchKind

# One sound, spelt several ways (longest first, in order): Tâi-lô's and POJ's, and the English spellings of
# Singapore and Malaysia. Aspiration is left unwritten (Singapore's Keng for khìng), as are a final glottal h
# (Kah for ka) and nasality (Tâi-lô nn).
SPELLINGS = (
    ("tsh", "ch"), ("chh", "ch"), ("ts", "ch"), ("kh", "k"), ("ph", "p"), ("th", "t"), ("nn", ""),
    ("ing", "eng"), ("ik", "ek"), ("ee", "i"), ("ea", "ia"), ("eo", "iu"), ("ew", "iu"), ("ow", "au"),
    ("aw", "o"), ("ay", "e"), ("oo", "u"), ("w", "u"), ("y", "i"), ("u", "o"), ("ii", "i"),
)  # fmt: skip
FINAL_H = re.compile(r"(?<=[aeiou])h$")
# Spellings of one name in characters that the index keeps (one key each).
MAX_KEYED_SPELLINGS = 8
# How many Latin parts (syllables) a name in characters may have.
MAX_SYLLABLES = 4


@lru_cache(maxsize=65_536)
def syllable_key(spelling: str) -> str:
    """One Hokkien syllable as a key both its Latin spellings and its Tâi-lô reading reach."""
    plain = "".join(
        letter
        for letter in unicodedata.normalize("NFD", spelling.lower())
        if not unicodedata.combining(letter) and letter.isascii() and letter.isalpha()
    )
    for spelled, written in SPELLINGS:
        plain = plain.replace(spelled, written)
    return FINAL_H.sub("", plain)


@cache
def _readings() -> dict[str, list[str]]:
    """taibun's readings of each character (Traditional), Tâi-lô with tones."""
    with (resources.files("taibun") / "data" / "prons.msgpack").open("rb") as stream:
        loaded: dict[str, list[str]] = msgpack.unpack(stream, raw=False)
    return loaded


@cache
def _traditional() -> dict[str, str]:
    """Simplified characters and the Traditional ones taibun's readings are under."""
    with (resources.files("taibun") / "data" / "traditional.msgpack").open("rb") as stream:
        loaded: dict[str, str] = msgpack.unpack(stream, raw=False)
    return {simple: full for simple, full in loaded.items() if len(simple) == len(full) == 1}


@lru_cache(maxsize=16_384)
def character_keys(character: str) -> tuple[str, ...]:
    """The syllable keys of a character's readings (the southern and northern forms of each: "kenn/kinn")."""
    readings = _readings()
    found = readings.get(character) or readings.get(_traditional().get(character, ""), [])
    return tuple(dict.fromkeys(filter(None, (syllable_key(form) for reading in found for form in reading.split("/")))))


def load_readings() -> None:
    """Loads the readings once, at start (node.server.warm_up), so that no search pays for it."""
    _readings()
    _traditional()


@lru_cache(maxsize=65_536)
def _characters(form: str) -> tuple[str, ...] | None:
    """The characters of a name part written in Chinese characters alone, each with a known reading."""
    characters = tuple(character for character in form if character not in " ·・-")
    if not 0 < len(characters) <= MAX_SYLLABLES or not all("Han" in text_scripts(c) for c in characters):
        return None
    return characters if all(character_keys(character) for character in characters) else None


def _reads_as(characters: Sequence[str], syllables: Sequence[str]) -> bool:
    return all(syllable in character_keys(character) for character, syllable in zip(characters, syllables, strict=True))


def _orders(run: Sequence[str]) -> tuple[Sequence[str], ...]:
    """A run of Latin syllables as the characters are written: family name first, or last (Kah Kee Tan)."""
    return (run, (run[-1], *run[:-1])) if len(run) > 1 else (run,)


def hokkien_pairs(query_rest: list[NamePart], record_rest: list[NamePart], scores: list[PartScore]) -> None:
    """A part in Chinese characters on one side pairs with as many Latin parts on the other, in a row, that read
    as its characters in Hokkien; each Latin syllable counts as one part paired."""
    for han_rest, latin_rest in ((record_rest, query_rest), (query_rest, record_rest)):
        _pair_han_parts(han_rest, latin_rest, scores)


def _pair_han_parts(han_rest: list[NamePart], latin_rest: list[NamePart], scores: list[PartScore]) -> None:
    for han_part in list(han_rest):
        characters = _characters(han_part.form)
        if characters is None:
            continue
        count = len(characters)
        latin = [part for part in latin_rest if part.form.isascii()]
        for start in range(len(latin) - count + 1):
            run = latin[start : start + count]
            syllables = [syllable_key(part_ascii(part)) for part in run]
            if any(_reads_as(characters, order) for order in _orders(syllables)):
                han_rest.remove(han_part)
                for part in run:
                    latin_rest.remove(part)
                scores.append((float(count), TUNABLES.hokkien_score, MatchKind.PHONETIC))
                break


def hokkien_index_keys(form: str) -> set[str]:
    """Index keys of a name part in Chinese characters: its Hokkien readings, syllable keys in a row."""
    characters = _characters(form)
    if characters is None or len(characters) < 2:  # a query never looks up one syllable alone
        return set()
    spellings = itertools.islice(itertools.product(*(character_keys(c) for c in characters)), MAX_KEYED_SPELLINGS)
    return {"k:" + "|".join(spelling) for spelling in spellings}


def hokkien_query_keys(forms: Sequence[str]) -> set[str]:
    """Lookup keys of a Latin name whose parts may be Hokkien syllables: the whole name and, beside a Western
    given name written first (Tony Tan Kah Kee), the rest; as written and with the last part (a family name
    written last) first. Not any shorter run: two of a three-syllable name are another, shorter name."""
    syllables = [syllable_key(ascii_text(form)) for form in forms if form.isascii()]
    runs = [syllables, syllables[1:]] if len(syllables) > 2 else [syllables]
    return {"k:" + "|".join(order) for run in runs if 1 < len(run) <= MAX_SYLLABLES for order in _orders(run)}
