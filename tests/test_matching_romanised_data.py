"""The Chinese-romanisation set loads, matches its checksums, is what its builder makes and has the promised shape."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from fedeval.matching_real_set import ChecksumError
from fedeval.matching_romanised_set import FILES, ROMANISED_DIR, build, load, read_persons, write


def _letters(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalpha())


def test_the_builder_makes_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    pool, cases = build()
    write(pool, cases, tmp_path)

    for name in (*FILES, "SHA256SUMS"):
        assert (tmp_path / name).read_bytes() == (ROMANISED_DIR / name).read_bytes(), name


def test_romanised_set_has_the_promised_records_categories_and_splits() -> None:
    pool, cases = load()
    ids = {item["id"] for item in pool}
    matches = [case for case in cases if case["kind"] == "match"]
    non_matches = [case for case in cases if case["kind"] == "non_match"]

    assert len(pool) == 346
    assert len(ids) == len(pool)
    assert len(cases) == 626
    assert all(case["target"] in ids for case in matches)
    assert all(case["near"] in ids for case in non_matches)
    assert Counter((case["split"], case["category"]) for case in matches) == {
        ("tune", "cantonese"): 110,
        ("tune", "wade_giles"): 69,
        ("tune", "singapore"): 91,
        ("held_out", "malaysian"): 76,
    }
    assert Counter((case["split"], case["category"]) for case in non_matches) == {
        ("tune", "cantonese"): 73,
        ("tune", "wade_giles"): 65,
        ("tune", "singapore"): 81,
        ("held_out", "malaysian"): 61,
    }


def test_each_person_is_one_record_in_chinese_searched_by_their_own_latin_name() -> None:
    pool, cases = load()
    targets = Counter(case["target"] for case in cases if case["kind"] == "match")

    assert set(targets.values()) == {1}
    assert set(targets) == {item["id"] for item in pool}
    for item in pool:
        name = item["properties"]["name"][0]
        assert 2 <= len(name) <= 4
        assert all("\u3400" <= ch <= "\u9fff" or ch >= "\U00020000" for ch in name), name


def test_every_query_carries_a_birth_date_only_when_the_source_has_a_full_one() -> None:
    pool, cases = load()
    born = {item["id"]: item["properties"].get("birthDate", [""])[0] for item in pool}

    for case in cases:
        dates = case["query"].get("birthDate", [])
        assert (case["date"] == "full") == bool(dates)
        assert all(len(date) == 10 for date in dates)
        if case["kind"] == "match":
            birth = born[case["target"]]
            assert case["date"] == ("full" if len(birth) == 10 else "partial" if birth else "none")
        else:
            assert dates == [born[case["near"]]]


def test_no_hard_non_match_bears_the_name_of_a_person_in_the_source() -> None:
    _, cases = load()
    persons = read_persons()
    real_names = {_letters(name) for person in persons for name in (person.latin, person.short_latin)}
    siblings = [case["query"]["name"][0] for case in cases if case["kind"] == "non_match"]

    assert not {_letters(name) for name in siblings} & real_names
    assert len({_letters(name) for name in siblings}) == len(siblings)


def test_a_changed_data_file_is_refused(tmp_path: Path) -> None:
    for name in (*FILES, "SHA256SUMS"):
        shutil.copy(ROMANISED_DIR / name, tmp_path / name)
    (tmp_path / "cases.jsonl.gz").write_bytes((ROMANISED_DIR / "cases.jsonl.gz").read_bytes() + b"\0")

    with pytest.raises(ChecksumError, match=r"cases\.jsonl\.gz"):
        load(tmp_path)
