"""The Chinese-romanisation real-world set: legislators' names in Chinese characters beside their own Latin spelling.

    python -m fedeval.matching_romanised_set   # rebuild tests/data/matching_romanised/ from its extracts

The extracts in tests/data/matching_romanised/extract/ hold, for the members of five legislatures (Hong
Kong, Macao, Taiwan, Singapore, Malaysia), the Wikidata Q-id, the Chinese label, the Latin label, a longer
Latin label where the same row has one, and the birth date, as EveryPolitician collected them from
Wikidata. Each extract's header names the file and commit it was read from and what was left out. Persons,
names and dates are real; only the hard non-matches are composed. How the set is made: README.md beside
the data.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedeval.matching_real_set import FILES as FILES  # the files the set is made of, as the real-world set
from fedeval.matching_real_set import load as load_checked
from fedeval.matching_real_set import write as write_set

ROMANISED_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "matching_romanised"
EXTRACT_DIR = ROMANISED_DIR / "extract"
SOURCE_REPOSITORY = "everypolitician/everypolitician-data"


@dataclass(frozen=True)
class Source:
    extract: str
    category: str  # the romanisation, named by where the legislature sits, never by the spelling
    split: str
    path: str
    commit: str


SOURCES = (
    Source(
        "hk_legco.tsv",
        "cantonese",
        "tune",
        "data/Hong_Kong/Legislative_Council/sources/morph/wikidata.csv",
        "01dfef4db72ff1b7a85f814b50c22a13b02474fc",
    ),
    Source(
        "macao_assembly.tsv",
        "cantonese",
        "tune",
        "data/Macao/Assembly/sources/morph/wikidata.csv",
        "0ece9582fedf740d86789c2f56a1cce1c7061b9d",
    ),
    Source(
        "tw_legislative_yuan.tsv",
        "wade_giles",
        "tune",
        "data/Taiwan/Legislative_Yuan/sources/morph/wikidata.csv",
        "0099c20c64d4f023027da9c4709a2c160f4f7e7a",
    ),
    Source(
        "sg_parliament.tsv",
        "singapore",
        "tune",
        "data/Singapore/Parliament/sources/morph/wikidata.csv",
        "004c12dc6bf096a42d0e5183426dcadbe2ce29c1",
    ),
    # Nobody had looked at these rows while the matcher's Chinese readings were written: they stay held out.
    Source(
        "my_dewan_rakyat.tsv",
        "malaysian",
        "held_out",
        "data/Malaysia/Dewan_Rakyat/sources/morph/wikidata.csv",
        "ae3de6c6b332a71d4ca6de58706f4bd926488eb5",
    ),
)
CATEGORIES = ("cantonese", "wade_giles", "singapore", "malaysian")
FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?$")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# "黄志明（新加坡）": Wikipedia's disambiguator is no part of the name.
DISAMBIGUATOR = re.compile(r"[（(][^）)]*[）)]")
SEED = 18


@dataclass(frozen=True)
class Person:
    id: str
    category: str
    split: str
    chinese: str
    latin: str  # the longer Latin label where the row has one, else the Latin label
    short_latin: str  # the Latin label itself
    birth_date: str  # as the source writes it: YYYY-MM-DD, YYYY-MM, YYYY or empty

    @property
    def date(self) -> str:
        if FULL_DATE.match(self.birth_date):
            return "full"
        return "partial" if self.birth_date else "none"

    @property
    def tokens(self) -> list[str]:
        return self.latin.split()

    @property
    def western_given(self) -> str | None:
        """The first Latin word when it is a Western given name beside the Chinese name, found from the
        shape of the name alone: the Latin name has more syllables than the Chinese name has characters
        ("Kenneth Chan Ka-lok" for 陳家洛), or it is two words with fewer syllables than characters
        ("Nathan Law" for 羅冠聰). A hyphenated first word is a Chinese given name ("Chin-piao Yen")."""
        tokens = self.tokens
        if len(tokens) < 2 or "-" in tokens[0]:
            return None
        syllables = sum(len(token.split("-")) for token in tokens)
        characters = len(HAN.findall(self.chinese))
        if syllables > characters or (syllables < characters and len(tokens) == 2):
            return tokens[0]
        return None


def clean_chinese(label: str) -> str:
    """The Chinese name alone: without a disambiguator, an honorific (白振華先生) or a stray comma (陳修信,)."""
    return DISAMBIGUATOR.sub("", label).strip(" ,，").removesuffix("先生").strip()


def _is_latin(label: str) -> bool:
    return all(ch in " .'-" or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")) for ch in label) and any(
        ch.isalpha() for ch in label
    )


def read_extract(source: Source, directory: Path = EXTRACT_DIR) -> list[Person]:
    persons = []
    for number, line in enumerate((directory / source.extract).read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#") or not line.strip():
            continue
        qid, chinese, latin, birth_date, longer = (line.split("\t") + [""] * 5)[:5]
        where = f"{source.extract} line {number}"
        name = clean_chinese(chinese)
        if not re.fullmatch(r"Q\d+", qid):
            raise ValueError(f"{where}: {qid!r} is not a Wikidata Q-id")
        if not (2 <= len(name) <= 4 and len(HAN.findall(name)) == len(name)):
            raise ValueError(f"{where}: {chinese!r} is not a Chinese name of two to four characters")
        if not (_is_latin(latin) and (not longer or _is_latin(longer))):
            raise ValueError(f"{where}: {latin!r} / {longer!r} is not a Latin-script name")
        # The longer label must say the same name and more of it: "Jasper Tsang" -> "Jasper Tsang Yok-sing".
        if longer and (f" {latin} " not in f" {longer} " or len(longer) <= len(latin)):
            raise ValueError(f"{where}: {longer!r} does not extend {latin!r}")
        if birth_date and not (FULL_DATE.match(birth_date) or PARTIAL_DATE.match(birth_date)):
            raise ValueError(f"{where}: {birth_date!r} is not a birth date")
        persons.append(Person(qid, source.category, source.split, name, longer or latin, latin, birth_date))
    return persons


def read_persons(directory: Path = EXTRACT_DIR) -> list[Person]:
    """Every person of every extract, in the order of SOURCES and of each extract's rows."""
    persons = [person for source in SOURCES for person in read_extract(source, directory)]
    seen: set[str] = set()
    for person in persons:
        if person.id in seen:
            raise ValueError(f"{person.id} is in the extracts twice: a person is in the set once")
        seen.add(person.id)
    return persons


def family_positions(persons: list[Person]) -> dict[str, int]:
    """Which word of each person's Latin name is the family name.

    Most names start with it ("Lo Wai-kwok", "Lee Kuan Yew"). A name that starts with a Western given name or
    a hyphenated Chinese one may have it anywhere after: there the family name is the word that persons whose
    Chinese name starts with the same character write first ("Omar Yoke Lin Ong" for 翁毓麟: Ong Tee Keat is
    翁诗杰), else the word after the Western given name ("Kenneth Chan Ka-lok"), or the last word after a
    hyphenated given name ("Chin-piao Yen")."""
    spellings: dict[str, set[str]] = {}
    positions: dict[str, int] = {}
    for person in persons:
        if person.western_given is None and "-" not in person.tokens[0]:
            positions[person.id] = 0
            spellings.setdefault(person.chinese[0], set()).add(person.tokens[0].casefold())
    for person in persons:
        if person.id in positions:
            continue
        tokens = person.tokens
        start = 1 if person.western_given else 0
        candidates = [i for i in range(start, len(tokens)) if "-" not in tokens[i]]
        known = spellings.get(person.chinese[0], set())
        corroborated = [i for i in candidates if tokens[i].casefold() in known]
        if corroborated:
            positions[person.id] = corroborated[0]
        elif person.western_given:
            positions[person.id] = 1
        else:
            positions[person.id] = len(tokens) - 1
    return positions


def _letters(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalpha())


def record_id(person: Person) -> str:
    return f"{person.id}-zh"


def _record(person: Person) -> dict[str, Any]:
    # A year or a month alone stays on the record, as the source has it; only queries leave it out.
    properties = {"name": [person.chinese]}
    if person.birth_date:
        properties["birthDate"] = [person.birth_date]
    return {"id": record_id(person), "schema": "Person", "properties": properties}


def _match(person: Person) -> dict[str, Any]:
    query = {"name": [person.latin]}
    if person.date == "full":
        query["birthDate"] = [person.birth_date]
    return {
        "id": f"latin_to_han-{person.id}",
        "category": person.category,
        "kind": "match",
        "split": person.split,
        "date": person.date,
        "query": query,
        "target": record_id(person),
        "western_given": person.western_given is not None,
    }


def _siblings(persons: list[Person], rng: random.Random) -> list[dict[str, Any]]:
    """Hard non-matches: another person's Latin name with its family name replaced by this person's, and this
    person's full birth date. The other person is of the same romanisation and of the same shape (a Western
    given name or none), so the given name is spelled as this person's own would be; the name composed is
    the name of no person in the source."""
    family = family_positions(persons)
    taken = {_letters(name) for person in persons for name in (person.latin, person.short_latin)}

    def given(person: Person) -> str:
        return _letters(" ".join(t for i, t in enumerate(person.tokens) if i != family[person.id]))

    cases = []
    for near in persons:
        if near.date != "full":
            continue
        near_family = near.tokens[family[near.id]]
        donors = [
            p
            for p in persons
            if p.category == near.category
            and p.id != near.id
            and (p.western_given is None) == (near.western_given is None)
            and given(p) != given(near)
        ]
        for donor in rng.sample(donors, len(donors)):
            words = list(donor.tokens)
            words[family[donor.id]] = near_family
            name = " ".join(words)
            if _letters(name) in taken:
                continue
            taken.add(_letters(name))
            cases.append(
                {
                    "id": f"sibling-{near.id}",
                    "category": near.category,
                    "kind": "non_match",
                    "split": near.split,
                    "date": "full",
                    "query": {"name": [name], "birthDate": [near.birth_date]},
                    "near": record_id(near),
                    "western_given": donor.western_given is not None,
                }
            )
            break
    return cases


def build(directory: Path = EXTRACT_DIR) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pool (one record per person: the Chinese label) and the cases (each person's Latin name searching
    it, then the hard non-matches)."""
    persons = read_persons(directory)
    pool = [_record(person) for person in persons]
    cases = [_match(person) for person in persons] + _siblings(persons, random.Random(SEED))
    return pool, cases


def write(pool: list[dict[str, Any]], cases: list[dict[str, Any]], directory: Path = ROMANISED_DIR) -> None:
    """The set's files and their SHA256SUMS, written as the real-world set's are."""
    write_set(pool, cases, directory)


def load(directory: Path = ROMANISED_DIR) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pool and the cases, after checking each file against SHA256SUMS (ChecksumError if not)."""
    return load_checked(directory)


def main() -> None:
    pool, cases = build()
    write(pool, cases)
    print(f"{len(pool)} pool records, {len(cases)} cases written to {ROMANISED_DIR}")


if __name__ == "__main__":
    main()
