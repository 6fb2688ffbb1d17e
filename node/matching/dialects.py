"""Chinese names as Hong Kong, Macao, Singapore and Malaysia spell them: in Cantonese and Hokkien (and
Teochew-like) readings, 陳大文 Chan Tai Man, 鄧家彪 Tang Ka-piu, 陳嘉庚 Tan Kah Kee, 許文輝 Koh Boon Hwee.

Chinese people there carry the romanisation of their family's tongue, not pinyin: 陳 is Chen in pinyin, Chan in
Cantonese and Tan in Hokkien. Each character's Hokkien readings come from taibun (MIT; its data, the
Taiwanese-Chinese Online Dictionary and iTaigi via ChhoeTaigi, CC BY-SA 4.0), in Tâi-lô; its Cantonese ones from
cantonese-romanisation (MIT), in the Hong Kong Government's romanisation and the spellings people use beside it
(Kwok and Gwok, Cheung and Jeung). A Latin syllable and a reading are compared as the same sounds once both are
written one way, each tongue's spellings its own way (`syllable_key`, `cantonese_key`): Hokkien without tones,
nasal marks or aspiration, and with the English spellings those names took (ee for i, oo for u, oh for a final
o: Kee ki, Boon bun, Koh kho); Cantonese without the aspiration the Hong Kong spelling leaves unwritten (Tang
for dang, Piu for biu), and with Macao's Portuguese spellings (Ieong Yeung, Chio Chiu, Vong Wong). A name in
characters pairs with as many Latin parts, one syllable a character, the family name first or last, each
character read in any of the tongues or in Mandarin, pinyin or Wade-Giles (蕭美琴 Hsiao Bi-khim is Wade-Giles and
Hokkien, 陳佩玲 Tin Pei Ling Teochew and pinyin).
"""

from __future__ import annotations

import itertools
import json
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
from node.matching.wadegiles import name_ascii, syllable_readings

# One Hokkien sound, spelt several ways (longest first, in order): Tâi-lô's and POJ's, and the English spellings
# of Singapore and Malaysia (Bock for bok, Cheow for tsiàu, Chye for tsâi, Goh for ngôo: NG_ONSET). Aspiration is
# left unwritten (Singapore's Keng for khìng), as are a final glottal h (Kah for ka) and nasality (Tâi-lô nn).
SPELLINGS = (
    ("tsh", "ch"), ("chh", "ch"), ("ts", "ch"), ("kh", "k"), ("ph", "p"), ("th", "t"), ("nn", ""),
    ("ck", "k"), ("ing", "eng"), ("ik", "ek"), ("ee", "i"), ("ea", "ia"), ("eow", "iau"), ("eo", "iu"),
    ("ew", "iu"), ("ow", "au"), ("aw", "o"), ("ay", "e"), ("oo", "u"), ("w", "u"), ("y", "i"),
    ("u", "o"), ("ii", "i"),
)  # fmt: skip
FINAL_H = re.compile(r"(?<=[aeiou])h$")
NG_ONSET = re.compile(r"^ng(?=[aeiou])")  # not the syllabic ng (黃 n̂g: Ng)
FINAL_YE = re.compile(r"(?<=[^aeiouy])ye$")  # Chye, Thye: tsâi, thài
# One Cantonese sound, spelt several ways (in order): the Hong Kong Government's spelling writes b, d, g, z as p,
# t, k, ch (Piu, Tang, Kwok, Cheung for biu, dang, gwok, zoeng); ts and sh are other spellings of ch and s (Tsang,
# Shiu); Macao writes eong, io, ao, ou, an initial v and i, and e and o for the i and u before a final ng or k
# (Leong, Chio, Lao, Lou, Vong, Ieong; Seng for Sing, Lek for Lik, Lok for Luk); a final h or r after a vowel and
# a doubled vowel are spellings of the vowel (Wah, Kar, Lee, Foo).
CANTONESE_SPELLINGS = (
    (re.compile(r"^v"), "w"), (re.compile(r"^i(?=[aeiou])"), "y"), (re.compile(r"^[jz]|^t[sz]"), "ch"),
    (re.compile(r"^sh"), "s"), (re.compile(r"^g"), "k"), (re.compile(r"^b"), "p"), (re.compile(r"^d"), "t"),
    (re.compile(r"eong"), "eung"), (re.compile(r"(?<=[^aeiou])uo"), "wo"), (re.compile(r"ck"), "k"),
    (re.compile(r"ee"), "i"), (re.compile(r"oo"), "u"), (re.compile(r"ow$|ao$"), "au"), (re.compile(r"oy$"), "oi"),
    (re.compile(r"io$"), "iu"), (re.compile(r"ou$"), "o"), (re.compile(r"(?<=[aeiou])[hr]$"), ""),
    (re.compile(r"i(?=ng$|k$)"), "e"), (re.compile(r"(?<=[^aeio])u(?=k$)"), "o"),
)  # fmt: skip
# Spellings of one name in characters that the index keeps (one key each), per tongue.
MAX_KEYED_SPELLINGS = 8
# How many Latin parts (syllables) a name in characters may have.
MAX_SYLLABLES = 4


@lru_cache(maxsize=65_536)
def syllable_key(spelling: str) -> str:
    """One Hokkien syllable as a key both its Latin spellings and its Tâi-lô reading reach."""
    plain = NG_ONSET.sub("g", FINAL_YE.sub("ai", _letters(spelling)))
    for spelled, written in SPELLINGS:
        plain = plain.replace(spelled, written)
    return FINAL_H.sub("", plain)


@lru_cache(maxsize=65_536)
def cantonese_key(spelling: str) -> str:
    """One Cantonese syllable as a key its Hong Kong, Macao and other Latin spellings reach."""
    plain = _letters(spelling)
    for spelled, written in CANTONESE_SPELLINGS:
        plain = spelled.sub(written, plain)
    return plain


def _letters(spelling: str) -> str:
    return "".join(
        letter
        for letter in unicodedata.normalize("NFD", spelling.lower())
        if not unicodedata.combining(letter) and letter.isascii() and letter.isalpha()
    )


@cache
def _readings() -> dict[str, list[str]]:
    """taibun's readings of each character (Traditional), Tâi-lô with tones."""
    with (resources.files("taibun") / "data" / "prons.msgpack").open("rb") as stream:
        loaded: dict[str, list[str]] = msgpack.unpack(stream, raw=False)
    return loaded


@cache
def _cantonese() -> dict[str, list[str]]:
    """cantonese-romanisation's Latin spellings of each character (Traditional)."""
    with (resources.files("cantoroman") / "data" / "charToRoman.json").open("rb") as stream:
        loaded: dict[str, list[str]] = json.load(stream)
    return loaded


@cache
def _traditional() -> dict[str, str]:
    """Simplified characters and the Traditional ones the readings are under."""
    with (resources.files("taibun") / "data" / "traditional.msgpack").open("rb") as stream:
        loaded: dict[str, str] = msgpack.unpack(stream, raw=False)
    return {simple: full for simple, full in loaded.items() if len(simple) == len(full) == 1}


def _lookup(table: dict[str, list[str]], character: str) -> list[str]:
    return table.get(character) or table.get(_traditional().get(character, ""), [])


@lru_cache(maxsize=16_384)
def hokkien_keys(character: str) -> tuple[str, ...]:
    """The syllable keys of a character's Hokkien readings (the southern and northern forms of each: "kenn/kinn")."""
    found = _lookup(_readings(), character)
    return tuple(dict.fromkeys(filter(None, (syllable_key(form) for reading in found for form in reading.split("/")))))


@lru_cache(maxsize=16_384)
def cantonese_keys(character: str) -> tuple[str, ...]:
    """The syllable keys of a character's Cantonese spellings."""
    found = _lookup(_cantonese(), character)
    return tuple(dict.fromkeys(filter(None, (cantonese_key(form) for form in found))))


# Hong Kong writes foreign names by their Cantonese sounds (史葛 si got: Scott; 費蘭度 fai laan dou: Fernando),
# whose syllables end in a stop or an m that Mandarin has not: spelt as the syllable Mandarin writes for it (贝克汉姆
# bèi kè hàn mǔ), the Cantonese reading is heard as pinyin is (node.matching.sounds).
CANTONESE_FINALS = re.compile(r"(?<=[aeiou])(k|t|p|m)$")
MANDARIN_FOR_FINAL = {"k": "ke", "t": "te", "p": "pu", "m": "mu"}


@lru_cache(maxsize=65_536)
def cantonese_as_pinyin(form: str) -> str | None:
    """A name part in Chinese characters as Hong Kong would read a foreign name with them, spelt for the pinyin
    reading: each character's first Cantonese spelling, a final stop or m as a syllable of its own."""
    characters = _characters(form)
    if characters is None or any(character in _traditional() for character in characters):
        return None  # or in Simplified characters: written on the mainland, in Mandarin
    spellings = [cantonese_keys(character) for character in characters]
    if not all(spellings):
        return None
    return " ".join(
        CANTONESE_FINALS.sub(lambda final: " " + MANDARIN_FOR_FINAL[final.group(1)], first) for first, *_ in spellings
    )


def load_readings() -> None:
    """Loads the readings once, at start (node.server.warm_up), so that no search pays for it."""
    _readings()
    _cantonese()
    _traditional()


@lru_cache(maxsize=65_536)
def _characters(form: str) -> tuple[str, ...] | None:
    """The characters of a name part written in Chinese characters alone, each with a known reading."""
    characters = tuple(character for character in form if character not in " ·・-")
    if not 0 < len(characters) <= MAX_SYLLABLES or not all("Han" in text_scripts(c) for c in characters):
        return None
    if all(hokkien_keys(character) or cantonese_keys(character) for character in characters):
        return characters
    return None


def _reads(character: str, spelling: str) -> bool:
    """Whether a Latin syllable spells the character in Hokkien, Cantonese or Mandarin (pinyin or Wade-Giles)."""
    return (
        syllable_key(spelling) in hokkien_keys(character)
        or cantonese_key(spelling) in cantonese_keys(character)
        or _mandarin(character, spelling.lower())
    )


@lru_cache(maxsize=65_536)
def _mandarin(character: str, written: str) -> bool:
    # A name's reading (什 shí) and the word's, which other romanisations may have kept (shén).
    readings = {name_ascii(character).lower(), ascii_text(character).lower()}
    return written in readings or not readings.isdisjoint(syllable_readings(written))


def _reads_as(characters: Sequence[str], syllables: Sequence[str]) -> bool:
    return all(_reads(character, syllable) for character, syllable in zip(characters, syllables, strict=True))


def _orders(run: Sequence[str]) -> tuple[Sequence[str], ...]:
    """A run of Latin syllables as the characters are written: family name first, or last (Kah Kee Tan)."""
    return (run, (run[-1], *run[:-1])) if len(run) > 1 else (run,)


def dialect_pairs(query_rest: list[NamePart], record_rest: list[NamePart], scores: list[PartScore]) -> None:
    """A part in Chinese characters on one side pairs with as many Latin parts on the other, in a row, that read
    as its characters in Hokkien, Cantonese or Mandarin, each its own way (陳佩玲 Tin Pei Ling: Teochew and pinyin);
    each Latin syllable counts as one part paired."""
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
            syllables = [part_ascii(part) for part in run]
            if any(_reads_as(characters, order) for order in _orders(syllables)):
                han_rest.remove(han_part)
                for part in run:
                    latin_rest.remove(part)
                scores.append((float(count), TUNABLES.dialect_score, MatchKind.PHONETIC))
                break


def dialect_index_keys(form: str) -> set[str]:
    """Index keys of a name part in Chinese characters: its Hokkien and its Cantonese readings, syllable keys in a
    row (one tongue a key)."""
    characters = _characters(form)
    if characters is None or len(characters) < 2:  # a query never looks up one syllable alone
        return set()
    keys: set[str] = set()
    for prefix, readings in (("k:", hokkien_keys), ("c:", cantonese_keys)):
        spellings = itertools.islice(itertools.product(*(readings(c) for c in characters)), MAX_KEYED_SPELLINGS)
        keys.update(prefix + "|".join(spelling) for spelling in spellings)
    return keys


def dialect_query_keys(forms: Sequence[str]) -> set[str]:
    """Lookup keys of a Latin name whose parts may be Hokkien or Cantonese syllables: the whole name and, beside a
    Western given name written first (Tony Tan Kah Kee), the rest; as written and with the last part (a family
    name written last) first. Not any shorter run: two of a three-syllable name are another, shorter name."""
    written = [ascii_text(form) for form in forms if form.isascii()]
    runs = [written, written[1:]] if len(written) > 2 else [written]
    return {
        prefix + "|".join(map(key, order))
        for prefix, key in (("k:", syllable_key), ("c:", cantonese_key))
        for run in runs
        if 1 < len(run) <= MAX_SYLLABLES
        for order in _orders(run)
    }
