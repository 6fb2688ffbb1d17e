"""A slice of the name-matching evaluation set (tests/data/matching) through the node's real matching path."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from fedeval.matching import TARGET_PRECISION, TARGET_RECALL, run, store_for

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


def test_the_evaluation_orders_ties_the_same_way_in_every_build_of_a_store(tmp_path: Path) -> None:
    """Hits of equal score fall in the order of their records' references: a node draws them at random, the
    evaluation's stores take them from the entity ids, so that a figure does not move from build to build."""
    namesakes = [
        {"id": f"p{index}", "schema": "Person", "properties": {"name": ["Anna Schmidt"], "birthDate": ["1970-01-01"]}}
        for index in range(5)
    ]
    builds = []
    for build in ("first", "second"):
        path = store_for(namesakes, "ties", tmp_path / build)
        with closing(sqlite3.connect(path)) as connection:
            builds.append(connection.execute("SELECT entity_id, ref FROM records ORDER BY entity_id").fetchall())
    assert builds[0] == builds[1]
    assert len({ref for _, ref in builds[0]}) == len(namesakes)
