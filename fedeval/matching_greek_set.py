"""The Greek real-world name-matching set: Wikidata labels of Greek MPs with their real birth dates.

    python -m fedeval.matching_greek_set CSV_PATH   # rebuild tests/data/matching_greek/ from the source text

CSV_PATH holds the text of `data/Greece/Parliament/sources/morph/wikidata.csv` of
github.com/everypolitician/everypolitician-data at SOURCE_COMMIT (or the part of it that was read; its
sha256 goes into README.md so that a rebuild can be checked). Each row is one Wikidata person: Q-id,
labels by language (`name__el`, `name__en`, `name__de`, `name__ru`…) and `birth_date`. Persons, names and
dates are real; only which record of a person goes into the pool, and the hard non-matches, are chosen.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedeval.matching_real_set import FILES as FILES  # the same two files as the real-world set's
from fedeval.matching_real_set import held_out
from fedeval.matching_real_set import load as load_checked
from fedeval.matching_real_set import write as write_set

GREEK_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "matching_greek"
SOURCE_REPOSITORY = "everypolitician/everypolitician-data"
SOURCE_PATH = "data/Greece/Parliament/sources/morph/wikidata.csv"
SOURCE_COMMIT = "001f0cf4495172316cd0d3ce5c14cc408f2aade6"
# Latin-script labels, English first: the query of `latin_to_greek` and the record of `greek_to_latin`.
LATIN_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "cs", "sv", "fi", "hu", "pt", "ca", "tr", "id")
CYRILLIC_LANGUAGES = ("ru", "uk", "bg", "sr", "sr_ec", "mk")
FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?$")
GREEK = re.compile(r"^[\u0370-\u03ff\u1f00-\u1fff .'-]+$")
CYRILLIC = re.compile(r"^[\u0400-\u04ff .'-]+$")
SEED = 18
LATIN_RECORD_SHARE = 0.25  # persons whose pool record is their English label (`greek_to_latin`)
CYRILLIC_RECORD_SHARE = 0.25  # of those with a Cyrillic label: their pool record is in Cyrillic


@dataclass(frozen=True)
class Person:
    id: str
    greek: str
    latin: dict[str, str]  # language → label
    cyrillic: dict[str, str]
    birth_date: str

    @property
    def full_date(self) -> bool:
        return bool(FULL_DATE.match(self.birth_date))

    def distinct_latin(self) -> dict[str, str]:
        """Each Latin spelling once, under the first language (in LATIN_LANGUAGES order) that writes it."""
        seen: dict[str, str] = {}
        for lang, label in self.latin.items():
            seen.setdefault(label, lang)
        return {lang: label for label, lang in seen.items()}


def _is_latin(label: str) -> bool:
    return all(ch in " .'-" or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")) for ch in label) and any(
        ch.isalpha() for ch in label
    )


def _usable(label: str) -> bool:
    return bool(label.strip()) and "(" not in label and "," not in label


def read_persons(text: str) -> list[Person]:
    """Persons with a Greek label and a birth date (a full one, or a year or month only), in Q-id order."""
    persons = []
    for row in csv.DictReader(io.StringIO(text)):
        greek = row.get("name__el", "").strip()
        birth = (row.get("birth_date") or "").strip()
        if not (_usable(greek) and GREEK.match(greek) and (FULL_DATE.match(birth) or PARTIAL_DATE.match(birth))):
            continue
        latin = {
            lang: label
            for lang in LATIN_LANGUAGES
            if _usable(label := (row.get(f"name__{lang}") or "").strip()) and _is_latin(label)
        }
        cyrillic = {
            lang: label
            for lang in CYRILLIC_LANGUAGES
            if _usable(label := (row.get(f"name__{lang}") or "").strip()) and CYRILLIC.match(label)
        }
        persons.append(Person(row["id"], greek, latin, cyrillic, birth))
    return sorted(persons, key=lambda person: (len(person.id), person.id))


def _record(person: Person, suffix: str, name: str) -> dict[str, Any]:
    return {
        "id": f"{person.id}-{suffix}",
        "schema": "Person",
        "properties": {"name": [name], "birthDate": [person.birth_date]},
    }


def _query(person: Person, name: str) -> dict[str, list[str]]:
    # A year or month alone is not a birth date to search with: the query goes without one.
    return {"name": [name], "birthDate": [person.birth_date]} if person.full_date else {"name": [name]}


def _case(person: Person, category: str, script: str, name: str, target: str, lang: str) -> dict[str, Any]:
    return {
        "id": f"{category}-{person.id}-{lang}",
        "category": category,
        "script": script,
        "kind": "match",
        "split": "held_out" if held_out(person.id) else "tune",
        "date": "full" if person.full_date else "partial",
        "query": _query(person, name),
        "target": target,
    }


def build(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    persons = read_persons(text)
    rng = random.Random(SEED)
    order = list(persons)
    rng.shuffle(order)
    with_english = [p for p in order if "en" in p.latin]
    in_latin = {p.id for p in with_english[: round(len(with_english) * LATIN_RECORD_SHARE)]}
    with_cyrillic = [p for p in order if p.cyrillic and p.latin and p.id not in in_latin]
    in_cyrillic = {p.id for p in with_cyrillic[: round(len(with_cyrillic) * CYRILLIC_RECORD_SHARE)]}
    pool: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    greek_targets: list[Person] = []
    for person in persons:
        if person.id in in_latin:
            # Its English record is the target of the Greek query and a distractor for every Latin one.
            record = _record(person, "en", person.latin["en"])
            pool.append(record)
            cases.append(_case(person, "greek_to_latin", "greek", person.greek, record["id"], "el"))
        elif person.id in in_cyrillic:
            lang = next(iter(person.cyrillic))
            record = _record(person, lang, person.cyrillic[lang])
            pool.append(record)
            for latin_lang, label in person.distinct_latin().items():
                cases.append(_case(person, "latin_to_cyrillic", f"cyrillic_{lang}", label, record["id"], latin_lang))
        else:
            record = _record(person, "el", person.greek)
            pool.append(record)
            greek_targets.append(person)
            for latin_lang, label in person.distinct_latin().items():
                cases.append(_case(person, "latin_to_greek", "greek", label, record["id"], latin_lang))
    cases += _siblings(greek_targets, persons, rng)
    return pool, cases


def _siblings(targets: list[Person], persons: list[Person], rng: random.Random) -> list[dict[str, Any]]:
    """Hard non-matches: another person's given name with a Greek-record person's family name and full
    birth date, in Latin. Both name parts are real Wikidata labels; the person is not in the pool."""
    given_names = sorted({p.latin["en"].split()[0] for p in persons if "en" in p.latin and " " in p.latin["en"]})
    taken = {p.latin["en"].lower() for p in persons if "en" in p.latin}
    cases = []
    for near in targets:
        english = near.latin.get("en", "")
        if not near.full_date or " " not in english or not given_names:
            continue
        own_given, family = english.split()[0], english.split()[-1]
        candidates = [g for g in given_names if g != own_given and f"{g} {family}".lower() not in taken]
        if not candidates:
            continue
        name = f"{rng.choice(candidates)} {family}"
        cases.append(
            {
                "id": f"sibling-{near.id}",
                "category": "sibling",
                "script": "greek",
                "kind": "non_match",
                "split": "held_out" if held_out(near.id) else "tune",
                "date": "full",
                "query": {"name": [name], "birthDate": [near.birth_date]},
                "near": f"{near.id}-el",
            }
        )
    return cases


def write(pool: list[dict[str, Any]], cases: list[dict[str, Any]], directory: Path = GREEK_DIR) -> None:
    """The set's files and their SHA256SUMS, written as the real-world set's are."""
    write_set(pool, cases, directory)


def load(directory: Path = GREEK_DIR) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pool and the cases, after checking each file against SHA256SUMS (ChecksumError if not)."""
    return load_checked(directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv_path", type=Path, help=f"the text of {SOURCE_PATH} in {SOURCE_REPOSITORY}")
    args = parser.parse_args()
    text = args.csv_path.read_text(encoding="utf-8")
    pool, cases = build(text)
    write(pool, cases)
    source_sha256 = hashlib.sha256(text.encode()).hexdigest()
    print(f"{len(pool)} pool records, {len(cases)} cases written to {GREEK_DIR}; source sha256 {source_sha256}")


if __name__ == "__main__":
    main()
