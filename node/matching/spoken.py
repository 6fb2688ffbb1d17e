"""Latin names as other tongues say them, which other scripts write by ear: a second reading of a Latin name
part beside its spelling (node.matching.names compares the sounds of each and keeps the best)."""

from __future__ import annotations

import re
from functools import lru_cache

from node.matching.sounds import Reading

# A Latin name as French says it, which other scripts often write by ear (Dubois Дюбуа and 杜布瓦, Langlois
# Ланглуа, Rousseau Руссо, Boyau בואיו, Montesquieu 孟德斯鸠): heard beside its spelling as written.
FRENCH_SPELLINGS = tuple(
    (re.compile(pattern), sound)
    for pattern, sound in (
        (r"eaux?|aux?", "o"), (r"oy(?=[aeiou])", "way"), (r"oi", "wa"), (r"eux$|eu", "e"), (r"ou", "u"),
        (r"gn", "ny"), (r"ch", "sh"), (r"(?<=[aeiou])(?:s|x|t|d)$", ""), (r"(?<=[aeiou])(tt|ss)e$", r"\1"),
        (r"(?<![cpst])h", ""),
    )
)  # fmt: skip
FRENCH_LOOK = re.compile(r"oi|oy[aeiou]|eau|au|eux|gn")


@lru_cache(maxsize=65_536)
def french_spelling(spelling: str) -> str | None:
    """The spelling as French is heard, when it has a French look (lower-case ASCII), else None."""
    if not FRENCH_LOOK.search(spelling):
        return None
    for pattern, sound in FRENCH_SPELLINGS:
        spelling = pattern.sub(sound, spelling)
    return spelling


# Latin names as the tongue whose spelling they have says them (each tongue's orthography, as its grammars
# describe it), which other scripts write by ear: a name with a tongue's look is also heard as that tongue reads
# its letters. German: Jaenisch יניש, Loewe Лёве, Neuer Нойер. Polish: Przemyslaw Пшемыслав, Szczepan Щепан.
# Hungarian: Csaba Чаба 恰巴, Szabo Сабо, Zsolt Жолт, Kodaly Кодай. Spanish: Jaramillo Харамильо חרמיו, Jose חוסה.
# Italian: Gnocchi Ньокки 尼奥基, Scirea Ширеа, Pazzi Паццы. Not an English w as a German or Polish v (Weston,
# Walker): the looks are letters only the tongue writes so.
TONGUES = tuple(
    (re.compile(look), tuple((re.compile(pattern), sound) for pattern, sound in rules))
    for look, rules in (
        (  # German
            r"sch|tz|ei|ie|eu|äu|oe|ue|ck|^j(?=[aeiou])|pf|dt$|mann$",
            ((r"^j", "y"), (r"tz|z", "ts"), (r"ei|ey", "ai"), (r"ie", "i"), (r"eu|äu", "oi"),
             (r"oe", "yo"), (r"ue", "yu"), (r"^s(?=[tp])", "sh")),
        ),
        (  # Polish
            r"sz|cz|rz|wicz|ws?k[ia]$",
            ((r"ch", "kh"), (r"szcz", "shch"), (r"sz", "sh"), (r"cz", "ch"), (r"rz", "zh"), (r"w", "v"),
             (r"j", "y"), (r"c(?![hz])", "ts"), (r"ie", "ye")),
        ),
        (  # Hungarian
            r"cs|zs|gy|ly$|sz",
            ((r"cs", "ch"), (r"zs", "zh"), (r"s(?![hz])", "sh"), (r"sz", "s"), (r"cz|c(?![hs])", "ts"),
             (r"gy", "dy"), (r"ly", "y"), (r"j", "y")),
        ),
        (  # Spanish
            r"ll|^j[aeiou]|[aeiou]j[aeiou]|gu[ei]|qu|ez$|^x",
            ((r"^h", ""), (r"j", "h"), (r"ll", "ly"), (r"gu(?=[ei])", "g"), (r"qu", "k"), (r"z", "s"),
             (r"^x", "h")),
        ),
        (  # Italian
            r"gli|gn|sc[ei]|zz|ch[ei]|gh[ei]",
            ((r"ch", "k"), (r"gh(?=[ei])", "g"), (r"gli", "ly"), (r"gn", "ny"), (r"sc(?=[ei])", "sh"),
             (r"zz", "ts")),
        ),
    )
)  # fmt: skip


@lru_cache(maxsize=65_536)
def tongue_spellings(spelling: str) -> tuple[str, ...]:
    """The spelling as each tongue whose look it has says it (lower-case ASCII), when that differs."""
    heard = []
    for look, rules in TONGUES:
        if look.search(spelling):
            said = spelling
            for pattern, sound in rules:
                said = pattern.sub(sound, said)
            if said != spelling:
                heard.append(said)
    return tuple(dict.fromkeys(heard))


# Chinese writes a tr or dr before a vowel as one sound as often as as two (Tracy 崔西 cuī xī, Trevor 崔佛; Trump
# 特朗普 tè lǎng pǔ).
TR_AS_CH = re.compile(r"[td]r(?=[aeiouy])")


def other_spellings(spelling: str, reading: Reading) -> tuple[str, ...]:
    """Other ways a Latin part (lower-case ASCII) is said that another script may write by ear: as French and the
    tongues of TONGUES say it, and for Chinese a tr or dr as ch."""
    others = [french] if (french := french_spelling(spelling)) else []
    others += tongue_spellings(spelling)
    if reading == "heard_in_pinyin":
        others += [TR_AS_CH.sub("ch", spelled) for spelled in (spelling, *others) if TR_AS_CH.search(spelled)]
    return tuple(others)
