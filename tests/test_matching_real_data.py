"""The real-world name-matching set loads, matches its checksums and has the promised shape."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from fedeval.matching_real_set import FILES, REAL_DIR, SCRIPTS, ChecksumError, load


def test_real_set_has_the_promised_pairs_scripts_and_splits() -> None:
    pool, cases = load()
    ids = {item["id"] for item in pool}
    matches = [case for case in cases if case["kind"] == "match"]
    non_matches = [case for case in cases if case["kind"] == "non_match"]

    assert len(matches) >= 3000
    assert len(pool) >= 19_000
    assert len(ids) == len(pool)
    assert all(case["target"] in ids for case in matches)
    assert all(case["near"] in ids for case in non_matches)
    assert set(Counter(case["script"] for case in matches)) == set(SCRIPTS)
    assert {"chinese_simplified", "chinese_traditional"} <= {case["script"] for case in non_matches}
    for split in ("tune", "held_out"):
        in_split = [case for case in matches if case["split"] == split]
        assert {case["script"] for case in in_split} == set(SCRIPTS)
        assert len(in_split) >= 1000


def test_a_changed_data_file_is_refused(tmp_path: Path) -> None:
    for name in (*FILES, "SHA256SUMS"):
        shutil.copy(REAL_DIR / name, tmp_path / name)
    (tmp_path / "cases.jsonl.gz").write_bytes((REAL_DIR / "cases.jsonl.gz").read_bytes() + b"\0")

    with pytest.raises(ChecksumError, match=r"cases\.jsonl\.gz"):
        load(tmp_path)
