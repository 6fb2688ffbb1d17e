"""Latin spellings of names written in Arabic or Hebrew: "Nabeel" is نبيل, "Shmuel" is שמואל, Mahmoud is not محمد.

Arabic and Hebrew write consonants and long vowels; a Latin spelling adds the short vowels, each writer
in their own convention (Nabeel, Nabil, Nebil). A Latin spelling is taken as a transliteration of the
abjad one when every abjad letter is spelled by one of its usual Latin renderings, in order, and the
only Latin letters left over are short vowels (single vowels between consonants) and the second of a
doubled consonant. A long vowel in the Latin ("ou" in Mahmoud) must render a letter: محمد (Muhammad)
has none there, so Mahmoud is not it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.text.scripts import text_scripts

from node.matching.wadegiles import name_ascii

ABJAD_SCRIPTS = frozenset({"Arabic", "Hebrew"})
ARABIC_ARTICLE = "ال"
VOWELS = frozenset("aeiou")
ANY_VOWEL = ("a", "e", "i", "o", "u")
# Letters that may stand for a long vowel, a glide or a glottal stop, and what they are spelled as.
ALEF = ("a", "aa", "e", "i", "o", "u", "")
WAW = ("ou", "oo", "ow", "uu", "o", "u", "w", "v")
YA = ("ee", "ei", "ey", "ie", "ii", "ai", "ay", "i", "e", "y", "j")
GLOTTAL = ("'", *ANY_VOWEL, "")
FINAL_A = ("a", "ah", "at", "e", "eh", "h", "")
# The Latin spellings of each letter, after the Latin side's own normalisation (see _latin).
LETTERS: dict[str, tuple[str, ...]] = {
    # Arabic
    "ا": ALEF,
    "أ": ALEF,
    "إ": ALEF,
    "آ": ALEF,
    "ٱ": ALEF,
    "ى": ("a", ""),
    "ب": ("b", "p"),
    "ت": ("t",),
    "ث": ("th", "t", "s"),
    "ج": ("j", "g", "dj", "dsch"),
    "ح": ("h",),
    "خ": ("kh", "ch", "h", "k"),
    "د": ("d",),
    "ذ": ("dh", "th", "d", "z"),
    "ر": ("r",),
    "ز": ("z", "s"),
    "س": ("s",),
    "ش": ("sh", "ch", "sch", "s"),
    "ص": ("s",),
    "ض": ("dh", "d", "z"),
    "ط": ("t",),
    "ظ": ("dh", "z", "d"),
    "ع": GLOTTAL,
    "غ": ("gh", "g"),
    "ف": ("f",),
    "ق": ("k", "g"),
    "ك": ("k",),
    "ل": ("l",),
    "م": ("m",),
    "ن": ("n",),
    "ه": ("h", ""),
    "و": WAW,
    "ؤ": GLOTTAL,
    "ي": YA,
    "ئ": YA,
    "ء": GLOTTAL,
    "ة": FINAL_A,
    # Hebrew. A geresh makes ג, ז and צ the sounds of j, zh and ch (ג'וני Joni, ז'אן Jean, צ'רצ'יל Churchill); name
    # analysis drops it with every other mark, so each of the three is also spelled as it would be with one.
    "א": GLOTTAL,
    "ב": ("b", "v"),
    "ג": ("g", "j", "dj"),
    "ד": ("d",),
    "ה": FINAL_A,
    "ו": WAW,
    "ז": ("z", "zh", "j"),
    "ח": ("ch", "kh", "h"),
    "ט": ("t",),
    "י": YA,
    "כ": ("k", "ch", "kh"),
    "ך": ("k", "ch", "kh"),
    "ל": ("l",),
    "מ": ("m",),
    "ם": ("m",),
    "נ": ("n",),
    "ן": ("n",),
    "ס": ("s",),
    "ע": GLOTTAL,
    "פ": ("f", "p"),
    "ף": ("f", "p"),
    "צ": ("tz", "ts", "z", "s", "ch", "tch"),
    "ץ": ("tz", "ts", "z", "s", "ch", "tch"),
    "ק": ("k",),
    "ר": ("r",),
    "ש": ("sh", "sch", "s"),
    "ת": ("t", "th", "s"),
}
IGNORED = re.compile(r"[\u064B-\u065F\u0670\u0640\u05B0-\u05C7'׳״\-]")


def is_abjad(text: str) -> bool:
    return bool(ABJAD_SCRIPTS & set(text_scripts(text)))


def strip_article(form: str) -> str:
    """An Arabic name part without its article: القاسم is Qasim as often as Al-Qasim."""
    if form.startswith(ARABIC_ARTICLE) and len(form) > len(ARABIC_ARTICLE) + 1:
        return form[len(ARABIC_ARTICLE) :]
    return form


def has_article(form: str) -> bool:
    return strip_article(form) != form


def _latin(text: str) -> str:
    latin = re.sub(r"[^a-z']", "", name_ascii(text).lower())
    latin = latin.replace("ph", "f").replace("ck", "k").replace("q", "k").replace("x", "ks")
    return re.sub(r"c(?!h)", "k", latin)


def _skippable(latin: str, position: int) -> bool:
    """A short vowel (a single vowel letter), the second of a doubled consonant, a final h after a vowel."""
    letter = latin[position]
    before = latin[position - 1] if position else ""
    after = latin[position + 1] if position + 1 < len(latin) else ""
    if letter in VOWELS:
        return before not in VOWELS and after not in VOWELS
    if letter == before:
        return True
    return letter == "h" and not after and before in VOWELS


@lru_cache(maxsize=65_536)
def spells(abjad: str, latin: str) -> bool:
    """Whether the Latin name part is a spelling of the part written in Arabic or Hebrew."""
    letters = IGNORED.sub("", strip_article(abjad))
    target = _latin(latin)
    if not letters or not target or any(letter not in LETTERS for letter in letters):
        return False
    end = len(target)
    skippable = [_skippable(target, position) for position in range(end)]

    def skipping(positions: set[int]) -> set[int]:
        """The positions reached by also skipping letters that need no counterpart."""
        reached = set(positions)
        for position in sorted(positions):
            while position < end and skippable[position] and position + 1 not in reached:
                position += 1
                reached.add(position)
        return reached

    # The Latin positions each prefix of the abjad spelling can end at.
    positions = skipping({0})
    for letter in letters:
        positions = skipping(
            {
                position + len(spelling)
                for position in positions
                for spelling in LETTERS[letter]
                if target.startswith(spelling, position)
            }
        )
        if not positions:
            return False
    return end in positions


# Letters an abjad writes at a word's end for a vowel after a consonant: Hebrew and Arabic he, the ta marbuta.
FINAL_VOWEL_LETTERS = frozenset("\u05d4\u0647\u0629")


def ends_in_vowel_letter(form: str, spelling: str) -> bool:
    """Whether an abjad part ends in a letter that may write a vowel after a consonant: a final he (שרה srh is
    Sara or Sarah, פריירה pryyrh Ferreira; not the h of Allah), a ta marbuta (حمزة hmzt: Hamza). A doubled vav is
    Hebrew's consonant v or w (חווה hwwh: Chawa), a doubled yod its consonant y (סבוייה sbwyyh: Savoia), not a
    vowel's."""
    return (
        form[-1:] in FINAL_VOWEL_LETTERS
        and len(spelling) > 2
        and (spelling[-2] not in "aeiouwy'" or spelling.endswith(("wwh", "yyh")))
        and not spelling.endswith("llh")
    )
