"""Titles and regnal numbers as the same symbol in every script: a name part that is the word for "prince" or "the
eighth" in another tongue (الأمير, הנסיך, принц; الثامن, השמיני, восьмой beside VIII).

rigour already knows Roman numerals (VIII: NUMERIC 8) and the Latin saint (St, Saint: SYMBOL SAINT); the words below
carry the same symbols, so that its pairing of symbols pairs a title or number with its translation the way it pairs
a known name with its transliteration. A title is tagged only before the name it stands in front of, a number only
after a name (Stephen King is no king), and a pair of them weighs nothing in a name's score (`title_weight`): it
takes a translated title or number out of the parts left unpaired, never makes two names one. Many title words are
names too (King, Rey, Prinz, Королева, Korol's feminine): two of them rigour knows as names never pair as titles.
Arabic and Hebrew titles only with their article (أمير, Amir, is a given name; الأمير is the prince). Written from
the languages' grammars (the ordinals one to ten, both genders; Russian to twelve, Chinese to nineteen, and the Roman
X and XII to XIX that rigour leaves untagged), not from any evaluation set. Chinese writes the number joined to the name
(奧托卡二世, Ottokar II): where names are compared it is set apart first (`ordinal_apart`), not after another
numeral.
Names are tagged as compared, not as a store indexes them: the store format stays (a query also looks up the symbols
its titles and numbers carry, which the index holds where rigour tagged them: VIII, St).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from rigour.names import Alignment, Name, NamePart, Symbol

from node.matching.abjad import is_abjad

PRINCE = Symbol(Symbol.Category.SYMBOL, "PRINCE")
PRINCESS = Symbol(Symbol.Category.SYMBOL, "PRINCESS")
KING = Symbol(Symbol.Category.SYMBOL, "KING")
QUEEN = Symbol(Symbol.Category.SYMBOL, "QUEEN")
SAINT = Symbol(Symbol.Category.SYMBOL, "SAINT")  # rigour's own for St and Saint
SHEIKH = Symbol(Symbol.Category.SYMBOL, "SHEIKH")

_TITLES = {
    PRINCE: "prince prinz principe príncipe принц князь πρίγκιπας الأمير הנסיך",
    PRINCESS: "princess princesse prinzessin principessa princesa принцесса княгиня княжна πριγκίπισσα الأميرة הנסיכה",
    KING: "king könig koenig roi rey король царь βασιλιάς βασιλεύς الملك המלך",
    # (rigour takes a Latin Queen for a salutation and leaves it out)
    QUEEN: "königin koenigin reine reina королева царица βασίλισσα الملكة המלכה",
    SAINT: "sankt санкт святой святая άγιος αγία القديس القديسة הקדוש הקדושה",
    SHEIKH: "sheikh sheik shaikh shaykh cheikh scheich шейх σεΐχης الشيخ השייח' השיח'",
}
_ORDINALS = (
    # Arabic, masculine and feminine, with the article.
    "الأول الثاني الثالث الرابع الخامس السادس السابع الثامن التاسع العاشر",
    "الأولى الثانية الثالثة الرابعة الخامسة السادسة السابعة الثامنة التاسعة العاشرة",
    # Hebrew, masculine and feminine, with the article.
    "הראשון השני השלישי הרביעי החמישי השישי השביעי השמיני התשיעי העשירי",
    "הראשונה השנייה השלישית הרביעית החמישית השישית השביעית השמינית התשיעית העשירית",
    # Russian, masculine and feminine, to twelve (Людовик XIV is also written Людовик Четырнадцатый, rarely).
    "первый второй третий четвёртый пятый шестой седьмой восьмой девятый десятый одиннадцатый двенадцатый",
    "первая вторая третья четвёртая пятая шестая седьмая восьмая девятая десятая одиннадцатая двенадцатая",
    # Greek, masculine and feminine.
    "πρώτος δεύτερος τρίτος τέταρτος πέμπτος έκτος έβδομος όγδοος ένατος δέκατος",
    "πρώτη δεύτερη τρίτη τέταρτη πέμπτη έκτη έβδομη όγδοη ένατη δέκατη",
    # Chinese: the number and 世, generation (八世 for VIII), to nineteen; written joined to the name (JOINED_ORDINAL).
    "一世 二世 三世 四世 五世 六世 七世 八世 九世 十世 十一世 十二世 十三世 十四世 十五世 十六世 十七世 十八世 十九世",
)
# Roman numerals one to twenty; rigour tags I to IX. Tagged here: X and XII to XIX, not XI, also the pinyin Xi.
ROMAN_NUMERALS = (
    "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
    "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx",
)  # fmt: skip
ROMAN = {numeral: number for number, numeral in enumerate(ROMAN_NUMERALS, 1) if 10 <= number < 20 and number != 11}
# A Chinese regnal number after a name of two characters or more, joined to it (奧托卡二世, Ottokar II), not after
# another numeral (十三世 is thirteen, not 十 and three): set apart from the name where names are compared, so that it
# is a part of its own as in other scripts. 一世 only after three characters or more: Issei is a Japanese given name
# after a family name of two (田中一世).
NUMERALS = "〇零一二三四五六七八九十百"
JOINED_ORDINAL = re.compile(
    rf"(?<![{NUMERALS}])((?<=[\u3400-\u9fff]{{3}})一世|(?<=[\u3400-\u9fff]{{2}})(?:十[一二三四五六七八九]?|[二三四五六七八九])世)"
    r"(?=$|[\s·・•])"
)


# Letters written for one another: the Arabic final ya without dots and the Persian ya, the Persian kaf, a ta
# marbuta written as a ha.
LETTERS = str.maketrans({"ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه"})


@lru_cache(maxsize=65_536)  # every part of every name compared: given and family names repeat
def _key(form: str) -> str:
    """A part's form without case, marks (hamza on an alef, accents, ё) or a geresh, its letters written one way: as
    the tables are looked up."""
    decomposed = unicodedata.normalize("NFKD", form.casefold()).translate(LETTERS)
    return "".join(char for char in decomposed if not unicodedata.combining(char) and char not in "'\u05f3’")


SYMBOLS: dict[str, Symbol] = (
    {_key(word): symbol for symbol, words in _TITLES.items() for word in words.split()}
    | {
        _key(word): Symbol(Symbol.Category.NUMERIC, number)
        for words in _ORDINALS
        for number, word in enumerate(words.split(), start=1)
    }
    | {numeral: Symbol(Symbol.Category.NUMERIC, number) for numeral, number in ROMAN.items()}
)
TITLES = frozenset(_TITLES)
# An ordinal is not tagged after these (الرابع عشر, δέκατος τέταρτος: eleven to nineteen, not its unit; عبد الأول,
# Abdul Awal: a given name) nor before these (the Arabic and Hebrew ten of eleven to nineteen).
NOT_AFTER = frozenset(map(_key, ("δέκατος", "δέκατη", "عبد")))
NOT_BEFORE = frozenset(map(_key, ("عشر", "عشرة", "עשר", "עשרה")))


# Roman numerals of two letters or more are regnal numbers only, but VI and XI, the names Vi and Xi.
ANY_ROMAN = frozenset(ROMAN_NUMERALS)
REGNAL_ROMAN = ANY_ROMAN - {"i", "v", "x", "vi", "xi"}


def is_regnal(part: NamePart, *, surely: bool) -> bool:
    """Whether a part after the first is a regnal number: an ordinal word of the tables or a Roman numeral. `surely`:
    one that is nothing else (REGNAL_ROMAN, the ordinal words), else any that may be one (I, V, X, Vi, Xi…)."""
    if part.index == 0:
        return False  # a number follows a name (Ii Naosuke: the family name Ii)
    form = part.form.casefold()
    symbol = SYMBOLS.get(_key(part.form))
    word = symbol is not None and symbol.category == Symbol.Category.NUMERIC and form not in ANY_ROMAN
    if surely:
        return form in REGNAL_ROMAN or word
    return form in ANY_ROMAN or word


def ordinal_apart(text: str) -> str:
    """A name with a Chinese regnal number joined to it set apart (奧托卡二世: 奧托卡 二世); other names as they are."""
    return JOINED_ORDINAL.sub(r" \1", text) if "世" in text else text


def tag_titles(name: Name) -> Name:
    """The name with each part that is a title or an ordinal word tagged with its symbol (rigour's pairing then
    pairs it with the same title or number written otherwise)."""
    parts = name.parts
    keys = [_key(part.form) for part in parts]
    if len(keys) < 2 or SYMBOLS.keys().isdisjoint(keys):
        return name
    for index, (part, key) in enumerate(zip(parts, keys, strict=True)):
        symbol = SYMBOLS.get(key)
        if symbol is None:
            continue
        if symbol in TITLES:
            # Before the name it stands in front of (Stephen King is no king, nor Король: a family name).
            if index == 0:
                name.apply_part(part, symbol)
        elif (
            index > 0 and keys[index - 1] not in NOT_AFTER and not NOT_BEFORE.intersection(keys[index + 1 : index + 2])
        ):
            name.apply_part(part, symbol)  # after a name
    return name


def title_weight(alignment: Alignment, query: Name, record: Name) -> float | None:
    """How much two parts rigour paired by a symbol weigh in a name's score: a title or number nothing (it is no
    longer a part left unpaired, but neither raises a name's score nor vouches for a loosely alike part: Prince
    Salman is not الأمير سلطان); other symbols (the same known name) fully.
    None for two parts in alphabets that are both known names (King and Rey, Королева and Reina): not paired as
    titles. (An Arabic or Hebrew title has its article: الأمير, which rigour knows as the family name Al-Amir, is
    the prince before a name.)"""
    symbol = alignment.symbol
    if symbol in TITLES and _known_in_alphabet(query, alignment.qps) and _known_in_alphabet(record, alignment.rps):
        return None
    if symbol is not None and (symbol in TITLES or symbol.category == Symbol.Category.NUMERIC):
        return 0.0
    return 1.0


def _known_in_alphabet(name: Name, parts: Iterable[NamePart]) -> bool:
    known = {part for span in name.spans if span.symbol.category == Symbol.Category.NAME for part in span.parts}
    return all(part in known and not is_abjad(part.form) for part in parts)
