"""Blocking keys by sound: each name part's sounds (node.matching.sounds) in coarser classes, which the index
holds and a query looks up (node.matching.keys). What they are is part of the store's format."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, wraps

from rigour.text.scripts import text_scripts

from node.matching.names import LATIN
from node.matching.sounds import (
    ABJADS,
    ENDINGS,
    HEARD_TH,
    HEARD_V,
    LATIN_C_AE,
    LATIN_CH,
    LATIN_D_T,
    LATIN_KN_K,
    LATIN_VOWEL_H,
    PINYIN_HU,
    PINYIN_J,
    PINYIN_R,
    PINYIN_WU,
    PINYIN_X,
    PINYIN_Y,
    SYLLABARIES,
    Reading,
    heard_in_pinyin,
    sounds,
    sounds_heard,
)
from node.matching.spoken import HEPBURN, PINYIN, other_spellings, written_by_ear

# Blocking keys by sound are coarser than the comparison: the classes one script's ear confuses with another's
# merge, and weak sounds go. Both sides of any comparison above reach the same key for most real pairs.
COARSE = str.maketrans(
    {"G": "K", "J": "S", "L": "R", "Q": "R", "M": "N", "W": None, "H": None, "Y": None}
    | {
        PINYIN_X: "S",
        PINYIN_J: "S",  # as the J it was keyed as before
        PINYIN_R: "R",
        PINYIN_Y: None,
        PINYIN_WU: None,
        PINYIN_HU: None,
        HEARD_TH: "T",
        LATIN_CH: "S",
        LATIN_C_AE: "K",
        LATIN_KN_K: None,
        LATIN_VOWEL_H: None,
        LATIN_D_T: "T",  # then one with the t: as keyed before
        HEARD_V: "B",
    }
)
UNHEARD = str.maketrans({"Q": None})
REPEATS = re.compile(r"(.)\1+")


def _part_reading(form: str) -> Reading:
    scripts = text_scripts(form)
    if scripts & SYLLABARIES:
        return "pinyin"
    return "abjad" if scripts & ABJADS else "consonants"


MAX_CACHED_PART = 128
PartKeys = Callable[[str, str], frozenset[str]]


def _per_part(keys: PartKeys) -> PartKeys:
    """`keys` cached for parts of a usual length: a country's records repeat the same given and family names over
    and over."""
    cached = lru_cache(maxsize=65_536)(keys)

    @wraps(keys)
    def part_keys(form: str, spelling: str) -> frozenset[str]:
        return cached(form, spelling) if len(form) + len(spelling) <= MAX_CACHED_PART else keys(form, spelling)

    return part_keys


# Since store format 9, a part is also keyed as the other side writes sounds the coarse classes part: a Chinese
# part's j and q as the k or g they write (加 jiā: Gad 賈德; 基 jī: Kirilenko 基里连科); an Arabic part's final ta
# marbuta as the a it is said (Rawya راوية); and a Latin part as Chinese writes it (`chinese_written_keys`).
AS_CHINESE_WRITES = str.maketrans({HEARD_V: None, HEARD_TH: "S"})
PINYIN_JQ = re.compile(r"\b[jq]")  # not zh, which writes no foreign k (张 Zhang)
TA_MARBUTA = "\u0629"
# Since store format 12: an abjad's n before g and t before s are also two sounds, not the one a Latin ng or ts
# spells (sounds.ABJAD_DIGRAPHS): the abjad leaves out the vowel between them that the Latin writes (Ingemar
# אינגמר, Pilates פילאטס).
ABJAD_TWO_LETTERS = re.compile(r"(?<=n)(?='?g)|(?<=t)(?='?s(?!h))")  # an aleph between, too; not Arabic's تش ch
# Since store format 10: a g before e, i or y is soft in English and the Romance tongues but hard in German,
# Japanese or any name in Cyrillic (Гена), and an abjad writes it hard (Shigeru شيغيرو): a Latin or Cyrillic part
# with one is also keyed with it hard. Not the ng of a pinyin syllable before a y (Mingyu), which says no g.
SOFT_G = re.compile(r"g(?=[ei])|(?<!n)g(?=y)")
HARD_G_SCRIPTS = frozenset({"Latin", "Cyrillic"})  # Greek γ before ε or ι is a y


@_per_part
def sound_keys(form: str, spelling: str) -> frozenset[str]:
    """The coarse sounds a name part (as written, and romanised) is indexed and looked up under: one, or two
    for an alphabet's part (as heard by an alphabet, and by a Chinese transcription), three with a soft g (also
    heard hard); an abjad's also without its final ta marbuta, and with an n before g or a t before s apart."""
    reading = _part_reading(form)
    spelling = spelling.lower()
    heard = [sounds(spelling, reading)]
    if reading == "consonants":
        # Keyed as before Chinese kept the Latin nominative (a store's keys stay those of its format).
        heard.append(heard_in_pinyin(spelling, ENDINGS).translate(UNHEARD))
        if SOFT_G.search(spelling) and text_scripts(form) <= HARD_G_SCRIPTS:
            heard.append(sounds(SOFT_G.sub("k", spelling), reading))
    elif reading == "pinyin":
        heard.append(sounds(PINYIN_JQ.sub("k", spelling), reading))
    elif reading == "abjad":
        if form.endswith(TA_MARBUTA) and spelling.endswith("t"):
            heard.append(sounds(spelling[:-1], reading))
        if ABJAD_TWO_LETTERS.search(spelling):
            heard.append(sounds(ABJAD_TWO_LETTERS.sub("-", spelling), reading))
    return _coarse(heard)


def _coarse(heard: list[str]) -> frozenset[str]:
    return frozenset(REPEATS.sub(r"\1", sound.translate(COARSE)) for sound in heard) - {""}


@_per_part
def chinese_written_keys(form: str, spelling: str) -> frozenset[str]:
    """A Latin part's coarse sounds as Chinese writes them, where its `sound_keys` hear them otherwise (store
    format 9): a v before a vowel as the w keys leave out (Ervin 埃爾文 ài ěr wén), a th as an s (Kathryn 凱瑟琳);
    and as the tongue whose look it has says it, as the comparison hears it too (Delacroix 德拉克洛瓦, as French).
    Kept apart from its other keys (node.matching.keys): Latin and Cyrillic names would share them by chance
    (Pavlovich heard as Boris)."""
    if not text_scripts(form) <= LATIN:
        return frozenset()
    spelling = spelling.lower()
    spellings = (spelling, *other_spellings(spelling, "heard_in_pinyin"))
    heard = [sound for spelled in spellings for sound in _as_chinese_writes(spelled)]
    return _coarse(heard) - sound_keys(form, spelling)


def _as_chinese_writes(spelling: str) -> tuple[str, str, str]:
    """A Latin spelling's sounds as Chinese writes them: with an unheard liquid left out, with a v and a th as
    Chinese writes them, and with both."""
    in_pinyin = heard_in_pinyin(spelling, ENDINGS)
    as_written = in_pinyin.translate(AS_CHINESE_WRITES)
    return in_pinyin.translate(UNHEARD), as_written, as_written.translate(UNHEARD)


@_per_part
def by_ear_keys(form: str, spelling: str) -> frozenset[str]:
    """A Latin part's coarse sounds as Cyrillic, Greek and Hebrew write it by ear, where its `sound_keys` hear
    it otherwise (store format 11; node.matching.spoken.written_by_ear: Wolny Вольны, Kawashima Кавасима, Xiaodong
    Сяодун). Kept apart from its other keys, as the Chinese-written ones are (node.matching.keys): Latin names
    would share them by chance."""
    if not text_scripts(form) <= LATIN:
        return frozenset()
    spelling = spelling.lower()
    return _coarse([sounds(other, "consonants") for other in written_by_ear(spelling)]) - sound_keys(form, spelling)


# A Latin ch is keyed as the sound of its class (as in Charlotte, Chaim, Sacha), but Cyrillic, Greek and Hebrew
# write the k of Greek and German names for it too (Christoph Кристоф, Bloch בלוך). Looked up only: a query's by-ear
# keys with it heard so (Michael's מיכאל had shared no key that lists few records); records keep format 11's keys.
# Not an sch or tsch (Schmidt), nor in a pinyin or Hepburn name (Chen, Chiaki), which say no k.
LATIN_CH_AS_K = re.compile(r"(?<![st])ch")


# Hebrew writes a first v and one before a vowel with a vav (ו, or a doubled וו: Volker וולקר), which its keys hear
# as the w they leave out, and writes the Latin nominative out (Quintilius קווינטיליוס), which a Latin part's keys
# leave out (as Cyrillic does). Looked up only, as the ch as k: a Latin query's by-ear keys (which only names in
# Cyrillic, Greek and Hebrew meet) also with its nominative kept, and with such a v as a w and the nominative kept
# (a final v, or one before a consonant past the first letter, Hebrew writes ב: Volkov וולקוב); a Hebrew query's
# keys with a first or doubled vav as a v, where a Latin record keeps its own. Arabic writes both too, but meets no
# by-ear keys: its records are found through the nominative in scoring only (`sounds.sounds_heard`).
HEBREW_VAV_V = re.compile(r"^w(?!w)|ww")
V_AS_VAV = re.compile(r"^v|v(?=[aeiouy])")


@_per_part
def looked_up_by_ear_keys(form: str, spelling: str) -> frozenset[str]:
    """A Latin query part's `by_ear_keys`, and its sounds with each ch heard as k, with the Latin nominative kept,
    and with a first v and each v before a vowel as a w (and the nominative kept), where its own keys hear them
    otherwise."""
    keys = by_ear_keys(form, spelling)
    if not text_scripts(form) <= LATIN:
        return keys
    spelling = spelling.lower()
    heard = list(sounds_heard(spelling, "consonants"))
    if V_AS_VAV.search(spelling):
        heard.append(sounds_heard(V_AS_VAV.sub("w", spelling), "consonants")[-1])
    if LATIN_CH_AS_K.search(spelling) and not (PINYIN.match(spelling) or HEPBURN.match(spelling)):
        as_k = LATIN_CH_AS_K.sub("k", spelling)
        heard += [sounds(spelled, "consonants") for spelled in (as_k, *written_by_ear(as_k))]
    return keys | (_coarse(heard) - sound_keys(form, spelling))


@_per_part
def looked_up_sound_keys(form: str, spelling: str) -> frozenset[str]:
    """A query part's `sound_keys`, a Hebrew part's also with a first or doubled vav heard as a v, and a Chinese
    part's with each syllable xi as the hi it writes (where a Latin record keeps its h left out). A part's own keys
    need three sounds or more: a shorter one gains only in pairs of parts."""
    keys = sound_keys(form, spelling)
    spelling = spelling.lower()
    scripts = text_scripts(form)
    if "Hebrew" in scripts and HEBREW_VAV_V.search(spelling):
        return keys | _coarse([sounds(HEBREW_VAV_V.sub("v", spelling), "abjad")])
    if scripts & SYLLABARIES and PINYIN_XI.search(spelling):
        as_hi = PINYIN_XI.sub("yi", spelling)
        return keys | _coarse([sounds(as_hi, "pinyin"), sounds(PINYIN_JQ.sub("k", as_hi), "pinyin")])
    return keys


# Chinese writes a Latin hi as 希 xī (Hilma 希爾瑪, Ahiram 阿希拉姆), whose x keys hear as an s, where they leave a
# Latin h out. Looked up only: a Latin query's sounds as Chinese writes them with an h before an i or y as that s, and a
# Chinese query's (`looked_up_sound_keys`) with a syllable xi as a bare i. Not the h of a digraph (bh, ch, dh, gh, jh,
# kh, lh, nh, ph, rh, sh, th, wh, zh), nor in a Hepburn name (Hiroshi), which Chinese writes in kanji.
LATIN_HI = re.compile(r"(?<![bcdgjklnprstwz])h(?=[iy])")
PINYIN_XI = re.compile(r"\bxi\b")


@_per_part
def looked_up_written_keys(form: str, spelling: str) -> frozenset[str]:
    """A Latin query part's `chinese_written_keys`, and its sounds so with an h before an i or y as the x of 希."""
    keys = chinese_written_keys(form, spelling)
    spelling = spelling.lower()
    if not LATIN_HI.search(spelling) or not text_scripts(form) <= LATIN:
        return keys
    if HEPBURN.match(spelling):  # pinyin has no syllable hi (a name may look like pinyin)
        return keys
    return keys | (_coarse(list(_as_chinese_writes(LATIN_HI.sub("s", spelling)))) - sound_keys(form, spelling))
