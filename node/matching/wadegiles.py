"""Wade-Giles spellings of Chinese names turned into pinyin, so that "Hsiao-ming" meets 晓明 (xiǎomíng).

Records in Chinese characters are transliterated to pinyin; older passports, police files and the press
often spell the same names in Wade-Giles, with or without its apostrophes and umlauts. Where dropped
apostrophes leave a syllable ambiguous (chiang: jiang or qiang), every reading is kept.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from rigour.text.translit import ascii_text

# Characters names are read otherwise than words: 什 is shén in a word (什么), shí in every name Chinese
# writes (阿什 Ash, 什科 -shko). Romanised as 十, which rigour's transliteration reads shí (`name_ascii`), wherever a
# name in Chinese characters is spelt in Mandarin (store format 12; a syllable also pairs with the word's reading, as
# other romanisations may keep it: node.matching.dialects); its parts keep their form, by which rigour knows names
# (阿什克罗夫特). Cantonese readings are the dialect tables' own.
AS_NAMES_READ = str.maketrans({"什": "十"})


def name_ascii(text: str) -> str:
    """A name, or a part of one, in ASCII: rigour's transliteration, with characters read as names read them."""
    return ascii_text(text.translate(AS_NAMES_READ))


# Wade-Giles initials and their pinyin readings, most likely first: before i or ü ("palatal") and elsewhere.
# An apostrophe marks aspiration; where it was dropped, both readings stay possible.
INITIALS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ch'": (("q",), ("ch",)),
    "ch": (("j", "q"), ("zh", "ch")),
    "ts'": (("c",), ("c",)),
    "tz'": (("c",), ("c",)),
    "ts": (("z", "c"), ("z", "c")),
    "tz": (("z", "c"), ("z", "c")),
    "k'": (("k",), ("k",)),
    "p'": (("p",), ("p",)),
    "t'": (("t",), ("t",)),
    "hs": (("x",), ("x",)),
    "sh": (("sh",), ("sh",)),
    "ss": (("s",), ("s",)),
    "sz": (("s",), ("s",)),
    "k": (("g", "k"), ("g", "k")),
    "p": (("b", "p"), ("b", "p")),
    "t": (("d", "t"), ("d", "t")),
    "j": (("r",), ("r",)),
}
FINALS = [
    ("ieh", "ie"),
    ("ien", "ian"),
    ("iung", "iong"),
    ("ung", "ong"),
    ("ueh", "ue"),
    ("uei", "ui"),
    ("erh", "er"),
    ("ih", "i"),
]
# A syllable Wade-Giles could spell: an optional initial, vowels, an optional ending.
SYLLABLE = re.compile(r"^(ch'|ts'|tz'|k'|p'|t'|hs|ch|sh|ts|tz|ss|sz|[bcdfghjklmnprstwyz])?[aeiouü]+(ng|n|h|rh)?$")
MAX_VARIANTS = 6


def _syllable(syllable: str) -> list[str]:
    """Pinyin readings of one Wade-Giles syllable, most likely first."""
    initial = next((i for i in sorted(INITIALS, key=len, reverse=True) if syllable.startswith(i)), "")
    if not initial and syllable[0] not in "aeiouü":
        initial = syllable[0]
    rest = syllable[len(initial) :]
    retroflex = rest == "ih"  # chih, shih, jih: zhi, shi, ri
    for wade_giles, pinyin in FINALS:
        if rest.endswith(wade_giles):
            rest = rest[: -len(wade_giles)] + pinyin
            break
    if rest == "o" and initial in ("k", "k'", "h", ""):
        rest = "e"  # ko -> ge, k'o -> ke, ho -> he
    elif rest == "o" and initial in ("l", "n", "t", "t'", "ts", "ts'", "ch", "ch'", "sh", "j", "s"):
        rest = "uo"  # lo -> luo, to -> duo
    palatal = rest[:1] in ("i", "ü") and not retroflex
    # "chun" may be "chün" with its umlaut dropped: jun as much as zhun.
    umlaut_dropped = rest[:1] == "u" and initial in ("ch", "ch'", "hs")
    rest = rest.replace("ü", "u")
    if initial not in INITIALS:
        readings: tuple[str, ...] = (initial,)
    elif umlaut_dropped:
        readings = INITIALS[initial][1] + INITIALS[initial][0]
    else:
        readings = INITIALS[initial][0 if palatal else 1]
    if rest == "u" and initial in ("tz", "tz'", "ss", "sz"):
        rest = "i"  # Wade-Giles writes tz and ss only before ŭ: tzu, tz'u, ssu are zi, ci, si (子, 慈, 四)
    return list(dict.fromkeys(reading + rest for reading in readings))


def syllable_readings(syllable: str) -> list[str]:
    """Pinyin readings of one syllable written in Wade-Giles; [] when it is no Wade-Giles syllable."""
    return _syllable(syllable) if SYLLABLE.match(syllable) else []


def pinyin_variants(name: str) -> list[str]:
    """Pinyin readings of a name written in Wade-Giles; [] when it does not read as Wade-Giles."""
    text = unicodedata.normalize("NFC", name.strip().lower()).replace("’", "'").replace("‘", "'")
    tokens = text.split()
    if not 2 <= len(tokens) <= 3:
        return []
    spelled: list[list[list[str]]] = []
    for token in tokens:
        syllables = token.split("-")
        if len(syllables) > 3 or not all(SYLLABLE.match(s) for s in syllables):
            return []
        spelled.append([_syllable(s) for s in syllables])
    token_readings = [["".join(parts) for parts in itertools.product(*token)] for token in spelled]
    variants = []
    for reading in itertools.islice(itertools.product(*token_readings), MAX_VARIANTS):
        variant = " ".join(part.capitalize() for part in reading)
        if variant.lower() != text:
            variants.append(variant)
    return variants
