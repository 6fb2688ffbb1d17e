"""The real-world name-matching set: name parts as Wikidata editors wrote them, composed into searchable people.

    python -m fedeval.matching_real_set GIT_DIR   # rebuild tests/data/matching_real/ from a fetched source

GIT_DIR is a git directory of github.com/steveash/NETransliteration-COLING2018 at SOURCE_COMMIT: the
English→Russian, Hebrew, Arabic and Chinese personal-name dictionaries that Merhav and Ash (COLING 2018)
mined from Wikidata labels (CC0, `data/LICENSE`). Each entry is one name part and its spelling in the
other script, as written on Wikidata. People are composed from two such parts (a frequent one as the
given name, a rarer one as the family name) with an assigned birth date: the spellings are real, the
people and their dates are not (the source has neither). How the set is made: README.md beside the data.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import icu  # type: ignore[import-untyped]

REAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "matching_real"
SOURCE_REPOSITORY = "steveash/NETransliteration-COLING2018"
SOURCE_COMMIT = "5d5f59e561ecea45a6d3602121e1049baa7a76c3"
# The source's 80/20 slices together are its whole dictionary (the unsliced files are too large to fetch).
SOURCE_FILES = {
    "cyrillic": ("data/wd_russian_80", "data/wd_russian_20"),
    "hebrew": ("data/wd_hebrew_80", "data/wd_hebrew_20"),
    "arabic": ("data/wd_arabic_80", "data/wd_arabic_20"),
    "chinese": ("data/wd_chinese_80", "data/wd_chinese_20"),
}
SCRIPT_PATTERN = {
    "cyrillic": re.compile(r"^[\u0400-\u04ff]+$"),
    "hebrew": re.compile(r"^[\u05d0-\u05ea\u05f0-\u05f4'\u05f3]+$"),
    "arabic": re.compile(r"^[\u0621-\u064a\u0671-\u06d3]+$"),
    "chinese": re.compile(r"^[\u4e00-\u9fff]+$"),
}
# Scripts as reported: Chinese splits into its two written forms.
SCRIPTS = ("cyrillic", "hebrew", "arabic", "chinese_simplified", "chinese_traditional")
ID_PREFIX = {"cyrillic": "cy", "hebrew": "he", "arabic": "ar", "chinese_simplified": "zs", "chinese_traditional": "zt"}
LATIN = re.compile(r"^[a-z]{2,}$")
SEED = 18
TARGETS_PER_SCRIPT = 600  # Latin query → record in the other script
REVERSED_PER_SCRIPT = 150  # query in the other script → Latin record
NON_MATCHES_PER_SCRIPT = 150
POOL_SIZE = 20_000
GIVEN_SHARE = 0.15  # the most frequent parts serve as given names
HELD_OUT_SHARE = 0.5
FILES = ("pool.jsonl.gz", "cases.jsonl.gz")


@dataclass(frozen=True)
class Part:
    latin: str
    native: str
    count: int


@dataclass(frozen=True)
class Person:
    id: str
    script: str
    given: Part
    family: Part
    birth_date: str

    def latin_name(self) -> str:
        return f"{self.given.latin.title()} {self.family.latin.title()}"

    def native_name(self) -> str:
        # Wikidata writes foreign names in Chinese with a middle dot between the parts.
        joiner = "·" if self.script.startswith("chinese") else " "
        return f"{self.given.native}{joiner}{self.family.native}"


def read_parts(git_dir: Path, script: str) -> list[Part]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for path in SOURCE_FILES[script]:
        text = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{SOURCE_COMMIT}:{path}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in text.splitlines():
            fields = line.split("\t")
            if len(fields) != 3:
                continue
            latin, native = fields[0].strip(), fields[1].replace(" ", "").strip()
            if LATIN.match(latin) and SCRIPT_PATTERN[script].match(native):
                counts[(latin, native)] += int(fields[2]) if fields[2].strip().isdigit() else 1
    return sorted((Part(latin, native, count) for (latin, native), count in counts.items()), key=_part_order)


def _part_order(part: Part) -> tuple[int, str, str]:
    return (-part.count, part.latin, part.native)


_TO_TRADITIONAL = icu.Transliterator.createInstance("Hans-Hant")
_TO_SIMPLIFIED = icu.Transliterator.createInstance("Hant-Hans")


def chinese_form(text: str) -> str | None:
    """'simplified' or 'traditional' where the characters say which, None where both forms are alike."""
    simplified, traditional = _TO_SIMPLIFIED.transliterate(text), _TO_TRADITIONAL.transliterate(text)
    if text == simplified != traditional:
        return "simplified"
    if text == traditional != simplified:
        return "traditional"
    return None


def split_chinese(parts: list[Part]) -> dict[str, list[Part]]:
    forms: dict[str, list[Part]] = {"chinese_simplified": [], "chinese_traditional": []}
    for part in parts:
        form = chinese_form(part.native)
        if form is None:  # alike in both forms: usable in either
            forms["chinese_simplified"].append(part)
            forms["chinese_traditional"].append(part)
        else:
            forms[f"chinese_{form}"].append(part)
    return forms


def _birth_date(rng: random.Random) -> str:
    return (date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 62))).isoformat()


def held_out(entity_id: str) -> bool:
    return int(hashlib.sha256(entity_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < HELD_OUT_SHARE


def compose(script: str, parts: list[Part], count: int, rng: random.Random) -> list[Person]:
    """`count` people of distinct names, a given name from the frequent parts and a family name from the rest."""
    # Chinese parts that are written alike in both forms count for both: a person is of a form when one of
    # its parts is written in that form only.
    given_cut = max(20, int(len(parts) * GIVEN_SHARE))
    given, family = parts[:given_cut], parts[given_cut:]
    people: list[Person] = []
    seen: set[tuple[str, str]] = set()
    while len(people) < count:
        first, last = rng.choice(given), rng.choice(family)
        if (first.latin, last.latin) in seen or first.latin == last.latin:
            continue
        if script.startswith("chinese") and chinese_form(first.native + last.native) != script.split("_")[1]:
            continue
        seen.add((first.latin, last.latin))
        people.append(Person(f"{ID_PREFIX[script]}{len(people):05d}", script, first, last, _birth_date(rng)))
    return people


def record(person: Person, *, latin: bool) -> dict[str, Any]:
    name = person.latin_name() if latin else person.native_name()
    suffix = "l" if latin else "n"
    return {
        "id": f"{person.id}{suffix}",
        "schema": "Person",
        "properties": {"name": [name], "birthDate": [person.birth_date]},
    }


def build(git_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(SEED)
    by_script: dict[str, list[Part]] = {}
    for script in SOURCE_FILES:
        parts = read_parts(git_dir, script)
        if script == "chinese":
            by_script.update(split_chinese(parts))
        else:
            by_script[script] = parts
    per_script = (POOL_SIZE - len(SCRIPTS) * NON_MATCHES_PER_SCRIPT) // len(SCRIPTS)
    pool: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    for script in SCRIPTS:
        parts = by_script[script]
        people = compose(script, parts, per_script + NON_MATCHES_PER_SCRIPT, rng)
        people, outsiders = people[:per_script], people[per_script:]
        targets = people[:TARGETS_PER_SCRIPT]
        reversed_targets = people[TARGETS_PER_SCRIPT : TARGETS_PER_SCRIPT + REVERSED_PER_SCRIPT]
        # Pool: the targets in their own script, the reversed targets in Latin, the rest (distractors from
        # the same dictionary) half in each.
        for index, person in enumerate(people):
            in_latin = person in reversed_targets or (index >= len(targets) + len(reversed_targets) and index % 2)
            pool.append(record(person, latin=bool(in_latin)))
        for person in targets:
            cases.append(_match(person, f"{script}/latin_to_native", latin_query=True))
        for person in reversed_targets:
            cases.append(_match(person, f"{script}/native_to_latin", latin_query=False))
        cases += _siblings(script, targets, outsiders, parts, rng)
    return pool, cases


def _match(person: Person, category: str, *, latin_query: bool) -> dict[str, Any]:
    target = record(person, latin=not latin_query)["id"]
    name = person.latin_name() if latin_query else person.native_name()
    return {
        "id": f"{category}-{person.id}",
        "category": category,
        "script": person.script,
        "kind": "match",
        "split": "held_out" if held_out(person.id) else "tune",
        "query": {"name": [name], "birthDate": [person.birth_date]},
        "target": target,
    }


def _siblings(
    script: str, targets: list[Person], outsiders: list[Person], parts: list[Part], rng: random.Random
) -> list[dict[str, Any]]:
    """Hard non-matches: a target's family name and birth date with another real given name, searched in Latin."""
    taken = {(p.given.latin, p.family.latin) for p in targets}
    cases = []
    for index, outsider in enumerate(outsiders):
        near = targets[index * 3 % len(targets)]
        given = outsider.given
        while given.latin == near.given.latin or (given.latin, near.family.latin) in taken:
            given = rng.choice(parts[:50])
        sibling = Person(outsider.id, script, given, near.family, near.birth_date)
        cases.append(
            {
                "id": f"{script}/sibling-{outsider.id}",
                "category": f"{script}/sibling",
                "script": script,
                "kind": "non_match",
                "split": "held_out" if held_out(near.id) else "tune",
                "query": {"name": [sibling.latin_name()], "birthDate": [sibling.birth_date]},
                "near": record(near, latin=False)["id"],
            }
        )
    return cases


def _write_jsonl_gz(path: Path, rows: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)
    # mtime=0: the same rows make the same bytes, so the checksum is reproducible.
    path.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(pool: list[dict[str, Any]], cases: list[dict[str, Any]], directory: Path = REAL_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    _write_jsonl_gz(directory / "pool.jsonl.gz", pool)
    _write_jsonl_gz(directory / "cases.jsonl.gz", cases)
    sums = "".join(f"{sha256_of(directory / name)}  {name}\n" for name in FILES)
    (directory / "SHA256SUMS").write_text(sums)


class ChecksumError(Exception):
    """A data file of the real-world set is not the one its SHA256SUMS names."""


def load(directory: Path = REAL_DIR) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pool and the cases, after checking each file against SHA256SUMS."""
    expected: dict[str, str] = {}
    for line in (directory / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        expected[name] = digest
    for name in FILES:
        if sha256_of(directory / name) != expected.get(name):
            raise ChecksumError(f"{directory / name} does not match its checksum in SHA256SUMS")
    rows = [
        [json.loads(line) for line in gzip.decompress((directory / name).read_bytes()).decode().splitlines()]
        for name in FILES
    ]
    return rows[0], rows[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("git_dir", type=Path, help=f"a git directory of {SOURCE_REPOSITORY}")
    args = parser.parse_args()
    pool, cases = build(args.git_dir)
    write(pool, cases)
    print(f"{len(pool)} pool records, {len(cases)} cases written to {REAL_DIR}")


if __name__ == "__main__":
    main()
