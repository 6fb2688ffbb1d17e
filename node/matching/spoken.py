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


# Chinese writes a tr or dr before a vowel as one sound as often as as two (Tracy 崔西 cuī xī, Trevor 崔佛; Trump
# 特朗普 tè lǎng pǔ).
TR_AS_CH = re.compile(r"[td]r(?=[aeiouy])")


def other_spellings(spelling: str, reading: Reading) -> tuple[str, ...]:
    """Other ways a Latin part (lower-case ASCII) is said that another script may write by ear: as French says
    it, and for Chinese a tr or dr as ch."""
    others = [french] if (french := french_spelling(spelling)) else []
    if reading == "heard_in_pinyin":
        others += [TR_AS_CH.sub("ch", spelled) for spelled in (spelling, *others) if TR_AS_CH.search(spelled)]
    return tuple(others)
