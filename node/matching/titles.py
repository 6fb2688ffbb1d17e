"""Titles and regnal numbers as the same symbol in every script: a name part rigour reads as a name, or not at all,
that is the word for "prince" or "the eighth" in another tongue (الأميرة, הנסיכה, принцесса; השמיני, الثامن,
восьмой beside VIII).

rigour already knows Roman numerals (VIII: NUMERIC 8) and the Latin saint (St, Saint: SYMBOL SAINT); the words
below carry the same symbols, so that its pairing of symbols pairs a title or number with its translation the
way it pairs a known name with its transliteration. Only words that are no given or family name as well: the
Arabic titles with their article (أمير, Amir, is a given name; الأمير is the prince), the Hebrew ones with theirs
(מלכה, Malka, is a given name; המלכה is the queen), no Latin Amir, Sultan or Regina. Written from the
languages' grammars (the ordinals one to ten, both genders; Russian to twelve), not from any evaluation set.
Only names as compared are tagged, not a store's blocking keys: the store format stays.
"""

from __future__ import annotations

import unicodedata

from rigour.names import Name, Symbol

PRINCE = Symbol(Symbol.Category.SYMBOL, "PRINCE")
PRINCESS = Symbol(Symbol.Category.SYMBOL, "PRINCESS")
KING = Symbol(Symbol.Category.SYMBOL, "KING")
QUEEN = Symbol(Symbol.Category.SYMBOL, "QUEEN")
SAINT = Symbol(Symbol.Category.SYMBOL, "SAINT")  # rigour's own for St and Saint
SHEIKH = Symbol(Symbol.Category.SYMBOL, "SHEIKH")

_TITLES = {
    PRINCE: "prince prinz principe príncipe принц князь πρίγκιπας الأمير נסיך הנסיך",
    PRINCESS: "princess princesse prinzessin principessa princesa принцесса княгиня княжна πριγκίπισσα الأميرة "
    "נסיכה הנסיכה",
    KING: "king könig roi rey король царь βασιλιάς الملك המלך",
    QUEEN: "queen königin reine reina королева царица الملكة המלכה",
    SAINT: "sankt санкт святой святая άγιος αγία القديس القديسة הקדוש הקדושה",
    SHEIKH: "sheikh sheik shaikh shaykh cheikh scheich шейх σεΐχης الشيخ השייח' שייח'",
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
)


def _key(form: str) -> str:
    """A part's form without case, marks (hamza on an alef, accents, ё) or a geresh: as the tables are looked up."""
    decomposed = unicodedata.normalize("NFKD", form.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char) and char not in "'\u05f3’")


SYMBOLS: dict[str, Symbol] = {_key(word): symbol for symbol, words in _TITLES.items() for word in words.split()} | {
    _key(word): Symbol(Symbol.Category.NUMERIC, number)
    for words in _ORDINALS
    for number, word in enumerate(words.split(), start=1)
}


def tag_titles(name: Name) -> Name:
    """The name with each part that is a title or an ordinal word tagged with its symbol (rigour's pairing then
    pairs it with the same title or number written otherwise)."""
    parts = name.parts
    for index, part in enumerate(parts):
        symbol = SYMBOLS.get(_key(part.form))
        # A title before the name it stands in front of (Stephen King is no king, nor Король: a family name), a
        # number after it.
        if symbol is not None and len(parts) > 1 and (index == 0) == (symbol.category == Symbol.Category.SYMBOL):
            name.apply_part(part, symbol)
    return name
