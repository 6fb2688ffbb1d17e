"""A slice of the name-matching evaluation set (tests/data/matching) through the node's real matching path."""

from __future__ import annotations

from pathlib import Path

from fedeval.matching import TARGET_PRECISION, TARGET_RECALL, run

SLICE = 200  # cases of each kind: 200 matches (every category in turn) and 200 hard non-matches


def test_recall_and_precision_stay_above_target(tmp_path: Path) -> None:
    result = run(SLICE, compare=False, cache=tmp_path)
    ours = result["fedgate"]
    weakest = min(ours["recall_by_category"].items(), key=lambda item: item[1])
    assert ours["recall_at_10"] >= TARGET_RECALL, f"recall@10 {ours['recall_at_10']}, weakest category {weakest}"
    assert ours["precision"] >= TARGET_PRECISION, f"precision {ours['precision']} ({ours['false_positives']} wrong)"
    assert result["matches"] == SLICE
    assert result["non_matches"] == SLICE
    assert len(ours["recall_by_category"]) == 16
