"""Latin names as other tongues say them, which other scripts write by ear: a second reading of a Latin name
part beside its spelling (node.matching.names compares the sounds of each and keeps the best)."""

from __future__ import annotations

import re
from functools import lru_cache

from node.matching.sounds import Reading

# How a tongue says a Latin name: its look (letters only it writes so), and its spellings rewritten in turn.
Tongue = tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], str], ...]]


def _tongue(look: str, rules: tuple[tuple[str, str], ...]) -> Tongue:
    return re.compile(look), tuple((re.compile(pattern), sound) for pattern, sound in rules)


def _said(tongue: Tongue, spelling: str) -> str | None:
    """The spelling as the tongue says it, when it has the tongue's look, else None."""
    look, rules = tongue
    if not look.search(spelling):
        return None
    for pattern, sound in rules:
        spelling = pattern.sub(sound, spelling)
    return spelling


# A Latin name as French says it, which other scripts often write by ear (Dubois Дюбуа and 杜布瓦, Langlois
# Ланглуа, Rousseau Руссо, Boyau בואיו, Montesquieu 孟德斯鸠): heard beside its spelling as written.
FRENCH = _tongue(
    r"oi|oy[aeiou]|eau|au|eux|gn",
    (
        (r"eaux?|aux?", "o"), (r"oy(?=[aeiou])", "way"), (r"oi", "wa"), (r"eux$|eu", "e"), (r"ou", "u"),
        (r"gn", "ny"), (r"ch", "sh"), (r"(?<=[aeiou])(?:s|x|t|d)$", ""), (r"(?<=[aeiou])(tt|ss)e$", r"\1"),
        (r"(?<![cpst])h", ""),
    ),
)  # fmt: skip


@lru_cache(maxsize=65_536)
def french_spelling(spelling: str) -> str | None:
    """The spelling as French is heard, when it has a French look (lower-case ASCII), else None."""
    return _said(FRENCH, spelling)


# Latin names as the tongue whose spelling they have says them (each tongue's orthography, as its grammars
# describe it), which other scripts write by ear: a name with a tongue's look is also heard as that tongue reads
# its letters. German: Jaenisch יניש, Loewe Лёве, Neuer Нойер. Polish: Przemyslaw Пшемыслав. Hungarian: Csaba Чаба
# 恰巴, Zsolt Жолт. Spanish: Jaramillo Харамильо חרמיו. Italian: Gnocchi Ньокки 尼奥基. A look is letters only the
# tongue writes so, not letters English names have too: read as Spanish, Hall would be heard as Ali; as Hungarian,
# Emily as Amy; as German, Julie as Юлий (a first j alone, a final ll or ly, an ie, an English tch say nothing).
# Spellings the sound classes already hear alike (sz, sh, z and s; zz and ts; qu and k) are not rewritten.
TONGUES = tuple(
    _tongue(look, rules)
    for look, rules in (
        (  # German
            r"sch|tz|ei|eu|(?<![aeiougqy])[ou]e|ck|pf|dt$|mann$",
            ((r"^j", "y"), (r"ei|ey", "ai"), (r"(?<![ae])ie", "i"), (r"eu", "oi"), (r"(?<![aeiougqy])oe", "yo"),
             (r"(?<![aeiougqy])ue", "yu")),
        ),
        (  # Polish
            r"sz|cz|rz[eioy]|wicz|ws?k[ia]$",
            ((r"ch", "kh"), (r"cz", "ch"), (r"rz", "zh"), (r"w", "v"), (r"j", "y"), (r"c(?![hz])", "ts"),
             (r"ie", "ye")),
        ),
        (  # Hungarian
            r"cs|zs|gy|sz",
            ((r"cs", "ch"), (r"zs", "zh"), (r"cz|c(?![hs])", "ts"), (r"gy", "dy"), (r"ly", "y"), (r"j", "y")),
        ),
        (  # Spanish
            r"^(?=.*(?:[aeiou]|[aeo]s)$).*(?:ll|[aeiou]j)[aeiou]|gu[ei]|ez$",
            ((r"j", "h"), (r"ll", "ly")),
        ),
        (  # Italian: names ending in a vowel
            r"^(?=.*[aeiou]$).*(?:gli|gn|sc[ei]|(?<!t)ch[ei]|gh[ei])",
            ((r"(?<!t)ch", "k"), (r"gli", "ly"), (r"gn", "ny")),
        ),
    )
)  # fmt: skip


@lru_cache(maxsize=65_536)
def tongue_spellings(spelling: str) -> tuple[str, ...]:
    """The spelling as each tongue whose look it has says it (lower-case ASCII), when that differs."""
    heard = (_said(tongue, spelling) for tongue in TONGUES)
    return tuple(dict.fromkeys(said for said in heard if said is not None and said != spelling))


# English says a final ey after a consonant, past a name's first syllable, as an i, which Russian and Chinese write
# so (Harvey Харви, Stanley Стэнли 斯坦利); not in a name of one syllable (Frey Фрей, Rey).
ENGLISH_EY = re.compile(r"[aeiouy][^aeiouy]+ey$")

# Chinese writes a tr or dr before a vowel as one sound as often as as two (Tracy 崔西 cuī xī, Trevor 崔佛; Trump
# 特朗普 tè lǎng pǔ).
TR_AS_CH = re.compile(r"[td]r(?=[aeiouy])")


# A Japanese name in Hepburn's romanisation (every letter in its syllables, kana by kana) as Russian writes it, by
# Polivanov's system, and rigour spells that Cyrillic in Latin letters: Kawashima Кавасима kavasima, Chiaki Тиаки
# tiaki, Junko Дзюнко dzyunko, Yuzuru Юдзуру yudzuru. Only names all of Hepburn's syllables and
# with a letter Polivanov writes otherwise (sh, ch, j, z, w).
HEPBURN = re.compile(r"^(?:(?:[kgsztdnhbpmr]y?|sh|ch|j|ts|f|w|y|kk|ss|tt|pp|tch|ssh)?[aeiou]|n(?![aeiouy]))+$")
POLIVANOV_LOOK = re.compile(r"sh|ch|j|z|w")
POLIVANOV = tuple(
    (re.compile(pattern), sound)
    for pattern, sound in (
        (r"tch", "tt"), (r"sh(?=i)", "s"), (r"sh", "sy"), (r"ch(?=i)", "t"), (r"ch", "ty"), (r"z", "dz"),
        (r"j(?=i)", "dz"), (r"j", "dzy"), (r"w", "v"),
    )
)  # fmt: skip


@lru_cache(maxsize=65_536)
def polivanov_spelling(spelling: str) -> str | None:
    """A Hepburn spelling (lower-case ASCII) as Russian writes the name, romanised again; None for other names."""
    if not POLIVANOV_LOOK.search(spelling) or not HEPBURN.match(spelling):
        return None
    for pattern, sound in POLIVANOV:
        spelling = pattern.sub(sound, spelling)
    return spelling


# A Chinese name in pinyin as other scripts write it by sound: Russian by Palladius's system (Xiaodong Сяодун
# syaodun, Qingyun Цинъюнь tsinyun, Zhiqiang Чжицян chzhitsyan, Xuelian Сюэлянь syuelyan), Arabic and Hebrew with
# the sounds of pinyin's letters (x an sh, q a ch, c a ts). Only names all of pinyin's syllables and with a letter
# read otherwise than in Western names (q, x, zh).
PINYIN = re.compile(
    r"^(?:[jqx](?:iang|iong|iao|ian|ing|ie|iu|in|ia|i|uan|ue|un|u)|(?:zh|ch|sh|[bpmfdtnlgkhrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|iao|ian|uai|uan|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u))+$"
)
PINYIN_LOOK = re.compile(r"[qx]|zh")
PALLADIUS = tuple(
    (re.compile(pattern), sound)
    for pattern, sound in (
        (r"(?<=[jqx])u(?![aeioun])", "yui"), (r"(?<=[jqx])u", "yu"), (r"zh", "ƶ"), (r"(?<=[zcs])i", "y"),
        (r"(?<=[^aeiouyw])uo", "o"), (r"j|z", "tsz"), (r"q|c(?!h)", "ts"), (r"x", "s"),
        (r"(?:^|(?<=[aeiou]))r(?=[aeiou])", "zh"), (r"ƶ", "chzh"), (r"ong", "un"), (r"ng", "n"), (r"iu", "yu"),
        (r"ie", "e"), (r"(?<=[^aeiou])i(?=[aeou])", "y"), (r"you", "yu"), (r"yi", "i"), (r"wu", "u"), (r"w", "v"),
    )
)  # fmt: skip
PINYIN_HEARD = tuple(
    (re.compile(pattern), sound) for pattern, sound in ((r"x", "sh"), (r"q", "ch"), (r"c(?!h)", "ts"), (r"ui", "wei"))
)


@lru_cache(maxsize=65_536)
def pinyin_spelling(spelling: str, reading: Reading) -> str | None:
    """A pinyin spelling (lower-case ASCII) as Cyrillic (`letters`) or an abjad (`consonants`) writes the name,
    romanised again; None for other names and readings."""
    if reading not in ("letters", "consonants") or not PINYIN_LOOK.search(spelling) or not PINYIN.match(spelling):
        return None
    for pattern, sound in PALLADIUS if reading == "letters" else PINYIN_HEARD:
        spelling = pattern.sub(sound, spelling)
    return spelling


def as_read(spelling: str, reading: Reading) -> str:
    """A Latin part's spelling (lower-case ASCII) as its own letters are heard beside another script: the first x of
    a pinyin name as an s, not as the ks of Western names (Xun is not Kasun). Only a first one: Alexie is as much
    pinyin's syllables as Xiaoxia."""
    if reading != "pinyin" and spelling.startswith("x") and PINYIN.match(spelling):
        return spelling.replace("x", "s")
    return spelling


# Cyrillic and Greek write a Latin au before a consonant as av, as Greek said αυ (Augustinus Августин); and a first
# j before a vowel as most tongues but English and Spanish say it, a y (Jaakko Яакко), beside Cyrillic and Greek.
LATIN_AU = re.compile(r"au(?=[^aeiou])")
FIRST_J = re.compile(r"^j(?=[aeiou])")


def other_spellings(spelling: str, reading: Reading) -> tuple[str, ...]:
    """Other ways a Latin part (lower-case ASCII) is said that another script may write by ear: as French and the
    tongues of TONGUES say it, a Japanese or Chinese name as Russian (and a Chinese one as an abjad) writes it, and
    for Chinese a tr or dr as ch."""
    others = [french] if (french := french_spelling(spelling)) else []
    others += tongue_spellings(spelling)
    if ENGLISH_EY.search(spelling):
        others.append(spelling[:-2] + "i")
    if chinese := pinyin_spelling(spelling, reading):
        others.append(chinese)
    if reading == "letters":
        if japanese := polivanov_spelling(spelling):
            others.append(japanese)
        if LATIN_AU.search(spelling):
            others.append(LATIN_AU.sub("av", spelling))
    if reading == "letters" and FIRST_J.search(spelling) and not PINYIN.match(spelling):
        # Not a pinyin or Japanese j (Jun Юнь is Yun), nor beside an abjad: Jasir is not ياسر, Yasir.
        others.append(FIRST_J.sub("y", spelling))
    if reading == "heard_in_pinyin":
        others += [TR_AS_CH.sub("ch", spelled) for spelled in (spelling, *others) if TR_AS_CH.search(spelled)]
    return tuple(others)


# A Latin w before a vowel as the v that German, Polish and Dutch say and Cyrillic, Hebrew and Arabic write (Wolny
# Вольны, Kowalik Ковалик; Hepburn's w as Polivanov writes it).
W_AS_V = re.compile(r"w(?=[aeiouy])")


def written_by_ear(spelling: str) -> tuple[str, ...]:
    """The other spellings a Latin part (lower-case ASCII) is keyed under since store format 11 (node.matching.coarse):
    a Japanese name as Cyrillic writes it by Polivanov's system, a Chinese one by Palladius's and as Hebrew
    writes pinyin's letters, and a w before a vowel as v. Not the readings of whole tongues (French, German…) nor a
    Latin au as av, which scoring hears: as keys they found more records of other names than of the same."""
    heard = (
        polivanov_spelling(spelling),
        pinyin_spelling(spelling, "letters"),
        pinyin_spelling(spelling, "consonants"),
    )
    others = [other for other in heard if other]
    if W_AS_V.search(spelling):
        others.append(W_AS_V.sub("v", spelling))
    return tuple(dict.fromkeys(other for other in others if other != spelling))


@lru_cache(maxsize=65_536)
def respelled(spelling: str) -> tuple[str, ...]:
    """A whole name in lower-case ASCII with its Japanese and Chinese parts as Cyrillic writes them, romanised again
    (Chiaki Kawashima: tiaki kavasima); none when it has no such part. For the cheap look at the letters of
    records that share no key with the query (`node.matching.score.spelled_alike`)."""
    parts = spelling.split()
    heard = [polivanov_spelling(part) or pinyin_spelling(part, "letters") or part for part in parts]
    return (" ".join(heard),) if heard != parts else ()


# Heard in scoring only, not keyed (a store's keys stay those of its format; docs/matching.md). Each is another way
# of saying a part, beside its spelling and never instead of it, so most are heard in any Latin name that has the
# letters (Hamlet is also heard as hamle, Veronica as veronitsa): a reading that fits no name pairs with none.
# - a g before e or i as the hard g of German or English names (Hegel 黑格尔 hēi gé ěr), which an abjad writes غ or
#   ג; the Latin letters read it soft (`node.matching.sounds`). Written as the IPA letter ɡ, which nothing rewrites.
#   Beside Chinese a doubled one too, as one (Jagger 賈格爾 jiǎ gé ěr), but not an Italian ggi before a vowel;
# - an English wh that begins a name as a w (Whitlock 威特洛克 wēi tè luò kè);
# - a French ill after a vowel as a y (Mireille 米雷耶 mǐ léi yē, Мирей; Guillot Гийо), and a French final
#   ier or iers as ye (Perrier Перье, Lhuillier 吕利耶), a final oux as u (Leroux Леру, 勒鲁);
#   and a final et or ais after a consonant as e (Monet Моне 莫奈, Bizet Бизе, Calais Кале); a final ica after a
#   vowel and a consonant as the itsa of Slavic names (Zorica Зорица 佐里察), a final js after a vowel as the
#   й Cyrillic writes for it in Latvian names (Gundijs Гундий; Valdis keeps its s), and a final nh after a vowel as
#   the n of Vietnamese names (Thanh תאן, as Hebrew writes it), beside every script;
# - a first x before a vowel as the z English says, beside an abjad or Chinese (Xanthe زانثي, Xerxes);
# - a first y after consonants and before a, e or i, or an open syllable, as the ai English says (Tyler Тайлер 泰勒
#   تايلر, Byron Байрон 拜伦); not before o or u, where Slavic names write a glide (Lyubomir);
# - a first tr of a Vietnamese syllable (not one ending in y, an English name's) as the ch Cyrillic writes
#   (Truong Чыонг, Trinh Чинь, Tram Чам);
# - a South Slavic name whose ić or vić is written ic (the look: six letters or more ending so) as Serbian and
#   Croatian say it, which other scripts write: its ic as ich, another c as ts, a j before a vowel as y (Jovanovic
#   Йованович 约万诺维奇, Cvijic Цвиич).
SOFT_G = re.compile(r"(?<!g)g(?=[ei])")  # not a doubled one: Italian says it soft
DOUBLED_G = r"gg(?=e|i(?![aeiou]))"
# - beside Chinese, an m that closes a syllable as the n or ng Chinese closes one with (Simpson 辛普森 xīn pǔ sēn,
#   Hampton 漢普頓 hàn pǔ dùn), beside the m it writes as a syllable of its own (姆 mǔ);
CLOSING_M = r"m(?![aeiouym])"
# - beside Chinese, an ng within a name as the n and g it writes with two syllables (Ingolf 英戈尔夫 yīng gē ěr fū,
#   Mingus 明格斯), beside the one sound Latin letters read (ng: n);
SOUNDED_NG = r"ng(?!$)"
# - beside Chinese, a final d or t after a vowel and an r or l as unwritten, as Taiwan's and older transcriptions
#   leave it (Bayard 巴亞 bā yà, Lenhart 倫哈 lún hā), beside the syllable of its own they write too (倫哈特 lún hā tè);
LIQUID_STOP = r"(?<=[aeiouy][rl])[dt]$"
# - beside Chinese, a Dutch tj before a vowel as the ch or j it writes for it (Tjalling 佳林 jiā lín);
DUTCH_TJ = r"(?<!s)tj(?=[aeiouy])"  # not an stj (Kristjan)
FIRST_WH = re.compile(r"^wh")
FRENCH_ILL = re.compile(r"(?:(?<=[ae])|(?<=[^q]u))ill(?=[aeiouy])")  # not a qu (Aquilla)
SPOKEN_ENDINGS = tuple(
    (re.compile(pattern), sound)
    for pattern, sound in (
        (r"(?<=[^aeiou])iers?$", "ye"), (r"(?<=[^aeiou])oux$", "u"), (r"(?<=[^aeiou])(?:et|ais)$", "e"),
        (r"(?<=[aeiou][b-df-hj-np-tv-z])ica$", "itsa"), (r"(?<=[aeiou])js$", "y"), (r"(?<=[aeiouy])nh$", "n"),
    )
)  # fmt: skip
FIRST_X = re.compile(r"^x(?=[aeiouy])")
# - English vowels as Cyrillic and Greek write them by ear: an ea or ee as i (Treece Триз), and the a of a name's one
#   closed syllable, or of one before a doubled consonant and a final y, as e (Tammy Тэмми); a u before a doubled
#   consonant or ck as a (Duffy Даффи, Tucker Такер), a first Mc as Mak (McManus Макманус), and a u before r and a
#   consonant as the ё Cyrillic writes (Turnbull Тёрнбулл).
# - English vowels as Chinese writes them by ear: the u before a doubled consonant or ck as a (Tucker 塔克), a first Mc
#   as mai ke (McManus 麦克马纳斯), a u before r and a consonant as e (Turnbull 特恩布尔).
ENGLISH_U = r"(?<!q)u(?=bb|ck|dd|ff|gg|ll|mm|nn|pp|ss|tt)"  # not a qu's u (Quillan)
ENGLISH_UR = r"(?<!q)u(?=r[^aeiouy])"
ENGLISH_Y = re.compile(r"^([^aeiouy]+)y(?=[aei]|[^aeiouy](?:e$|[aeiou]))")
VIETNAMESE_TR = r"^tr(?=(?:[aeiou]|y(?!$))+(?:n|ng|nh|m|c|ch|p|t)?$)"
# The readings above heard beside one reading only, each a rewrite of its own: the English vowels, the Vietnamese tr
# beside Cyrillic; the doubled g, the closing m and the sounded ng beside Chinese.
HEARD_APART = {
    reading: tuple((re.compile(pattern), sound) for pattern, sound in rules)
    for reading, rules in (
        (
            "letters",
            (
                (r"ea|ee", "i"), (r"^([^aeiou]*)a(?=([b-df-hj-np-tv-z])(?:\2(?:y|ie))?$)", r"\1e"), (ENGLISH_U, "a"),
                (r"^mc", "mak"), (ENGLISH_UR, "yo"), (VIETNAMESE_TR, "ch"),
            ),
        ),
        (
            "heard_in_pinyin",
            (
                (ENGLISH_U, "a"), (r"^mc", "maik"), (ENGLISH_UR, "e"), (DOUBLED_G, "ɡ"), (CLOSING_M, "n"),
                (SOUNDED_NG, "ngg"), (LIQUID_STOP, ""), (DUTCH_TJ, "ch"),
            ),
        ),
    )
}  # fmt: skip
# - a Russian name (the look: letters or endings only Russian names write so) as Chinese writes it by the Russian
#   table: a t or d before a soft vowel as j (Tikhonov 季霍诺夫 jì huò nuò fū, Demidov 杰米多夫), a kh as h; not in
#   other names, whose ti or di Chinese writes with a t (Diana 戴安娜 is not 吉安娜, Gianna).
RUSSIAN_IN_CHINESE = _tongue(
    r"kh|zh|shch|yo|yu|ya(?!$)|(?:[oe]v|ov[ny])a?$|sk(?:y|iy|aya)$|enko$|vich$",
    ((r"(?<![std])[td](?=[ei]|y[aeiou])", "j"), (r"kh", "h")),
)
SOUTH_SLAVIC = _tongue(
    r"^(?=.{6,}$).*(?:[aeiou][b-df-hj-np-tv-z]|v)ic$",
    ((r"c(?!$)", "ts"), (r"ic$", "ich"), (r"j(?=[aeiou])", "y")),
)
# - a j between a vowel and a consonant as the y South Slavic, Czech, Polish and Dutch names say (Mojca Мойца 莫伊察),
#   and in such a name a c as their ts (Bajc Байц 拜茨); English names write no j before a consonant.
SLAVIC_J = _tongue(r"[aeiou]j[b-df-hk-np-tv-z]", ((r"j(?![aeiou])", "y"), (r"c(?![hkz])", "ts")))


def heard_spellings(spelling: str, reading: Reading) -> tuple[str, ...]:
    """The `other_spellings` of a Latin part (lower-case ASCII) and the ways of saying it heard in scoring only."""
    others = list(other_spellings(spelling, reading))
    spellings = (spelling, *others)
    if reading in ("heard_in_pinyin", "consonants"):
        others += [SOFT_G.sub("ɡ", spelled) for spelled in spellings if SOFT_G.search(spelled)]
    if FIRST_WH.search(spelling):
        others += [FIRST_WH.sub("w", spelled) for spelled in spellings if FIRST_WH.search(spelled)]
    if FRENCH_ILL.search(spelling):
        others.append(FRENCH_ILL.sub("y", spelling))
    others += [ending.sub(sound, spelling) for ending, sound in SPOKEN_ENDINGS if ending.search(spelling)]
    for pattern, sound in HEARD_APART.get(reading, ()):
        if (heard := pattern.sub(sound, spelling)) != spelling:
            others.append(heard)
    if ENGLISH_Y.search(spelling):
        others.append(ENGLISH_Y.sub(r"\1ai", spelling))
    others += [said for tongue in (SOUTH_SLAVIC, SLAVIC_J) if (said := _said(tongue, spelling))]
    if reading == "heard_in_pinyin" and (russian := _said(RUSSIAN_IN_CHINESE, spelling)) not in (None, spelling):
        others.append(russian)
    if reading in ("heard_in_pinyin", "consonants") and FIRST_X.search(spelling) and not PINYIN.match(spelling):
        others.append(FIRST_X.sub("z", spelling))
    return tuple(dict.fromkeys(others))
