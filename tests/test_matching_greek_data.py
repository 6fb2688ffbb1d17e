"""The Greek real-world name-matching set loads, matches its checksums and has the promised shape."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from fedeval.matching_greek_set import FILES, GREEK_DIR, load
from fedeval.matching_real_set import ChecksumError


def test_greek_set_has_the_promised_records_categories_and_splits() -> None:
    pool, cases = load()
    ids = {item["id"] for item in pool}
    matches = [case for case in cases if case["kind"] == "match"]
    non_matches = [case for case in cases if case["kind"] == "non_match"]

    assert len(pool) == 281
    assert len(ids) == len(pool)
    assert len(cases) == 388
    assert all(case["target"] in ids for case in matches)
    assert all(case["near"] in ids for case in non_matches)
    assert set(Counter(case["category"] for case in cases)) == {
        "latin_to_greek",
        "greek_to_latin",
        "latin_to_cyrillic",
        "sibling",
    }
    for split in ("tune", "held_out"):
        in_split = [case for case in cases if case["split"] == split]
        assert {case["category"] for case in in_split} == {
            "latin_to_greek",
            "greek_to_latin",
            "latin_to_cyrillic",
            "sibling",
        }


def test_every_record_and_query_carries_a_real_birth_date_only_when_the_source_has_a_full_one() -> None:
    pool, cases = load()

    assert all(item["properties"]["birthDate"][0][:4].isdigit() for item in pool)
    for case in cases:
        dates = case["query"].get("birthDate", [])
        assert (case["date"] == "full") == bool(dates)
        assert all(len(date) == 10 for date in dates)


def test_a_changed_data_file_is_refused(tmp_path: Path) -> None:
    for name in (*FILES, "SHA256SUMS"):
        shutil.copy(GREEK_DIR / name, tmp_path / name)
    (tmp_path / "pool.jsonl.gz").write_bytes((GREEK_DIR / "pool.jsonl.gz").read_bytes() + b"\0")

    with pytest.raises(ChecksumError, match=r"pool\.jsonl\.gz"):
        load(tmp_path)
