"""The matching evaluation set: a pool of Person records and the cases searched against it.

    python -m fedeval.matching_set        # writes tests/data/matching/cases.jsonl (the pool is rebuilt from the seed)

The pool (100,000 FollowTheMoney Person entities in Latin, Cyrillic, Greek, Arabic, Hebrew and Chinese
script) is a pure function of SEED: `pool()` rebuilds it identically, so only the cases are stored.
Each case is a query an investigator would type for a pool record (a match), or a near miss of one
whose name no pool record carries (a hard non-match). See tests/data/matching/README.md.
"""

from __future__ import annotations

import hashlib
import json
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rigour.text.distance import levenshtein
from rigour.text.translit import ascii_text

from fedeval.matching_names import (
    ARABIC,
    CHINESE_FAMILY,
    CHINESE_GIVEN,
    FRENCH,
    GERMAN,
    GREEK,
    HEBREW,
    PATRONYMIC_STEMS,
    RUSSIAN,
    SPANISH,
    UNUSED,
    NameBook,
)

SEED = 20261128
POOL_SIZE = 100_000
DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "matching"
ORIGINS = [
    ("ru", 0.18),
    ("ar", 0.15),
    ("he", 0.08),
    ("zh", 0.12),
    ("el", 0.10),
    ("es", 0.10),
    ("de", 0.12),
    ("fr", 0.15),
]
BOOKS: dict[str, NameBook] = {
    "ru": RUSSIAN,
    "ar": ARABIC,
    "he": HEBREW,
    "el": GREEK,
    "es": SPANISH,
    "de": GERMAN,
    "fr": FRENCH,
}
POSITIVE_CATEGORIES = {
    "cyrillic_to_latin": 80,
    "latin_to_cyrillic": 60,
    "greek": 70,
    "arabic": 90,
    "hebrew": 70,
    "chinese_pinyin": 70,
    "chinese_wade_giles": 70,
    "diacritics": 70,
    "token_order": 60,
    "double_surname": 60,
    "patronymic": 60,
    "given_variant": 70,
    "initials": 50,
    "typo_one": 70,
    "typo_two": 60,
    "birth_date_swapped": 50,
}
NEGATIVE_CATEGORIES = {"other_given_name": 560, "other_family_name": 560}


@dataclass(frozen=True)
class Identity:
    """How a pool record was made, so that cases can be written for it."""

    id: str
    origin: str
    gender: str
    given: tuple[str, list[str]]  # native, Latin spellings
    family: tuple[str, list[str]]
    second_family: tuple[str, list[str]] | None
    patronymic: str | None
    given_chars: list[tuple[str, list[str]]]  # Chinese given-name characters (pinyin, Wade–Giles)
    stored_name: str
    alias: str | None
    birth_date: str


def _feminine_russian(family: str) -> str:
    return family + "а" if family.endswith(("ов", "ев", "ёв", "ин")) else family


def _name(rng: random.Random, origin: str) -> Identity:
    gender = rng.choice(["male", "female"])
    patronymic: str | None = None
    second: tuple[str, list[str]] | None = None
    chars: list[tuple[str, list[str]]] = []
    alias: str | None = None
    if origin == "zh":
        family = rng.choice(CHINESE_FAMILY)
        chars = [rng.choice(CHINESE_GIVEN) for _ in range(1 if rng.random() < 0.3 else 2)]
        given = ("".join(c[0] for c in chars), ["".join(c[1][0] for c in chars)])
        stored = family[0] + given[0]
        if rng.random() < 0.3:
            alias = f"{family[1][0]} {given[1][0].capitalize()}"
    else:
        book = BOOKS[origin]
        given = rng.choice(book.female if gender == "female" else book.male)
        family = rng.choice(book.family)
        if origin == "ru":
            if gender == "female":
                family = (_feminine_russian(family[0]), [_feminine_russian_latin(v) for v in family[1]])
            if rng.random() < 0.6:
                # Сергеев -> Сергеевич / Сергеевна
                patronymic = rng.choice(PATRONYMIC_STEMS) + ("на" if gender == "female" else "ич")
        if origin == "es":
            second = rng.choice(book.family)
        parts = [given[0], *([patronymic] if patronymic else []), family[0], *([second[0]] if second else [])]
        stored = " ".join(parts)
        if origin == "ru" and rng.random() < 0.25:
            stored = ascii_text(stored)  # a Russian person recorded in a Latin-script country
        elif book.script != "Latin" and rng.random() < 0.3:
            alias = " ".join([given[1][0], family[1][0]])
    return Identity("", origin, gender, given, family, second, patronymic, chars, stored, alias, "")


def _feminine_russian_latin(latin: str) -> str:
    return latin + "a" if latin.endswith(("ov", "ev", "yov", "in")) else latin


def _birth_date(rng: random.Random) -> str:
    return (date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 60))).isoformat()


def _key(text: str) -> str:
    return " ".join(sorted(ascii_text(text).lower().replace("-", " ").split()))


def pool(seed: int = SEED, size: int = POOL_SIZE) -> list[Identity]:
    """The pool, rebuilt identically from the seed."""
    rng = random.Random(seed)
    origins, weights = zip(*ORIGINS, strict=True)
    seen: set[tuple[str, str]] = set()
    people: list[Identity] = []
    while len(people) < size:
        origin = rng.choices(origins, weights)[0]
        identity = _name(rng, origin)
        born = _birth_date(rng)
        key = (_key(identity.stored_name), born)
        if key in seen:
            continue
        seen.add(key)
        people.append(
            Identity(
                f"m{len(people):06d}", origin, identity.gender, identity.given, identity.family, identity.second_family,
                identity.patronymic, identity.given_chars, identity.stored_name, identity.alias, born,
            )
        )  # fmt: skip
    return people


def entity(person: Identity) -> dict[str, Any]:
    properties: dict[str, list[str]] = {
        "name": [person.stored_name],
        "birthDate": [person.birth_date],
        "gender": [person.gender],
    }
    if person.alias:
        properties["alias"] = [person.alias]
    return {"id": person.id, "schema": "Person", "properties": properties}


def pool_digest(people: list[Identity]) -> str:
    digest = hashlib.sha256()
    for person in people:
        digest.update(json.dumps(entity(person), ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()


# --- queries -------------------------------------------------------------------------------------


def strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def german_transliteration(text: str) -> str:
    for umlaut, replacement in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
        ("ß", "ss"),
    ):
        text = text.replace(umlaut, replacement)
    return text


def typo(rng: random.Random, word: str) -> str:
    """One edit: a substitution, a deletion, an insertion or two neighbours swapped (never the first letter)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    position = rng.randrange(1, len(word))
    kind = rng.choice(["substitute", "delete", "insert", "swap"])
    if kind == "substitute":
        return word[:position] + rng.choice(letters.replace(word[position].lower(), "")) + word[position + 1 :]
    if kind == "delete":
        return word[:position] + word[position + 1 :]
    if kind == "insert":
        return word[:position] + rng.choice(letters) + word[position:]
    position = min(position, len(word) - 2)
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]


def latin_name(person: Identity, rng: random.Random, variants: bool = True) -> str:
    """The person's name as a Latin-script investigator would write it."""
    pick = rng.choice if variants else (lambda spellings: spellings[0])
    if person.origin == "zh":
        return f"{person.family[1][0]} {person.given[1][0].capitalize()}"
    parts = [pick(person.given[1]), pick(person.family[1])]
    if person.second_family:
        parts.append(person.second_family[1][0])
    return " ".join(parts)


def _query(
    name: str, person: Identity, rng: random.Random, with_date: float = 1.0, birth_date: str | None = None
) -> dict[str, list[str]]:
    query = {"name": [name]}
    if birth_date is not None:
        query["birthDate"] = [birth_date]
    elif rng.random() < with_date:
        query["birthDate"] = [person.birth_date]
    return query


def wade_giles(person: Identity, rng: random.Random) -> str:
    family = person.family[1][1]
    syllables = [chars[1][1] for chars in person.given_chars]
    if rng.random() < 0.5:  # apostrophes and umlauts are often dropped
        family = strip_marks(family.replace("'", ""))
        syllables = [strip_marks(s.replace("'", "")) for s in syllables]
    return f"{family} {'-'.join(syllables).capitalize()}"


def positive(category: str, person: Identity, rng: random.Random) -> dict[str, list[str]] | None:
    """The query for a person in a category, or None when this person does not fit the category."""
    origin, native = person.origin, person.stored_name
    latin_stored = native.isascii() or all(ord(c) < 0x250 for c in native)
    if category == "cyrillic_to_latin" and origin == "ru" and not latin_stored:
        return _query(latin_name(person, rng), person, rng)
    if category == "latin_to_cyrillic" and origin == "ru" and latin_stored:
        return _query(f"{person.given[0]} {person.family[0]}", person, rng)
    if (
        category in ("greek", "arabic", "hebrew")
        and origin == {"greek": "el", "arabic": "ar", "hebrew": "he"}[category]
    ):
        return _query(latin_name(person, rng), person, rng)
    if category == "chinese_pinyin" and origin == "zh":
        return _query(latin_name(person, rng), person, rng)
    if category == "chinese_wade_giles" and origin == "zh":
        return _query(wade_giles(person, rng), person, rng)
    if category == "diacritics" and origin in ("de", "fr", "es") and native != strip_marks(native):
        plain = german_transliteration(native) if origin == "de" and rng.random() < 0.5 else strip_marks(native)
        return _query(plain, person, rng)
    if category == "token_order" and origin in ("de", "fr"):
        tokens = native.split()
        return _query(" ".join(tokens[1:] + tokens[:1]), person, rng)
    if category == "double_surname" and origin == "es" and person.second_family:
        given, first = strip_marks(person.given[0]), strip_marks(person.family[0])
        form = rng.choice([f"{given} {first}", f"{given} {first}-{strip_marks(person.second_family[0])}"])
        return _query(form, person, rng)
    if category == "patronymic" and origin == "ru" and person.patronymic and not latin_stored:
        return _query(f"{person.given[0]} {person.family[0]}", person, rng)
    if category == "given_variant" and origin in ("ru", "ar", "el") and len(person.given[1]) > 1:
        stored_latin = latin_stored or person.alias
        if origin == "ru" and not latin_stored:
            return None
        variant = rng.choice(person.given[1][1:])
        if stored_latin and variant.lower() in (native + " " + (person.alias or "")).lower():
            return None
        return _query(f"{variant} {person.family[1][0]}", person, rng)
    if category == "initials" and origin in ("de", "fr", "es"):
        tokens = native.split()
        return _query(f"{tokens[0][0]}. {' '.join(tokens[1:])}", person, rng, birth_date=person.birth_date)
    if category in ("typo_one", "typo_two") and origin in ("de", "fr", "es"):
        tokens = native.split()
        long_tokens = [i for i, t in enumerate(tokens) if len(t) >= 5]
        if not long_tokens:
            return None
        index = rng.choice(long_tokens)
        tokens[index] = typo(rng, tokens[index])
        if category == "typo_two":
            second = rng.choice([i for i, t in enumerate(tokens) if len(t) >= 4])
            tokens[second] = typo(rng, tokens[second])
        return _query(" ".join(tokens), person, rng)
    if category == "birth_date_swapped":
        year, month, day = person.birth_date.split("-")
        if int(day) > 12 or day == month:
            return None
        return _query(
            native if latin_stored else latin_name(person, rng, variants=False),
            person,
            rng,
            birth_date=f"{year}-{day}-{month}",
        )
    return None


def negative(category: str, person: Identity, rng: random.Random, taken: set[str]) -> dict[str, list[str]] | None:
    """A near miss of the person: another given or family name (a similar one where the pool leaves one free,
    else one no pool record carries), so that no pool record is this person."""
    if person.origin == "zh":
        family = person.family[1][0]
        own = person.given[1][0]
        for _ in range(20):
            given = "".join(rng.choice(CHINESE_GIVEN)[1][0] for _ in range(len(person.given_chars)))
            name = f"{family} {given.capitalize()}"
            if given != own and _key(name) not in taken:
                return _query(name, person, rng)
        return None
    book = BOOKS[person.origin]
    unused_male, unused_female, unused_family = UNUSED[person.origin]
    given, family = person.given[1][0], person.family[1][0]
    if category == "other_given_name":
        names = book.female if person.gender == "female" else book.male
        similar = [n[1][0] for n in names if n[1][0] != given and n[1][0][0] == given[0]]
        options = [*similar, rng.choice(unused_female if person.gender == "female" else unused_male)]
        given = rng.choice(options)
    else:
        similar = [n[1][0] for n in book.family if n[1][0] != family and n[1][0][:2] == family[:2]]
        family = rng.choice([*similar, rng.choice(unused_family)])
        if person.origin == "ru" and person.gender == "female":
            family = _feminine_russian_latin(family)
    name = f"{given} {family}"
    changed_from, changed_to = (
        (person.given[1][0], given) if category == "other_given_name" else (person.family[1][0], family)
    )
    # One or two letters apart is a spelling of the same name as far as any matcher can tell: not a near miss.
    if _key(name) in taken or levenshtein(ascii_text(changed_from).lower(), ascii_text(changed_to).lower()) <= 2:
        return None
    return _query(name, person, rng)


def cases(people: list[Identity], seed: int = SEED) -> Iterator[dict[str, Any]]:
    rng = random.Random(f"{seed}:cases")
    taken = {_key(p.stored_name) for p in people} | {_key(p.alias) for p in people if p.alias}
    # Names the pool carries in other spellings, or in part (one of two Spanish surnames): a near miss must
    # not be any of them, or it would be a match after all.
    for person in people:
        if person.origin == "zh":
            continue
        families = list(person.family[1]) + (list(person.second_family[1]) if person.second_family else [])
        for given in person.given[1]:
            for family in families:
                taken.add(_key(f"{given} {family}"))
    used: set[str] = set()
    order = list(range(len(people)))
    rng.shuffle(order)
    plan: list[tuple[str, int, str, Callable[[str, Identity], dict[str, list[str]] | None]]] = [
        *(
            (category, wanted, "match", lambda c, p: positive(c, p, rng))
            for category, wanted in POSITIVE_CATEGORIES.items()
        ),
        *(
            (category, wanted, "non_match", lambda c, p: negative(c, p, rng, taken))
            for category, wanted in NEGATIVE_CATEGORIES.items()
        ),
    ]
    for category, wanted, kind, make in plan:
        made = 0
        for index in order:
            person = people[index]
            if made == wanted:
                break
            if person.id in used:
                continue
            query = make(category, person)
            if query is not None:
                used.add(person.id)
                made += 1
                link = {"target": person.id} if kind == "match" else {"near": person.id}
                yield {"id": f"{category}-{made}", "category": category, "kind": kind, "query": query, **link}


def main() -> None:
    people = pool()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    written = list(cases(people))
    with (DATA_DIR / "cases.jsonl").open("w", encoding="utf-8") as handle:
        for case in written:
            handle.write(json.dumps(case, ensure_ascii=False) + "\n")
    (DATA_DIR / "pool.sha256").write_text(pool_digest(people) + "\n")
    matches = sum(1 for case in written if case["kind"] == "match")
    print(f"{len(people)} pool records, {matches} matches and {len(written) - matches} hard non-matches")


if __name__ == "__main__":
    main()
