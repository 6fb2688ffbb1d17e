"""Name parts compared by sound across scripts: each part's romanised spelling reduced to the sounds both
sides can write, then a weighted edit distance over them.

Real transliteration is by ear, not by letter: Delany is written дилейни, Hurwicz гурвич (Г for H),
Driver درايفر (no vowels but the long ones), Cousteau 庫斯托 (kù sī tuō). A sound here is a consonant
class (b/p/f/v; k/q/c/g; s/z/ts/sh; j/zh/dzh; t/d/th; l; r; m; n; weak h/w/y) or a vowel, and a few
letters are heard as more than one class (ch, and some pinyin initials: AMBIGUOUS). Vowels are
kept where both scripts write them (Latin, Cyrillic, Greek) but cost little to change, and are left out
when one side is Arabic or Hebrew (abjads write few of them) or Chinese (whose syllables bend a foreign
name's vowels). Chinese characters are read as pinyin syllables, each reduced to the consonants a
foreign name spelled with it carries (斯 sī: s; 爾 ěr: r; 德 dé: d; 頓 dùn: d n).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from typing import Literal

from fedmatch import SoundTable

# How a part's romanised spelling is read: the letters of an alphabet with their vowels, their consonants
# alone (beside an abjad), an abjad's letters, pinyin syllables, or Latin letters as Chinese hears them.
Reading = Literal["letters", "consonants", "abjad", "pinyin", "heard_in_pinyin"]

VOWELS = frozenset("aeiou")
# Consonant classes: one symbol each. Weak sounds are often unwritten on one side (h, w, y, glottal stops).
CLASSES = {
    "b": "B", "p": "B", "f": "B", "v": "B",
    "k": "K", "q": "K", "c": "K", "g": "G",
    "s": "S", "z": "S", "x": "S",
    "j": "J",
    "t": "T", "d": "T",
    "l": "L", "r": "R", "m": "M", "n": "N",
    "h": "H", "w": "W", "y": "Y", "'": "H", "Q": "Q", "θ": "Ŧ", "ĉ": "Ĉ", "ć": "Ć", "ǩ": "Ǩ", "ħ": "Ħ",
    "ď": "Ď", "ṿ": "Ṿ", "ɡ": "G",
}  # fmt: skip
WEAK = frozenset("HWY")
# Classes one script's ear hears as another's: a substitution between them costs NEAR_COST.
NEAR = frozenset(
    frozenset(pair)
    for pair in ("KG", "KJ", "GJ", "GH", "KH", "JH", "SJ", "LR", "MN", "BW", "WY", "JY")
)  # fmt: skip
NEAR_COST = 0.45
# An h an abjad writes first in a name: a sound the other side must hear too (as h; nearly as k, g or a Spanish j).
SOUNDED_H = "X"
VOWEL_COST = 0.25  # a vowel added or dropped
VOWEL_CHANGE_COST = 0.35  # a vowel written as another
WEAK_COST = 0.35  # a weak sound added or dropped
# A glide one script writes as a vowel (Whitney Уитни, Yvonne Ивонн): w and u or o, y and i or e.
GLIDES = ({"W", "u"}, {"W", "o"}, {"Y", "i"}, {"Y", "e"})
GLIDE_COST = 0.2

# Spellings of one sound by several letters, replaced before the letters are classed (longest first).
DIGRAPHS = (
    ("tzh", "tsh"), ("shch", "s"), ("dzh", "j"), ("sch", "s"), ("tch", "s"), ("sh", "s"), ("ch", "ĉ"), ("zh", "j"),
    ("kh", "k"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("ts", "s"), ("tz", "s"), ("cz", "s"), ("sz", "s"),
    ("dj", "j"), ("ck", "k"), ("qu", "k"), ("ng", "n"),
)  # fmt: skip
# Endings one language writes and another leaves out: French silent ones (Perreault перро, Rigondeaux
# ригондо), the Latin nominative (Saturninus сатурнин, Baebius бебий).
# Chinese writes the Latin nominative out (尤利烏斯 yóu lì wū sī: Julius): it keeps it.
FRENCH_ENDINGS = ((re.compile(r"(eaux|eau|aux|ault|ot)$"), "o"),)
ENDINGS = (*FRENCH_ENDINGS, (re.compile(r"ius$"), "i"), (re.compile(r"(?<=...)us$"), ""))
GERESH = re.compile(r"[gz]'")
SOFT_C = re.compile(r"c(?=[eiy])")
LATIN_CAE = re.compile(r"c(?=ae)")
KN_ONSET = re.compile(r"^k(?=n)")
D_BEFORE_T = re.compile(r"d(?=t)")
# An h after a vowel and before no vowel: silent in German and English (Lehmann Леман, John Джон), heard in
# Arabic, Turkish or Persian names (Ahmad Ахмад, Mehmet Мехмет), and by Chinese (John 约翰 yuē hàn).
VOWEL_H = re.compile(r"(?<=[aeiou])h(?![aeiou])")
SOFT_G = re.compile(r"g(?=[ei])")
LATIN_X = re.compile(r"x")
DOUBLED = re.compile(r"(.)\1+")
# Chinese transcriptions may leave out an r or l that ends a syllable (Baker 貝克, Colding 高定) or write
# it (Corte 科尔特, Olson 奧爾森): OPTIONAL_LIQUID, cheap to drop, the same as R to keep.
UNHEARD_LIQUID = re.compile(r"(?<=[aeiou])[rl](?![aeiou])")
OPTIONAL_LIQUID = "Q"
# A syllable's final n written again as the next one's initial (钱尼 qián ní: Chaney).
DOUBLED_N = re.compile(r"NN+")
# A y that no vowel follows is one (Delany, Konstantsy, fyfyan).
VOWEL_Y = re.compile(r"y(?![aeiou])")
# A w (an abjad's و or ו; a Latin aw, ow) after a letter and before no vowel is one, or half a diphthong: بول
# bwl is Paul, פאוסט p'wst Faust, Bowman بومان. Not a name's first letter, nor a doubled w (וו: v).
VOWEL_W = re.compile(r"(?<=[a-z'])(?<!w)w(?![aeiouw])")
SILENT_GH = re.compile(r"(?<=[aeiou])gh")

# Pinyin: a syllable's initial, its final, and what a foreign name's transcription means by each.
PINYIN_INITIALS = (
    ("zh", "J"), ("ch", "S"), ("sh", "S"), ("b", "B"), ("p", "B"), ("f", "B"), ("m", "M"), ("d", "T"),
    ("t", "T"), ("n", "N"), ("l", "L"), ("g", "G"), ("k", "K"), ("h", "H"), ("j", "Ĵ"), ("q", "J"),
    ("x", "Ç"), ("r", "Ř"), ("z", "S"), ("c", "S"), ("s", "S"), ("y", "Ÿ"), ("wu", "Ŵ"), ("w", "W"),
)  # fmt: skip
PINYIN_SYLLABLE = re.compile(r"[a-z]+")

# Sounds a transcription writes one way for several of the other side's (each is compared as its `base` class
# is, but for the `also` classes it is heard as, at the given cost):
# - pinyin x: an s (西 xī, Sinatra), but also a foreign h before i or e (希 xī: Hykes; 曉 xiǎo: Hummels);
# - pinyin r: an r or l, but also the French or Portuguese j (儒 rú: Jouhaux);
# - pinyin y starting a syllable: nothing, or a foreign y, or the j German and Dutch say as one (揚 yáng: Jannick);
# - pinyin wu: a foreign u or o (烏 wū: Ulrich), or a w or v before it (伍 wǔ: Woodroffe);
# - pinyin hu before a vowel: an h, or a foreign w or v (華 huá: Washington 華盛頓, Edward 愛德華, Oliva 奧利華);
# - pinyin j: a foreign j, or the g the transcription tables write with it (加 jiā: ga, 吉 jí: gi);
# - a Latin th as Chinese hears it: a t (托 tuō: Thomas), or the English th as s (瑟 sè: Thurman);
# - a Latin ch: the English and Spanish ch (Чарльз, Chalana تشالانا), the k of Greek and Italian names
#   (Zachariah زكريا), the German ch (Averbuch авербух) or the Hebrew het (Chaim חיים);
# - a Latin c before ae: the k of Caetano (Каэтану), or the s of the Latin names said as c before e (Caecilia
#   Цецилия);
# - a Latin kn beginning a name: the English silent k (Knight Найт) or the German one (Knopf Кнопф);
# - a Latin h after a vowel and before no vowel (VOWEL_H);
# - a d before t, which German does not say (Brandt Брандт, but 布兰特 bù lán tè, Eckhardt ايكارت).
# Blocking keys hear each as its base class (COARSE), as they did before these were told apart; but for the k of a
# kn, which they leave out since store format 7.
PINYIN_X, PINYIN_R, PINYIN_Y, PINYIN_WU, PINYIN_HU, PINYIN_J = "Ç", "Ř", "Ÿ", "Ŵ", "Ĥ", "Ĵ"
HEARD_TH, LATIN_CH, LATIN_C_AE, LATIN_KN_K, LATIN_VOWEL_H, LATIN_D_T = "Ŧ", "Ĉ", "Ć", "Ǩ", "Ħ", "Ď"
# - a Latin v before a vowel as Chinese writes it: a w (维 wéi: Victor 维克托, Vera 薇拉, Ivan 伊万), or the b of
#   Spanish (Vázquez 巴斯克斯); a v before no vowel stays an f or b (Vladimir 弗拉基米尔).
HEARD_V = "Ṿ"
HEARD_V_SPELLING = re.compile(r"v(?=[aeiou])")
HEARD_TH_SPELLING = re.compile(r"th(?![sz])")  # not t-s, t-z: the s a Latin ts, tz is
AMBIGUOUS: dict[str, tuple[str, dict[str, float]]] = {
    PINYIN_X: ("S", {"H": 0.2}),
    PINYIN_R: ("R", {"J": 0.3}),
    PINYIN_Y: ("", {"Y": 0.0, "J": 0.5}),
    PINYIN_WU: ("", {"W": 0.0, "B": 0.45}),
    PINYIN_HU: ("H", {"W": 0.0, "B": 0.45}),
    PINYIN_J: ("J", {"G": 0.2}),
    HEARD_TH: ("T", {"S": 0.3}),
    LATIN_CH: ("S", {"K": 0.2, "G": 0.45, "H": 0.3, SOUNDED_H: 0.3}),
    LATIN_C_AE: ("K", {"S": 0.2}),
    LATIN_KN_K: ("", {"K": 0.0}),
    LATIN_VOWEL_H: ("", {"H": 0.0}),
    LATIN_D_T: ("", {"T": 0.0}),
    HEARD_V: ("B", {"W": 0.0}),
}
# Those that may stand for nothing: a part of them alone has no sound to compare.
SILENT_ALONE = "".join(sound for sound, (base, _) in AMBIGUOUS.items() if not base)


# An abjad's romanised letters stand one for one, but for a few written with two Latin letters (خ kh, ش sh,
# ث th, ذ dh, غ gh) and the two a Latin spelling writes as one sound (ng, ts); no other Latin digraph is read
# across two of its letters (רוזה rwzh is r-w-z-h).
ABJAD_DIGRAPHS = (("kh", "k"), ("sh", "s"), ("th", "t"), ("dh", "d"), ("gh", "g"), ("ng", "n"), ("ts", "s"))


def _abjad_letters(text: str) -> str:
    text = VOWEL_W.sub("u", GERESH.sub("j", text.lower())).replace("'", "")
    text = VOWEL_Y.sub("i", text)
    for spelled, sound in ABJAD_DIGRAPHS:
        text = text.replace(spelled, sound)
    return DOUBLED.sub(r"\1", text)


def _letters(text: str, endings: tuple[tuple[re.Pattern[str], str], ...] = ENDINGS) -> str:
    # Hebrew's geresh makes ג ז צ the sounds of j, zh and ch (ג'ורג' George); an apostrophe alone is an
    # aleph or ayin, a vowel's carrier.
    text = GERESH.sub("j", text.lower()).replace("'", "")
    for ending, sound in endings:
        text = ending.sub(sound, text)
    text = SOFT_C.sub("s", LATIN_CAE.sub("ć", text))
    text = SOFT_G.sub("j", text)
    text = LATIN_X.sub("ks", text)
    text = SILENT_GH.sub("h", text)
    text = VOWEL_Y.sub("i", text)
    for spelled, sound in DIGRAPHS:
        text = text.replace(spelled, sound)
    return DOUBLED.sub(r"\1", D_BEFORE_T.sub("ď", VOWEL_H.sub("ħ", KN_ONSET.sub("ǩ", text))))


def _classed(text: str, *, vowels: bool) -> str:
    return "".join(
        letter if letter in VOWELS else CLASSES[letter]
        for letter in text
        if (vowels or letter not in VOWELS) and (letter in VOWELS or letter in CLASSES)
    )


def _syllable(syllable: str) -> str:
    if syllable == "er":
        return "R"
    initial = ""
    if syllable.startswith("hu") and syllable[2:3] in VOWELS:
        return PINYIN_HU + ("N" if syllable.endswith(("n", "ng")) else "")
    for spelled, sound in PINYIN_INITIALS:
        if syllable.startswith(spelled):
            initial, syllable = sound, syllable[len(spelled) :]
            break
    final = "N" if syllable.endswith(("n", "ng")) else ""
    return initial + final


@lru_cache(maxsize=65_536)
def sounds(spelling: str, reading: Reading) -> str:
    """The sounds of a romanised name part (lower-case ASCII; pinyin syllables apart by spaces)."""
    if reading == "pinyin":
        # Chinese writes a foreign r and l alike (罗斯福 luó: Roosevelt), and a syllable's final n with the
        # next one's initial (钱尼 qián ní: Chaney).
        syllables = "".join(_syllable(syllable) for syllable in PINYIN_SYLLABLE.findall(spelling.lower()))
        syllables = DOUBLED_N.sub("N", syllables.replace("L", "R"))
        return "" if not syllables.strip(SILENT_ALONE) else syllables
    if reading == "abjad":
        classed = _classed(_abjad_letters(spelling), vowels=False)
        # An abjad writes a name's first vowel with its own carrier (א, أ, ع): a first h (ה, ه, ح) is heard.
        return SOUNDED_H + classed[1:] if spelling.startswith("h") and classed.startswith("H") else classed
    if reading == "heard_in_pinyin":
        return heard_in_pinyin(spelling, FRENCH_ENDINGS)
    if reading == "consonants":
        return _consonants(spelling, ENDINGS)
    return _classed(_letters(spelling), vowels=True)


def _consonants(spelling: str, endings: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    """A Latin part's sounds as an abjad writes them (its consonants), with `endings` left out."""
    return _classed(VOWEL_W.sub("u", _letters(spelling, endings)), vowels=False)


def sounds_heard(spelling: str, reading: Reading) -> tuple[str, ...]:
    """The `sounds` of a part, and as Chinese writes it also without French's silent endings: a final ot, ault or
    aux is as often said (Kot 科特 kē tè, Noot 努特) as not (Marot 马罗 mǎ luó). Beside an abjad, also with the
    Latin nominative kept: Arabic and Hebrew write it out (Quintilius קווינטיליוס), as Chinese does."""
    heard = sounds(spelling, reading)
    if reading == "heard_in_pinyin":
        return heard, heard_in_pinyin(spelling, ())
    if reading == "consonants":
        return heard, _consonants(spelling, FRENCH_ENDINGS)
    return (heard,)


def heard_in_pinyin(spelling: str, endings: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    """Latin letters as Chinese writes them (see above): Nanda is 南达 nán dá, heard as n-d."""
    letters = HEARD_V_SPELLING.sub("ṿ", _letters(HEARD_TH_SPELLING.sub("θ", spelling), endings))
    return DOUBLED_N.sub("N", _classed(UNHEARD_LIQUID.sub("Q", letters), vowels=False).replace("L", "R"))


def _cost(sound: str) -> float:
    if sound in AMBIGUOUS:
        base = AMBIGUOUS[sound][0]
        return _cost(base) if base else 0.0
    if sound == SOUNDED_H:
        return 1.0
    if sound in VOWELS:
        return VOWEL_COST
    return WEAK_COST if sound in WEAK or sound == OPTIONAL_LIQUID else 1.0


def _heard_as(sound: str) -> dict[str, float | None]:
    """The classes a sound is heard as ("": nothing): its own (None), or another at a cost."""
    if sound in AMBIGUOUS:
        base, also = AMBIGUOUS[sound]
        return {base: None, **also}
    return {sound: None}


def _substitution(first: str, second: str) -> float:
    if first == second:
        return 0.0
    if first in AMBIGUOUS or second in AMBIGUOUS:
        costs = []
        for mine, mine_cost in _heard_as(first).items():
            for theirs, theirs_cost in _heard_as(second).items():
                if mine_cost is None and theirs_cost is None:  # each as its own class
                    costs.append(_substitution(mine, theirs) if mine and theirs else _cost(mine or theirs))
                elif mine == theirs:  # heard as the other: only as that very class, not a near one
                    costs.append((mine_cost or 0.0) + (theirs_cost or 0.0))
        return min(costs)
    if {first, second} == {SOUNDED_H, "H"}:
        return 0.0
    if SOUNDED_H in (first, second):
        other = second if first == SOUNDED_H else first
        return NEAR_COST if other in ("K", "G", "J") else _cost(first) + _cost(second) if other in VOWELS else 1.0
    if first in VOWELS and second in VOWELS:
        return VOWEL_CHANGE_COST
    if {first, second} == {OPTIONAL_LIQUID, "R"}:
        return 0.0
    if {first, second} in GLIDES:
        return GLIDE_COST
    if first in VOWELS or second in VOWELS:
        return _cost(first) + _cost(second)
    return NEAR_COST if frozenset((first, second)) in NEAR else 1.0


SYMBOLS = sorted(VOWELS | set(CLASSES.values()) | {SOUNDED_H} | set(AMBIGUOUS))
COSTS = {sound: _cost(sound) for sound in SYMBOLS}
SUBSTITUTIONS = {(first, second): _substitution(first, second) for first in SYMBOLS for second in SYMBOLS}


# The dynamic programme over these costs is compiled (native/: a search runs it thousands of times).
SOUND_TABLE = SoundTable(
    "".join(SYMBOLS), [COSTS[sound] for sound in SYMBOLS], [SUBSTITUTIONS[pair] for pair in product(SYMBOLS, SYMBOLS)]
)


@lru_cache(maxsize=262_144)
def sound_similarity(first: str, second: str) -> float:
    """1 minus the weighted edit distance of two sound strings over the larger one's weight (0 to 1): each sound
    added or dropped at its COSTS, written as another at its SUBSTITUTIONS. A string with no weight at all
    (pinyin y alone) is as alike as its distance is nothing."""
    return SOUND_TABLE.similarity(first, second)


ALPHABETS = frozenset({"Latin", "Cyrillic", "Greek"})
ABJADS = frozenset({"Arabic", "Hebrew"})
SYLLABARIES = frozenset({"Han"})
READ_SCRIPTS = ALPHABETS | ABJADS | SYLLABARIES


# Few pairs of script sets occur; a search asks for them for every record name it looks at.
@lru_cache(maxsize=1_024)
def readings(query_scripts: frozenset[str], record_scripts: frozenset[str]) -> tuple[Reading, Reading] | None:
    """How a query's and a record's name parts are read to compare their sounds: None when both are written
    in the same script (their spellings compare directly) or either in a script not read here."""
    if query_scripts == record_scripts or not query_scripts or not record_scripts:
        return None
    if not (query_scripts | record_scripts) <= READ_SCRIPTS:
        return None
    if query_scripts & SYLLABARIES and not record_scripts & SYLLABARIES:
        return "pinyin", "heard_in_pinyin"
    if record_scripts & SYLLABARIES and not query_scripts & SYLLABARIES:
        return "heard_in_pinyin", "pinyin"
    if query_scripts & ABJADS and not record_scripts & ABJADS:
        return "abjad", "consonants"
    if record_scripts & ABJADS and not query_scripts & ABJADS:
        return "consonants", "abjad"
    return "letters", "letters"


def same_onset(first: str, second: str) -> bool:
    """Whether two sound strings begin alike (the same class, or near ones): a name's first sound is the one
    transliteration keeps best, so parts only loosely alike must at least share it."""
    if first and second and (first[0], second[0]) in ALIKE_ONSETS:
        return True  # or one heard as the other (揚 yáng: Jannick)
    # Nor a sound that may stand for nothing, or an unheard liquid (Aylward 艾伟德 ài wěi dé: its l).
    first, second = first.lstrip(SILENT_ALONE + OPTIONAL_LIQUID), second.lstrip(SILENT_ALONE + OPTIONAL_LIQUID)
    return bool(first and second) and (first[0], second[0]) in ALIKE_ONSETS


def _onsets_alike(first: str, second: str) -> bool:
    return any(
        mine == theirs or frozenset((mine, theirs)) in NEAR or {mine, theirs} == {OPTIONAL_LIQUID, "R"}
        for mine in _heard_as(first)
        for theirs in _heard_as(second)
        if mine and theirs
    )


ALIKE_ONSETS = frozenset((first, second) for first in SYMBOLS for second in SYMBOLS if _onsets_alike(first, second))


# A Chinese transcription begins with a bare vowel's syllable (阿 a, 艾 ài, 奧 ào, 厄 è, 歐 ōu) only for a foreign
# name that begins with a vowel, or with a Latin h (Hortense 奧爾唐斯), w or y, or an m or n before a consonant (Nkosi
# 恩科西): the consonant skeletons alone would pair Viola with 阿帕爾 ā pà ěr (Apar). Not the other way round: a
# transcription may leave a first vowel out (Iordache 洛達切 luò dá qiē).
LATIN_VOWEL_ONSET = re.compile(r"^(?:[aeiouhwy]|[mn][^aeiouy])")


def onsets_agree(spellings: tuple[str, str], readings: tuple[Reading, Reading]) -> bool:
    """Whether a Latin part and a Chinese one (their lower-case ASCII spellings, the Chinese one in pinyin) may
    begin alike: not a bare vowel's syllable beside a consonant (`LATIN_VOWEL_ONSET`). True for other readings."""
    if "pinyin" not in readings or not all(spellings):
        return True
    latin, pinyin = spellings if readings[1] == "pinyin" else spellings[::-1]
    return pinyin[0] not in "aeo" or bool(LATIN_VOWEL_ONSET.match(latin))
